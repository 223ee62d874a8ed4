"""Engine/report test options: ``--update-golden`` rewrites files under tests/engine/golden/.

``pytest tests/engine --update-golden`` (the option is defined in tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from shared_data import golden_checker

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)``: compare with golden/<name>, or rewrite it with --update-golden."""
    return golden_checker(request, GOLDEN)

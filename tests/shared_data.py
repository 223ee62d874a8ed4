"""Access to the read-only ../shared folder; tests skip cleanly when it is absent.

Imported as ``from shared_data import shared_path`` (a unique module name: several test
folders have their own conftest.py, so importing from conftest is ambiguous).
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared not present ({path})")
    return path

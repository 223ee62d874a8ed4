"""Golden-file options for the per-resource pricing tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True with ``--update-golden`` (or COSTGATE_UPDATE_GOLDEN=1 when run from another root)."""
    try:
        flag = bool(request.config.getoption("--update-golden"))
    except ValueError:
        flag = False
    return flag or os.environ.get("COSTGATE_UPDATE_GOLDEN") == "1"

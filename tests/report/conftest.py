"""Report test options: ``--update-golden`` rewrites files under tests/report/golden/.

Pass the folder so pytest loads this conftest early: ``pytest tests/report --update-golden``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"




@pytest.fixture
def report_golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``report_golden(name, text)``: compare with golden/<name>, or rewrite it."""
    update = bool(request.config.getoption("--update-golden", default=False))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_bytes(text.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(f"missing golden file {path}; run pytest tests/report --update-golden")
        expected = path.read_bytes().decode("utf-8")
        if text != expected:
            diff = "".join(difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True),
                f"golden/{name}", "actual"))
            pytest.fail(f"output differs from golden/{name}:\n{diff}")

    return check

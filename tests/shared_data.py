"""Access to the read-only ../shared folder; tests skip cleanly when it is absent.

Imported as ``from shared_data import shared_path`` (a unique module name: several test
folders have their own conftest.py, so importing from conftest is ambiguous).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
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


def golden_checker(request: pytest.FixtureRequest, folder: Path) -> Callable[[str, str], None]:
    """``check(name, text)``: compare with ``folder/name``, or rewrite it with --update-golden.

    Bytes are compared as written (no newline translation); a mismatch fails with a unified diff.
    """
    update = bool(request.config.getoption("--update-golden", default=False))

    def check(name: str, text: str) -> None:
        path = folder / name
        if update:
            path.write_bytes(text.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(f"missing golden file {path}; run pytest with --update-golden")
        expected = path.read_bytes().decode("utf-8")
        if text != expected:
            diff = "".join(difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True),
                f"{folder.name}/{name}", "actual"))
            pytest.fail(f"output differs from {folder.name}/{name}:\n{diff}")

    return check

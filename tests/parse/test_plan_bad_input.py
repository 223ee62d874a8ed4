"""Bad input: one clear PlanError line naming the file, never a traceback or a leak."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costgate.errors import ExitCode, PlanError
from costgate.parse.loader import MAX_INPUT_BYTES, load_input

GOOD = {
    "format_version": "1.2",
    "terraform_version": "1.11.4",
    "variables": {"db_password": {"value": "hunter2-secret"}},
    "resource_changes": [],
}


def _error(tmp_path: Path, content: bytes, name: str = "plan.json", **kwargs: int) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlanError) as info:
        load_input(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert info.value.exit_code == ExitCode.INPUT_ERROR
    assert "\n" not in message and message.startswith(str(path))
    assert "hunter2" not in message  # never echo plan content
    return message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"  \n\t\n", "file is empty"),
        (b"hello world", "not valid JSON"),
        (b"\xff\xfe{\x00}", "not UTF-8"),
        (b"PK\x03\x04rest-of-a-zip", "binary plan file"),
        (b"[1, 2, 3]", "JSON but not a Terraform plan or state: top level is an array"),
        (b'"just a string"', "top level is a string"),
        (b'{"hello": "world"}', "JSON but not a Terraform plan or state"),
        (
            b'{"format_version": "2.0", "resource_changes": []}',
            "format_version 2.0 is not supported",
        ),
        (b'{"plan_format_version": "3.1"}', "plan_format_version 3.1 is not supported"),
        (b'{"format_version": "banana"}', "is not a version number"),
        (b'{"format_version": 1}', "format_version is not a string"),
        (b'{"version": 3, "resources": [], "terraform_version": "0.11.14"}', "raw state version 3"),
        (b'{"format_version": "1.2", "x": ' + b"1" * 5000 + b"}", "invalid JSON value"),
    ],
)
def test_bad_content(tmp_path: Path, content: bytes, expected: str) -> None:
    assert expected in _error(tmp_path, content)


def test_truncated_plan(tmp_path: Path) -> None:
    text = json.dumps(GOOD).encode()
    assert "truncated" in _error(tmp_path, text[: len(text) // 2])


def test_not_json_in_the_middle_is_not_called_truncated(tmp_path: Path) -> None:
    message = _error(tmp_path, b'{"format_version": "1.2", oops: 1}')
    assert "not valid JSON" in message and "line 1 column" in message


def test_deeply_nested_json(tmp_path: Path) -> None:
    depth = 100_000
    content = b'{"format_version": "1.2", "resource_changes": ' + b"[" * depth + b"]" * depth + b"}"
    assert "nested too deeply" in _error(tmp_path, content)


def test_wrapper_output_without_a_complete_plan(tmp_path: Path) -> None:
    content = b'[command]/usr/bin/terraform-bin show -json plan.tfplan\n{"format_version": \n'
    assert "terraform_wrapper: false" in _error(tmp_path, content)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:  # sparse: 2 GiB on paper, nothing on disk
        fh.truncate(2 * 1024**3)
    with pytest.raises(PlanError) as info:
        load_input(path)
    assert "2.0 GiB, over the 1.0 GiB limit" in str(info.value)
    assert MAX_INPUT_BYTES == 1024**3


def test_custom_size_limit(tmp_path: Path) -> None:
    assert "limit" in _error(tmp_path, json.dumps(GOOD).encode(), max_bytes=10)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="no such file"):
        load_input(tmp_path / "absent.json")
    with pytest.raises(PlanError, match="is a directory"):
        load_input(tmp_path)


def test_empty_plan_and_empty_state_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(GOOD))
    parsed = load_input(path)
    assert parsed.changes == () and parsed.metadata.kind == "plan"
    path.write_text('{"format_version": "1.0"}')  # `terraform show -json` with no state
    assert load_input(path).metadata.kind == "state"


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    payload = io.TextIOWrapper(io.BytesIO(json.dumps(GOOD).encode()))
    monkeypatch.setattr(sys, "stdin", payload)
    parsed = load_input(Path("-"))
    assert parsed.metadata.source == "-" and parsed.changes == ()


def test_gc_state_is_restored(tmp_path: Path) -> None:
    import gc

    path = tmp_path / "plan.json"
    path.write_text(json.dumps(GOOD))
    assert gc.isenabled()
    load_input(path)
    assert gc.isenabled()
    path.write_text("{")
    with pytest.raises(PlanError):
        load_input(path)
    assert gc.isenabled()

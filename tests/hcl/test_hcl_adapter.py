"""The python-hcl2 adapter: normalised shape, syntax errors, hclcheck edge cases, JSON, cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_data import shared_path

from costgate.parse import hcl
from costgate.parse.hcl import HclSyntaxError, load_file, parse_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hcl"


def test_normalised_shape_keeps_literals_and_expressions_apart() -> None:
    body = parse_text(
        'resource "aws_instance" "web" {\n'
        '  count = var.n\n  a = "3"\n  b = 3\n  c = "x-${var.e}"\n  d = [var.x, "y"]\n'
        '  tags = { Name = "n", "q" = 1 }\n'
        "  ebs_block_device { volume_size = 10 }\n"
        '  dynamic "setting" {\n    for_each = var.s\n    content { v = setting.value }\n  }\n'
        "}\n",
        "main.tf",
    )
    (block,) = body["blocks"]
    assert block["type"] == "resource" and block["labels"] == ["aws_instance", "web"]
    attrs = block["body"]["attrs"]
    assert attrs == {
        "count": "(var.n)", "a": '"3"', "b": "3", "c": '"x-${var.e}"',
        "d": '[(var.x), "y"]', "tags": '{"Name" = "n", "q" = 1}',
    }
    kinds = [(b["type"], b["labels"]) for b in block["body"]["blocks"]]
    assert kinds == [("ebs_block_device", []), ("dynamic", ["setting"])]


def test_syntax_error_names_file_line_and_column() -> None:
    with pytest.raises(HclSyntaxError, match=r"^syntax_error/main\.tf:9:1: syntax error: "
                                             r"unexpected end of file"):
        load_file(FIXTURES / "syntax_error" / "main.tf", "syntax_error/main.tf", cache=False)
    with pytest.raises(HclSyntaxError, match=r"^x\.tf:2:5: syntax error: unexpected"):
        parse_text("a = 1\nb = = 2\n", "x.tf")


def test_hclcheck_bom_parses() -> None:
    path = shared_path("plan-corpus", "generated-tf1.11.4", "configs", "hclcheck_bom", "main.tf")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    body = load_file(path, "main.tf", cache=False)
    assert body["blocks"][0]["body"]["attrs"] == {"input": '"x"'}


def test_hclcheck_duplicate_attribute_is_refused_like_terraform() -> None:
    path = shared_path("plan-corpus", "generated-tf1.11.4", "configs", "hclcheck_dupattr", "main.tf")
    with pytest.raises(HclSyntaxError, match=r"main\.tf:3:3: attribute 'input' is set twice"):
        load_file(path, "main.tf", cache=False)


def test_hclcheck_heredoc_with_trailing_spaces_parses() -> None:
    path = shared_path("plan-corpus", "generated-tf1.11.4", "configs", "hclcheck_heredoc_trailing",
                       "main.tf")
    body = load_file(path, "main.tf", cache=False)
    assert json.loads(body["blocks"][0]["body"]["attrs"]["input"]) == '{"a": 1}'


def test_attribute_and_block_clash_is_a_syntax_error() -> None:
    with pytest.raises(HclSyntaxError, match="already defined"):
        parse_text('resource "a" "b" {\n  volume = 1\n  volume {\n  }\n}\n', "c.tf")


def test_tf_json_is_read_as_terraform_json_syntax() -> None:
    body = load_file(FIXTURES / "tfjson" / "main.tf.json", "main.tf.json", cache=False)
    kinds = [(b["type"], b["labels"]) for b in body["blocks"]]
    assert kinds == [("variable", ["size"]), ("resource", ["aws_ebs_volume", "json_vol"])]
    attrs = body["blocks"][1]["body"]["attrs"]
    assert attrs["size"] == '"${var.size * 2}"' and attrs["count"] == "2"
    with pytest.raises(HclSyntaxError, match=r"bad\.tf\.json:1:\d+: invalid JSON"):
        hcl.parse_json('{"resource": ', "bad.tf.json")


def test_empty_file_is_an_empty_body() -> None:
    assert parse_text("\n  \n", "empty.tf") == {"attrs": {}, "blocks": []}


def test_parse_cache_is_keyed_by_content_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))
    tf = tmp_path / "main.tf"
    tf.write_text('locals {\n  a = "one"\n}\n', encoding="utf-8")
    first = load_file(tf, "main.tf")
    entries = list((tmp_path / "cache" / "hcl").glob("*.json"))
    assert len(entries) == 1 and json.loads(entries[0].read_text()) == first
    assert not list((tmp_path / "cache" / "hcl").glob(".hcl.*"))  # no temp file left behind
    # Same bytes → the cached JSON is used (poison it to prove python-hcl2 is not called).
    poisoned = {"attrs": {}, "blocks": [{"type": "locals", "labels": [], "body": {
        "attrs": {"a": '"cached"'}, "blocks": []}}]}
    entries[0].write_text(json.dumps(poisoned), encoding="utf-8")
    assert load_file(tf, "main.tf") == poisoned
    # Changed bytes → a new entry, parsed afresh.
    tf.write_text('locals {\n  a = "two"\n}\n', encoding="utf-8")
    assert load_file(tf, "main.tf")["blocks"][0]["body"]["attrs"] == {"a": '"two"'}
    assert len(list((tmp_path / "cache" / "hcl").glob("*.json"))) == 2
    # A corrupt entry is ignored, not fatal.
    for entry in (tmp_path / "cache" / "hcl").glob("*.json"):
        entry.write_text("{not json", encoding="utf-8")
    assert load_file(tf, "main.tf")["blocks"][0]["body"]["attrs"] == {"a": '"two"'}

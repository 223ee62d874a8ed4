"""The real-plan corpus (../shared/plan-corpus): every file loads; §12 samples behave."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from costgate.errors import PlanError
from costgate.model.resource import Action, ParsedInput
from costgate.parse.loader import load_input
from tests.conftest import shared_path


def _corpus(*parts: str) -> Path:
    return shared_path("plan-corpus", *parts)


def _load(*parts: str) -> ParsedInput:
    return load_input(_corpus(*parts))


def _actions(parsed: ParsedInput) -> dict[str, Action]:
    return {
        c.address if c.deposed is None else f"{c.address}#{c.deposed}": c.action
        for c in parsed.changes
    }


def test_every_indexed_corpus_file_loads() -> None:
    root = _corpus()
    index = json.loads((root / "index.json").read_text())
    assert len(index) == 80
    managed = 0
    for entry in index:
        parsed = load_input(root / entry["file"])  # no exception of any kind
        managed += len(parsed.changes)
        assert parsed.metadata.source == str(root / entry["file"])
    assert managed > 600  # 744 resource_changes minus data reads (plus prior_state baselines)


def test_every_other_corpus_file_loads_or_fails_cleanly() -> None:
    """Configs, text renderings and state files: a ParsedInput or a PlanError, never a crash."""
    root = _corpus()
    listed = {e["file"] for e in json.loads((root / "index.json").read_text())}
    outcomes: Counter[str] = Counter()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if str(path.relative_to(root)) in listed:
            continue
        try:
            parsed = load_input(path)
            outcomes[parsed.metadata.kind] += 1
        except PlanError as exc:
            message = str(exc)
            assert "\n" not in message and message.startswith(str(path))
            outcomes["error"] += 1
    assert outcomes["state"] >= 5  # the terraform.tfstate files
    assert outcomes["error"] > 0  # the .tf sources and human-readable plan texts


def test_generated_p2_every_action_kind() -> None:
    parsed = _load("generated-tf1.11.4", "v2__p2.json")
    acts = _actions(parsed)
    assert acts["terraform_data.cbd"] is Action.CREATE
    assert acts['terraform_data.env["dev"]'] is Action.REPLACE
    assert acts['terraform_data.env["prod"]'] is Action.DELETE
    assert acts["terraform_data.pw"] is Action.FORGET
    assert acts["terraform_data.unknown_dep"] is Action.UPDATE
    assert acts["module.app_count[0].module.nested.terraform_data.leaf[1]"] is Action.DELETE
    assert "data.terraform_remote_state.other" not in acts  # deferred data read: ignored
    moved = next(c for c in parsed.changes if c.address == "terraform_data.moved_here")
    assert (moved.action, moved.previous_address) == (Action.NOOP, "terraform_data.to_move")
    forget = next(c for c in parsed.changes if c.address == "terraform_data.pw")
    assert forget.before is not None and forget.after is None
    assert forget.action_reason == "delete_because_no_resource_config"
    assert {c.provider for c in parsed.changes} == {"terraform"}  # builtin provider


def test_generated_p3_create_before_destroy_and_triggers() -> None:
    parsed = _load("generated-tf1.11.4", "v3__p3.json")
    by_addr = {c.address: c for c in parsed.changes}
    assert by_addr["terraform_data.cbd"].action is Action.REPLACE
    assert by_addr["terraform_data.follower"].action_reason == "replace_by_triggers"


def test_generated_p1_keys_modules_sensitive() -> None:
    parsed = _load("generated-tf1.11.4", "v1__p1.json")
    by_addr = {c.address: c for c in parsed.changes}
    leaf = by_addr['module.app["blue"].module.nested.terraform_data.leaf[1]'].after
    assert leaf is not None
    assert (leaf.module_address, leaf.index) == ('module.app["blue"].module.nested', 1)
    env = by_addr['terraform_data.env["prod"]'].after
    assert env is not None and env.index == "prod"
    pw = by_addr["terraform_data.pw"].after
    assert pw is not None and pw.get("input") == "(sensitive)"
    assert pw.is_unknown("output") and pw.is_unknown("id")


def test_destroy_refresh_target_errored() -> None:
    destroy = _load("generated-tf1.11.4", "v3__pdestroy.json")
    assert {c.action for c in destroy.changes} == {Action.DELETE}
    assert all(c.after is None and c.before is not None for c in destroy.changes)

    refresh = _load("generated-tf1.11.4", "v1__prefresh.json")
    assert {c.action for c in refresh.changes} == {Action.NOOP}  # prior_state as baseline
    assert "no-changes" in {d.code for d in refresh.diagnostics}
    assert refresh.metadata.applyable is False and refresh.metadata.errored is False

    errored_refresh = _load("generated-tf1.11.4", "v3__prefresh.json")
    assert errored_refresh.metadata.errored is True

    target = _load("generated-tf1.11.4", "v3__ptarget.json")
    assert target.metadata.complete is False and target.metadata.errored is False
    assert "plan-incomplete" in {d.code for d in target.diagnostics}

    errored = _load("generated-tf1.11.4", "err__pe.json")
    assert (errored.metadata.errored, errored.metadata.complete) == (True, False)
    codes = [d.code for d in errored.diagnostics]
    assert "plan-errored" in codes and "check-failed" in codes
    failed = next(d for d in errored.diagnostics if d.code == "check-failed")
    assert failed.address == "terraform_data.b" and "nope" not in failed.message


def test_data_source_only_in_prior_state() -> None:
    parsed = _load("generated-tf1.11.4", "misc__m.json")
    assert all(not c.address.startswith("data.") for c in parsed.changes)


def test_raw_tfstate_baseline() -> None:
    parsed = _load("generated-tf1.11.4", "configs", "v1", "terraform.tfstate")
    assert parsed.metadata.kind == "state"
    assert parsed.changes and {c.action for c in parsed.changes} == {Action.NOOP}
    by_addr = {c.address: c for c in parsed.changes}
    assert 'module.app["blue"].module.nested.terraform_data.leaf[0]' in by_addr
    assert 'terraform_data.env["dev"]' in by_addr
    pw = by_addr["terraform_data.pw"].after
    assert pw is not None and pw.get("input") == "(sensitive)"  # sensitive_attributes paths


def test_terraform_012_short_provider_names() -> None:
    parsed = _load("hashicorp-terraform-json", "testdata__basic__plan.json")
    assert {c.provider for c in parsed.changes} == {"null"}  # "null.aliased" → "null"
    assert len(parsed.changes) == 7  # the data read is dropped


def test_redacted_and_wrapper_and_importing() -> None:
    redacted = _load("edge-cases", "tfc__plan-json-basic__plan-redacted.json")
    assert (redacted.metadata.kind, redacted.metadata.format_version) == ("redacted-plan", "1.1")
    assert [c.address for c in redacted.changes] == ["null_resource.foo"]

    wrapped = _load("edge-cases", "infracost__plan_with_terraform_wrapper.txt")
    assert wrapped.metadata.terraform_version == "1.0.11"
    assert len(wrapped.changes) == 2 and "wrapper-output" in {d.code for d in wrapped.diagnostics}
    assert {c.after.region for c in wrapped.changes if c.after} == {"us-east-1"}

    imported = _load(
        "hashicorp-terraform",
        "internal__cloud__testdata__plan-import-config-gen__plan-redacted.json",
    )
    assert [c.importing for c in imported.changes] == [True]


def test_golden_without_terraform_version() -> None:
    parsed = _load(
        "hashicorp-terraform", "internal__command__testdata__show-json__basic-delete__output.json"
    )
    assert parsed.metadata.terraform_version is None and parsed.metadata.format_version == "1.0"
    assert {c.action for c in parsed.changes} == {Action.UPDATE, Action.DELETE}


def test_real_aws_plan_with_nested_modules() -> None:
    parsed = _load("infracost", "cmd__infracost__testdata__terraform_v0.14_plan.json")
    counts = Counter(c.action for c in parsed.changes)
    assert counts == {Action.NOOP: 13, Action.CREATE: 12, Action.UPDATE: 1}
    assert all(c.provider == "aws" for c in parsed.changes)
    regions = {(c.after or c.before).region for c in parsed.changes if c.after or c.before}
    assert regions == {"us-east-1"}


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b""])
def test_bom_is_accepted(tmp_path: Path, bom: bytes) -> None:
    source = _corpus("generated-tf1.11.4", "v3__p3.json").read_bytes()
    path = tmp_path / "plan.json"
    path.write_bytes(bom + source)
    assert len(load_input(path).changes) == 14

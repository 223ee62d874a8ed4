"""Plan reader on hand-written fixtures: actions, unknowns, sensitive values, deposed, state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from costgate.model.resource import (
    Action,
    Diagnostic,
    ParsedInput,
    PlanMetadata,
    Resource,
    ResourceChange,
)
from costgate.parse.loader import load_input, parse_document
from costgate.parse.plan import classify_actions
from costgate.parse.values import SENSITIVE, mask_sensitive, unknown_keys

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "plans"


@pytest.fixture(scope="module")
def actions() -> ParsedInput:
    return load_input(FIXTURES / "actions.json")


def _change(parsed: ParsedInput, address: str, deposed: str | None = None) -> ResourceChange:
    found = [c for c in parsed.changes if c.key == (address, deposed)]
    assert len(found) == 1, f"{address} found {len(found)} times"
    return found[0]


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["no-op"], Action.NOOP),
        (["create"], Action.CREATE),
        (["update"], Action.UPDATE),
        (["delete"], Action.DELETE),
        (["delete", "create"], Action.REPLACE),
        (["create", "delete"], Action.REPLACE),
        (["create", "forget"], Action.FORGET),
        (["forget"], Action.FORGET),
        (["read"], Action.READ),
        ([], None),
        (["frobnicate"], None),
        ("create", None),
    ],
)
def test_classify_actions(actions: Any, expected: Action | None) -> None:
    assert classify_actions(actions) is expected


def test_sides_follow_the_action_table(actions: ParsedInput) -> None:
    sides = {
        c.address: (c.action, c.before is not None, c.after is not None) for c in actions.changes
    }
    assert sides["aws_db_instance.db"] == (Action.CREATE, False, True)
    assert sides["aws_instance.web"] == (Action.UPDATE, True, True)
    assert sides["aws_instance.cbd"] == (Action.REPLACE, True, True)
    assert sides["aws_instance.dc"] == (Action.REPLACE, True, True)
    assert sides["aws_instance.forgotten"] == (Action.FORGET, True, False)
    assert sides["aws_instance.reborn"] == (Action.FORGET, True, True)  # create,forget
    assert sides["aws_instance.gone"] == (Action.NOOP, False, False)  # both null: zero cost


def test_data_sources_and_unknown_actions_are_not_changes(actions: ParsedInput) -> None:
    addresses = [c.address for c in actions.changes]
    assert "data.aws_ami.ubuntu" not in addresses
    assert "aws_instance.weird" not in addresses
    codes = [d.code for d in actions.diagnostics]
    assert "unknown-action" in codes
    assert "duplicate-entry" in codes  # aws_instance.gone listed twice: kept once


def test_importing_moves_and_reasons(actions: ParsedInput) -> None:
    assert _change(actions, "aws_instance.imported").importing is True
    assert _change(actions, "aws_instance.web").importing is False
    moved = _change(actions, "aws_instance.moved")
    assert (moved.action, moved.previous_address) == (Action.NOOP, "aws_instance.old")
    assert _change(actions, "aws_instance.cbd").action_reason == "replace_because_cannot_update"
    assert _change(actions, "aws_instance.dc").action_reason == "unspecified"  # unknown value
    assert _change(actions, "aws_instance.web").action_reason is None


def test_index_keys(actions: ParsedInput) -> None:
    each = _change(actions, 'aws_instance.each["a.b[0]"]').after
    count = _change(actions, "aws_instance.count[0]").after
    assert each is not None and each.index == "a.b[0]"
    assert count is not None and count.index == 0  # 0 is a valid index, not "absent"


def test_unknown_attributes(actions: ParsedInput) -> None:
    db = _change(actions, "aws_db_instance.db").after
    assert db is not None
    assert db.is_unknown("storage_type") and db.get("storage_type") is None
    assert not db.is_unknown("allocated_storage") and db.number("allocated_storage") == 100
    web = _change(actions, "aws_instance.web").after
    assert web is not None
    # a block with one unknown leaf is "not fully known"; known leaves stay readable
    assert web.is_unknown("root_block_device")
    assert web.blocks("root_block_device")[0]["volume_size"] == 20
    assert not web.is_unknown("ebs_block_device") and not web.is_unknown("public_ip")


def test_sensitive_values_are_masked(actions: ParsedInput) -> None:
    db = _change(actions, "aws_db_instance.db").after
    assert db is not None
    assert db.tags == {"Owner": "alice", "ApiKey": SENSITIVE, "team": "data"}  # from tags_all
    assert db.get("password") == SENSITIVE
    assert db.is_unknown("password")  # masked values read as unknown, never as text
    assert not db.is_unknown("tags") and not db.is_unknown("instance_class")
    assert "hunter2" not in json.dumps(db.model_dump(mode="json"))
    secret = _change(actions, "aws_instance.secret_tags").after
    assert secret is not None and secret.tags == {"Name": SENSITIVE}  # whole map sensitive
    raw = json.loads((FIXTURES / "actions.json").read_text())
    assert raw["resource_changes"][0]["change"]["after"]["password"] == "hunter2"  # not mutated


def test_mask_and_unknown_helpers() -> None:
    values = {"a": [1, {"b": "x", "c": "y"}], "d": None, "e": {"f": "g"}}
    masked = mask_sensitive(values, {"a": [False, {"c": True}], "d": True, "e": True})
    assert masked == {"a": [1, {"b": "x", "c": SENSITIVE}], "d": None, "e": SENSITIVE}
    assert values["a"][1]["c"] == "y"  # input untouched
    assert mask_sensitive(values, {}) is values  # nothing to mask: no copy
    assert unknown_keys({"a": True, "b": False, "c": [False, True], "d": {"e": {}}}) == {"a", "c"}
    assert unknown_keys(True) == frozenset()  # bare boolean (outputs) is not attributes


def test_deposed_object_keeps_its_own_key() -> None:
    parsed = load_input(FIXTURES / "deposed.json")
    current = _change(parsed, "aws_instance.web")
    deposed = _change(parsed, "aws_instance.web", "23af97a9")
    assert current.action is Action.NOOP and current.after is not None
    assert current.after.text("instance_type") == "m5.large"
    assert deposed.action is Action.DELETE and deposed.after is None
    assert deposed.before is not None and deposed.before.text("instance_type") == "m5.xlarge"
    assert current.key != deposed.key


def test_show_json_state_is_a_current_cost_baseline() -> None:
    parsed = load_input(FIXTURES / "state_show.json")
    assert parsed.metadata.kind == "state"
    assert [c.key for c in parsed.changes] == [
        ("aws_ebs_volume.logs", None),
        ('module.db["main"].aws_db_instance.this', None),
        ('module.db["main"].aws_db_instance.this', "00000001"),
    ]
    for change in parsed.changes:
        assert change.action is Action.NOOP and change.before == change.after
    db = parsed.changes[1].after
    assert db is not None
    assert db.module_address == 'module.db["main"]' and db.get("password") == SENSITIVE
    assert (db.region, db.region_source) == ("eu-west-2", "attribute")


def test_fast_construction_equals_validated_models(actions: ParsedInput) -> None:
    """The reader skips validation; what it builds must equal the validated models."""
    for change in actions.changes:
        assert ResourceChange.model_validate(change.model_dump()) == change
        for side in (change.before, change.after):
            if side is not None:
                assert Resource.model_validate(side.model_dump()) == side
                assert side.model_fields_set == set(Resource.model_fields)
    for diag in actions.diagnostics:
        assert Diagnostic.model_validate(diag.model_dump()) == diag
    assert PlanMetadata.model_validate(actions.metadata.model_dump()) == actions.metadata
    assert ParsedInput.model_validate(actions.model_dump()) == actions


def test_every_action_on_a_synthetic_plan_with_absurd_values() -> None:
    absurd = {"size": -5, "iops": 10**12, "type": ["not", "a", "string"], "tags": {"a": None}}
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_ebs_volume.v",
                "type": "aws_ebs_volume",
                "name": "v",
                "mode": "managed",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "index": True,  # nonsense index is dropped, not fatal
                "change": {
                    "actions": ["create"],
                    "after": absurd,
                    "after_unknown": "yes",
                    "after_sensitive": ["x"],
                },
            },
            "not an object",
            {"address": 7},
            {"address": "aws_s3_bucket.b", "change": {"actions": ["create"], "after": {}}},
            {
                "address": "aws_iam_user.secret",
                "type": "aws_iam_user",
                "name": "secret",
                "mode": "managed",
                "change": {
                    "actions": ["create"],
                    "after": {"name": "root-ish", "tags": {"k": "v"}},
                    "after_sensitive": True,  # the whole object
                },
            },
        ],
    }
    parsed = parse_document(doc, "t")
    volume = _change(parsed, "aws_ebs_volume.v").after
    assert volume is not None and volume.index is None and volume.number("size") == -5
    assert volume.tags == {}
    bucket = _change(parsed, "aws_s3_bucket.b")
    assert bucket.provider == "aws"  # no provider_name: falls back to the type prefix
    assert sum(d.code == "malformed-entry" for d in parsed.diagnostics) == 2
    secret = _change(parsed, "aws_iam_user.secret").after
    assert secret is not None and secret.get("name") == SENSITIVE
    assert secret.tags == {"k": SENSITIVE} and secret.is_unknown("name")


def test_deferred_changes_are_read_with_unknown_values() -> None:
    doc = {
        "format_version": "1.2",
        "resource_changes": [],
        "deferred_changes": [
            {
                "reason": "resource_config_unknown",
                "resource_change": {
                    "address": "aws_instance.later[*]",
                    "type": "aws_instance",
                    "name": "later",
                    "mode": "managed",
                    "index_unknown": True,
                    "provider_name": "registry.terraform.io/hashicorp/aws",
                    "change": {"actions": ["create"], "after": {"instance_type": "t3.micro"}},
                },
            }
        ],
    }
    parsed = parse_document(doc, "t")
    (change,) = parsed.changes
    assert change.after is not None and change.after.is_unknown("instance_type")
    codes = {d.code for d in parsed.diagnostics}
    assert {"deferred-changes", "index-unknown"} <= codes


def test_deep_values_and_markers_do_not_crash() -> None:
    depth = 600  # parses fine, far deeper than any real plan
    deep_value: Any = "leaf"
    deep_mark: Any = True
    for _ in range(depth):
        deep_value, deep_mark = [deep_value], [deep_mark]
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_instance.deep",
                "type": "aws_instance",
                "name": "deep",
                "mode": "managed",
                "change": {
                    "actions": ["create"],
                    "after": {"user_data": deep_value, "instance_type": "t3.micro"},
                    "after_sensitive": {"user_data": deep_mark},
                    "after_unknown": {"ebs_block_device": deep_mark},
                },
            }
        ],
    }
    after = _change(parse_document(doc, "t"), "aws_instance.deep").after
    assert after is not None
    masked = json.dumps(after.attributes["user_data"])
    assert "leaf" not in masked and SENSITIVE in masked  # masked below the depth bound
    assert after.is_unknown("user_data") and after.is_unknown("ebs_block_device")
    assert after.text("instance_type") == "t3.micro"

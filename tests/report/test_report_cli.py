"""breakdown / diff with --policy, --group-by, --project, --base/--head and every --format."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_report_savings import REGISTRY, Store

from costgate.cli import main
from costgate.commands import _backends
from costgate.errors import PlanError
from costgate.model.estimate import Estimate, PriceSnapshot
from costgate.model.resource import Action, ParsedInput, PlanMetadata, Resource, ResourceChange
from costgate.report.formats import OutputFormat

REPO = Path(__file__).resolve().parents[2]
POLICY = str(REPO / "examples" / "costgate-policy.yml")
PROD = {"team": "payments", "environment": "prod"}


def _side(spec: dict[str, Any] | None, type_: str, name: str) -> Resource | None:
    if spec is None:
        return None
    return Resource(address=f"{type_}.{name}", type=type_, name=name, provider="aws",
                    region="us-east-1", attributes=spec.get("attrs", {}),
                    tags=spec.get("tags", {}))


def fake_load_input(path: str, **_kw: Any) -> ParsedInput:
    """A tiny stand-in plan format: {"changes": [{type, name, action, before, after}]}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError:
        raise PlanError(f"{path}: not JSON") from None
    changes = tuple(
        ResourceChange(address=f"{c['type']}.{c['name']}", type=c["type"], provider="aws",
                       action=Action(c["action"]), before=_side(c.get("before"), c["type"], c["name"]),
                       after=_side(c.get("after"), c["type"], c["name"]))
        for c in data["changes"]
    )
    return ParsedInput(changes=changes, metadata=PlanMetadata(source=path))


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_backends, "load_input", fake_load_input)
    monkeypatch.setattr(_backends, "registry", lambda: REGISTRY)
    monkeypatch.setattr(_backends, "open_store",
                        lambda: (Store(), PriceSnapshot(id="snap-1", date=None)))
    monkeypatch.delenv("COSTGATE_CURRENCY", raising=False)


def plan(tmp_path: Path, name: str, *changes: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"changes": list(changes)}), encoding="utf-8")
    return str(path)


def create(name: str, instance_type: str, tags: dict[str, str] | None = None) -> dict[str, Any]:
    return {"type": "aws_instance", "name": name, "action": "create",
            "after": {"attrs": {"instance_type": instance_type}, "tags": PROD if tags is None else tags}}


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_policy_blocks_an_over_budget_diff_with_exit_1(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    big = plan(tmp_path, "big.json", create("big", "m5.24xlarge"))  # 4.608 × 730 = 3,363.84
    out = tmp_path / "comment.md"
    assert run(["diff", "--plan", big, "--policy", POLICY, "--format", "markdown",
                "--out", str(out)]) == 1
    text = out.read_text(encoding="utf-8")  # written before the failing exit, for the PR
    assert "❌ **Policy fail**" in text and "+$3,363.84" in text
    assert "| ❌ | monthly\\-increase |" in text and "| ❌ | team\\-budgets |" in text
    err = capsys.readouterr().err
    assert err == "costgate: policy failed: monthly-increase, team-budgets\n"


def test_policy_passes_a_small_diff_with_exit_0(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    small = plan(tmp_path, "small.json", create("small", "m5.large"))
    assert run(["diff", "--plan", small, "--policy", POLICY]) == 0
    out = capsys.readouterr().out
    assert "Policy: PASS" in out and "+$70.08" in out


def test_warnings_exit_0_and_state_the_saving(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    old = plan(tmp_path, "old.json", create("old", "m3.large"))
    assert run(["diff", "--plan", old, "--policy", POLICY, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"]["outcome"] == "warn"
    assert data["savings"] == [{"project": old, "address": "aws_instance.old",
                                "kind": "previous_generation", "current": "m3.large",
                                "suggested": "m5.large", "monthly_saving": "27.01"}]
    rule = next(r for r in data["policy"]["rules"] if r["rule_id"] == "previous-generation")
    assert rule["findings"][0]["hint"] == "use m5.large: saves 27.01 USD/month"


def test_bad_policy_exits_2_naming_the_key(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "p.yml"
    bad.write_text("version: 1\nrules:\n  - id: x\n    max_monthly_increse: 5\n", encoding="utf-8")
    out = tmp_path / "o.md"
    small = plan(tmp_path, "small.json", create("small", "m5.large"))
    assert run(["diff", "--plan", small, "--policy", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rules.0.max_monthly_increse: unknown key (did you mean 'max_monthly_increase'?)" in err
    assert err.count("\n") == 1 and not out.exists()


def test_policy_currency_must_match(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small = plan(tmp_path, "small.json", create("small", "m5.large"))
    assert run(["diff", "--plan", small, "--policy", POLICY, "--currency", "EUR"]) == 2
    assert "policy amounts are in USD" in capsys.readouterr().err


def test_base_head_from_saved_json_and_plans(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    base_plan = plan(tmp_path, "base.json", create("web", "m5.large"), create("db", "m3.large"))
    head_plan = plan(tmp_path, "head.json", create("web", "m5.24xlarge"), create("new", "m5.large"))
    saved = tmp_path / "base-estimate.json"
    assert run(["breakdown", "--plan", base_plan, "--format", "json", "--out", str(saved)]) == 0
    for base in (str(saved), base_plan):
        assert run(["diff", "--base", base, "--head", head_plan, "--format", "json"]) == 0
        est = Estimate.load_json(capsys.readouterr().out)
        actions = {r.address: (r.action.value, r.monthly_delta) for r in est.resources}
        assert actions["aws_instance.db"][0] == "delete"
        assert actions["aws_instance.new"] == ("create", Decimal("70.08"))
        # web m5.large → m5.24xlarge: (4.608 - 0.096) × 730; new +70.08; db m3.large -97.09
        assert est.total_monthly_delta == Decimal("3293.76") + Decimal("70.08") - Decimal("97.09")


def test_several_projects_with_showback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = plan(tmp_path, "a.json", create("x", "m5.large", {"team": "payments"}))
    b = plan(tmp_path, "b.json", create("y", "m5.large", {"team": "search"}),
             create("z", "m5.large", {}))
    assert run(["diff", "--project", f"app={a}", "--project", f"data={b}", "--group-by", "team",
                "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(p["name"], p["total_monthly_delta"]) for p in data["projects"]] == [
        ("app", "70.08"), ("data", "140.16")]
    assert data["total_monthly_delta"] == "210.24" and len(data["resources"]) == 3
    assert [(r["values"], r["monthly_cost_after"]) for r in data["showback"]["rows"]] == [
        (["payments"], "70.08"), (["search"], "70.08"), ([None], "70.08")]
    assert data["showback"]["compliant_share_percent"] == "66.7"


def test_saved_multi_project_base_is_matched_by_name(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    a1 = plan(tmp_path, "a1.json", create("x", "m5.large"))
    b1 = plan(tmp_path, "b1.json", create("y", "m5.large"))
    saved = tmp_path / "base.json"
    assert run(["breakdown", "--project", f"app={a1}", "--project", f"data={b1}",
                "--format", "json", "--out", str(saved)]) == 0
    a2 = plan(tmp_path, "a2.json", create("x", "m5.large"))
    b2 = plan(tmp_path, "b2.json", create("y", "m5.large"), create("y2", "m5.large"))
    assert run(["diff", "--base", str(saved), "--project", f"app={a2}", "--project", f"data={b2}",
                "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(p["name"], p["total_monthly_delta"]) for p in data["projects"]] == [
        ("app", "0"), ("data", "70.08")]


def test_a_broken_project_is_reported_and_exits_2(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    good = plan(tmp_path, "good.json", create("x", "m5.large"))
    broken = tmp_path / "broken.json"
    broken.write_text("not json", encoding="utf-8")
    out = tmp_path / "r.md"
    assert run(["diff", "--project", f"ok={good}", "--project", f"bad={broken}",
                "--format", "markdown", "--out", str(out)]) == 2
    text = out.read_text(encoding="utf-8")
    assert "| bad | could not be estimated:" in text and "| ok | $0.00 | $70.08 |" in text
    assert "project bad:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["diff"], "give exactly one of --plan, --path, --project"),
        (["diff", "--head", "x.json"], "--head needs --base"),
        (["diff", "--project", "novalue"], "expected NAME=PATH"),
        (["diff", "--project", "a=x", "--project", "a=y"], "duplicate --project name"),
        (["breakdown", "--plan", "p.json", "--group-by", "team,,x"], "bad --group-by"),
        (["diff", "--plan", "p.json", "--format", "markdown", "--max-chars", "10"],
         "bad --max-chars"),
        (["diff", "--plan", "p.json", "--comment-tag", "a b"], "bad --comment-tag"),
        (["diff", "--project", "a=p.json", "--base", "p.json"], "must be a saved costgate JSON"),
    ],
)
def test_bad_flags_exit_2(argv: list[str], needle: str, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    plan(tmp_path, "p.json", create("x", "m5.large"))
    assert run(argv) == 2
    assert needle in capsys.readouterr().err


@pytest.mark.parametrize("fmt", [f.value for f in OutputFormat])
def test_every_format_from_the_cli(fmt: str, tmp_path: Path) -> None:
    p = plan(tmp_path, "p.json", create("x", "m3.large"))
    out = tmp_path / f"out.{fmt}"
    assert run(["diff", "--plan", p, "--policy", POLICY, "--group-by", "team",
                "--format", fmt, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert ("97.09" in text) and (fmt in ("json", "focus-csv") or "$97.09" in text)

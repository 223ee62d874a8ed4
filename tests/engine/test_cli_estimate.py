"""breakdown / diff / usage init through costgate.cli.main: exit codes, output, --out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from engine_fakes import FAKE_REGISTRY, REAL_RECORDS, FakeStore

from costgate.cli import main
from costgate.commands import _backends
from costgate.errors import PlanError
from costgate.model.estimate import Estimate, PriceSnapshot
from costgate.model.resource import Action, ParsedInput, PlanMetadata, Resource, ResourceChange


def _res(type_: str, name: str, **attrs: Any) -> Resource:
    return Resource(address=f"{type_}.{name}", type=type_, name=name, provider="aws",
                    region="us-east-1", attributes=attrs)


PARSED = ParsedInput(
    changes=(
        ResourceChange(address="aws_nat_gateway.main", type="aws_nat_gateway", provider="aws",
                       action=Action.CREATE, after=_res("aws_nat_gateway", "main")),
        ResourceChange(address="aws_lambda_function.api", type="aws_lambda_function",
                       provider="aws", action=Action.CREATE,
                       after=_res("aws_lambda_function", "api", memory_size=512)),
        ResourceChange(address="aws_iam_role.r", type="aws_iam_role", provider="aws",
                       action=Action.NOOP, before=_res("aws_iam_role", "r"),
                       after=_res("aws_iam_role", "r")),
    ),
    metadata=PlanMetadata(source="plan.json", format_version="1.2"),
)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Fake loader and store; records what the command passed to the loader."""
    seen: dict[str, Any] = {}

    def load_input(path: str, **kw: Any) -> ParsedInput:
        seen["path"], seen["kw"] = path, kw
        if Path(path).read_text(encoding="utf-8").strip() != "{}":
            raise PlanError(f"{path}: not JSON")
        return PARSED

    store = FakeStore(REAL_RECORDS)
    monkeypatch.setattr(_backends, "load_input", load_input)
    monkeypatch.setattr(_backends, "registry", lambda: FAKE_REGISTRY)
    monkeypatch.setattr(_backends, "open_store",
                        lambda: (store, PriceSnapshot(id="snap-1", date=None)))
    return seen


def _exit_code(argv: list[str]) -> int:
    """main's return value, or argparse's exit status for flag errors."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text("{}", encoding="utf-8")
    return path


def test_breakdown_json_to_stdout(calls: dict[str, Any], plan: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breakdown", "--plan", str(plan), "--format", "json"]) == 0
    out = capsys.readouterr().out
    est = Estimate.load_json(out)
    assert est.price_snapshot.id == "snap-1"
    assert json.loads(out)["total_monthly_cost_after"] == "32.85"
    assert est.counts.usage_based == 1 and est.counts.free == 1


def test_diff_table_with_usage_file(calls: dict[str, Any], plan: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    usage = tmp_path / "u.yml"
    usage.write_text("version: 0.1\nresource_usage:\n  aws_nat_gateway.main:\n"
                     "    monthly_data_processed_gb: 100\n", encoding="utf-8")
    assert main(["diff", "--plan", str(plan), "--usage-file", str(usage)]) == 0
    out = capsys.readouterr().out
    assert "Monthly cost: $0.00 -> $37.35 (+$37.35)" in out  # 32.85 + 100 GB × 0.045
    assert "depends on usage: $0.20 per 1M requests" in out


def test_region_flags_and_env_reach_the_loader(calls: dict[str, Any], plan: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COSTGATE_AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("COSTGATE_GOOGLE_OVERRIDE_REGION", "europe-west1")
    assert main(["breakdown", "--plan", str(plan), "--default-region", "azure=westeurope",
                 "--region-override", "aws=us-west-2"]) == 0
    assert calls["kw"] == {
        "default_regions": {"aws": "eu-west-1", "azure": "westeurope"},
        "region_override": {"google": "europe-west1", "aws": "us-west-2"},
    }


def test_out_is_written_whole(calls: dict[str, Any], plan: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "est.json"
    assert main(["breakdown", "--plan", str(plan), "--format", "json", "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert Estimate.load_json(out.read_text(encoding="utf-8")).counts.priced == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".est")] == []


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--currency", "EURO"], "bad currency"),
        (["--default-region", "aws"], "bad region flag"),
        (["--region-override", "oracle=x"], "bad region flag"),
        (["--usage-file", "/nonexistent/u.yml"], "cannot read usage file"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_bad_flags_exit_2_one_line_no_output_file(
    calls: dict[str, Any], plan: Path, tmp_path: Path, extra: list[str], needle: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "est.json"
    out.write_text("previous", encoding="utf-8")
    assert _exit_code(["breakdown", "--plan", str(plan), "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "previous"
    assert len(list(tmp_path.iterdir())) == 2  # plan.json and the untouched est.json


def test_unreadable_plan_exit_2(calls: dict[str, Any], tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("not json", encoding="utf-8")
    out = tmp_path / "o.txt"
    assert main(["diff", "--plan", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"costgate: error: {bad}: not JSON\n"
    assert not out.exists()


def test_out_into_missing_directory(calls: dict[str, Any], plan: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["breakdown", "--plan", str(plan), "--out", str(tmp_path / "no" / "x")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_usage_init_writes_a_template_that_loads(calls: dict[str, Any], plan: Path,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "costgate-usage.yml"
    assert main(["usage", "init", "--plan", str(plan), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "  aws_nat_gateway.main:\n    # monthly_data_processed_gb: " in text
    assert "  aws_lambda_function.api:\n    # monthly_requests: 1000000  #" in text
    assert "aws_iam_role" not in text
    # the template is a valid usage file, and uncommenting a line gives a real value
    filled = text.replace("# monthly_data_processed_gb:", "monthly_data_processed_gb:")
    out.write_text(filled, encoding="utf-8")
    assert main(["usage", "init", "--plan", str(plan), "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["breakdown", "--plan", str(plan), "--usage-file", str(out),
                 "--format", "json"]) == 0
    est = Estimate.load_json(capsys.readouterr().out)
    nat = next(r for r in est.resources if r.type == "aws_nat_gateway")
    assert nat.components[1].monthly_cost is not None

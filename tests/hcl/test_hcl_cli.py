"""``costgate breakdown/diff --path DIR`` through costgate.cli.main (store replaced)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hcl_fakes import DigestStore

from costgate.cli import main
from costgate.commands import _backends
from costgate.model.estimate import PriceSnapshot

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "hcl"
BROKEN = REPO / "tests" / "fixtures" / "hcl" / "syntax_error"


@pytest.fixture(autouse=True)
def _store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_backends, "open_store",
                        lambda: (DigestStore(), PriceSnapshot(id="digest", date=None)))
    for key in ("TF_WORKSPACE", "TF_VAR_environment"):
        monkeypatch.delenv(key, raising=False)


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(argv) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def _code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors
        return int(exc.code or 0)


def test_breakdown_path_equals_breakdown_plan(capsys: pytest.CaptureFixture[str]) -> None:
    by_path = _json(["breakdown", "--path", str(EXAMPLE), "--format", "json"], capsys)
    by_plan = _json(["breakdown", "--plan", str(EXAMPLE / "plan.json"), "--format", "json"], capsys)
    assert len(by_path["resources"]) == 12
    assert by_path["total_monthly_cost_after"] == by_plan["total_monthly_cost_after"]
    assert by_path["metadata"]["kind"] == "hcl"


def test_var_flags_env_and_var_files(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def db_class(extra: list[str]) -> str:
        data = _json(["breakdown", "--path", str(EXAMPLE), "--format", "json", *extra], capsys)
        (db,) = [r for r in data["resources"] if r["address"] == "aws_db_instance.main"]
        return str(db["components"][0]["name"])

    assert "db.m5.large" in db_class([])
    assert "db.t3.micro" in db_class(["--var", "environment=dev"])
    varfile = tmp_path / "dev.tfvars"
    varfile.write_text('environment = "staging"\n', encoding="utf-8")
    assert "db.t3.micro" in db_class(["--var-file", str(varfile)])
    monkeypatch.setenv("TF_VAR_region", "eu-west-1")
    data = _json(["breakdown", "--path", str(EXAMPLE), "--format", "json"], capsys)
    regions = {r["address"]: r["region"] for r in data["resources"]}
    assert regions["aws_db_instance.main"] == "eu-west-1"
    assert regions["aws_instance.bastion"] == "us-west-2"


def test_diff_path_is_all_creates(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(["diff", "--path", str(EXAMPLE), "--format", "json"], capsys)
    assert {r["action"] for r in data["resources"]} == {"create"}
    assert data["total_monthly_delta"] == data["total_monthly_cost_after"]
    assert data["total_monthly_cost_before"] in ("0", "0.00", "0.000")


def test_bad_invocations_exit_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    plan = str(EXAMPLE / "plan.json")
    for argv in (["breakdown", "--path", str(EXAMPLE), "--plan", plan], ["breakdown"]):
        assert _code(argv) == 2
        err = capsys.readouterr().err  # the exact wording belongs to the command layer
        assert err.startswith("costgate: error:") and "--path" in err and err.count("\n") == 1
    assert _code(["breakdown", "--path", str(EXAMPLE), "--var", "novalue"]) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err
    shutil.copytree(BROKEN, tmp_path / "broken")
    out = tmp_path / "report.json"
    assert _code(["breakdown", "--path", str(tmp_path / "broken"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("costgate: error: main.tf:9:1: syntax error") and err.count("\n") == 1
    assert not out.exists()

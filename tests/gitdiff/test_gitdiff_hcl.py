"""The production backend: the real HCL reader on both git sides, in worker processes.

Only the price store and the rules are small fakes (real prices, see gitdiff_fakes), put in
the per-process state the workers inherit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from gitdiff_fakes import REGISTRY, FakeStore, commit, git, init_repo, snapshot_repo

from costgate.cli import main
from costgate.commands import gitdiff
from costgate.model.estimate import PriceSnapshot

pytest.importorskip("costgate.parse.hcl_plan")

T3 = Decimal("0.0104") * 730
GB = Decimal("0.08")

ROOT = """
variable "replicas" {
  type    = number
  default = 2
}
provider "aws" {
  region = "us-east-1"
}
locals {
  sizes = { data = 40, logs = %s }
}
resource "aws_instance" "web" {
  count         = var.replicas
  instance_type = "t3.micro"
}
module "disks" {
  source   = "../../modules/disk"
  for_each = local.sizes
  size     = each.value
}
"""
DISK = """
variable "size" {
  type = number
}
resource "aws_ebs_volume" "this" {
  availability_zone = "us-east-1a"
  size              = var.size
}
"""


@pytest.fixture(autouse=True)
def _fake_prices(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))  # really read the code
    monkeypatch.setitem(gitdiff._PROCESS_STATE, "registry", REGISTRY)
    monkeypatch.setitem(gitdiff._PROCESS_STATE, "store", FakeStore())
    monkeypatch.setitem(gitdiff._PROCESS_STATE, "snapshot", PriceSnapshot(id="test-snapshot"))


def test_git_diff_with_the_hcl_reader(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"live/prod/main.tf": ROOT % 10, "modules/disk/main.tf": DISK}, "base")
    commit(repo, {"live/prod/main.tf": ROOT % 25,
                  "live/prod/terraform.tfvars": "replicas = 3\n"}, "head")
    (repo / "live" / "prod" / "main.tf").write_text(ROOT % 30)  # uncommitted: not in head-ref
    monkeypatch.setenv("TF_VAR_replicas", "5")  # base: over the default; head: under tfvars
    before = snapshot_repo(repo)
    code = main(["diff", "--path", str(repo / "live"), "--base-ref", "HEAD~1",
                 "--head-ref", "HEAD", "--format", "json", "--parallelism", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out, parse_float=Decimal)
    assert [p["name"] for p in doc["projects"]] == ["prod"]  # modules/disk is only called
    rows = {r["address"]: (r["action"], Decimal(r["monthly_delta"])) for r in doc["resources"]}
    assert rows == {
        "aws_instance.web[0]": ("no-op", 0),
        "aws_instance.web[1]": ("no-op", 0),
        "aws_instance.web[2]": ("no-op", 0),
        "aws_instance.web[3]": ("delete", -T3),
        "aws_instance.web[4]": ("delete", -T3),
        'module.disks["data"].aws_ebs_volume.this': ("no-op", 0),
        'module.disks["logs"].aws_ebs_volume.this': ("update", 15 * GB),
    }
    assert Decimal(doc["total_monthly_delta"]) == 15 * GB - 2 * T3
    assert snapshot_repo(repo) == before
    git(repo, "status")  # still a healthy repository


def test_warm_run_reads_nothing_and_prints_the_same(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init_repo(tmp_path / "repo")
    commit(repo, {"live/prod/main.tf": ROOT % 10, "live/dev/main.tf": ROOT % 5,
                  "modules/disk/main.tf": DISK}, "base")
    (repo / "live" / "prod" / "main.tf").write_text(ROOT % 30)
    argv = ["diff", "--path", str(repo / "live"), "--base-ref", "main", "--format", "json",
            "--parallelism", "1"]
    assert main(argv) == 0
    cold = capsys.readouterr().out

    def boom(what: str) -> Callable[..., None]:
        def fail(*args: object, **kw: object) -> None:
            raise AssertionError(f"a warm run {what}")
        return fail

    with monkeypatch.context() as m:
        m.setattr(gitdiff.vcs, "export_tree", boom("exported"))
        m.setattr(gitdiff.HclBackend, "load", boom("read code"))
        m.setattr(gitdiff.HclBackend, "price", boom("priced"))
        assert main(argv) == 0
        assert capsys.readouterr().out == cold
        # other prices (a new snapshot id): priced again, still nothing read or exported
        m.setitem(gitdiff._PROCESS_STATE, "snapshot", PriceSnapshot(id="next-snapshot"))
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("a warm run priced") == 4 and "read code" not in err

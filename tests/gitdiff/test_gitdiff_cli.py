"""``costgate diff --path DIR --base-ref REF`` end to end on throwaway git repositories.

The HCL reader and the price store are replaced by :class:`FakeBackend` (literal attributes,
real engine, real prices); everything else — git export, project detection, the process
pool, the per-project diff, rendering, exit codes — is the real code.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from gitdiff_fakes import FakeBackend, commit, git, init_repo, snapshot_repo

from costgate.cli import main
from costgate.commands import gitdiff

T3 = Decimal("0.0104") * 730
M5 = Decimal("0.096") * 730
GB = Decimal("0.08")

APP_V1 = """
resource "aws_instance" "web" {
  count         = 2
  instance_type = "t3.micro"
}
resource "aws_ebs_volume" "data" {
  size = 50
}
resource "aws_instance" "tmp" {
  instance_type = "t3.micro"
}
"""
APP_V2 = """
resource "aws_instance" "web" {
  count         = 2
  instance_type = "m5.large"
}
resource "aws_ebs_volume" "data" {
  size = 50
}
resource "aws_ebs_volume" "logs" {
  size = 20
}
"""
DB = 'resource "aws_ebs_volume" "db" {\n  size = 100\n}\n'


@pytest.fixture(autouse=True)
def _fake_backend(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(gitdiff, "HclBackend", FakeBackend)
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))  # every test starts cold


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: app v1 + db; HEAD (branch feature): app v2, db unchanged, a new project."""
    r = init_repo(tmp_path / "repo")
    commit(r, {"infra/app/main.tf": APP_V1, "infra/db/main.tf": DB}, "base")
    git(r, "checkout", "-q", "-b", "feature")
    commit(r, {"infra/app/main.tf": APP_V2,
               "infra/cache/main.tf": 'resource "aws_instance" "c" {}\n'}, "head")
    return r


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _doc(out: str) -> dict[str, Any]:
    return json.loads(out, parse_float=Decimal)  # type: ignore[no-any-return]


def test_single_project_delta_is_right_and_the_repo_is_unchanged(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot_repo(repo)
    code, out, err = _run(["diff", "--path", str(repo / "infra" / "app"), "--base-ref", "main",
                           "--format", "json", "--parallelism", "2"], capsys)
    assert (code, err) == (0, "")
    doc = _doc(out)
    rows = {r["address"]: (r["action"], Decimal(r["monthly_cost_before"]),
                           Decimal(r["monthly_cost_after"])) for r in doc["resources"]}
    assert rows == {
        "aws_instance.web[0]": ("update", T3, M5),
        "aws_instance.web[1]": ("update", T3, M5),
        "aws_ebs_volume.data": ("no-op", 50 * GB, 50 * GB),
        "aws_ebs_volume.logs": ("create", 0, 20 * GB),
        "aws_instance.tmp": ("delete", T3, 0),
    }
    assert Decimal(doc["total_monthly_cost_before"]) == 3 * T3 + 50 * GB
    assert Decimal(doc["total_monthly_cost_after"]) == 2 * M5 + 70 * GB
    assert Decimal(doc["total_monthly_delta"]) == Decimal("118.984")
    assert doc["metadata"]["source"] == "main:infra/app → infra/app"
    assert snapshot_repo(repo) == before


def test_auto_detected_projects_with_new_and_unchanged_ones(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["diff", "--path", str(repo / "infra"), "--base-ref", "main",
                         "--format", "json"], capsys)
    assert code == 0
    projects = {p["name"]: p for p in _doc(out)["projects"]}
    assert list(projects) == ["app", "cache", "db"]  # sorted; cache exists only in head
    assert Decimal(projects["cache"]["total_monthly_delta"]) == T3
    assert Decimal(projects["db"]["total_monthly_delta"]) == 0
    assert Decimal(projects["app"]["total_monthly_delta"]) == Decimal("118.984")
    assert Decimal(_doc(out)["total_monthly_delta"]) == Decimal("118.984") + T3


def test_head_ref_ignores_the_working_tree(repo: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "infra" / "app" / "main.tf").write_text(APP_V1 + DB.replace("db", "extra"))
    argv = ["diff", "--path", str(repo / "infra" / "app"), "--format", "json"]
    _, out, _ = _run([*argv, "--base-ref", "main", "--head-ref", "feature"], capsys)
    assert Decimal(_doc(out)["total_monthly_delta"]) == Decimal("118.984")
    _, out, _ = _run([*argv, "--base-ref", "feature"], capsys)  # working tree: v1 + extra
    delta = (3 * T3 + 150 * GB) - (2 * M5 + 70 * GB)
    assert Decimal(_doc(out)["total_monthly_delta"]) == delta


def test_failing_project_is_reported_and_the_others_stand(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "infra" / "db" / "main.tf").write_text('resource "aws_ebs_volume" "db" {\n  size =\n')
    out_file = tmp_path / "report.json"
    code, out, err = _run(["diff", "--path", str(repo / "infra"), "--base-ref", "main",
                           "--format", "json", "--out", str(out_file)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("costgate: error: project db: head (working tree): ")
    assert "infra/db/main.tf:" in err and err.count("\n") == 1
    projects = {p["name"]: p for p in _doc(out_file.read_text())["projects"]}
    assert projects["db"]["error"] and projects["db"]["total_monthly_delta"] is None
    assert Decimal(projects["app"]["total_monthly_delta"]) == Decimal("118.984")


def test_base_side_errors_name_the_ref_not_the_temp_dir(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = init_repo(tmp_path / "r")
    commit(r, {"main.tf": 'resource "aws_instance" "x" {\n'}, "broken")
    commit(r, {"main.tf": 'resource "aws_instance" "x" {}\n'}, "fixed")
    code, _, err = _run(["diff", "--path", str(r), "--base-ref", "HEAD~1"], capsys)
    assert code == 2
    assert "base (HEAD~1): HEAD~1:main.tf:" in err and "costgate-base" not in err


def test_missing_ref_exits_2_without_writing(repo: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "out.json"
    code, out, err = _run(["diff", "--path", str(repo / "infra"), "--base-ref", "release",
                           "--out", str(out_file)], capsys)
    assert code == 2 and out == ""
    assert err == ("costgate: error: base ref 'release' not found; fetch it with "
                   "`git fetch --depth=1 origin release`\n")
    assert not out_file.exists()


def test_not_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.tf").write_text("")
    code, _, err = _run(["diff", "--path", str(tmp_path), "--base-ref", "main"], capsys)
    assert code == 2 and "is not inside a git repository" in err


def test_shallow_ci_checkout(repo: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    url = (repo / ".git").as_uri()
    for depth, expected in (("2", 0), ("1", 2)):
        clone = tmp_path / f"ci{depth}"
        git(tmp_path, "clone", "-q", f"--depth={depth}", "--branch", "feature", url, str(clone))
        code, out, err = _run(["diff", "--path", str(clone / "infra" / "app"),
                               "--base-ref", "HEAD~1", "--format", "json"], capsys)
        assert code == expected
        if expected == 0:
            assert Decimal(_doc(out)["total_monthly_delta"]) == Decimal("118.984")
        else:
            assert "(this clone is shallow)" in err


def test_projects_file_in_the_path(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "costgate.yml").write_text(
        "version: 1\nprojects:\n  - {path: infra/app, name: application, tags: {team: web}}\n")
    code, out, _ = _run(["diff", "--path", str(repo), "--base-ref", "main", "--format", "json"],
                        capsys)
    assert code == 0
    doc = _doc(out)
    assert [p["name"] for p in doc["projects"]] == ["application"]
    assert Decimal(doc["total_monthly_delta"]) == Decimal("118.984")


def test_breakdown_of_a_monorepo_without_git(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text(DB)
    (tmp_path / "b" / "main.tf").write_text('resource "aws_instance" "x" {}\n')
    code, out, _ = _run(["breakdown", "--path", str(tmp_path), "--format", "json"], capsys)
    assert code == 0
    doc = _doc(out)
    assert [p["name"] for p in doc["projects"]] == ["a", "b"]
    assert Decimal(doc["total_monthly_cost_after"]) == 100 * GB + T3


def test_output_is_deterministic(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ["diff", "--path", str(repo / "infra"), "--base-ref", "main", "--format", "table"]
    first = _run([*argv, "--parallelism", "1"], capsys)
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cold-again"))  # really re-read
    second = _run([*argv, "--parallelism", "2"], capsys)
    third = _run([*argv, "--parallelism", "2"], capsys)  # from the project cache
    assert first == second == third and first[0] == 0
    assert first[1].index("app") < first[1].index("cache") < first[1].index("db")


def test_environment_and_workspace_budgets_from_the_projects_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """budgets: {scope: environment|workspace} compare each scope's head total (issue 4)."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "main.tf").write_text(DB)  # 100 GB of storage
    (tmp_path / "b" / "main.tf").write_text('resource "aws_instance" "x" {}\n')
    (tmp_path / "costgate.yml").write_text(
        "version: 1\nprojects:\n"
        "  - {path: a, name: a, environment: prod, workspace: ws-a}\n"
        "  - {path: b, name: b, tags: {environment: dev}, workspace: ws-b}\n")
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "version: 1\nrules:\n"
        f"  - {{id: env, budgets: {{scope: environment, limits: {{prod: {100 * GB - 1}, dev: 1000}}}}}}\n"
        "  - {id: ws, budgets: {scope: workspace, limits: {ws-b: 0}}, severity: warn}\n")
    code, out, _ = _run(["breakdown", "--path", str(tmp_path), "--policy", str(policy),
                         "--format", "json"], capsys)
    doc = _doc(out)
    rules = {r["rule_id"]: r for r in doc["policy"]["rules"]}
    assert rules["env"]["outcome"] == "fail"
    assert [f["scope"] for f in rules["env"]["findings"]] == ["environment=prod"]
    assert rules["ws"]["outcome"] == "warn"
    assert [f["scope"] for f in rules["ws"]["findings"]] == ["workspace=ws-b"]
    assert code == 1

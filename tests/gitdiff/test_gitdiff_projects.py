"""costgate.yml, root-module auto-detection, and the parallel project runner."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from gitdiff_fakes import FakeBackend, write

from costgate import projects as proj
from costgate.commands import gitdiff
from costgate.errors import ConfigError

EC2_T3 = Decimal("0.0104") * 730  # 7.592 a month
EC2_M5 = Decimal("0.096") * 730  # 70.08


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "costgate.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_loads_with_defaults(tmp_path: Path) -> None:
    cfg = proj.load_config(_config(tmp_path, """
version: 1
projects:
  - path: infra/prod/
    name: prod
    var_files: [prod.tfvars]
    vars: {instance_count: 3}
    usage_file: usage.yml
    workspace: prod
    policy: policy.yml
    tags: {team: payments}
  - path: ./infra/dev
"""))
    prod, dev = cfg.projects
    assert (prod.name, prod.path, prod.var_files, prod.vars) == (
        "prod", "infra/prod", ("prod.tfvars",), {"instance_count": 3})
    assert (prod.usage_file, prod.workspace, prod.policy, prod.tags) == (
        "usage.yml", "prod", "policy.yml", {"team": "payments"})
    assert (dev.name, dev.path) == ("infra/dev", "infra/dev")  # the name defaults to the path


@pytest.mark.parametrize(("text", "message"), [
    ("version: 1\nprojects:\n  - {path: a, name: x}\n  - {path: b, name: x}\n",
     "duplicate project name 'x'"),
    ("version: 2\nprojects: [{path: a}]\n", "version: Input should be 1"),
    ("version: 1\nprojects: []\n", "projects: Tuple should have at least 1 item"),
    ("version: 1\nprojects: [{path: ../elsewhere}]\n", "must stay inside"),
    ("version: 1\nprojects: [{path: /abs}]\n", "must stay inside"),
    ("version: 1\nprojects: [{path: a, colour: red}]\n", "projects.0.colour: Extra inputs"),
    ("version: 1\nprojects: [{path: a}\n", "costgate.yml:3:1: not valid YAML"),
    ("- just a list\n", "expected a mapping"),
])
def test_bad_config_is_one_line_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        proj.load_config(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_auto_detection_skips_called_modules_and_dot_terraform(tmp_path: Path) -> None:
    write(tmp_path, {
        "live/prod/main.tf": 'module "net" {\n  source = "../../modules/net"\n}\n'
                             'module "app" {\n  source = "./app"\n  size = 2\n}\n',
        "live/prod/app/main.tf": 'resource "aws_instance" "a" {}\n',
        "live/prod/.terraform/modules/x/main.tf": 'provider "aws" {}\n',
        "live/dev/main.tf": '# uses a registry module only\nmodule "x" {\n'
                            '  source = "terraform-aws-modules/vpc/aws"\n}\n',
        "modules/net/main.tf": 'terraform {\n  required_providers {}\n}\n',
        "modules/unused/main.tf": 'resource "aws_instance" "u" {}\n',
        "standalone/called-but-configured/main.tf": 'provider "aws" {\n  region = "x"\n}\n',
        "standalone/main.tf": 'module "c" {\n  source = "./called-but-configured"\n}\n',
        "docs/readme.md": "no terraform here\n",
        ".hidden/main.tf": 'provider "aws" {}\n',
    })
    found = [p.path for p in proj.detect_projects(tmp_path)]
    assert found == ["live/dev", "live/prod", "standalone", "standalone/called-but-configured"]


def test_detection_ignores_commented_out_blocks_and_keeps_a_broken_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "a/main.tf": '# module "m" {\n#   source = "../b"\n# }\n',
        "b/main.tf": 'resource "aws_instance" "x" {\n',  # syntax error: still a project
    })
    assert [p.name for p in proj.detect_projects(tmp_path)] == ["a", "b"]


@pytest.fixture
def mono(tmp_path: Path) -> Path:
    write(tmp_path, {
        "zeta/main.tf": 'resource "aws_instance" "z" {\n  instance_type = "m5.large"\n}\n',
        "alpha/main.tf": 'resource "aws_instance" "a" {\n  count = 2\n'
                         '  instance_type = "t3.micro"\n}\n',
        "broken/main.tf": 'resource "aws_instance" "b" {\n  instance_type = \n}\n',
        "crash/main.tf": 'resource "test_crash" "c" {}\n',
        "mid/main.tf": 'resource "aws_ebs_volume" "v" {\n  size = 100\n}\n',
    })
    return tmp_path


@pytest.mark.parametrize("workers", [1, 2])
def test_failing_projects_do_not_hide_the_others(mono: Path, workers: int) -> None:
    result = gitdiff.estimate_request(gitdiff.Request(path=mono), proj.Settings(cache=False),
                                      FakeBackend(), workers, diff=False)
    assert [p.name for p in result.projects] == ["alpha", "broken", "crash", "mid", "zeta"]
    by = {p.name: p for p in result.projects}
    assert by["broken"].error is not None and by["broken"].estimate is None
    assert re.fullmatch(rf"{mono.resolve()}/broken/main.tf:\d+:\d+: syntax error",
                        by["broken"].error)
    assert by["crash"].error is not None and "internal error: RuntimeError" in by["crash"].error
    assert by["alpha"].estimate is not None
    assert [r.address for r in by["alpha"].estimate.resources] == [
        "aws_instance.a[0]", "aws_instance.a[1]"]
    assert result.failed == 2
    assert result.total_monthly_cost_after == 2 * EC2_T3 + EC2_M5 + 100 * Decimal("0.08")
    report = result.report()
    assert report.totals.monthly_cost_after == result.total_monthly_cost_after
    assert [e.error is None for e in report.projects] == [True, False, False, True, True]


def test_parallel_and_serial_results_are_identical(mono: Path) -> None:
    runs = [gitdiff.estimate_request(gitdiff.Request(path=mono), proj.Settings(cache=False),
                                     FakeBackend(), w, diff=False) for w in (1, 2, 2)]
    assert runs[0] == runs[1] == runs[2]


def test_results_are_sorted_by_name_whatever_the_schedule(mono: Path) -> None:
    settings = proj.Settings(cache=False)
    jobs = [proj.Job(key=(name, "head"), project=proj.ProjectConfig(path=name),
                     directory=str(mono / name), root=str(mono), weight=w)
            for name, w in (("zeta", 1), ("alpha", 99), ("mid", 50))]
    results = proj.run_jobs(jobs, settings, FakeBackend(), 2)
    assert set(results) == {("zeta", "head"), ("alpha", "head"), ("mid", "head")}
    assert all(r.estimate is not None for r in results.values())


def test_config_project_gets_its_vars_files_and_workspace(tmp_path: Path) -> None:
    write(tmp_path, {"app/main.tf": "", "app/prod.tfvars": "", "usage.yml": "version: 0.1\n"})
    cfg = _config(tmp_path, "version: 1\nprojects:\n  - path: app\n    var_files: [prod.tfvars]\n"
                            "    vars: {n: 1}\n    workspace: prod\n    usage_file: usage.yml\n")
    seen: list[proj.Job] = []

    class Recording(FakeBackend):
        def load(self, job: proj.Job, settings: proj.Settings):  # type: ignore[no-untyped-def]
            seen.append(job)
            return super().load(job, settings)

    request = gitdiff.Request(path=tmp_path, config=cfg, cli_vars={"n": "2", "m": "x"})
    result = gitdiff.estimate_request(request, proj.Settings(), Recording(), 1, diff=False)
    assert [p.name for p in result.projects] == ["app"]
    (job,) = seen
    assert job.variables == {"n": "2", "m": "x"}  # --var over the config's vars
    assert job.var_files == (str(tmp_path / "app" / "prod.tfvars"),)
    assert job.workspace == "prod"
    assert job.usage_file == str((tmp_path / "usage.yml").resolve())


def test_relabel_shows_temp_paths_as_ref() -> None:
    pairs = (("/tmp/costgate-base-x/tree", "main:"),)
    assert proj.relabel("/tmp/costgate-base-x/tree/infra/a.tf:3:1: bad\nthing", pairs) == (
        "main:infra/a.tf:3:1: bad thing")
    assert proj.relabel("in /tmp/costgate-base-x/tree", pairs) == "in main"


def test_parallelism_from_flag_env_or_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTGATE_PARALLELISM", "3")
    assert proj.parallelism(None) == 3
    assert proj.parallelism(1) == 1
    monkeypatch.setenv("COSTGATE_PARALLELISM", "lots")
    assert proj.parallelism(None) >= 1


class Counting(FakeBackend):
    """Counts reads (serial runs only: the counter lives in this process)."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, str]] = []

    def load(self, job: proj.Job, settings: proj.Settings):  # type: ignore[no-untyped-def]
        self.loads.append(job.key)
        return super().load(job, settings)


def _jobs(root: Path, names: list[str], side: str = "head") -> list[proj.Job]:
    return [proj.Job(key=(n, side), project=proj.ProjectConfig(path=n),
                     directory=str(root / n), root=str(root)) for n in names]


def test_project_cache_skips_reading_unchanged_projects(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    write(repo, {"a/main.tf": 'module "m" {\n  source = "../mod"\n}\n'
                              'resource "aws_instance" "x" {}\n',
                 "b/main.tf": 'resource "aws_ebs_volume" "v" {\n  size = 10\n}\n',
                 "mod/main.tf": "# v1\n"})
    backend, settings = Counting(), proj.Settings()
    first = proj.run_jobs(_jobs(repo, ["a", "b"]), settings, backend, 1)
    assert sorted(backend.loads) == [("a", "head"), ("b", "head")]
    backend.loads.clear()
    second = proj.run_jobs(_jobs(repo, ["a", "b"]), settings, backend, 1)
    assert backend.loads == [] and second == first
    (repo / "mod" / "main.tf").write_text("# v2: a called module changed\n")
    proj.run_jobs(_jobs(repo, ["a", "b"]), settings, backend, 1)
    assert backend.loads == [("a", "head")]
    backend.loads.clear()
    proj.run_jobs(_jobs(repo, ["a", "b"]), proj.Settings(cache=False), backend, 1)
    assert sorted(backend.loads) == [("a", "head"), ("b", "head")]


def test_unchanged_project_is_read_once_per_diff(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))
    head, base = tmp_path / "work", tmp_path / "export"
    for root in (head, base):
        write(root, {"p/main.tf": 'resource "aws_instance" "x" {}\n'})
    (base_job,) = _jobs(base, ["p"], "base")
    jobs = [*_jobs(head, ["p"]), replace(base_job, relabel=((str(base), "main:"),))]
    backend = Counting()
    results = proj.run_jobs(jobs, proj.Settings(), backend, 1)
    assert backend.loads == [("p", "head")]
    b, h = results[("p", "base")].estimate, results[("p", "head")].estimate
    assert b is not None and h is not None
    assert b.metadata.source == "main:p"  # rebased to the base copy, then relabelled
    assert h.metadata.source == str(head / "p")
    assert b.resources == h.resources


def test_outside_file_reads_are_not_cached(tmp_path: Path) -> None:
    write(tmp_path, {"repo/p/main.tf": 'locals {\n  x = file("../../secret.txt")\n}\n',
                     "repo/q/main.tf": 'locals {\n  x = file("${path.module}/in.txt")\n}\n',
                     "repo/r/main.tf": 'module "m" {\n  source = "../../elsewhere"\n}\n',
                     "elsewhere/main.tf": "# outside the repository root\n"})
    from costgate.projects_cache import Fingerprints

    fp, root = Fingerprints(), tmp_path / "repo"
    assert fp.key(root / "p", root, []) is None
    assert fp.key(root / "q", root, []) is not None
    assert fp.key(root / "r", root, []) is None


def test_shared_error_names_each_side(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))
    head, base = tmp_path / "work", tmp_path / "export"
    for root in (head, base):
        write(root, {"p/main.tf": 'resource "aws_instance" "x" {\n'})
    (base_job,) = _jobs(base, ["p"], "base")
    jobs = [*_jobs(head, ["p"]), replace(base_job, relabel=((str(base), "main:"),))]
    backend = Counting()
    results = proj.run_jobs(jobs, proj.Settings(), backend, 1)
    assert backend.loads == [("p", "head")]
    head_err, base_err = results[("p", "head")].error, results[("p", "base")].error
    assert head_err is not None and head_err.startswith(f"{head}/p/main.tf:")
    assert base_err is not None and base_err.startswith("main:p/main.tf:")

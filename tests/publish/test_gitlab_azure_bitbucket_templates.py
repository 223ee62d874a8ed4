"""Static checks of the GitLab, Azure Pipelines and Bitbucket templates and the pre-commit
hooks, plus one offline run of the pre-commit hook's command."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from shared_data import REPO

from costgate import cli

TEMPLATES = REPO / "ci_templates"
SCHEMAS = {"gitlab-ci.yml": "vendor.gitlab-ci", "azure-pipelines.yml": "vendor.azure-pipelines",
           "bitbucket-pipelines.yml": "vendor.bitbucket-pipelines"}
# Literal credentials that must never be committed in a template.
_SECRET_RE = re.compile(
    r"(glpat-[0-9A-Za-z_-]{10,}|gh[pousr]_[0-9A-Za-z]{20,}|ATCTT[0-9A-Za-z_-]{10,}|"
    r"ATATT[0-9A-Za-z_-]{10,}|eyJ[0-9A-Za-z_-]{10,}\.|AKIA[0-9A-Z]{16}|"
    r"(?i:(?:token|password|secret|accesstoken)\s*[:=]\s*['\"]?[0-9A-Za-z/+_-]{16,}))")


def load(name: str) -> Any:
    return yaml.safe_load((TEMPLATES / name).read_text(encoding="utf-8"))


def scripts(name: str) -> list[str]:
    """Every shell line the template runs."""
    doc = load(name)
    if name == "gitlab-ci.yml":
        return [line for job in doc.values() if isinstance(job, dict)
                for line in job.get("script", [])]
    if name == "azure-pipelines.yml":
        return [step["script"] for step in doc["steps"] if "script" in step]
    steps = doc["pipelines"]["pull-requests"]["**"]
    return [line for s in steps for line in s["step"]["script"]]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_template_is_valid_for_its_platform_schema(name: str) -> None:
    pytest.importorskip("check_jsonschema")
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", SCHEMAS[name],
         str(TEMPLATES / name)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_no_inline_secrets_and_no_template_expressions_in_scripts(name: str) -> None:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    assert not _SECRET_RE.search(text)
    for line in scripts(name):
        assert "${{" not in line  # template expressions are substituted into the shell
    platform = {"gitlab-ci.yml": "gitlab", "azure-pipelines.yml": "azure-repos",
                "bitbucket-pipelines.yml": "bitbucket"}[name]
    runs = [line for line in scripts(name) if f"costgate ci {platform}" in line]
    assert len(runs) == 1 and "--plan plan.json" in runs[0]
    shown = [line for line in scripts(name) if "terraform show -json" in line]
    assert shown, "the template must produce the plan JSON it passes to costgate"
    installs = [line for line in scripts(name) if "pip install" in line]
    assert installs and all("terraform-costgate==" in line for line in installs)


def test_secret_pattern_catches_inline_tokens() -> None:
    for leaked in ("GITLAB_TOKEN: glpat-abcdefghijklmnop", "token: 'abcd1234abcd1234abcd'",
                   "password=hunter2hunter2hunter2"):
        assert _SECRET_RE.search(leaked), leaked
    assert not _SECRET_RE.search("SYSTEM_ACCESSTOKEN: $(System.AccessToken)")


def test_gitlab_runs_only_in_merge_request_pipelines() -> None:
    job = load("gitlab-ci.yml")["costgate"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["variables"]["GIT_DEPTH"] == "0"
    assert "GITLAB_TOKEN" not in yaml.safe_dump(job)  # a masked CI/CD variable instead
    assert job["image"]["entrypoint"] == [""]


def test_azure_maps_the_token_only_into_the_costgate_step() -> None:
    doc = load("azure-pipelines.yml")
    assert doc["trigger"] == "none"  # Build Validation policy, not CI triggers
    checkout = doc["steps"][0]
    assert checkout["checkout"] == "self" and str(checkout["fetchDepth"]) == "0"
    assert str(checkout["persistCredentials"]).lower() == "false"
    with_token = [s for s in doc["steps"] if "SYSTEM_ACCESSTOKEN" in (s.get("env") or {})]
    assert len(with_token) == 1
    assert with_token[0]["env"]["SYSTEM_ACCESSTOKEN"] == "$(System.AccessToken)"
    assert "costgate ci azure-repos" in with_token[0]["script"]


def test_bitbucket_runs_on_pull_requests_with_full_clone() -> None:
    doc = load("bitbucket-pipelines.yml")
    assert doc["clone"]["depth"] == "full"
    assert list(doc["pipelines"]) == ["pull-requests"]
    [step] = doc["pipelines"]["pull-requests"]["**"]
    assert step["step"]["name"] == "costgate"
    # the token is a secured repository variable: the YAML itself (comments aside) never
    # names or sets it
    assert "BITBUCKET_TOKEN" not in yaml.safe_dump(doc)


# --------------------------------------------------------------------------- pre-commit


def hooks() -> list[dict[str, Any]]:
    data = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def test_pre_commit_hooks_are_well_formed() -> None:
    found = hooks()
    assert [h["id"] for h in found] == ["costgate", "costgate-plan"]
    for hook in found:
        assert {"id", "name", "entry", "language"} <= hook.keys()
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert hook["require_serial"] is True
        assert re.search(hook["files"], "modules/db/main.tf")
        assert re.search(hook["files"], "prod.tfvars")
        assert re.search(hook["exclude"], ".terraform/modules/x/main.tf")
        assert set(hook["stages"]) <= {"pre-commit", "pre-push", "manual", "pre-merge-commit"}
        assert shlex.split(hook["entry"])[0] == "costgate"


def test_pre_commit_hook_runs_offline_and_gates(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The ``costgate`` hook's entry, in a clone whose branch raises the cost: exit 1.

    Sockets to anything but loopback are refused by conftest, so this also proves the hook
    needs no network."""
    upstream, work = tmp_path / "upstream", tmp_path / "work"
    upstream.mkdir()
    (upstream / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n\nresource "aws_instance" "web" {\n'
        '  ami           = "ami-0a3c3a20c09d6f377"\n  instance_type = "t3.micro"\n}\n')
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci",
           "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(upstream)], check=True)
    subprocess.run([*git, "-C", str(upstream), "add", "."], check=True)
    subprocess.run([*git, "-C", str(upstream), "commit", "-qm", "base"], check=True)
    subprocess.run([*git, "clone", "-q", str(upstream), str(work)], check=True)
    main_tf = work / "main.tf"
    main_tf.write_text(main_tf.read_text().replace("t3.micro", "m5.large"))
    (work / "costgate-policy.yml").write_text(
        "version: 1\ncurrency: USD\nrules:\n  - id: monthly-increase\n"
        "    max_monthly_increase: 20\n    severity: fail\n")
    monkeypatch.chdir(work)
    entry = shlex.split(hooks()[0]["entry"])
    assert cli.main([*entry[1:], "--policy", "costgate-policy.yml"]) == 1
    out = capsys.readouterr()
    assert "monthly-increase" in out.out + out.err
    main_tf.write_text(main_tf.read_text().replace("m5.large", "t3.small"))
    assert cli.main([*entry[1:], "--policy", "costgate-policy.yml"]) == 0

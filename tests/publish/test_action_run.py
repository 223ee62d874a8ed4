"""Run the steps of ``action.yml`` locally with bash, a simulated runner and the fake GitHub.

The runner's job is imitated just enough: inputs (with their defaults) are substituted into
each step's ``env:`` — the only place the action uses expressions — ``run:`` goes to bash,
``$GITHUB_OUTPUT`` is parsed per step and the action outputs are resolved from it. ``pip`` is
a shim that records its arguments (no network); ``costgate`` runs this checkout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fake_api import priced_estimate
from fake_github import FakeGitHub

REPO = Path(__file__).resolve().parents[2]
TOKEN = "ghs_action_SECRET_0123456789abcdef"
_EXPR = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def _estimate(cost: str) -> str:
    return priced_estimate({"aws_instance.web": cost}).model_dump_json()


def _parse_outputs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^([\w-]+)<<(.+)$", lines[i])
        if m:
            end = lines.index(m.group(2), i + 1)
            out[m.group(1)] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if "=" in lines[i]:
            k, v = lines[i].split("=", 1)
            out[k] = v
        i += 1
    return out


def _runner_log(stdout: str) -> str:
    """What the runner shows: ``::add-mask::`` lines are consumed, never printed. costgate
    must mask the token first, before any other line could carry it."""
    lines = stdout.splitlines(keepends=True)
    masks = [i for i, line in enumerate(lines) if line.startswith("::add-mask::")]
    if any(TOKEN in line for line in lines):
        assert masks and masks[0] == 0 and lines[0] == f"::add-mask::{TOKEN}\n"
    return "".join(line for i, line in enumerate(lines) if i not in masks)


class Runner:
    """A tiny stand-in for the Actions runner executing this composite action."""

    def __init__(self, tmp: Path, fake: FakeGitHub) -> None:
        self.tmp = tmp
        self.action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
        shims = tmp / "bin"
        shims.mkdir()
        (shims / "python3").write_text(
            '#!/bin/bash\nif [ "$1 $2" = "-m pip" ]; then shift 2; echo "$@" >> '
            f'"{tmp}/pip.log"; exit 0; fi\nexec "{sys.executable}" "$@"\n')
        (shims / "costgate").write_text(f'#!/bin/bash\nexec "{sys.executable}" -m costgate "$@"\n')
        for shim in shims.iterdir():
            shim.chmod(0o755)
        event = {"pull_request": {"number": 7, "updated_at": "2026-05-01T10:00:00Z",
                                  "head": {"sha": "d" * 40, "repo": {"full_name": "acme/infra"}},
                                  "base": {"sha": "e" * 40, "ref": "main",
                                           "repo": {"full_name": "acme/infra"}}}}
        (tmp / "event.json").write_text(json.dumps(event))
        self.env = {
            "PATH": f"{shims}:{os.environ['PATH']}", "HOME": str(tmp),
            "PYTHONPATH": str(REPO), "COSTGATE_CACHE_DIR": os.environ["COSTGATE_CACHE_DIR"],
            "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp / "event.json"), "GITHUB_REPOSITORY": "acme/infra",
            "GITHUB_API_URL": fake.api_url, "GITHUB_GRAPHQL_URL": fake.graphql_url,
            "GITHUB_SERVER_URL": "https://github.example", "GITHUB_RUN_ID": "42",
            "GITHUB_ACTION_PATH": str(REPO), "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
            "RUNNER_TEMP": str(tmp),
        }
        self.step_outputs: dict[str, dict[str, str]] = {}
        self.logs: list[str] = []
        self.stdout: list[str] = []  # raw, per step, before the runner consumes commands

    def run(self, inputs: dict[str, str]) -> tuple[int, dict[str, str]]:
        """Run every step; stop at the first failing one like the runner does."""
        values = {name: str(spec.get("default", "")) for name, spec in
                  self.action["inputs"].items()}
        values.update(inputs)
        context = {f"inputs.{k}": v for k, v in values.items()} | {"github.token": TOKEN}
        values = {k: _EXPR.sub(lambda m: context.get(m.group(1), ""), v)
                  for k, v in values.items()}
        context.update({f"inputs.{k}": v for k, v in values.items()})
        code = 0
        for index, step in enumerate(self.action["runs"]["steps"]):
            assert step["shell"] == "bash"
            out_file = self.tmp / f"output_{index}"
            out_file.write_text("")
            env = dict(self.env, GITHUB_OUTPUT=str(out_file))
            for key, raw in (step.get("env") or {}).items():
                env[key] = _EXPR.sub(lambda m: context[m.group(1)], str(raw))
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o", "pipefail",
                                   "-c", step["run"]], env=env, cwd=self.tmp,
                                  capture_output=True, text=True, timeout=60, check=False)
            self.stdout.append(proc.stdout)
            self.logs += [_runner_log(proc.stdout), proc.stderr]
            if "id" in step:
                self.step_outputs[step["id"]] = _parse_outputs(out_file.read_text())
            code = proc.returncode
            if code:
                break
        outputs = {}
        for name, spec in self.action["outputs"].items():
            m = _EXPR.fullmatch(spec["value"])
            assert m is not None
            _, step_id, _, key = m.group(1).split(".", 3)
            outputs[name] = self.step_outputs.get(step_id, {}).get(key, "")
        for text in self.logs:
            assert TOKEN not in text
        return code, outputs


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.add_token(TOKEN, "github-actions[bot]")
        yield server


@pytest.fixture
def runner(tmp_path: Path, fake: FakeGitHub) -> Runner:
    (tmp_path / "plan.json").write_text(_estimate("250"))
    (tmp_path / "policy.yml").write_text(
        "version: 1\nrules:\n  - id: cap\n    max_monthly_increase: 100\n    severity: fail\n")
    return Runner(tmp_path, fake)


def test_action_steps_post_comment_set_status_and_outputs(runner: Runner,
                                                          fake: FakeGitHub) -> None:
    code, outputs = runner.run({"plan": str(runner.tmp / "plan.json"), "policy": "policy.yml"})
    assert code == 1  # $250 > $100: the step (and the job) fails
    assert (runner.tmp / "pip.log").read_text().split()[-1] == str(REPO)
    [comment] = fake.pr_comments(7)
    assert outputs == {"monthly-delta": "250", "new-total": "250", "currency": "USD",
                       "verdict": "fail", "comment-url": comment["html_url"]}
    assert fake.statuses[0]["state"] == "failure" and fake.statuses[0]["sha"] == "d" * 40
    assert "Monthly cost will increase" in (runner.tmp / "summary.md").read_text()
    create = next(c for c in fake.calls if c.method == "POST" and c.path.endswith("/comments"))
    assert create.auth == f"Bearer {TOKEN}"  # token from the input's default, via env only
    assert runner.stdout[-1].startswith(f"::add-mask::{TOKEN}\n")  # masked before any output


def test_action_inputs_are_data_not_shell(runner: Runner, fake: FakeGitHub) -> None:
    evil = '"; touch pwned; echo "'
    code, outputs = runner.run({"plan": str(runner.tmp / "plan.json"), "tag": evil,
                                "fail-on": "never"})
    assert not (runner.tmp / "pwned").exists()
    assert code == 2 and "bad comment tag" in "".join(runner.logs)
    assert fake.pr_comments(7) == [] and outputs["verdict"] == ""


def test_action_without_policy_passes_and_updates(runner: Runner, fake: FakeGitHub) -> None:
    args = {"plan": str(runner.tmp / "plan.json"), "status": "false", "tag": "prod"}
    assert runner.run(args)[0] == 0
    (runner.tmp / "plan.json").write_text(_estimate("260"))
    runner.env["GITHUB_RUN_ID"] = "43"
    code, outputs = runner.run(args)
    assert code == 0 and outputs["verdict"] == "pass" and outputs["monthly-delta"] == "260"
    [comment] = fake.pr_comments(7)
    assert "tag=prod" in comment["body"].splitlines()[0] and fake.statuses == []


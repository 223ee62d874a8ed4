"""Static checks of ``action.yml`` and the GitHub workflow template (security checklist)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
WORKFLOW = REPO / "ci_templates" / "github-workflow.yml"
_SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")

#: Used only when check-jsonschema (which vendors SchemaStore's schemas) is not installed.
_MINIMAL = {
    "action": {"type": "object", "required": ["name", "description", "runs"],
               "properties": {"runs": {"type": "object", "required": ["using", "steps"]}}},
    "workflow": {"type": "object", "required": ["on", "jobs"],
                 "properties": {"jobs": {"type": "object", "additionalProperties": {
                     "type": "object", "required": ["runs-on", "steps"]}}}},
}


def _schema(kind: str) -> dict[str, Any]:
    try:
        import check_jsonschema
    except ImportError:
        return _MINIMAL[kind]
    name = {"action": "github-actions", "workflow": "github-workflows"}[kind]
    path = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / f"{name}.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as the boolean True
        data["on"] = data.pop(True)
    return data


def _steps(data: dict[Any, Any]) -> list[dict[str, Any]]:
    if "runs" in data:
        return list(data["runs"]["steps"])
    return [s for job in data["jobs"].values() for s in job["steps"]]


@pytest.mark.parametrize(("path", "kind"), [(ACTION, "action"), (WORKFLOW, "workflow")])
def test_valid_against_github_schema(path: Path, kind: str) -> None:
    jsonschema.validate(_load(path), _schema(kind))


def test_schema_check_rejects_a_broken_action() -> None:
    broken = _load(ACTION)
    del broken["runs"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema("action"))


@pytest.mark.parametrize("path", [ACTION, WORKFLOW])
def test_no_expressions_inside_run(path: Path) -> None:
    for step in _steps(_load(path)):
        assert "${{" not in step.get("run", ""), step


@pytest.mark.parametrize("path", [ACTION, WORKFLOW])
def test_every_uses_pinned_to_full_sha_with_version_comment(path: Path) -> None:
    uses = [s["uses"] for s in _steps(_load(path)) if "uses" in s]
    for ref in uses:
        assert ref.startswith("./") or _SHA_PIN.match(ref), ref
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*(-\s+)?uses:\s", line):
            assert re.search(r"@[0-9a-f]{40} # v\d", line), line


def test_action_is_a_thin_composite_shim() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert all("shell" in s for s in steps if "run" in s)
    assert '"$GITHUB_ACTION_PATH"' in steps[0]["run"]
    run = next(s for s in steps if s.get("id") == "run")
    consumed = {m.group(1) for v in run["env"].values()
                for m in re.finditer(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", str(v))}
    assert consumed == set(action["inputs"])  # every input reaches costgate through env
    assert all(i.get("description") for i in action["inputs"].values())
    for name, out in action["outputs"].items():
        assert out["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
    assert {"monthly-delta", "new-total", "verdict", "comment-url"} <= set(action["outputs"])
    text = ACTION.read_text(encoding="utf-8")
    for perm in ("pull-requests: write", "statuses: write", "contents: read"):
        assert perm in text  # least-privilege permissions documented


def test_workflow_template_follows_the_security_checklist() -> None:
    wf = _load(WORKFLOW)
    assert "pull_request" in wf["on"] and "pull_request_target" not in wf["on"]
    assert wf["permissions"] == {"contents": "read"}
    job = wf["jobs"]["costgate"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write",
                                  "statuses": "write"}
    assert job["concurrency"]["cancel-in-progress"] is True
    by_action = {s["uses"].split("@")[0]: s for s in job["steps"] if "uses" in s}
    assert by_action["actions/checkout"]["with"]["persist-credentials"] is False
    assert by_action["hashicorp/setup-terraform"]["with"]["terraform_wrapper"] is False
    plan = next(s for s in job["steps"] if s.get("name") == "Terraform plan")
    assert "terraform show -json tfplan" in plan["run"]
    assert "paths" not in (wf["on"]["pull_request"] or {})


def test_token_reaches_only_the_costgate_step_and_only_through_env() -> None:
    action = _load(ACTION)
    steps = action["runs"]["steps"]
    carrying = [s for s in steps if any("inputs.github-token" in str(v)
                                        for v in (s.get("env") or {}).values())]
    assert [s.get("id") for s in carrying] == ["run"]  # not the pip install step
    assert carrying[0]["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"
    for step in steps:
        run = step.get("run", "")
        assert "GITHUB_TOKEN" not in run and "set -x" not in run  # never echoed or traced
        assert run.split()[0] in ("python3", "costgate")

"""HCL mode gives the same resources and costs as plan mode.

1. ``examples/hcl`` (AWS: provider region from a variable, an aliased provider, a local
   module with for_each + count + a dynamic block, NAT gateways counted from EIPs, an RDS
   instance, tags via locals/merge/default_tags) against ``examples/hcl/plan.json``, the
   plan Terraform writes for it, priced by the real rules.
2. Where the terraform binary exists: a config of builtin ``terraform_data`` resources,
   local modules, count and for_each against a real ``terraform plan`` made offline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hcl_fakes import DigestStore

from costgate.parse.hcl_plan import load_hcl, plan_document
from costgate.parse.loader import load_input
from costgate.pricing.engine import estimate
from costgate.pricing.rules import default_registry

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "hcl"
BUILTIN = REPO / "tests" / "fixtures" / "hcl" / "terraform_builtin"
TERRAFORM = Path("/usr/local/bin/terraform")


def test_example_resources_match_the_plan() -> None:
    hcl = {c.address: c for c in load_hcl(EXAMPLE).changes}
    plan = {c.address: c for c in load_input(EXAMPLE / "plan.json").changes}
    assert sorted(hcl) == sorted(plan)
    assert len(plan) == 12
    for address, p in plan.items():
        h = hcl[address]
        assert h.after is not None and p.after is not None
        assert (h.type, h.provider, h.action) == (p.type, p.provider, p.action), address
        assert (h.after.module_address, h.after.index) == (p.after.module_address, p.after.index)
        assert h.after.region == p.after.region, address
        assert h.after.tags == p.after.tags, address
        # Every value HCL mode knows is the value Terraform plans (plans add schema nulls).
        for key, value in h.after.attributes.items():
            assert _within(value, p.after.attributes.get(key)), f"{address}.{key}"
        assert h.after.unknown <= p.after.unknown | set(p.after.attributes), address


def _within(ours: Any, planned: Any) -> bool:
    """``ours`` equals ``planned`` except that the plan may add keys (schema defaults)."""
    if isinstance(ours, dict) and isinstance(planned, dict):
        return all(k in planned and _within(v, planned[k]) for k, v in ours.items())
    if isinstance(ours, list) and isinstance(planned, list):
        return len(ours) == len(planned) and all(map(_within, ours, planned))
    return bool(ours == planned) and type(ours) is type(planned)


def test_example_costs_match_the_plan() -> None:
    registry = default_registry()
    hcl_store, plan_store = DigestStore(), DigestStore()
    by_hcl = estimate(load_hcl(EXAMPLE), registry=registry, store=hcl_store)
    by_plan = estimate(load_input(EXAMPLE / "plan.json"), registry=registry, store=plan_store)
    assert hcl_store.queries == plan_store.queries and len(plan_store.queries) >= 8
    assert by_hcl.total_monthly_cost_after == by_plan.total_monthly_cost_after > 0
    assert by_hcl.counts == by_plan.counts
    plan_rows = {r.address: r.model_dump() for r in by_plan.resources}
    for row in by_hcl.resources:
        assert row.model_dump() == plan_rows[row.address], row.address
    regions = {r.address: r.region for r in by_hcl.resources}
    assert regions["aws_instance.bastion"] == "us-west-2"  # provider = aws.dr
    assert regions["aws_db_instance.main"] == "us-east-1"  # provider region = var.region


def _terraform_plan(workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1",
           "TF_IN_AUTOMATION": "1"}
    env.pop("TF_WORKSPACE", None)
    for args in (["init", "-input=false", "-backend=false"],
                 ["plan", "-input=false", "-lock=false", "-out=tfplan"]):
        subprocess.run([str(TERRAFORM), *args, "-no-color"], cwd=workdir, env=env, check=True,
                       capture_output=True, timeout=120)
    out = subprocess.run([str(TERRAFORM), "show", "-json", "tfplan"], cwd=workdir, env=env,
                         check=True, capture_output=True, timeout=60)
    data: dict[str, Any] = json.loads(out.stdout)
    return data


@pytest.mark.skipif(not TERRAFORM.exists(), reason="terraform binary not installed")
def test_builtin_config_matches_a_real_terraform_plan(tmp_path: Path) -> None:
    workdir = tmp_path / "cfg"
    shutil.copytree(BUILTIN, workdir)
    real = _terraform_plan(workdir)
    ours = plan_document(workdir)
    assert not ours.pop("_diagnostics")

    def after(doc: dict[str, Any]) -> dict[str, Any]:
        return {rc["address"]: {k: v for k, v in rc["change"]["after"].items() if v is not None}
                for rc in doc["resource_changes"] if rc["mode"] == "managed"}

    def placement(doc: dict[str, Any]) -> dict[str, Any]:
        return {rc["address"]: (rc.get("module_address"), rc.get("index"), rc["provider_name"])
                for rc in doc["resource_changes"]}

    assert len(real["resource_changes"]) == 15
    assert after(ours) == after(real)
    assert placement(ours) == placement(real)
    # And through the shared reader: the same ParsedInput resources and values.
    from costgate.parse.loader import parse_document

    def attrs(changes: Any) -> dict[str, Any]:
        return {c.address: {k: v for k, v in c.after.attributes.items() if v is not None}
                for c in changes}

    assert attrs(load_hcl(workdir).changes) == attrs(parse_document(real, "real.json").changes)

"""Generate a synthetic ``terraform show -json`` plan with N managed resources.

Shaped like real Terraform 1.11 output (one line; ``resource_changes``, ``planned_values``,
``prior_state``, ``configuration``, ``variables``) with a mix of AWS types, modules, count
and for_each keys, every common action, ``after_unknown`` entries and a provider whose region
is ``var.region``. Deterministic for a given seed.

    python bench/gen_plan.py --resources 10000 --out /tmp/plan-10k.json
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

TYPES = (
    "aws_instance",
    "aws_ebs_volume",
    "aws_db_instance",
    "aws_nat_gateway",
    "aws_lb",
    "aws_s3_bucket",
    "aws_lambda_function",
    "aws_iam_role",
    "aws_security_group",
    "aws_costgate_synthetic_thing",  # a type no rule knows
)
ACTIONS = (
    (["create"], 40),
    (["update"], 15),
    (["delete", "create"], 7),
    (["create", "delete"], 3),
    (["delete"], 10),
    (["no-op"], 25),
)
PROVIDER = "registry.terraform.io/hashicorp/aws"
AZS = ("eu-west-1a", "eu-west-1b", "eu-west-1c")


def _values(type_: str, rng: random.Random, n: int) -> dict[str, Any]:
    """Attribute values for one instance: the cost drivers plus realistic filler."""
    tags = {"Name": f"{type_}-{n}", "team": rng.choice(("web", "data", "ops")), "env": "prod"}
    common: dict[str, Any] = {
        "id": f"id-{n:08d}",
        "arn": f"arn:aws:service:eu-west-1:123456789012:{type_}/{n}",
        "tags": tags,
        "tags_all": {**tags, "managed_by": "terraform"},
        "timeouts": None,
    }
    if type_ == "aws_instance":
        common.update(
            ami="ami-0abcdef1234567890",
            instance_type=rng.choice(("t3.micro", "m5.large", "c5.xlarge", "r5.2xlarge")),
            availability_zone=rng.choice(AZS),
            tenancy="default",
            ebs_optimized=False,
            monitoring=False,
            credit_specification=[{"cpu_credits": "standard"}],
            root_block_device=[
                {
                    "delete_on_termination": True,
                    "encrypted": True,
                    "iops": 3000,
                    "throughput": 125,
                    "volume_size": rng.choice((8, 20, 50)),
                    "volume_type": "gp3",
                    "tags": None,
                }
            ],
            ebs_block_device=[],
            metadata_options=[{"http_endpoint": "enabled", "http_tokens": "required"}],
            user_data_replace_on_change=False,
            vpc_security_group_ids=[f"sg-{n:08x}"],
            subnet_id=f"subnet-{n % 7:08x}",
        )
    elif type_ == "aws_ebs_volume":
        common.update(
            availability_zone=rng.choice(AZS),
            size=rng.choice((20, 100, 500)),
            type=rng.choice(("gp2", "gp3", "io2", "st1")),
            iops=rng.choice((3000, 6000)),
            throughput=125,
            encrypted=True,
            multi_attach_enabled=False,
        )
    elif type_ == "aws_db_instance":
        common.update(
            instance_class=rng.choice(("db.t3.micro", "db.m5.large", "db.r5.xlarge")),
            engine=rng.choice(("postgres", "mysql")),
            engine_version="15.4",
            allocated_storage=rng.choice((20, 100, 1000)),
            storage_type="gp3",
            multi_az=rng.random() < 0.3,
            backup_retention_period=7,
            username="admin",
            password="not-a-real-secret",
            parameter_group_name="default.postgres15",
            skip_final_snapshot=True,
        )
    elif type_ == "aws_nat_gateway":
        common.update(
            allocation_id=f"eipalloc-{n:08x}",
            subnet_id=f"subnet-{n:08x}",
            connectivity_type="public",
        )
    elif type_ == "aws_lb":
        common.update(
            name=f"lb-{n}",
            load_balancer_type=rng.choice(("application", "network")),
            internal=False,
            subnets=[f"subnet-{i:08x}" for i in range(3)],
            enable_deletion_protection=False,
            idle_timeout=60,
        )
    elif type_ == "aws_s3_bucket":
        common.update(bucket=f"bucket-{n}", force_destroy=False, object_lock_enabled=False)
    elif type_ == "aws_lambda_function":
        common.update(
            function_name=f"fn-{n}",
            runtime="python3.12",
            handler="app.handler",
            memory_size=rng.choice((128, 512, 1024)),
            timeout=30,
            architectures=["arm64"],
            ephemeral_storage=[{"size": 512}],
            environment=[{"variables": {"LOG_LEVEL": "info"}}],
        )
    elif type_ == "aws_iam_role":
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*"}]}
        common.update(name=f"role-{n}", assume_role_policy=json.dumps(policy), path="/")
    elif type_ == "aws_security_group":
        rule = {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}
        common.update(name=f"sg-{n}", ingress=[rule], egress=[{**rule, "from_port": 0}])
    else:
        common.update(widget_count=rng.randint(1, 9), widget_size="large")
    return common


def _unknown(type_: str, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A created object's ``after`` (unknown leaves omitted) and ``after_unknown``."""
    after = {k: v for k, v in values.items() if k not in ("id", "arn", "tags_all")}
    unknown: dict[str, Any] = {"id": True, "arn": True, "tags_all": True}
    if type_ == "aws_instance":
        after.pop("availability_zone", None)
        unknown["availability_zone"] = True
        unknown["root_block_device"] = [{"volume_id": True}]
    return after, unknown


def generate_plan(resources: int = 10_000, seed: int = 0) -> dict[str, Any]:
    """Build the plan document in memory."""
    rng = random.Random(seed)
    changes: list[dict[str, Any]] = []
    planned: dict[str, list[dict[str, Any]]] = {}
    prior: dict[str, list[dict[str, Any]]] = {}
    config_blocks: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    weights = [w for _, w in ACTIONS]
    n = 0
    while n < resources:
        type_ = TYPES[n % len(TYPES)]
        placement = rng.random()
        if placement < 0.4:
            module = ""
        elif placement < 0.7:
            module = f'module.svc["{rng.choice(("api", "web", "batch.jobs"))}"]'
        elif placement < 0.9:
            module = f"module.app[{rng.randint(0, 3)}]"
        else:
            module = f"module.app[{rng.randint(0, 3)}].module.db"
        config_path = module.replace('["api"]', "").replace('["web"]', "")
        config_path = config_path.replace('["batch.jobs"]', "")
        for digit in range(4):
            config_path = config_path.replace(f"[{digit}]", "")
        block = f"r{n // 3}"
        keyed = rng.random()
        for i in range(min(3 if keyed < 0.8 else 1, resources - n)):
            if keyed < 0.5:
                index: int | str | None = i
                suffix = f"[{i}]"
            elif keyed < 0.8:
                index = f"k{i}"
                suffix = f'["k{i}"]'
            else:
                index, suffix = None, ""
            address = f"{module + '.' if module else ''}{type_}.{block}{suffix}"
            actions = rng.choices([a for a, _ in ACTIONS], weights)[0]
            values = _values(type_, rng, n)
            before: dict[str, Any] | None = values
            after: dict[str, Any] | None = values
            after_unknown: dict[str, Any] = {}
            if actions == ["create"] or "delete" in actions and "create" in actions:
                after, after_unknown = _unknown(type_, _values(type_, rng, n + 1))
            if actions == ["create"]:
                before = None
            if actions == ["delete"]:
                after = None
            if actions == ["update"]:
                after = {**values, "tags": {**values["tags"], "team": "changed"}}
            rc: dict[str, Any] = {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": block,
                "provider_name": PROVIDER,
                "change": {
                    "actions": actions,
                    "before": before,
                    "after": after,
                    "after_unknown": after_unknown,
                    "before_sensitive": {} if before else False,
                    "after_sensitive": {} if after else False,
                },
            }
            if module:
                rc["module_address"] = module
            if index is not None:
                rc["index"] = index
            if actions == ["delete"]:
                rc["action_reason"] = "delete_because_no_resource_config"
            changes.append(rc)
            state = {
                "address": address,
                "mode": "managed",
                "type": type_,
                "name": block,
                "provider_name": PROVIDER,
                "schema_version": 0,
                "sensitive_values": {},
            }
            if index is not None:
                state["index"] = index
            if after is not None:
                planned.setdefault(module, []).append({**state, "values": after})
            if before is not None:
                prior.setdefault(module, []).append({**state, "values": before})
            config_blocks.setdefault(config_path, {})[(type_, block)] = {
                "address": f"{type_}.{block}",
                "mode": "managed",
                "type": type_,
                "name": block,
                "provider_config_key": "aws.east" if type_ == "aws_s3_bucket" else "aws",
                "expressions": {"tags": {"references": ["var.tags"]}},
                "schema_version": 0,
            }
            n += 1
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": {"region": {"value": "eu-west-1"}, "tags": {"value": {"env": "prod"}}},
        "planned_values": {"root_module": _module_tree(planned)},
        "resource_changes": changes,
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": "1.11.4",
            "values": {"root_module": _module_tree(prior)},
        },
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": PROVIDER,
                    "expressions": {"region": {"references": ["var.region"]}},
                },
                "aws.east": {
                    "name": "aws",
                    "full_name": PROVIDER,
                    "alias": "east",
                    "expressions": {"region": {"constant_value": "us-east-1"}},
                },
            },
            "root_module": _config_tree(config_blocks),
        },
        "timestamp": "2025-01-01T00:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def _module_tree(by_module: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    root: dict[str, Any] = {"resources": by_module.get("", [])}
    children = [{"address": mod, "resources": res} for mod, res in sorted(by_module.items()) if mod]
    if children:
        root["child_modules"] = children  # flattened: enough for size and shape
    return root


def _config_tree(blocks: dict[str, dict[tuple[str, str], dict[str, Any]]]) -> dict[str, Any]:
    root: dict[str, Any] = {"resources": [], "module_calls": {}}
    for path, resources in sorted(blocks.items()):
        node = root
        parts = path.split(".")[1::2] if path else []
        for name in parts:
            call = node["module_calls"].setdefault(
                name,
                {"source": f"./modules/{name}", "module": {"resources": [], "module_calls": {}}},
            )
            node = call["module"]
        node["resources"].extend(resources.values())
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    text = json.dumps(generate_plan(args.resources, args.seed), separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.resources} resources, {len(text) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

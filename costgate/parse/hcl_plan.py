"""HCL mode entry point: a directory of Terraform code → a plan-shaped document → ParsedInput.

HCL reuses the plan path (style.md §2.1): the evaluated configuration is written as a
``terraform show -json`` plan (format 1.2) in which every resource is a ``create`` with
``after``/``after_unknown`` and ``configuration.provider_config`` carries each provider's
region as a constant, and that document goes through the same
:func:`costgate.parse.loader.parse_document` as a real plan. Pricing therefore sees one
input shape and the same documented defaults for unknown values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.errors import InputError
from costgate.model.resource import ParsedInput
from costgate.parse.hcl_eval import UNKNOWN, has_unknown
from costgate.parse.hcl_files import config_files, find_repo_root, manifest, root_values
from costgate.parse.hcl_module import ModuleInstance, ResourceInstance, Run

#: Optional+Computed provider attributes that cost rules inspect: when the code leaves them
#: unset, ``terraform plan`` reports them as unknown (plan-format.md §5), so HCL mode does too
#: and the rules apply the same documented defaults in both modes.
COMPUTED_WHEN_UNSET: dict[str, tuple[str, ...]] = {
    "aws_eip": ("instance", "network_interface", "public_ipv4_pool"),
    "aws_instance": ("availability_zone", "tenancy", "ebs_optimized", "root_block_device",
                     "ebs_block_device", "ephemeral_block_device"),
    "aws_ebs_volume": ("iops", "throughput"),
    "aws_db_instance": ("availability_zone", "iops", "storage_throughput", "storage_type",
                        "license_model"),
    "aws_lambda_function": ("architectures", "ephemeral_storage"),
    "aws_cloudwatch_log_group": ("log_group_class",),
}


def load_hcl(
    path: str | Path,
    *,
    var_files: Sequence[str | Path] = (),
    var_flags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    workspace: str = "default",
    repo_root: Path | None = None,
    default_regions: Mapping[str, str] | None = None,
    region_override: Mapping[str, str] | None = None,
) -> ParsedInput:
    """Estimate-ready input from the root module in ``path`` (everything is a create).

    ``env`` supplies ``TF_VAR_*`` values (the caller decides whether that is os.environ).
    A syntax error raises :class:`~costgate.parse.hcl.HclSyntaxError`; everything else that
    cannot be evaluated is a diagnostic.
    """
    from costgate.parse.loader import parse_document

    document = plan_document(
        path, var_files=var_files, var_flags=var_flags, env=env, workspace=workspace,
        repo_root=repo_root,
    )
    run_diagnostics = document.pop("_diagnostics")
    parsed = parse_document(
        document, str(path), default_regions=default_regions, region_override=region_override
    )
    metadata = parsed.metadata.model_copy(update={"kind": "hcl", "source": str(path)})
    return parsed.model_copy(
        update={"metadata": metadata, "diagnostics": (*run_diagnostics, *parsed.diagnostics)}
    )


def plan_document(
    path: str | Path,
    *,
    var_files: Sequence[str | Path] = (),
    var_flags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    workspace: str = "default",
    repo_root: Path | None = None,
) -> dict[str, Any]:
    """The plan-shaped JSON document for the root module in ``path`` (plus ``_diagnostics``)."""
    root = Path(path)
    if not root.is_dir():
        raise InputError(f"{path}: not a directory (HCL mode reads a Terraform root module)")
    root = root.resolve()
    if not config_files(root):
        raise InputError(f"{path}: no .tf, .tofu or .tf.json files in this directory")
    run = Run(root, (repo_root or find_repo_root(root)).resolve(), {}, workspace, manifest(root))
    run.root_values = root_values(root, var_files=var_files, var_flags=var_flags, env=env,
                                  warn=run.warn)
    top = ModuleInstance(run, run.source(root))
    top.collect()
    return {
        "format_version": "1.2",
        "variables": _root_variables(top),
        "resource_changes": [_change(run, inst) for inst in run.instances],
        "configuration": {"provider_config": run.provider_configs, "root_module": _tree(run)},
        "errored": False,
        "complete": True,
        "applyable": True,
        "_diagnostics": list(run.diagnostics),
    }


def split_unknown(value: Any) -> tuple[Any, Any]:
    """(known value, unknown marks) in the shape of plan ``after`` / ``after_unknown``."""
    if value is UNKNOWN:
        return None, True
    if isinstance(value, dict):
        known: dict[str, Any] = {}
        marks: dict[str, Any] = {}
        for key, item in value.items():
            k, m = split_unknown(item)
            if m is not True:
                known[key] = k
            if m:
                marks[key] = m
        return known, marks
    if isinstance(value, list):
        pairs = [split_unknown(item) for item in value]
        list_marks = [m if m else False for _, m in pairs]
        return [k for k, _ in pairs], (list_marks if any(list_marks) else False)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value), False
    return value, False


def _change(run: Run, inst: ResourceInstance) -> dict[str, Any]:
    values = dict(inst.values)
    for key in COMPUTED_WHEN_UNSET.get(inst.type, ()):
        if values.get(key) is None:
            values[key] = UNKNOWN
    if inst.provider_name.endswith("/aws"):
        defaults = run.default_tags.get(inst.provider_key)
        if defaults is not None or "tags" in values:
            tags = values.get("tags")
            if has_unknown(defaults) or has_unknown(tags):
                values["tags_all"] = UNKNOWN
            else:
                merged = dict(defaults) if isinstance(defaults, dict) else {}
                merged.update(tags if isinstance(tags, dict) else {})
                values["tags_all"] = merged
    after, marks = split_unknown(values)
    entry: dict[str, Any] = {
        "address": inst.address,
        "mode": "managed",
        "type": inst.type,
        "name": inst.name,
        "provider_name": inst.provider_name,
        "change": {
            "actions": ["create"],
            "before": None,
            "after": after,
            "after_unknown": marks or {},
            "before_sensitive": False,
            "after_sensitive": dict.fromkeys(sorted(inst.sensitive), True),
        },
    }
    if inst.module_address:
        entry["module_address"] = inst.module_address
    if inst.index is not None:
        entry["index"] = inst.index
    return entry


def _tree(run: Run) -> dict[str, Any]:
    """``configuration.root_module`` with resources' provider_config_key and module_calls."""
    root: dict[str, Any] = {"resources": [], "module_calls": {}}
    modules = {"": root}
    for call_path in sorted(run.module_calls, key=lambda p: p.count(".module.")):
        if ".module." in call_path:
            parent, _, name = call_path.rpartition(".module.")
        else:
            parent, name = "", call_path[len("module.") :]
        node: dict[str, Any] = {"resources": [], "module_calls": {}}
        modules.setdefault(parent, {"resources": [], "module_calls": {}})["module_calls"][name] = {
            "source": run.module_calls[call_path],
            "module": node,
        }
        modules[call_path] = node
    for (path, type_, name), key in run.resource_keys.items():
        modules.setdefault(path, {"resources": [], "module_calls": {}})["resources"].append({
            "address": f"{type_}.{name}", "mode": "managed", "type": type_, "name": name,
            "provider_config_key": key,
        })
    return root


def _root_variables(top: ModuleInstance) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, decl in top.src.variables.items():
        if decl["attrs"].get("sensitive") == "true":
            continue
        value = top.var(name)
        if not has_unknown(value):
            out[name] = {"value": split_unknown(value)[0]}
    return out

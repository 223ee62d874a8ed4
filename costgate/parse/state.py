"""State as a "current cost" baseline: every managed object becomes a ``no-op`` change.

Two shapes are read: ``terraform show -json`` output (and a plan's ``prior_state``), whose
``values.root_module`` tree mirrors ``planned_values``; and a raw ``terraform.tfstate``
(version 4) with ``resources[].instances[]``. Before and after are the same object, so the
totals show what the infrastructure costs today and the delta is zero.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from costgate.model.address import format_key
from costgate.parse.plan import ChangeReader

_RAW_PROVIDER = re.compile(
    r'provider\["([^"]+)"\](?:\.([A-Za-z0-9_-]+))?|provider\.([A-Za-z0-9_.-]+)'
)


def read_values(reader: ChangeReader, values: Any, what: str) -> int:
    """Add no-op changes for every managed resource under ``values.root_module``."""
    if not isinstance(values, dict):
        return 0
    root = values.get("root_module")
    stack: list[tuple[Any, str]] = [(root, "")]
    count = 0
    while stack:
        module, module_address = stack.pop()
        if not isinstance(module, dict):
            continue
        resources = module.get("resources")
        for number, res in enumerate(resources if isinstance(resources, list) else ()):
            count += _add_state_resource(reader, res, module_address, number, what)
        children = module.get("child_modules")
        for child in reversed(children) if isinstance(children, list) else ():
            if isinstance(child, dict):
                address = child.get("address")
                stack.append((child, address if isinstance(address, str) else module_address))
    return count


def _add_state_resource(
    reader: ChangeReader, res: Any, module_address: str, number: int, what: str
) -> int:
    if not isinstance(res, dict) or res.get("mode", "managed") != "managed":
        return 0
    deposed = res.get("deposed_key")
    entry = {
        "address": res.get("address"),
        "module_address": module_address or None,
        "mode": "managed",
        "type": res.get("type"),
        "name": res.get("name"),
        "provider_name": res.get("provider_name"),
        "change": {
            "actions": ["no-op"],
            "before": res.get("values"),
            "after": res.get("values"),
            "before_sensitive": res.get("sensitive_values"),
            "after_sensitive": res.get("sensitive_values"),
        },
    }
    if "index" in res:
        entry["index"] = res["index"]
    if isinstance(deposed, str):
        entry["deposed"] = deposed
    before = len(reader.changes)
    reader.read_one(entry, number, what)
    return len(reader.changes) - before


def read_raw_state(reader: ChangeReader, document: dict[str, Any]) -> int:
    """A raw ``terraform.tfstate`` (version 4): one no-op change per managed instance."""
    resources = document.get("resources")
    count = 0
    for number, res in enumerate(resources if isinstance(resources, list) else ()):
        if not isinstance(res, dict) or res.get("mode", "managed") != "managed":
            continue
        type_, name = res.get("type"), res.get("name")
        if not isinstance(type_, str) or not isinstance(name, str):
            reader.warn("malformed-entry", f"resources[{number}] has no type or name; skipped")
            continue
        module = res.get("module") if isinstance(res.get("module"), str) else ""
        provider_name = _raw_provider_name(res.get("provider"))
        instances = res.get("instances")
        for inst in instances if isinstance(instances, list) else ():
            if not isinstance(inst, dict):
                continue
            key = inst.get("index_key")
            if isinstance(key, bool) or not isinstance(key, (int, str)):
                key = None
            address = f"{module}.{type_}.{name}" if module else f"{type_}.{name}"
            address += format_key(key)
            entry: dict[str, Any] = {
                "address": address,
                "module_address": module or None,
                "mode": "managed",
                "type": type_,
                "name": name,
                "provider_name": provider_name,
                "change": {
                    "actions": ["no-op"],
                    "before": inst.get("attributes"),
                    "after": inst.get("attributes"),
                    "before_sensitive": _paths_to_marks(inst.get("sensitive_attributes")),
                    "after_sensitive": _paths_to_marks(inst.get("sensitive_attributes")),
                },
            }
            if key is not None:
                entry["index"] = key
            if isinstance(inst.get("deposed"), str):
                entry["deposed"] = inst["deposed"]
            before = len(reader.changes)
            reader.read_one(entry, number, "resources")
            count += len(reader.changes) - before
    return count


def _raw_provider_name(text: Any) -> str | None:
    """``module.x.provider["registry.terraform.io/hashicorp/aws"].east`` → the source address."""
    if not isinstance(text, str):
        return None
    match = _RAW_PROVIDER.search(text)
    if not match:
        return None
    if match.group(1):
        return match.group(1)
    return match.group(3)  # 0.12-era "provider.aws.east": short name with alias


def _paths_to_marks(paths: Any) -> Any:
    """Raw-state ``sensitive_attributes`` (lists of path steps) → ``*_sensitive`` marks."""
    if not isinstance(paths, list) or not paths:
        return None
    marks: dict[Any, Any] = {}
    for path in paths:
        steps = path if isinstance(path, list) else []
        keys = [_step_key(step) for step in steps]
        if not keys or any(k is None for k in keys):
            continue
        node: dict[Any, Any] = marks
        for key in keys[:-1]:
            child = node.get(key)
            if child is True:
                break
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        else:
            node[keys[-1]] = True
    return marks


def _step_key(step: Any) -> Any:
    if not isinstance(step, dict):
        return None
    value = step.get("value")
    if step.get("type") == "get_attr":
        return value if isinstance(value, str) else None
    if step.get("type") == "index" and isinstance(value, dict):
        inner = value.get("value")
        if isinstance(inner, bool):
            return None
        if isinstance(inner, int) or (
            isinstance(inner, Decimal)
            and inner.is_finite()
            and inner == inner.to_integral_value()
            and abs(inner) < 2**63
        ):
            return int(inner)
        return inner if isinstance(inner, str) else None
    return None

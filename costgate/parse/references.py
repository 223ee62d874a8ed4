"""Which resources each resource refers to, from the plan's ``configuration`` block.

Some costs live on another resource (an autoscaling group's instances are described by its
launch template, a Fargate service's size by its task definition) and the link is usually an
id that is unknown until apply. Terraform records the link itself in ``configuration`` as
``references``; this module flattens that into configuration address → attribute path →
referenced resource (configuration) addresses, for every module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: configuration address → attribute path ("launch_template.id") → referenced addresses
References = dict[str, dict[str, tuple[str, ...]]]




def references_from_configuration(
    configuration: Mapping[str, Any] | None,
) -> References:
    """Configuration address → attribute path → referenced resource addresses (all modules)."""
    refs: dict[str, dict[str, tuple[str, ...]]] = {}
    root = (configuration or {}).get("root_module")
    if isinstance(root, dict):
        _walk_module(root, "", refs)
    return refs


def _walk_module(
    module: Mapping[str, Any], prefix: str, out: dict[str, dict[str, tuple[str, ...]]]
) -> None:
    for res in module.get("resources") or ():
        if not isinstance(res, dict) or res.get("mode", "managed") != "managed":
            continue
        paths: dict[str, tuple[str, ...]] = {}
        _collect(res.get("expressions") or {}, "", prefix, paths)
        out[prefix + str(res.get("address", ""))] = paths
    for name, call in (module.get("module_calls") or {}).items():
        if isinstance(call, dict) and isinstance(call.get("module"), dict):
            _walk_module(call["module"], f"{prefix}module.{name}.", out)


def _collect(expr: Any, path: str, prefix: str, out: dict[str, tuple[str, ...]]) -> None:
    """Flatten expressions: ``references`` lists become resource addresses keyed by path."""
    if isinstance(expr, list):
        for item in expr:
            _collect(item, path, prefix, out)
        return
    if not isinstance(expr, dict):
        return
    refs = expr.get("references")
    if isinstance(refs, list):
        found = {prefix + _resource_part(str(ref)) for ref in refs if _resource_part(str(ref))}
        out[path] = tuple(sorted(set(out.get(path, ())) | found))
        return
    for key, value in expr.items():
        _collect(value, f"{path}.{key}" if path else key, prefix, out)


_INDEX = re.compile(r"\[[^\]]*\]")


def _strip_keys(ref: str) -> str:
    """``data.a.b[1].vars["k"]`` → ``data.a.b.vars``: a traversal, not an instance address."""
    return _INDEX.sub("", ref)


def _resource_part(ref: str) -> str:
    """``aws_launch_template.foo.id`` → ``aws_launch_template.foo``; vars, locals → ''."""
    parts = _strip_keys(ref).split(".")
    if len(parts) < 2 or parts[0] in (
        "var",
        "local",
        "module",
        "data",
        "each",
        "count",
        "path",
        "self",
        "terraform",
    ):
        return ""
    return f"{parts[0]}.{parts[1]}"

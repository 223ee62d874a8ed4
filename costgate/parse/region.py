"""Region resolution for one resource, in the order of plan-format.md §8.

1. ``--region`` style override for the provider (what-if runs win over everything);
2. the resource's own attributes (AWS ``region``/``availability_zone``/``arn``, azurerm
   ``location``, google ``region``/``zone``/``location``);
3. the provider config entry the resource points to (``provider_config_key``): a constant,
   or ``var.x`` resolved from plan ``variables``, module-call arguments or defaults;
4. a walk up the module path keeping any alias (``module.a.module.b:aws`` → ``module.a:aws``
   → ``aws``) when the key is missing or has no region (old plans): *inferred*;
5. the configured default, else the provider's conventional default (AWS ``us-east-1``,
   Google ``us-central1``; Azure has none).

Every resource records ``region_source``; inferred and defaulted regions are summarised as
diagnostics so users can see where a guess was made.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from costgate.model.resource import Diagnostic

CONVENTIONAL_DEFAULTS: dict[str, str] = {"aws": "us-east-1", "google": "us-central1"}
CLOUD_FAMILIES = frozenset({"aws", "azurerm", "google"})
_FAMILY_ALIASES = {"azure": "azurerm", "gcp": "google", "google-beta": "google"}

_AWS_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)")  # prefix of AZ / Local Zone names
_AWS_REGION_EXACT = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
_GCP_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")
_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
_AZURE_REGION = re.compile(r"^[a-z0-9]+$")
_VAR_REF = re.compile(r"^var\.([A-Za-z_][A-Za-z0-9_-]*)$")
_SAMPLES = 3


def provider_family(provider: str) -> str:
    """Map a provider short name or user spelling to the family used for regions."""
    return _FAMILY_ALIASES.get(provider, provider)


@dataclass(frozen=True)
class RegionResult:
    """A resolved region and how it was found."""

    region: str | None
    source: str  # attribute | provider_config | variable | inferred | default | override | unknown


def region_from_attributes(family: str, attrs: Mapping[str, Any] | None) -> str | None:
    """The region a resource's own attributes name, or None (unknown, unset or malformed)."""
    if not attrs:
        return None
    if family == "aws":
        region = attrs.get("region")
        if isinstance(region, str) and _AWS_REGION_EXACT.match(region):
            return region
        zone = attrs.get("availability_zone")
        zones = attrs.get("availability_zones")
        if not isinstance(zone, str) and isinstance(zones, list) and zones:
            zone = zones[0]
        if isinstance(zone, str) and (match := _AWS_REGION.match(zone)):
            return match.group(1)
        arn = attrs.get("arn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            parts = arn.split(":", 5)
            if len(parts) > 3 and _AWS_REGION_EXACT.match(parts[3]):
                return parts[3]
        return None
    if family == "azurerm":
        location = attrs.get("location")
        if isinstance(location, str):
            code = location.replace(" ", "").lower()
            return code if _AZURE_REGION.match(code) else None
        return None
    if family == "google":
        for key in ("region", "zone", "location"):
            value = attrs.get(key)
            if not isinstance(value, str):
                continue
            if _GCP_REGION.match(value):
                return value
            if match := _GCP_ZONE.match(value):
                return match.group(1)
    return None


@dataclass
class _Tally:
    count: int = 0
    samples: list[str] = field(default_factory=list)


class RegionResolver:
    """Resolves regions for every resource of one document; build once, call per resource."""

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        default_regions: Mapping[str, str] | None = None,
        region_override: Mapping[str, str] | None = None,
    ) -> None:
        config = _mapping(document.get("configuration"))
        self._provider_config = _mapping(config.get("provider_config"))
        self._root = _mapping(config.get("root_module"))
        self._variables = _mapping(document.get("variables"))
        self._defaults = {provider_family(k): v for k, v in (default_regions or {}).items() if v}
        self._overrides = {provider_family(k): v for k, v in (region_override or {}).items() if v}
        self._keys: dict[tuple[str, str], str] = {}
        self._modules: dict[str, Mapping[str, Any]] = {"": self._root}
        self._index_config(self._root, "")
        self._cache: dict[tuple[str, str, str], RegionResult | None] = {}
        self._tally: dict[tuple[str, str, str | None], _Tally] = {}

    # -- configuration index ----------------------------------------------------------------

    def _index_config(self, module: Mapping[str, Any], path: str) -> None:
        stack = [(module, path)]
        while stack:
            module, path = stack.pop()
            for res in _list(module.get("resources")):
                if not isinstance(res, Mapping):
                    continue
                key, mode = res.get("provider_config_key"), res.get("mode", "managed")
                if isinstance(key, str):
                    prefix = "" if mode == "managed" else f"{mode}."
                    self._keys[(path, f"{prefix}{res.get('type')}.{res.get('name')}")] = key
            for name, call in _mapping(module.get("module_calls")).items():
                child = _mapping(_mapping(call).get("module"))
                child_path = f"{path}.module.{name}" if path else f"module.{name}"
                self._modules[child_path] = child
                stack.append((child, child_path))

    # -- public -----------------------------------------------------------------------------

    def resolve(
        self,
        provider: str,
        local: str,
        module_path: str,
        resource_config: str,
        attrs: Mapping[str, Any] | None,
        address: str,
    ) -> RegionResult:
        """Region of one resource side.

        ``provider`` is the short name (``aws``), ``local`` the provider's local config name
        (``aws``; 0.12 may give ``aws.east``), ``module_path`` has instance keys stripped.
        """
        family = provider_family(provider)
        if family in self._overrides:
            return RegionResult(self._overrides[family], "override")
        region = region_from_attributes(family, attrs)
        if region:
            return RegionResult(region, "attribute")
        key = self._keys.get((module_path, resource_config))
        cache_key = (local, module_path, key or "")
        if cache_key in self._cache:
            found = self._cache[cache_key]
        else:
            found = self._cache[cache_key] = self._from_config(local, module_path, key)
        if found is None:
            if family in self._defaults:
                found = RegionResult(self._defaults[family], "default")
            elif family in CONVENTIONAL_DEFAULTS:
                found = RegionResult(CONVENTIONAL_DEFAULTS[family], "default")
            else:
                found = RegionResult(None, "unknown")
        if found.source in ("inferred", "default", "unknown") and family in CLOUD_FAMILIES:
            tally = self._tally.setdefault((family, found.source, found.region), _Tally())
            tally.count += 1
            if len(tally.samples) < _SAMPLES:
                tally.samples.append(address)
        return found

    def diagnostics(self) -> list[Diagnostic]:
        """One diagnostic per (provider, source, region) guess, with sample addresses."""
        out: list[Diagnostic] = []
        for (family, source, region), tally in sorted(self._tally.items(), key=str):
            names = ", ".join(tally.samples) + (" …" if tally.count > len(tally.samples) else "")
            one = tally.count == 1
            n = f"{tally.count} {family} resource{'' if one else 's'}"
            if source == "inferred":
                msg = (
                    f"{n} {'uses' if one else 'use'} region {region} inferred from the nearest "
                    f"provider block ({names})"
                )
                code = "region-inferred"
            elif source == "default":
                how = "configured default" if family in self._defaults else "provider default"
                msg = (
                    f"{n} {'has' if one else 'have'} no region in the plan; using the {how} "
                    f"{region} ({names})"
                )
                code = "region-default"
            else:
                msg = (
                    f"{n} {'has' if one else 'have'} no region in the plan and {family} has no "
                    f"default; set one with a region option ({names})"
                )
                code = "region-missing"
            out.append(Diagnostic.model_construct(code=code, message=msg, level="warning"))
        return out

    # -- provider configuration ---------------------------------------------------------------

    def _from_config(self, local: str, module_path: str, key: str | None) -> RegionResult | None:
        if key is not None:
            entry = self._provider_config.get(key)
            expr = _region_expr(entry)
            if expr is not None:
                return self._evaluate(expr, _entry_module(entry, key, module_path))
        local = key.rsplit(":", 1)[-1] if key else local
        locals_ = [local]
        if local.startswith("google-beta"):
            locals_.append("google" + local[len("google-beta") :])
        for name in locals_:
            for path in _ancestors(module_path):
                candidate = f"{path}:{name}" if path else name
                if candidate == key:
                    continue
                entry = self._provider_config.get(candidate)
                expr = _region_expr(entry)
                if expr is not None:
                    found = self._evaluate(expr, _entry_module(entry, candidate, path))
                    return RegionResult(found.region, "inferred") if found else None
        return None

    def _evaluate(self, expr: Mapping[str, Any], module_path: str) -> RegionResult | None:
        if "constant_value" in expr:
            value = expr["constant_value"]
            return RegionResult(value, "provider_config") if _is_region(value) else None
        value = self._var_from_refs(expr.get("references"), module_path, depth=0)
        return RegionResult(value, "variable") if _is_region(value) else None

    def _var_from_refs(self, refs: Any, module_path: str, depth: int) -> Any:
        """Value of ``var.NAME`` when the expression is exactly one variable reference."""
        if not isinstance(refs, list) or not refs or depth > 64:
            return None
        match = _VAR_REF.match(refs[0]) if isinstance(refs[0], str) else None
        if not match or any(r != refs[0] for r in refs[1:]):
            return None
        name = match.group(1)
        module = self._modules.get(module_path, {})
        if not module_path:
            var = _mapping(self._variables.get(name))
            if "value" in var:
                return var["value"]
            return _mapping(_mapping(module.get("variables")).get(name)).get("default")
        if ".module." in module_path:
            parent, _, call_name = module_path.rpartition(".module.")
        else:
            parent, call_name = "", module_path[len("module.") :]
        call = _mapping(_mapping(self._modules.get(parent, {}).get("module_calls")).get(call_name))
        arg = _mapping(_mapping(call.get("expressions")).get(name))
        if "constant_value" in arg:
            return arg["constant_value"]
        if "references" in arg:
            return self._var_from_refs(arg["references"], parent, depth + 1)
        return _mapping(_mapping(module.get("variables")).get(name)).get("default")


def _region_expr(entry: Any) -> Mapping[str, Any] | None:
    expr = _mapping(_mapping(entry).get("expressions")).get("region")
    return expr if isinstance(expr, Mapping) and expr else None


def _entry_module(entry: Any, key: str, fallback: str) -> str:
    """Config module path a provider block lives in (old keys like ``db:aws`` lack it)."""
    module = _mapping(entry).get("module_address")
    if isinstance(module, str):
        return module
    prefix = key.rpartition(":")[0]
    return prefix if prefix.startswith("module.") or not prefix else fallback


def _ancestors(module_path: str) -> list[str]:
    """``module.a.module.b`` → [``module.a.module.b``, ``module.a``, ""]."""
    out = [module_path]
    path = module_path
    while path:
        path = path.rpartition(".module.")[0] if ".module." in path else ""
        out.append(path)
    return out


def _is_region(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

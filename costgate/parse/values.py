"""Turning one side of a change (plain JSON values) into a :class:`Resource`.

Shared by the plan and state readers. Kept allocation-light: attributes are passed through
as parsed (no copy) unless a sensitive value has to be masked, and models are built with
``model_construct`` because the reader has already shaped every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from costgate.model.resource import Resource
from costgate.parse.construct import construct
from costgate.parse.region import RegionResolver, provider_family

#: What a sensitive value becomes; it never reaches tags, reports or logs.
SENSITIVE = "(sensitive)"
#: Nesting below this depth in unknown/sensitive markers is treated as a whole (bounded work).
_MAX_MARK_DEPTH = 64
_TAG_KEYS = ("tags", "tags_all", "labels")


def provider_short_name(provider_name: Any, type_: str) -> tuple[str, str]:
    """(provider for the Resource, local config name) from ``provider_name``.

    ``registry.terraform.io/hashicorp/aws`` → ("aws", "aws"); 0.12's ``null.aliased`` →
    ("null", "null.aliased"); ``google-beta`` → ("google", "google-beta"). Only when the
    field is missing does the type prefix decide.
    """
    if not isinstance(provider_name, str) or not provider_name:
        local = type_.split("_", 1)[0]
    elif "/" in provider_name:
        local = provider_name.rsplit("/", 1)[-1]  # 0.13+: aliases never appear here
    else:
        local = provider_name  # 0.12 short form, may carry an alias
    base = local.split(".", 1)[0]
    return provider_family(base) if base == "google-beta" else base, local


def unknown_keys(after_unknown: Any) -> frozenset[str]:
    """Top-level attribute names that are (wholly or partly) unknown until apply."""
    if not isinstance(after_unknown, dict) or not after_unknown:
        return frozenset()
    return frozenset(
        key
        for key, mark in after_unknown.items()
        if mark is True or (isinstance(mark, (dict, list)) and _contains_true(mark))
    )


def _contains_true(mark: Any) -> bool:
    stack = [mark]
    while stack:
        item = stack.pop()
        if item is True:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def mask_sensitive(values: Any, marks: Any, depth: int = 0) -> Any:
    """Copy of ``values`` with every leaf that ``marks`` flags replaced by ``(sensitive)``.

    ``marks`` has the shape of ``*_sensitive`` (``true`` at sensitive leaves; lists may also
    be given as ``{index: mark}`` dicts). Untouched sub-trees are shared, not copied.
    """
    if marks is True:
        return None if values is None else SENSITIVE
    if not marks or values is None:
        return values
    if depth >= _MAX_MARK_DEPTH:
        return SENSITIVE if _contains_true(marks) else values
    if isinstance(values, dict) and isinstance(marks, dict):
        out = None
        for key, mark in marks.items():
            if key in values and mark:
                masked = mask_sensitive(values[key], mark, depth + 1)
                if masked is not values[key]:
                    out = dict(values) if out is None else out
                    out[key] = masked
        return values if out is None else out
    if isinstance(values, list):
        pairs = (
            enumerate(marks)
            if isinstance(marks, list)
            else ((k, m) for k, m in marks.items() if isinstance(k, int))
            if isinstance(marks, dict)
            else ()
        )
        out_list = None
        for index, mark in pairs:
            if mark and 0 <= index < len(values):
                masked = mask_sensitive(values[index], mark, depth + 1)
                if masked is not values[index]:
                    out_list = list(values) if out_list is None else out_list
                    out_list[index] = masked
        return values if out_list is None else out_list
    return values


def extract_tags(family: str, attrs: Mapping[str, Any]) -> dict[str, str]:
    """Tags as text: AWS ``tags_all`` then ``tags``; google ``labels``; others ``tags``."""
    if family == "aws":
        raw = attrs.get("tags_all")
        if not isinstance(raw, dict) or not raw:
            raw = attrs.get("tags")
    elif family == "google":
        raw = attrs.get("labels")
    else:
        raw = attrs.get("tags")
    if not isinstance(raw, dict) or not raw:
        return {}
    tags: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            tags[str(key)] = value
        elif isinstance(value, bool):
            tags[str(key)] = "true" if value else "false"
        elif isinstance(value, (int, Decimal)):
            tags[str(key)] = str(value)
    return tags


class Identity(NamedTuple):
    """What both sides of one change share: names, provider and module placement."""

    address: str
    type: str
    name: str
    provider: str  # short name for the Resource ("aws")
    local: str  # provider local config name ("aws", 0.12 "aws.east", "google-beta")
    family: str  # provider family for tags and regions (google-beta → google)
    module_address: str | None
    module_path: str  # module config path, keys stripped
    resource_config: str  # module-relative config address ("aws_instance.web")
    instance_key: int | str | None  # Resource.index (NamedTuple reserves "index")


class ResourceBuilder:
    """Builds :class:`Resource` objects for one document, sharing one region resolver."""

    def __init__(self, resolver: RegionResolver) -> None:
        self.resolver = resolver

    def build(
        self,
        ident: Identity,
        values: dict[str, Any],
        sensitive: Any = None,
        after_unknown: Any = None,
    ) -> Resource:
        """One side of a change (callers pass absent sides as None, never here)."""
        if sensitive is True:  # the whole object is sensitive
            sensitive = dict.fromkeys(values, True)
        if sensitive and isinstance(sensitive, dict):
            for key in _TAG_KEYS:  # a wholly sensitive tag map keeps its keys, masks values
                if sensitive.get(key) is True and isinstance(values.get(key), dict):
                    sensitive = {**sensitive, key: dict.fromkeys(values[key], True)}
        attrs = mask_sensitive(values, sensitive) if sensitive else values
        unknown = unknown_keys(after_unknown)
        if attrs is not values:  # masked cost drivers must read as unknown, not as defaults
            hidden = {k for k, v in attrs.items() if v is not values[k] and k not in _TAG_KEYS}
            unknown = unknown | hidden if hidden else unknown
        found = self.resolver.resolve(
            ident.provider,
            ident.local,
            ident.module_path,
            ident.resource_config,
            attrs,
            ident.address,
        )
        return construct(
            Resource,
            {
                "address": ident.address,
                "type": ident.type,
                "name": ident.name,
                "provider": ident.provider,
                "module_address": ident.module_address,
                "index": ident.instance_key,
                "region": found.region,
                "region_source": found.source,
                "attributes": attrs,
                "unknown": unknown,
                "tags": extract_tags(ident.family, attrs),
            },
        )

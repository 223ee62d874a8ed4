"""The usage file: Infracost-shaped YAML giving values that a plan cannot (requests, GB moved).

``version: 0.1``; ``resource_type_default_usage`` per type; ``resource_usage`` per address,
where ``[*]`` matches any count/for_each key at any level and an address without keys matches
every instance. Precedence, lowest first: type default, key-less address, wildcard patterns
(fewer ``[*]`` wins), the exact instance address; values merge key by key. Keys and value
types are checked against each rule's :class:`UsageKey` at load time, so a typo fails the run
with the key and address named instead of silently pricing nothing. Address parsing and
wildcard matching are ``costgate.model.address``'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, field_validator

from costgate.errors import UsageFileError
from costgate.model.address import AddressError, address_matches, config_address, parse_address
from costgate.model.base import Frozen
from costgate.model.money import to_decimal
from costgate.model.usage import UsageKey, UsageKeyLookup


class UsageDocument(Frozen):
    """The YAML document as written (before checking against the rules)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = "0.1"
    resource_type_default_usage: dict[str, dict[str, Any]] = Field(default_factory=dict)
    resource_usage: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: object) -> str:
        text = str(v)
        if text not in ("0.1", "0.1.0"):
            raise ValueError(f"unsupported version {text!r} (expected 0.1)")
        return "0.1"

    @field_validator("resource_type_default_usage", "resource_usage", mode="before")
    @classmethod
    def _nulls(cls, v: object) -> object:
        """``key:`` with every value commented out (the ``usage init`` template) is empty."""
        if v is None:
            return {}
        if isinstance(v, dict):
            return {k: ({} if val is None else val) for k, val in v.items()}
        return v


@dataclass(frozen=True)
class _Pattern:
    pattern: str
    wildcards: int
    values: Mapping[str, Any]


@dataclass
class UsageFile:
    """Checked usage values, answering :meth:`values_for` per resource instance."""

    type_defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_config: dict[str, dict[str, Any]] = field(default_factory=dict)
    exact: dict[str, dict[str, Any]] = field(default_factory=dict)
    patterns: list[_Pattern] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str | None = None

    def values_for(self, address: str, type_: str) -> Mapping[str, Any]:
        """Merged values for one instance address (empty mapping when nothing applies)."""
        merged: dict[str, Any] = dict(self.type_defaults.get(type_, {}))
        if self.by_config:
            merged.update(self.by_config.get(config_address(address), {}))
        if self.patterns:
            hits = [p for p in self.patterns if address_matches(p.pattern, address)]
            for p in sorted(hits, key=lambda p: -p.wildcards):
                merged.update(p.values)
        merged.update(self.exact.get(address, {}))
        return merged


def load_usage_file(path: str | Path, registry: UsageKeyLookup) -> UsageFile:
    """Read, validate and index a usage file; any problem is a one-line UsageFileError."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageFileError(f"{p}: cannot read usage file: {exc}") from exc
    return parse_usage(text, registry, source=str(p))


def parse_usage(text: str, registry: UsageKeyLookup, *, source: str = "usage file") -> UsageFile:
    """Validate usage YAML text against the registry's usage keys."""
    import yaml  # only when a usage file is given

    try:
        raw = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise UsageFileError(f"{source}: not valid YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(raw, dict):
        raise UsageFileError(f"{source}: expected a mapping with version and resource_usage")
    try:
        doc = UsageDocument.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise UsageFileError(f"{source}: {where}: {err['msg']}") from exc
    out = UsageFile(source=source)
    for type_, values in doc.resource_type_default_usage.items():
        checked = _check(values, type_, f"resource_type_default_usage.{type_}", registry, out)
        if checked is not None:
            out.type_defaults[type_] = checked
    for address, values in doc.resource_usage.items():
        try:
            parsed = parse_address(address, allow_wildcard=True)
        except AddressError as exc:
            raise UsageFileError(f"{source}: {address!r} is not a resource address: {exc}") from exc
        checked = _check(values, parsed.type, address, registry, out)
        if checked is None:
            continue
        if parsed.has_wildcard:
            out.patterns.append(_Pattern(address, address.count("[*]"), checked))
        elif parsed.instance == parsed.config:  # no keys: every instance of the block
            out.by_config[parsed.config] = checked
        else:
            out.exact[parsed.instance] = checked
    out.warnings = [f"{source}: {w}" for w in out.warnings]
    return out


def _check(
    values: dict[str, Any], type_: str, where: str, registry: UsageKeyLookup, out: UsageFile
) -> dict[str, Any] | None:
    """Values checked against the type's usage keys; None (with a warning) for unknown types."""
    rule = registry.rule(type_)
    if rule is None:
        out.warnings.append(f"{where}: no pricing rule for {type_}; its usage values are ignored")
        return None
    keys = {k.name: k for k in rule.usage}
    checked: dict[str, Any] = {}
    for name, value in values.items():
        key = keys.get(str(name))
        if key is None:
            known = ", ".join(sorted(keys)) or "none"
            raise UsageFileError(
                f"unknown usage key {name!r} for {where} ({type_} reads: {known})"
            )
        if value is None:
            continue
        checked[key.name] = _coerce(value, key, where)
    return checked


def _coerce(value: Any, key: UsageKey, where: str) -> Any:
    """The value in the type the rule expects (int, Decimal for float, str, dict); numbers ≥ 0."""
    bad = UsageFileError(
        f"usage key {key.name!r} for {where} must be {_kind_name(key.kind)}, got {value!r}"
    )
    if key.kind is dict:
        if not isinstance(value, dict):
            raise bad
        return {str(k): _number(v, key, where) for k, v in value.items()}
    if key.kind is str:
        if not isinstance(value, str):
            raise bad
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise bad
    number = _number(value, key, where)
    if key.kind is int:
        if number != number.to_integral_value():
            raise bad
        return int(number)
    return number


def _number(value: Any, key: UsageKey, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise UsageFileError(f"usage key {key.name!r} for {where} must be a number, got {value!r}")
    number = to_decimal(value)
    if not number.is_finite() or number < 0:
        raise UsageFileError(f"usage key {key.name!r} for {where} must be 0 or more, got {value}")
    return number


def _kind_name(kind: type) -> str:
    return {int: "a whole number", float: "a number", str: "a string", dict: "a mapping"}.get(
        kind, kind.__name__
    )


# --- the template written by ``costgate usage init`` ------------------------------------

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def usage_template(addresses: Iterable[tuple[str, str]], registry: UsageKeyLookup) -> str:
    """A commented usage file listing every usage key of each (address, type) given.

    Every value line is commented out, so the file is valid and changes nothing until a
    user fills it in; keys without a rule are skipped.
    """
    lines = [
        "# costgate usage file (the Infracost usage-file shape; Infracost files work too).",
        "# Uncomment a key and set its monthly value; a missing key keeps the cost at",
        '# "depends on usage", never 0. `[*]` in an address matches any count/for_each key;',
        "# resource_type_default_usage sets values for every resource of a type.",
        "version: 0.1",
        "resource_usage:",
    ]
    seen: set[str] = set()
    body: list[str] = []
    for address, type_ in sorted(addresses):
        rule = registry.rule(type_)
        if rule is None or not rule.usage or address in seen:
            continue
        seen.add(address)
        body.append(f"  {_yaml_key(address)}:")
        body.extend(
            f"    # {key.name}: {_yaml_value(key.example)}  # {key.doc}" for key in rule.usage
        )
    if not body:
        lines[-1] = "resource_usage: {}  # no resource in this plan reads usage values"
    return "\n".join(lines + body) + "\n"


def _yaml_key(address: str) -> str:
    return address if _PLAIN.match(address) else json.dumps(address)


def _yaml_value(value: Any) -> str:
    if value is None:
        return "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return json.dumps(value) if isinstance(value, str) else str(value)

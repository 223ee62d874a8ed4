"""How a pricing rule is written: a Terraform type, its usage keys, and a build function.

A rule *describes* cost components for one resource (name, unit, quantity, price query); it
never reads the price store or the network. Rules are collected in explicit tuples
(``costgate.pricing.rules.aws.RULES``); nothing registers itself on import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from costgate.model.pricing import CostComponent
from costgate.model.resource import Resource
from costgate.model.usage import UsageKey

#: Usage values for one resource after merging the usage file (type defaults, wildcards, address).
UsageValues = Mapping[str, Any]

__all__ = ["BuildFn", "ResourceRule", "UsageKey", "UsageValues", "pricing_rule"]

BuildFn = Callable[[Resource, UsageValues], Iterable[CostComponent]]


@dataclass(frozen=True)
class ResourceRule:
    """The pricing description of one Terraform resource type."""

    type: str
    build: BuildFn
    usage: tuple[UsageKey, ...] = ()
    doc: str = ""

    def components(self, resource: Resource, usage: UsageValues) -> list[CostComponent]:
        """Run the build function and return its components as a list."""
        return list(self.build(resource, usage))


def pricing_rule(
    type_: str, *, usage: tuple[UsageKey, ...] = (), doc: str = ""
) -> Callable[[BuildFn], ResourceRule]:
    """Decorator turning a build function into a :class:`ResourceRule` (it registers nothing)."""

    def wrap(fn: BuildFn) -> ResourceRule:
        return ResourceRule(type=type_, build=fn, usage=usage, doc=doc or (fn.__doc__ or "").strip())

    return wrap

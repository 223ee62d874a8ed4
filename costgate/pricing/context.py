"""Plan context: lets a rule reach the other resources of the same plan.

A rule's build function sees one :class:`Resource`. An autoscaling group names its launch
template only by id/name (usually unknown until apply), so such rules look the template up in
the active :class:`PlanContext`, which the engine sets for the whole plan with
``with plan_context(...)``. Without a context, rules emit a no-query component instead of
guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from costgate.model.address import config_address
from costgate.model.resource import Resource


@dataclass(frozen=True)
class PlanContext:
    """The resources of one plan side by address, and each resource's references by path."""

    resources: Mapping[str, Resource] = field(default_factory=dict)
    #: configuration address → attribute path ("launch_template.id") → referenced addresses
    references: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        resources: Iterable[Resource],
        references: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None,
    ) -> PlanContext:
        """Index resources by address, with the references the reader extracted."""
        return cls({r.address: r for r in resources}, references or {})

    def referenced(self, r: Resource, path_prefix: str, type_: str) -> list[Resource]:
        """Resources of ``type_`` that ``r``'s attributes under ``path_prefix`` refer to."""
        paths = self.references.get(config_address(r.address), {})
        targets = {
            ref for path, found in paths.items() if path.startswith(path_prefix) for ref in found
        }
        out = [
            other
            for other in self.resources.values()
            if other.type == type_ and config_address(other.address) in targets
        ]
        same_index = [o for o in out if o.index == r.index]
        return same_index or out

    def find(self, type_: str, **attrs: Any) -> list[Resource]:
        """Resources of ``type_`` whose known attributes equal all ``attrs`` that are not None."""
        wanted = {k: v for k, v in attrs.items() if v is not None}
        if not wanted:
            return []
        return [
            other
            for other in self.resources.values()
            if other.type == type_ and any(other.get(k) == v for k, v in wanted.items())
        ]


_CURRENT: ContextVar[PlanContext | None] = ContextVar("costgate_plan_context", default=None)


@contextmanager
def plan_context(ctx: PlanContext) -> Iterator[PlanContext]:
    """Make ``ctx`` visible to rules built inside the ``with`` block."""
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)


def current() -> PlanContext | None:
    """The active plan context, if the caller set one."""
    return _CURRENT.get()

"""Usage keys: the values a rule reads from a usage file (declared by rules, checked by readers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class UsageKey:
    """One usage-file key a rule reads (Infracost naming: unit last, ``monthly_`` prefix)."""

    name: str
    kind: type  # int, float (Decimal accepted), str, dict
    doc: str
    example: Any = None


class HasUsageKeys(Protocol):
    """Anything that declares usage keys (a pricing rule)."""

    @property
    def usage(self) -> tuple[UsageKey, ...]:
        """The keys, in documentation order."""
        ...


class UsageKeyLookup(Protocol):
    """What the usage reader needs from the rule registry: the rule (keys) for a type."""

    def rule(self, type_: str) -> HasUsageKeys | None:
        """The rule for ``type_``, or None when the type has no pricing rule."""
        ...

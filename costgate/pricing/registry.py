"""The explicit registry of pricing rules and known-free resource types."""

from __future__ import annotations

from collections.abc import Iterable

from costgate.pricing.rule import ResourceRule


class Registry:
    """Maps Terraform types to rules; rejects duplicates when built."""

    def __init__(self, rules: Iterable[ResourceRule], free: Iterable[str]) -> None:
        self._rules: dict[str, ResourceRule] = {}
        for rule in rules:
            if rule.type in self._rules:
                raise ValueError(f"duplicate pricing rule for {rule.type}")
            self._rules[rule.type] = rule
        self._free = frozenset(free)
        both = self._free & self._rules.keys()
        if both:
            raise ValueError(f"types both priced and free: {sorted(both)}")

    def rule(self, type_: str) -> ResourceRule | None:
        """The rule for a type, or None."""
        return self._rules.get(type_)

    def is_free(self, type_: str) -> bool:
        """True for types on the maintained known-free list."""
        return type_ in self._free

    @property
    def types(self) -> list[str]:
        """Sorted list of priced types."""
        return sorted(self._rules)

    @property
    def free_types(self) -> list[str]:
        """Sorted list of known-free types."""
        return sorted(self._free)

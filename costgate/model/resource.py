"""Resources as read from a plan, state or HCL: one object per side of a change."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import Field

from costgate.model.base import Frozen
from costgate.model.money import to_decimal


class Action(str, Enum):
    """What Terraform will do to one resource instance object."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"  # ["delete","create"] or ["create","delete"]
    NOOP = "no-op"
    READ = "read"
    FORGET = "forget"  # ["forget"] or ["create","forget"]: the old object lives on unmanaged


class Resource(Frozen):
    """One side (before or after) of a managed resource instance, with plain JSON attributes.

    ``attributes`` holds the values Terraform knows; ``unknown`` names the top-level
    attributes that are only known after apply (from ``after_unknown``), so pricing rules can
    tell "unknown" from "unset".
    """

    address: str
    type: str
    name: str
    provider: str  # "aws", "azurerm", "google", ... (from provider_name, never the type prefix)
    module_address: str | None = None
    index: int | str | None = None
    region: str | None = None
    region_source: str = "unknown"  # attribute | provider_config | variable | inferred | default | override
    attributes: dict[str, Any] = Field(default_factory=dict)
    unknown: frozenset[str] = frozenset()
    tags: dict[str, str] = Field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """Return a top-level attribute, or ``default`` when unset, null or unknown."""
        value = self.attributes.get(key)
        return default if value is None else value

    def is_unknown(self, key: str) -> bool:
        """True when the attribute is only known after apply."""
        return key in self.unknown

    def text(self, key: str, default: str | None = None) -> str | None:
        """A string attribute (numbers are rendered as text), or ``default``."""
        value = self.get(key)
        if value is None or isinstance(value, (dict, list)):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def number(self, key: str, default: Decimal | int | None = None) -> Decimal | None:
        """A numeric attribute as Decimal (numeric strings accepted), or ``default``."""
        value = self.get(key)
        if value is None or isinstance(value, (bool, dict, list)):
            return None if default is None else to_decimal(default)
        try:
            return to_decimal(value)
        except (TypeError, ArithmeticError, ValueError):
            return None if default is None else to_decimal(default)

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean attribute ("true"/"false" strings accepted), or ``default``."""
        value = self.get(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return default

    def blocks(self, key: str) -> list[dict[str, Any]]:
        """A nested block as a list of dicts (single objects are wrapped; nulls dropped)."""
        value = self.get(key)
        if isinstance(value, dict):
            return [value]
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
        return []


class ResourceChange(Frozen):
    """One entry of a plan's ``resource_changes`` (or one state resource), both sides kept."""

    address: str
    type: str
    provider: str
    action: Action
    before: Resource | None = None
    after: Resource | None = None
    deposed: str | None = None
    importing: bool = False
    previous_address: str | None = None
    action_reason: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        """Identity of the object: deposed objects share the address of the current one."""
        return (self.address, self.deposed)


class Diagnostic(Frozen):
    """A coded problem found while reading or pricing; it lowers confidence, it does not crash."""

    code: str
    message: str
    address: str | None = None
    level: str = "warning"  # info | warning | error


class PlanMetadata(Frozen):
    """Facts about the input file itself."""

    kind: str = "plan"  # plan | state | redacted-plan | hcl | costgate-json
    format_version: str | None = None
    terraform_version: str | None = None
    errored: bool = False
    complete: bool = True
    applyable: bool = True  # false for errored plans and for plans with nothing to apply
    source: str | None = None  # file path or description


class ParsedInput(Frozen):
    """What a reader produces: every managed resource change plus diagnostics."""

    changes: tuple[ResourceChange, ...] = ()
    metadata: PlanMetadata = PlanMetadata()
    diagnostics: tuple[Diagnostic, ...] = ()
    #: configuration address → attribute path → referenced resource configuration addresses
    #: (from the plan's ``configuration``), so rules can follow an ASG to its launch template.
    references: dict[str, dict[str, tuple[str, ...]]] = Field(default_factory=dict)

"""``resource_changes`` → :class:`ResourceChange` objects (plan-format.md §4–5, §10).

``resource_changes`` is the source of truth; ``planned_values`` is never read. Data sources
are skipped (they cost nothing). Actions are classified by scanning for ``delete`` and
``create`` as Terraform advises, deposed objects keep their own key, and nothing a value
contains can crash the reader: malformed entries become diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costgate.model.address import AddressError, module_config_path, parse_address
from costgate.model.resource import Action, Diagnostic, ResourceChange
from costgate.parse.construct import construct
from costgate.parse.region import provider_family
from costgate.parse.values import Identity, ResourceBuilder, provider_short_name

#: Documented ``action_reason`` values; anything newer is reported as "unspecified".
ACTION_REASONS = frozenset(
    {
        "replace_because_tainted",
        "replace_because_cannot_update",
        "replace_by_request",
        "replace_by_triggers",
        "delete_because_no_resource_config",
        "delete_because_wrong_repetition",
        "delete_because_count_index",
        "delete_because_each_key",
        "delete_because_no_module",
        "delete_because_no_move_target",
        "read_because_config_unknown",
        "read_because_dependency_pending",
        "read_because_check_nested",
    }
)


def classify_actions(actions: Any) -> Action | None:
    """Map an ``actions`` list to :class:`Action`; None when it is not a known shape."""
    if not isinstance(actions, list) or not actions:
        return None
    acts = set(actions)
    if "forget" in acts:
        return Action.FORGET  # ["forget"] or ["create","forget"]
    if "delete" in acts and "create" in acts:
        return Action.REPLACE
    if "delete" in acts:
        return Action.DELETE
    if "create" in acts:
        return Action.CREATE
    if "update" in acts:
        return Action.UPDATE
    if "read" in acts:
        return Action.READ
    if acts == {"no-op"}:
        return Action.NOOP
    return None


class ChangeReader:
    """Reads ``resource_changes`` entries of one document into changes and diagnostics."""

    def __init__(self, builder: ResourceBuilder) -> None:
        self.builder = builder
        self.changes: list[ResourceChange] = []
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[str, str | None]] = set()
        self._module_paths: dict[str | None, str] = {}
        self._providers: dict[str, tuple[str, str]] = {}

    def warn(self, code: str, message: str, address: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic.model_construct(code=code, message=message, address=address, level="warning")
        )

    def read_all(self, entries: Any, what: str = "resource_changes") -> None:
        """Read a list of change entries; a non-list is reported, never fatal."""
        if entries is None:
            return
        if not isinstance(entries, list):
            self.warn("malformed-plan", f"{what} is not a list; ignored")
            return
        for number, entry in enumerate(entries):
            self.read_one(entry, number, what)

    def read_one(
        self, rc: Any, number: int, what: str = "resource_changes", *, deferred: bool = False
    ) -> None:
        """One entry; appends at most one change. ``deferred`` marks every after value unknown."""
        if not isinstance(rc, dict):
            self.warn("malformed-entry", f"{what}[{number}] is not an object; skipped")
            return
        address = rc.get("address")
        if not isinstance(address, str) or not address:
            self.warn("malformed-entry", f"{what}[{number}] has no address; skipped")
            return
        mode, type_, name = rc.get("mode"), rc.get("type"), rc.get("name")
        module_address = rc.get("module_address")
        if not (isinstance(type_, str) and isinstance(name, str) and isinstance(mode, str)):
            try:
                parsed = parse_address(address)
            except AddressError:
                self.warn("malformed-entry", f"{what}[{number}] has an unreadable address; skipped")
                return
            mode = mode if isinstance(mode, str) else parsed.mode
            type_ = type_ if isinstance(type_, str) else parsed.type
            name = name if isinstance(name, str) else parsed.name
            if module_address is None and parsed.modules:
                module_address = parsed.module_instance
        if mode != "managed":
            return  # data sources (and ephemeral resources) cost nothing
        if not isinstance(module_address, str) or not module_address:
            module_address = None
            if address.startswith("module."):
                try:
                    module_address = parse_address(address).module_instance or None
                except AddressError:
                    module_address = None
        change = rc.get("change")
        change = change if isinstance(change, dict) else {}
        action = classify_actions(change.get("actions"))
        if action is None:
            self.warn(
                "unknown-action",
                f"unrecognised actions {repr(change.get('actions'))[:60]}; skipped",
                address,
            )
            return
        if action is Action.READ:
            return
        deposed = rc.get("deposed")
        deposed = deposed if isinstance(deposed, str) and deposed else None
        key = (address, deposed)
        if key in self._seen:
            self.warn(
                "duplicate-entry", "the same resource object appears twice; kept the first", address
            )
            return
        self._seen.add(key)
        if rc.get("index_unknown") is True:
            self.warn(
                "index-unknown", "instance keys are unknown (deferred); counted once", address
            )

        provider_name = rc.get("provider_name")
        names = self._providers.get(provider_name) if isinstance(provider_name, str) else None
        if names is None:
            names = provider_short_name(provider_name, type_)
            if isinstance(provider_name, str):
                self._providers[provider_name] = names
        provider, local = names
        try:
            module_path = self._module_paths[module_address]
        except KeyError:
            try:
                module_path = module_config_path(module_address)
            except AddressError:
                module_path = ""
            self._module_paths[module_address] = module_path
        index = rc.get("index")
        if isinstance(index, bool) or not isinstance(index, (int, str)):
            index = None
        ident = Identity(
            address,
            type_,
            name,
            provider,
            local,
            provider_family(provider),
            module_address,
            module_path,
            f"{type_}.{name}",
            index,
        )
        before_values, after_values = change.get("before"), change.get("after")
        before = after = None
        if isinstance(before_values, dict) and action is not Action.CREATE:
            before = self.builder.build(ident, before_values, change.get("before_sensitive"))
        keeps_after = action is not Action.DELETE and (
            action is not Action.FORGET or "create" in change["actions"]
        )
        if isinstance(after_values, dict) and keeps_after:
            after_unknown = change.get("after_unknown")
            if deferred:
                marks = after_unknown if isinstance(after_unknown, dict) else {}
                after_unknown = {**marks, **dict.fromkeys(after_values, True)}
            after = self.builder.build(
                ident, after_values, change.get("after_sensitive"), after_unknown
            )
        reason = rc.get("action_reason")
        if reason is not None:
            reason = reason if reason in ACTION_REASONS else "unspecified"
        previous = rc.get("previous_address")
        importing = change.get("importing")
        self.changes.append(
            construct(
                ResourceChange,
                {
                    "address": address,
                    "type": type_,
                    "provider": provider,
                    "action": action,
                    "before": before,
                    "after": after,
                    "deposed": deposed,
                    "importing": importing is not None and importing is not False,
                    "previous_address": previous
                    if isinstance(previous, str) and previous
                    else None,
                    "action_reason": reason,
                },
            )
        )


def plan_diagnostics(document: Mapping[str, Any]) -> list[Diagnostic]:
    """Warnings about the plan as a whole: errored, partial, failed checks, deferrals."""
    out: list[Diagnostic] = []

    def add(code: str, message: str, address: str | None = None) -> None:
        out.append(
            Diagnostic.model_construct(code=code, message=message, address=address, level="warning")
        )

    if document.get("errored") is True:
        add(
            "plan-errored",
            "Terraform reported errors while planning (errored: true); the estimate covers only "
            "what was planned before the failure",
        )
    if document.get("complete") is False:
        add(
            "plan-incomplete",
            "the plan is partial (complete: false, e.g. -target or an error); the estimate is partial",
        )
    checks = document.get("checks")
    for check in checks if isinstance(checks, list) else ():
        if not isinstance(check, dict) or check.get("status") not in ("fail", "error"):
            continue
        addr = check.get("address")
        shown = addr.get("to_display") if isinstance(addr, dict) else None
        shown = shown[:200] if isinstance(shown, str) else "(unnamed check)"
        add("check-failed", f"check {shown} status: {check.get('status')}", shown)
    deferred = document.get("deferred_changes")
    if isinstance(deferred, list) and deferred:
        add(
            "deferred-changes",
            f"{len(deferred)} change(s) were deferred by Terraform; their values are treated as unknown",
        )
    return out

"""Golden tests: each tests/resources/<provider>/<type>/ folder prices a plan fragment.

``plan.json`` is read with the real plan reader, ``usage.yml`` (optional) with the real usage
reader, components come from the registry's rule (inside a plan context so an ASG can reach
its launch template), and prices from the shipped snapshot. ``expected.json`` holds, per
resource address, the status and every component's figures as decimal strings.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costgate.model.money import money_str
from costgate.model.pricing import PricedComponent, PriceStatus
from costgate.parse.references import references_from_configuration
from costgate.pricing.context import PlanContext, plan_context
from costgate.pricing.rules import default_registry

HERE = Path(__file__).resolve().parent
CASES = sorted(p.parent for p in HERE.glob("*/*/plan.json"))


def _store() -> Any:
    store_mod = pytest.importorskip("costgate.pricing.store")
    from costgate.errors import PricingDataError

    try:
        override = os.environ.get("COSTGATE_GOLDEN_SNAPSHOT")  # develop against a local build
        return store_mod.PriceStore.open(Path(override) if override else None)
    except PricingDataError as exc:
        pytest.skip(f"no price snapshot: {exc}")


def _status(priced: list[PricedComponent]) -> str:
    if not priced:
        return "free"
    if all(p.status is PriceStatus.USAGE_UNKNOWN for p in priced):
        return "usage_based"
    return "priced"


def _row(p: PricedComponent) -> dict[str, Any]:
    c = p.component
    return {
        "name": c.name,
        "unit": c.unit,
        "status": p.status.value,
        "monthly_quantity": money_str(c.monthly_quantity),
        "unit_price": money_str(p.unit_price),
        "monthly_cost": money_str(p.monthly_cost),
        "price_id": p.price_id,
    }


def estimate_case(folder: Path) -> dict[str, Any]:
    """Price one golden folder the way a run would, returning the comparable JSON shape."""
    loader = pytest.importorskip("costgate.parse.loader")
    engine = pytest.importorskip("costgate.pricing.engine")
    from costgate.parse.usage import load_usage_file

    registry = default_registry()
    store = _store()
    plan_path = folder / "plan.json"
    document, _ = loader.decode_document(plan_path.read_bytes(), str(plan_path))
    parsed = loader.parse_document(document, str(plan_path))
    usage_path = folder / "usage.yml"
    usage = load_usage_file(usage_path, registry) if usage_path.exists() else None
    sides = [ch.after or ch.before for ch in parsed.changes]
    context = PlanContext.build([s for s in sides if s is not None], references_from_configuration(document.get("configuration")))
    out: dict[str, Any] = {}
    with plan_context(context):
        for ch, res in zip(parsed.changes, sides, strict=True):
            rule = registry.rule(ch.type)
            if res is None or rule is None:
                out[ch.address] = {"status": "free" if registry.is_free(ch.type) else "unsupported"}
                continue
            values = usage.values_for(ch.address, ch.type) if usage else {}
            try:
                components = rule.components(res, values)
            except ValueError as exc:
                out[ch.address] = {"status": "error", "error": str(exc)}
                continue
            priced = engine.price_components(components, store)
            total = sum((p.monthly_cost for p in priced if p.monthly_cost is not None), Decimal(0))
            out[ch.address] = {
                "status": _status(priced),
                "region": res.region,
                "monthly_cost": money_str(total),
                "components": [_row(p) for p in priced],
            }
    return out


@pytest.mark.parametrize("folder", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_resource_golden(folder: Path, update_golden: bool) -> None:
    actual = estimate_case(folder)
    expected_path = folder / "expected.json"
    text = json.dumps(actual, indent=2, sort_keys=True) + "\n"
    if update_golden or not expected_path.exists():
        expected_path.write_text(text, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{expected_path} was missing and has been written: check it by hand")
        return
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected, f"{folder.name}: output differs from {expected_path}"

"""Google and Azure rules: the choices the golden files cannot show on their own.

Azure VM product names are checked against every Linux size in the shipped snapshot; disk
tiers against the Azure managed-disk size table; the real corpus plans (``../shared``) for
references between resources (a NAT address is in use, a boot disk is not priced twice).
"""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costgate.model.resource import Resource
from costgate.pricing.context import PlanContext, plan_context
from costgate.pricing.registry import Registry
from costgate.pricing.rules import default_registry
from costgate.pricing.rules.azure._common import disk_tier
from costgate.pricing.rules.azure._vm_series import linux_product
from costgate.pricing.rules.google import google_compute_router_nat, google_storage_bucket
from costgate.pricing.rules.google.google_compute_instance import RULE as INSTANCE
from costgate.pricing.rules.google.google_compute_instance import is_spot
from tests.shared_data import shared_path

SNAPSHOT = Path(__file__).resolve().parents[2] / "pricing_cache"


def _res(type_: str, region: str | None = "us-central1", **attrs: Any) -> Resource:
    return Resource(address=f"{type_}.x", type=type_, name="x", provider=type_.split("_")[0],
                    region=region, attributes=attrs)


def test_every_linux_vm_size_in_the_snapshot_maps_to_its_product() -> None:
    path = SNAPSHOT / "azure" / "virtual-machines.jsonl.gz"
    if not path.exists():
        pytest.skip("no shipped Azure VM prices")
    wrong: dict[str, tuple[str | None, str]] = {}
    checked = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            attrs = row["attributes"]
            product, size = attrs["product_name"], attrs["arm_sku_name"]
            if row.get("purchase_option", "on_demand") != "on_demand" or \
                    not size.startswith(("Standard_", "Basic_")) or \
                    any(w in product for w in ("Windows", "Cloud Services", "CloudServices")):
                continue
            checked += 1
            if linux_product(size) != product:
                wrong[size] = (linux_product(size), product)
    assert checked > 500
    assert not wrong, f"{len(wrong)} sizes map to the wrong product, e.g. {list(wrong.items())[:5]}"


def test_linux_product_refuses_names_that_are_not_sizes() -> None:
    assert linux_product("D2s-v3") is None
    assert linux_product("Standard_D2s_v3") == "Virtual Machines DSv3 Series"
    assert linux_product("Basic_A1") == "Virtual Machines A Series Basic"


@pytest.mark.parametrize(("letter", "size", "tier"), [
    ("P", "1", "P1"), ("P", "4", "P1"), ("P", "5", "P2"), ("P", "32", "P4"), ("P", "33", "P6"),
    ("P", "100", "P10"), ("P", "1024", "P30"), ("P", "32767", "P80"),
    ("S", "1", "S4"), ("S", "32", "S4"), ("S", "129", "S15"), ("E", "16", "E3"),
])
def test_disk_tier_is_the_smallest_that_fits(letter: str, size: str, tier: str) -> None:
    assert disk_tier(letter, Decimal(size)) == tier


def test_disk_above_the_largest_tier_is_an_error() -> None:
    with pytest.raises(ValueError, match="largest tier"):
        disk_tier("P", Decimal(32768))


def test_spot_from_either_scheduling_field() -> None:
    assert is_spot(_res("google_compute_instance", scheduling=[{"provisioning_model": "SPOT"}]))
    assert is_spot(_res("google_compute_instance", scheduling=[{"preemptible": True}]))
    assert not is_spot(_res("google_compute_instance", scheduling=[{"preemptible": False}]))


def test_unknown_machine_type_is_unpriced_not_zero() -> None:
    r = _res("google_compute_instance", boot_disk=[{"initialize_params": [{"size": 10}]}])
    r = r.model_copy(update={"unknown": frozenset({"machine_type"})})
    hours = INSTANCE.components(r, {})[0]
    assert hours.query is None and hours.monthly_quantity is None and hours.note


def test_nat_vm_hours_are_capped_at_32_vms() -> None:
    rule = google_compute_router_nat.RULE
    few = rule.components(_res("google_compute_router_nat"), {"vm_count": 4})[0]
    many = rule.components(_res("google_compute_router_nat"), {"vm_count": 500})[0]
    assert few.monthly_quantity == Decimal(730 * 4)
    assert many.monthly_quantity == Decimal(730 * 32)
    assert many.price_multiplier * 32 == 1
    with pytest.raises(ValueError):
        rule.components(_res("google_compute_router_nat"), {"vm_count": -1})


@pytest.mark.parametrize(("location", "expected"), [
    ("US", ("us", "multi-region")), ("eu", ("eu", "multi-region")),
    ("NAM4", ("nam4", "dual-region")), ("EUROPE-WEST1", ("europe-west1", "region")),
])
def test_bucket_location_types(location: str, expected: tuple[str, str]) -> None:
    assert google_storage_bucket.location(_res("google_storage_bucket", location=location)) == expected


def test_registry_still_rejects_duplicates_and_free_priced_overlap() -> None:
    rule = default_registry().rule("google_compute_disk")
    assert rule is not None
    with pytest.raises(ValueError, match="duplicate"):
        Registry([rule, rule], [])
    with pytest.raises(ValueError, match="both priced and free"):
        Registry([rule], ["google_compute_disk"])


def _corpus_components(name: str) -> dict[str, list[Any]]:
    """Components per address for a real corpus plan, built inside its plan context."""
    from costgate.parse import loader
    from costgate.parse.references import references_from_configuration

    path = shared_path("plan-corpus", "large-licensed", name)
    document, _ = loader.decode_document(path.read_bytes(), str(path))
    parsed = loader.parse_document(document, str(path))
    sides = [ch.after for ch in parsed.changes if ch.after is not None]
    ctx = PlanContext.build(sides, references_from_configuration(document.get("configuration")))
    registry = default_registry()
    out: dict[str, list[Any]] = {}
    with plan_context(ctx):
        for res in sides:
            rule = registry.rule(res.type)
            if rule is not None:
                out[res.address] = rule.components(res, {})
    return out


def test_gcp_corpus_plan_references() -> None:
    found = _corpus_components("AlexTzk_gcp-infrastructure__plan.json")
    address = found["module.network.google_compute_address.address[0]"]
    assert [c.name for c in address] == ["Static IP address (in use)"]  # a Cloud NAT nat_ips
    instance = found["module.nfs[0].google_compute_instance.nfs"]
    assert [c.name for c in instance] == ["Instance usage (on-demand, e2-small)"]  # disks elsewhere
    assert len([a for a in found if ".google_compute_disk." in a]) == 3


def test_azure_corpus_plan_disk_tiers() -> None:
    found = _corpus_components("BelalK1_cap-azure-squad2__plan.json")
    disks = [c for a, comps in found.items() if "azurerm_managed_disk" in a for c in comps]
    assert disks and all("(S4 LRS)" in c.name for c in disks if c.unit == "months")
    vms = [a for a in found if "azurerm_linux_virtual_machine" in a]
    assert len(vms) == 4

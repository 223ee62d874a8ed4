"""Cyclenerd ``pricing.yml`` (Google Cloud machine-type totals and more) → PriceRecords.

Trust DERIVED: a third party summed Cloud Billing Catalog SKUs. Numbers are read as Decimal
straight from the YAML scalar text (never via float). ``month`` figures for machine types
already include sustained-use discounts, so they are never stored as list prices; the list
hourly price is ``hour``. Disk, GCS and per-GB ``month`` values are plain per-GB-month prices.
Loading the 4 MB file takes a few seconds with PyYAML's C parser: convert once at build time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, Provenance, PurchaseOption, Trust
from costgate.pricing.importers import files

SOURCE_ID = "cyclenerd"
_SERVICE = "Compute Engine"
_GB_PER_TB = Decimal(1024)

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DecimalLoader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML loader whose ints and floats are Decimals of the scalar text."""


def _decimal_scalar(loader: Any, node: Any) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"not a decimal number: {text!r}", node.start_mark
        ) from exc


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal_scalar)
DecimalLoader.add_constructor("tag:yaml.org,2002:int", _decimal_scalar)

#: machine-type cost key → (purchase option, term, unit); ``month`` and ``month_spot`` skipped.
_INSTANCE_KEYS: dict[str, tuple[PurchaseOption, str | None, str]] = {
    "hour": (PurchaseOption.ON_DEMAND, None, "hour"),
    "hour_spot": (PurchaseOption.SPOT, None, "hour"),
    "month_1y": (PurchaseOption.COMMITMENT, "1y", "month"),
    "month_3y": (PurchaseOption.COMMITMENT, "3y", "month"),
}
#: disk cost key → (purchase option, term, unit); every disk price is per GB-month.
_DISK_KEYS: dict[str, tuple[PurchaseOption, str | None, str]] = {
    "month": (PurchaseOption.ON_DEMAND, None, "GB-month"),
    "month_spot": (PurchaseOption.SPOT, None, "GB-month"),
    "month_1y": (PurchaseOption.COMMITMENT, "1y", "GB-month"),
    "month_3y": (PurchaseOption.COMMITMENT, "3y", "GB-month"),
}
#: cyclenerd disk ``type`` → vocabulary ``disk_type`` (others are kept as spelled).
_DISK_TYPES = {"pd-local": "local-ssd", "pd-snapshot": "snapshot"}
#: GCS bucket key stem → storage_class (the file really spells archive ``archiv``).
_STORAGE_CLASSES = {
    "standard": "standard",
    "nearline": "nearline",
    "coldline": "coldline",
    "archiv": "archive",
    "dra": "dra",
}
_LOCATION_TYPES = {"": "region", "dual": "dual-region", "multi": "multi-region"}
#: Cyclenerd multi-region keys → GCS location codes (lower case).
_MULTI_REGIONS = {"asia-multi": "asia", "europe-multi": "eu", "us-multi": "us"}


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse the file with Decimal numbers; corrupt or wrong-shaped input → PricingDataError."""
    try:
        with path.open("rb") as handle:
            data = yaml.load(handle, Loader=DecimalLoader)  # noqa: S506 - safe loader subclass
    except OSError as exc:
        raise PricingDataError(f"{path}: cannot read price file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PricingDataError(f"{path}: corrupt or truncated YAML{where}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("compute"), dict):
        raise PricingDataError(f"{path}: not a Cyclenerd pricing.yml (no 'compute' section)")
    return data


def generated_date(data: dict[str, Any], path: Path) -> dt.date:
    """``about.generated`` ("Thu Jul 30 06:13:17 2026"), else ``about.timestamp``."""
    about = data.get("about") or {}
    raw = about.get("generated")
    if isinstance(raw, str):
        try:
            return dt.datetime.strptime(raw.strip(), "%a %b %d %H:%M:%S %Y").date()
        except ValueError:
            pass
    stamp = about.get("timestamp")
    if isinstance(stamp, Decimal):
        return dt.datetime.fromtimestamp(int(stamp), tz=dt.timezone.utc).date()
    raise PricingDataError(f"{path}: no about.generated date in Cyclenerd pricing file")


def iter_records(path: Path, root: Path) -> Iterator[PriceRecord]:
    """All records of one Cyclenerd pricing file (current or older snapshot)."""
    data = load_yaml(path)
    emit = _Emitter(
        files.source_file(path, root), generated_date(data, path), data.get("region") or {}
    )
    try:
        compute = data["compute"]
        yield from _instances(emit, compute.get("instance") or {})
        yield from _licenses(emit, compute.get("license") or {})
        yield from _disks(emit, compute.get("storage") or {})
        yield from _network(emit, compute.get("network") or {})
        yield from _buckets(emit, (data.get("storage") or {}))
        yield from _monitoring(emit, data.get("monitoring") or {})
    except (AttributeError, TypeError, ValueError, InvalidOperation) as exc:
        raise PricingDataError(f"{path}: unexpected layout ({exc})") from exc


class _Emitter:
    """Builds records that share provenance, keeping the call sites short."""

    def __init__(self, source_file: str, price_date: dt.date, regions: dict[str, Any]) -> None:
        self.source_file = source_file
        self.price_date = price_date
        self.locations = {
            str(name): str(info.get("location"))
            for name, info in regions.items()
            if isinstance(info, dict) and info.get("location")
        }
        self._provenances: dict[str | None, Provenance] = {}

    def record(
        self,
        key: str,
        price: Any,
        *,
        service: str = _SERVICE,
        family: str,
        region: str | None,
        attributes: dict[str, str],
        unit: str,
        option: PurchaseOption = PurchaseOption.ON_DEMAND,
        term: str | None = None,
        tier_start: Decimal = Decimal(0),
        tier_end: Decimal | None = None,
        location_raw: str | None = None,
    ) -> PriceRecord:
        if not isinstance(price, Decimal):
            raise ValueError(f"{key}: price is not a number ({price!r})")
        return PriceRecord(
            provider="google",
            service=service,
            product_family=family,
            region=region,
            attributes=attributes,
            purchase_option=option,
            term=term,
            unit=unit,
            price=price,
            tier_start=tier_start,
            tier_end=tier_end,
            native_id=f"{SOURCE_ID}:{key}",
            provenance=self._provenance(
                location_raw or (self.locations.get(region) if region else None)
            ),
        )

    def _provenance(self, location_raw: str | None) -> Provenance:
        """One shared Provenance per location (records are immutable, so sharing is safe)."""
        found = self._provenances.get(location_raw)
        if found is None:
            found = self._provenances[location_raw] = Provenance(
                source=SOURCE_ID,
                source_file=self.source_file,
                price_date=self.price_date,
                trust=Trust.DERIVED,
                location_raw=location_raw,
            )
        return found


def _costs(node: Any) -> dict[str, dict[str, Any]]:
    cost = node.get("cost") if isinstance(node, dict) else None
    return {str(k): v for k, v in cost.items() if isinstance(v, dict)} if cost else {}


def _options(
    emit: _Emitter,
    path: str,
    prices: dict[str, Any],
    keys: dict[str, tuple[PurchaseOption, str | None, str]],
    *,
    family: str,
    region: str | None,
    attributes: dict[str, str],
) -> Iterator[PriceRecord]:
    """One record per purchase-option key present under ``path`` (instances, licences, disks)."""
    for field, (option, term, unit) in keys.items():
        if field in prices:
            yield emit.record(
                f"{path}.{field}",
                prices[field],
                family=family,
                region=region,
                attributes=attributes,
                unit=unit,
                option=option,
                term=term,
            )


def _instances(emit: _Emitter, instances: dict[str, Any]) -> Iterator[PriceRecord]:
    for machine, node in instances.items():
        attrs = {"machine_type": str(machine)}
        for region, prices in _costs(node).items():
            path = f"compute.instance.{machine}.cost.{region}"
            yield from _options(
                emit,
                path,
                prices,
                _INSTANCE_KEYS,
                family="Compute Instance",
                region=region,
                attributes=attrs,
            )


def _licenses(emit: _Emitter, licenses: dict[str, Any]) -> Iterator[PriceRecord]:
    """Per-machine-type OS licence fees (global): hour list price, commitments per month."""
    for machine, node in licenses.items():
        for licence, prices in _costs(node).items():
            attrs = {"machine_type": str(machine), "license": licence}
            path = f"compute.license.{machine}.cost.{licence}"
            yield from _options(
                emit, path, prices, _INSTANCE_KEYS, family="License", region=None, attributes=attrs
            )


def _disks(emit: _Emitter, disks: dict[str, Any]) -> Iterator[PriceRecord]:
    for name, node in disks.items():
        raw_type = str(node.get("type") or name)
        attrs = {
            "disk_type": _DISK_TYPES.get(raw_type, raw_type),
            "replication": "regional" if str(name).endswith("-replicated") else "zonal",
            "storage_key": str(name),
        }
        for region, prices in _costs(node).items():
            path = f"compute.storage.{name}.cost.{region}"
            yield from _options(
                emit, path, prices, _DISK_KEYS, family="Storage", region=region, attributes=attrs
            )


def _network(emit: _Emitter, network: dict[str, Any]) -> Iterator[PriceRecord]:
    """IPs, Cloud NAT, VPN tunnels (hourly) and internet egress tiers (per GB)."""
    simple = [
        ("ip", "unused"),
        ("ip", "vm"),
        ("nat", "gateway"),
        ("nat", "data"),
        ("vpn", "tunnel"),
    ]
    for group, leaf in simple:
        node = (network.get(group) or {}).get(leaf)
        for region, prices in _costs(node).items():
            path = f"compute.network.{group}.{leaf}.cost.{region}"
            attrs = {"item": f"{group}-{leaf}"}
            if "hour" in prices:
                field, unit = "hour", "hour"
            elif group == "nat" and leaf == "data" and "month" in prices:
                # Cyclenerd stores the per-GB data-processing price under ``month``.
                field, unit = "month", "GB"
            else:
                continue
            yield emit.record(
                f"{path}.{field}",
                prices[field],
                family="Network",
                region=region,
                attributes=attrs,
                unit=unit,
            )
    internet = ((network.get("traffic") or {}).get("egress") or {}).get("internet") or {}
    destinations = [("", internet)] + [
        (str(name), node) for name, node in internet.items() if name != "cost"
    ]
    for dest, node in destinations:
        item = "egress-internet" + (f"-{dest}" if dest else "")
        prefix = "compute.network.traffic.egress.internet" + (f".{dest}" if dest else "")
        yield from _tiered(
            emit, node, prefix, item, _GB_PER_TB, unit="GB", service=_SERVICE, family="Network"
        )


def _tiered(
    emit: _Emitter,
    node: Any,
    prefix: str,
    item: str,
    scale: Decimal,
    *,
    unit: str,
    service: str,
    family: str,
) -> Iterator[PriceRecord]:
    """Tier keys ``"0-1"``, ``"1-10"``, ``"10n"`` (n = open end) scaled into record units."""
    tiers = node.get("cost") if isinstance(node, dict) else None
    for tier, regions in (tiers or {}).items():
        low, _, high = str(tier).rstrip("n").partition("-")
        start = Decimal(low) * scale
        end = Decimal(high) * scale if high else None
        for region, prices in (regions or {}).items():
            if isinstance(prices, dict) and "month" in prices:
                yield emit.record(
                    f"{prefix}.cost.{tier}.{region}.month",
                    prices["month"],
                    service=service,
                    family=family,
                    region=str(region),
                    attributes={"item": item},
                    unit=unit,
                    tier_start=start,
                    tier_end=end,
                )


def _buckets(emit: _Emitter, storage: dict[str, Any]) -> Iterator[PriceRecord]:
    """GCS storage (GB-month) and retrieval (GB) prices per class and location type."""
    for charge, unit in (("bucket", "GB-month"), ("retrieval", "GB")):
        for name, node in (storage.get(charge) or {}).items():
            stem, _, kind = str(name).partition("-")
            if stem not in _STORAGE_CLASSES or kind not in _LOCATION_TYPES:
                continue
            attrs = {
                "storage_class": _STORAGE_CLASSES[stem],
                "location_type": _LOCATION_TYPES[kind],
                "charge": "storage" if charge == "bucket" else "retrieval",
            }
            for location, prices in _costs(node).items():
                if "month" not in prices:
                    continue
                yield emit.record(
                    f"storage.{charge}.{name}.cost.{location}.month",
                    prices["month"],
                    service="Cloud Storage",
                    family="Storage",
                    region=_MULTI_REGIONS.get(location, location),
                    attributes=attrs,
                    unit=unit,
                    location_raw=location,
                )


def _monitoring(emit: _Emitter, monitoring: dict[str, Any]) -> Iterator[PriceRecord]:
    """Cloud Monitoring metric ingestion, per MiB, tiers ``0-100000`` … ``250000n`` MiB."""
    yield from _tiered(
        emit,
        monitoring.get("data"),
        "monitoring.data",
        "metrics-data",
        Decimal(1),
        unit="MiB",
        service="Cloud Monitoring",
        family="Monitoring",
    )

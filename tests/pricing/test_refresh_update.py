"""``costgate pricing update`` end to end against local servers speaking the real formats."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from test_refresh_support import (  # noqa: F401  (the fixture is used by name)
    EC2_CSV,
    ELB_CSV,
    GOOGLE_KEY,
    FakeProviders,
    providers_fixture,
)

from costgate.cli import main
from costgate.model.pricing import PriceQuery, PriceRecord, Provenance, PurchaseOption, Trust
from costgate.pricing.snapshot import build_snapshot, iter_snapshot_records, load_manifest
from costgate.pricing.store import PriceStore

ARGS = [
    "pricing", "update", "--quiet",
    "--region", "eu-west-1", "--region", "westeurope", "--region", "mexicocentral",
    "--region", "us-central1",
    "--service", "aws:AmazonEC2", "--service", "aws:AWSELB",
    "--service", "azure:Storage", "--service", "azure:Virtual Machines",
    "--service", "google:Compute Engine",
]


def _cache() -> Path:
    import os

    return Path(os.environ["COSTGATE_CACHE_DIR"])


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` with its sha256: "byte-identical" made checkable."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _update(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main([*ARGS, *extra])
    err = capsys.readouterr().err
    return code, err


def test_update_lands_every_provider_in_the_user_cache(
    providers: FakeProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _update(capsys)
    assert code == 0, err
    snap = _cache() / "prices"
    manifest = load_manifest(snap)
    assert {"aws", "azure", "google"} <= set(manifest.providers)
    store = PriceStore.open(snap)
    m5 = store.lookup(PriceQuery.make(
        "aws", "AmazonEC2", "eu-west-1", product_family="Compute Instance",
        instance_type="m5.large", operating_system="Linux", tenancy="Shared",
        pre_installed_sw="NA", capacity_status="Used", license_model="No License required"))
    assert m5.found and m5.tiers[0].price == Decimal("0.107")
    prov = m5.tiers[0].provenance
    assert prov.source_file == providers.base + EC2_CSV  # provenance is the URL it came from
    assert prov.source == "aws-bulk"
    s4 = store.lookup(PriceQuery.make("azure", "Storage", "westeurope", meter_name="S4 LRS Disk"))
    assert s4.found and s4.tiers[0].price == Decimal("1.536")
    vm = store.lookup(PriceQuery.make("azure", "Virtual Machines", "mexicocentral",
                                      purchase_option=PurchaseOption.SAVINGS_PLAN, term="1y",
                                      arm_sku_name="Standard_D2s_v5"))
    assert vm.found and vm.tiers[0].price == Decimal("0.0726948")
    records = [r for r in iter_snapshot_records(snap) if r.provider == "google"]
    prices = sorted(r.price for r in records if r.region == "us-central1")
    assert prices == [Decimal("0.004237"), Decimal("0.031611")]
    # every download is a manifest input with its digest
    paths = {s.path for s in manifest.sources}
    assert providers.base + ELB_CSV in paths
    # the ECB table was saved next to the prices
    rates = json.loads((_cache() / "ecb_rates.json").read_text())
    assert "2024-06-28" in json.dumps(rates)
    # the Azure chain was followed (two westeurope Storage items served one per page)
    filters = [r.query.get("$filter", [""])[0] for r in providers.log]
    assert filters.count("serviceName eq 'Storage' and armRegionName eq 'westeurope'") == 2


def test_refresh_of_one_provider_keeps_the_others(
    providers: FakeProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _update(capsys)[0] == 0
    first = load_manifest(_cache() / "prices")
    code = main(["pricing", "update", "--quiet", "--provider", "aws", "--region", "eu-west-1",
                 "--service", "AmazonEC2", "--no-rates"])
    assert code == 0, capsys.readouterr().err
    second = load_manifest(_cache() / "prices")
    assert second.providers["azure"].rows == first.providers["azure"].rows
    assert second.providers["google"].rows == first.providers["google"].rows
    assert second.providers["aws"].rows == first.providers["aws"].rows  # ELB rows kept too
    # the refreshed EC2 rows were replaced, not duplicated
    ec2 = [r for r in iter_snapshot_records(_cache() / "prices") if r.service == "AmazonEC2"]
    assert len(ec2) == len({r.native_id for r in ec2}) == 3


@pytest.mark.parametrize(
    ("path", "fault", "message"),
    [
        (EC2_CSV, ["truncate"] * 3, "truncated"),
        (EC2_CSV, ["html"], "got text/html"),
        (EC2_CSV, ["garbage"], "not an AWS CSV offer file"),
        ("/api/retail/prices", ["500"] * 3, "HTTP 500"),
        ("/api/retail/prices", ["429:30"], "Retry-After 30 s exceeds"),
        ("/v1/services/6F81-5844-456A/skus", ["sleep:0.8"] * 3, "timed out"),
        ("/offers/v1.0/aws/index.json", ["garbage"], "not valid JSON"),
        ("/stats/eurofxref/eurofxref-daily.xml", ["html"], "got text/html"),
    ],
)
def test_failure_leaves_previous_cache_byte_identical(
    providers: FakeProviders,
    capsys: pytest.CaptureFixture[str],
    path: str,
    fault: list[str],
    message: str,
) -> None:
    assert _update(capsys)[0] == 0
    before = _tree_digest(_cache())
    providers.faults[path] = list(fault)
    code, err = _update(capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "prices unchanged" in lines[0], err
    assert _tree_digest(_cache()) == before
    assert not [p for p in _cache().iterdir() if p.name.startswith(".prices")]  # no staging left


def test_transient_errors_are_retried_and_retry_after_is_honoured(
    providers: FakeProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    providers.faults[EC2_CSV] = ["503", "truncate"]
    providers.faults["/api/retail/prices"] = ["429:0"]
    code, err = _update(capsys)
    assert code == 0, err
    assert providers.count(EC2_CSV) == 3


def test_connection_refused_is_one_clear_line(
    providers: FakeProviders,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("COSTGATE_AWS_PRICING_URL", f"http://127.0.0.1:{port}")
    code, err = _update(capsys, "--no-rates")
    assert code == 2
    assert err.strip() == (
        "costgate: error: cannot reach 127.0.0.1: connection refused (after 3 attempts) for "
        "AWS offer index; prices unchanged"
    )
    assert not (_cache() / "prices").exists()


def test_api_key_never_leaks(
    providers: FakeProviders,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _update(capsys)[0] == 0
    for request in providers.log:  # sent as a header, only to the catalog paths
        if request.headers.get("x-goog-api-key"):
            assert request.path.startswith("/v1/services")
        assert GOOGLE_KEY not in json.dumps(request.query)
    snap = (_cache() / "prices")
    assert not any(GOOGLE_KEY.encode() in p.read_bytes() for p in snap.rglob("*") if p.is_file())
    # a failing keyed call: the message names the host and status, never the key
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY + "-wrong")
    code, err = _update(capsys)
    assert code == 2 and "HTTP 403" in err and "check GOOGLE_API_KEY" in err
    assert GOOGLE_KEY not in err and GOOGLE_KEY not in caplog.text


def test_google_needs_a_key_only_when_asked_for(
    providers: FakeProviders,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY")
    code = main(["pricing", "update", "--provider", "google"])
    assert code == 2
    assert "GOOGLE_API_KEY is not set" in capsys.readouterr().err
    code = main(["pricing", "update", "--quiet", "--region", "eu-west-1", "--service",
                 "AmazonEC2", "--no-rates"])
    assert code == 0
    assert not any(r.path.startswith("/v1/") for r in providers.log)


def test_merges_with_the_shipped_snapshot_and_never_writes_it(
    providers: FakeProviders,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    shipped = tmp_path / "shipped"
    prov = Provenance(source="azure-retail", source_file="azure-retail-adb-msft/x.json",
                      price_date=dt.date(2026, 8, 15), trust=Trust.RAW)
    old = [
        # same source and partition as the refresh: replaced (a meter since retired)
        PriceRecord(provider="azure", service="Storage", region="westeurope", unit="month",
                    price=Decimal("9.99"), native_id="retired-meter/Consumption",
                    attributes={"meter_name": "Retired Disk"}, provenance=prov),
        # another region: kept
        PriceRecord(provider="azure", service="Storage", region="uksouth", unit="month",
                    price=Decimal("1.536"), native_id="17fff823/Consumption",
                    attributes={"meter_name": "S4 LRS Disk"}, provenance=prov),
    ]
    build_snapshot(old, shipped, sources=[])
    before = _tree_digest(shipped)
    monkeypatch.setattr("costgate.pricing.store.shipped_snapshot_dir", lambda: shipped)
    code = main(["pricing", "update", "--quiet", "--provider", "azure", "--region",
                 "westeurope", "--service", "Storage", "--no-rates"])
    assert code == 0, capsys.readouterr().err
    meters = {(r.region, r.attributes.get("meter_name"))
              for r in iter_snapshot_records(_cache() / "prices")}
    assert meters == {("westeurope", "S4 LRS Disk"), ("westeurope", "S10 LRS Disk"),
                      ("uksouth", "S4 LRS Disk")}
    assert _tree_digest(shipped) == before


def test_next_page_link_to_another_host_is_refused(
    providers: FakeProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    providers.faults["offhost-link"] = ["on"]
    code, err = _update(capsys)
    assert code == 2 and "NextPageLink leaves 127.0.0.1: refused" in err


def test_currency_is_sent_to_azure_and_google(
    providers: FakeProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _update(capsys, "--currency", "eur")[0] == 0
    azure = [r for r in providers.log if r.path == "/api/retail/prices"]
    skus = [r for r in providers.log if r.path.endswith("/skus")]
    assert azure and all(r.query["currencyCode"] == ["'EUR'"] for r in azure if "$skip" not in r.query)
    assert skus and all(r.query["currencyCode"] == ["EUR"] for r in skus)


def test_one_update_at_a_time(
    providers: FakeProviders, capsys: pytest.CaptureFixture[str]
) -> None:
    import fcntl

    _cache().mkdir(parents=True)
    with (_cache() / ".update.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, err = _update(capsys)
    assert code == 2 and "another `costgate pricing update` is using" in err
    assert _update(capsys)[0] == 0

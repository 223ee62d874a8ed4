"""``costgate pricing build|info|lookup`` end to end through ``costgate.cli.main``."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from shared_data import shared_path
from snapshot_fakes import sample_records

from costgate.cli import main
from costgate.commands.pricing import lookup_query
from costgate.pricing.snapshot import build_snapshot, load_manifest


@pytest.fixture
def snap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "snap"
    build_snapshot(sample_records(), out, sources=[])
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lookup_prints_price_unit_and_provenance(snap: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "pricing", "lookup", "aws", "ec2", "us-east-1",
                         "instance_type=m5.large", "--snapshot", str(snap))
    assert code == 0, err
    assert "price      0.096 USD per hour" in out
    assert "aws-karpenter (DERIVED), karpenter-aws/ec2_ondemand_linux.csv, price date 2026-07-20" in out
    assert "candidates 1" in out and load_manifest(snap).snapshot_id in out


def test_lookup_not_found_exits_2(snap: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "pricing", "lookup", "aws", "ec2", "ap-south-2",
                       "instance_type=m5.large", "--snapshot", str(snap))
    assert code == 2
    assert err.strip() == "not in price snapshot — run `costgate pricing update`"


def test_lookup_json(snap: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pricing", "lookup", "aws", "ebs", "eu-west-1", "volume_api_name=io2",
                       "charge=iops", "--json", "--snapshot", str(snap))
    data = json.loads(out)
    assert code == 0 and data["found"] and data["candidates"] == 3
    assert [(t["tier_start"], t["price"]) for t in data["tiers"]] == [
        ("0", "0.072"), ("32000", "0.0504"), ("64000", "0.03528")]


def test_lookup_bad_attribute_is_one_line(snap: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "pricing", "lookup", "aws", "ec2", "us-east-1", "m5.large",
                       "--snapshot", str(snap))
    assert code == 2 and err.count("\n") == 1 and "expected key=value" in err


def test_ec2_alias_defaults_can_be_overridden() -> None:
    args = argparse.Namespace(provider="aws", service="ec2", region="us-east-1",
                              attributes=["instance_type=m5.large", "operating_system=Windows"],
                              purchase_option="on_demand", family=None, unit=None, term=None,
                              payment=None)
    q = lookup_query(args)
    attrs = dict(q.attributes)
    assert q.service == "AmazonEC2" and q.product_family == "Compute Instance"
    assert attrs["operating_system"] == "Windows" and attrs["tenancy"] == "Shared"
    assert attrs["capacity_status"] == "Used" and attrs["license_model"] == "No License required"
    vm = lookup_query(argparse.Namespace(**{**vars(args), "provider": "azure", "service": "vm",
                                            "attributes": [], "region": "global"}))
    assert (vm.service, vm.region, vm.attributes) == ("Virtual Machines", None, ())


def test_info_json_and_table(snap: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pricing", "info", "--json", "--snapshot", str(snap))
    data = json.loads(out)
    assert code == 0 and data["snapshot_id"] == load_manifest(snap).snapshot_id
    assert set(data["providers"]) == {"aws", "azure"} and data["rows"] == 9
    code, out, _ = run(capsys, "pricing", "info", "--snapshot", str(snap))
    assert code == 0 and "providers" in out and "westeurope" in out


def test_corrupt_snapshot_file_is_one_clear_error(
    snap: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(snap, bad)
    (bad / "aws/amazonec2.jsonl.gz").write_bytes(b"\x1f\x8b truncated")
    code, _, err = run(capsys, "pricing", "lookup", "aws", "ec2", "us-east-1",
                       "instance_type=m5.large", "--snapshot", str(bad))
    assert code == 2 and err.count("\n") == 1
    assert "aws/amazonec2.jsonl.gz" in err and "corrupt" in err


def test_build_over_real_sources_then_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = shared_path("pricing-sources")
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "pricing_cache"
    code, text, err = run(capsys, "pricing", "build", "--from", str(root), "--out", str(out),
                          "--source", "aws-karpenter", "--source", "aws-vantage")
    assert code == 0, err
    assert "dedupe:" in text and load_manifest(out).snapshot_id in text
    code, text, err = run(capsys, "pricing", "lookup", "aws", "ec2", "us-east-1",
                          "instance_type=m5.large", "--snapshot", str(out))
    assert code == 0, err
    assert "0.096 USD per hour" in text and "aws-karpenter" in text

    # A bad source file: one clear error naming it, and the previous snapshot is untouched.
    fake_root = tmp_path / "sources"
    (fake_root / "karpenter-aws").mkdir(parents=True)
    (fake_root / "karpenter-aws/ec2_ondemand_linux.csv").write_text(
        "region,instance_type,price_usd_per_hour,generated_at\nus-east-1,m5.large,not-a-price,x\n")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code, _, err = run(capsys, "pricing", "build", "--from", str(fake_root), "--out", str(out),
                       "--source", "aws-karpenter")
    assert code == 2 and err.count("\n") == 1 and "ec2_ondemand_linux.csv" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_pricing_update_is_registered(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["pricing", "update", "--help"])
    assert "update" in capsys.readouterr().out

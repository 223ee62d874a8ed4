"""Region resolution (plan-format.md §8): attributes, provider config, walk, defaults."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from costgate.model.resource import ParsedInput, Resource
from costgate.parse.loader import load_input, parse_document
from costgate.parse.region import region_from_attributes
from tests.conftest import shared_path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "plans"


def _side(parsed: ParsedInput, address: str) -> Resource:
    for change in parsed.changes:
        if change.address == address:
            side = change.after or change.before
            assert side is not None
            return side
    raise AssertionError(f"{address} not in plan")


@pytest.mark.parametrize(
    ("family", "attrs", "expected"),
    [
        ("aws", {"availability_zone": "eu-west-1a"}, "eu-west-1"),
        ("aws", {"availability_zone": "us-west-2-lax-1a"}, "us-west-2"),  # Local Zone
        ("aws", {"availability_zone": "us-gov-west-1b"}, "us-gov-west-1"),
        ("aws", {"availability_zones": ["ap-south-1b", "ap-south-1a"]}, "ap-south-1"),
        ("aws", {"region": "eu-north-1", "availability_zone": "us-east-1a"}, "eu-north-1"),
        ("aws", {"arn": "arn:aws:rds:me-south-1:123456789012:db:x"}, "me-south-1"),
        ("aws", {"arn": "arn:aws:iam::123456789012:role/x"}, None),  # global ARN
        ("aws", {"availability_zone": None, "region": 12}, None),  # absurd values never crash
        ("azurerm", {"location": "West Europe"}, "westeurope"),
        ("azurerm", {"location": "eastus2"}, "eastus2"),
        ("google", {"zone": "europe-west4-b"}, "europe-west4"),
        ("google", {"location": "us-central1-f"}, "us-central1"),
        ("google", {"location": "US"}, None),  # multi-region: the rule reads location itself
        ("null", {"region": "eu-west-1"}, None),
    ],
)
def test_region_from_attributes(family: str, attrs: dict[str, Any], expected: str | None) -> None:
    assert region_from_attributes(family, attrs) == expected


@pytest.mark.parametrize(
    ("address", "provider", "region", "source"),
    [
        ("aws_instance.root", "aws", "eu-west-1", "variable"),  # var.region from plan variables
        ("aws_s3_bucket.east", "aws", "us-east-1", "provider_config"),  # alias aws.east
        ('module.eu["x"].aws_instance.app', "aws", "eu-central-1", "variable"),  # module arg
        ("module.legacy[0].aws_ebs_volume.data", "aws", "eu-west-1", "inferred"),  # old key
        ("aws_ebs_volume.az", "aws", "ap-southeast-2", "attribute"),
        ("aws_instance.localzone", "aws", "us-west-2", "attribute"),
        ("aws_lb.arn", "aws", "sa-east-1", "attribute"),
        ("aws_instance.v6", "aws", "ca-central-1", "attribute"),
        ("azurerm_linux_virtual_machine.vm", "azurerm", "westeurope", "attribute"),
        ("azurerm_subnet.s", "azurerm", None, "unknown"),
        ("google_compute_instance.g", "google", "us-east4", "attribute"),
        ("google_compute_disk.beta", "google", "europe-west1", "inferred"),  # google-beta → google
        ("google_container_cluster.gke", "google", "asia-northeast1", "attribute"),
    ],
)
def test_fixture_regions(address: str, provider: str, region: str | None, source: str) -> None:
    side = _side(load_input(FIXTURES / "regions.json"), address)
    assert (side.provider, side.region, side.region_source) == (provider, region, source)


def test_guesses_are_reported_as_diagnostics() -> None:
    parsed = load_input(FIXTURES / "regions.json")
    by_code: dict[str, str] = {}
    for diag in parsed.diagnostics:
        by_code[diag.code] = by_code.get(diag.code, "") + diag.message
    assert "module.legacy[0].aws_ebs_volume.data" in by_code["region-inferred"]
    assert "google_compute_disk.beta" in by_code["region-inferred"]
    assert "azurerm_subnet.s" in by_code["region-missing"]
    assert "region-default" not in by_code


def test_plan_variables_win_over_variable_defaults() -> None:
    doc = json.loads((FIXTURES / "regions.json").read_text())
    assert _side(parse_document(doc, "t"), "aws_instance.root").region == "eu-west-1"
    del doc["variables"]  # e.g. a stripped plan: fall back to the declared default
    assert _side(parse_document(doc, "t"), "aws_instance.root").region == "us-east-2"


def test_module_variable_default_when_the_call_passes_nothing() -> None:
    doc = json.loads((FIXTURES / "regions.json").read_text())
    del doc["configuration"]["root_module"]["module_calls"]["eu"]["expressions"]["region"]
    side = _side(parse_document(doc, "t"), 'module.eu["x"].aws_instance.app')
    assert (side.region, side.region_source) == ("us-west-1", "variable")


def test_unresolvable_region_expression_falls_to_default_not_to_a_parent() -> None:
    doc = json.loads((FIXTURES / "regions.json").read_text())
    pc = doc["configuration"]["provider_config"]
    pc["module.eu:aws"]["expressions"]["region"] = {"references": ["local.region"]}
    parsed = parse_document(doc, "t")
    side = _side(parsed, 'module.eu["x"].aws_instance.app')
    assert (side.region, side.region_source) == ("us-east-1", "default")
    assert any(d.code == "region-default" for d in parsed.diagnostics)


def test_defaults_and_overrides() -> None:
    doc = json.loads((FIXTURES / "regions.json").read_text())
    doc_no_config = copy.deepcopy(doc)
    del doc_no_config["configuration"]
    parsed = parse_document(doc_no_config, "t")
    assert _side(parsed, "aws_instance.root").region == "us-east-1"  # AWS convention
    assert _side(parsed, "aws_instance.root").region_source == "default"
    assert _side(parsed, "aws_ebs_volume.az").region == "ap-southeast-2"  # attribute still wins

    parsed = parse_document(
        doc_no_config, "t", default_regions={"aws": "eu-south-1", "azure": "northeurope"}
    )
    assert _side(parsed, "aws_instance.root").region == "eu-south-1"
    assert _side(parsed, "azurerm_subnet.s").region == "northeurope"
    assert any("configured default" in d.message for d in parsed.diagnostics)

    parsed = parse_document(doc, "t", region_override={"aws": "eu-west-3"})
    for address in ("aws_instance.root", "aws_ebs_volume.az", "aws_s3_bucket.east"):
        assert _side(parsed, address).region == "eu-west-3"
        assert _side(parsed, address).region_source == "override"
    assert _side(parsed, "google_compute_instance.g").region == "us-east4"  # other providers kept


def test_corpus_provider_aliasing_passed_into_modules() -> None:
    path = shared_path(
        "plan-corpus",
        "hashicorp-terraform",
        "internal__command__testdata__show-json__provider-aliasing__output.json",
    )
    parsed = load_input(path)
    regions = {c.address: (c.after.region if c.after else None) for c in parsed.changes}
    assert regions["test_instance.test"] == "somewhere"
    assert regions["test_instance.test_backup"] == "elsewhere"
    assert regions["module.child.test_instance.test_secondary"] == "elsewhere"
    assert regions["module.child.module.grandchild.test_instance.test_alternate"] == "elsewhere"
    assert regions["module.sibling.module.grandchild.test_instance.test_alternate"] == "somewhere"
    assert {c.after.region_source for c in parsed.changes if c.after} == {"provider_config"}


def test_corpus_old_style_keys_walk_up_to_the_root_provider() -> None:
    path = shared_path(
        "plan-corpus",
        "terraform-compliance",
        "tests__functional__test_non_created_module_resource_parameter__plan.out.json",
    )
    parsed = load_input(path)
    side = _side(parsed, "module.apigw_test_1.aws_api_gateway_rest_api.base")
    assert (side.region, side.region_source) == ("eu-west-1", "inferred")


def test_corpus_region_from_root_variable() -> None:
    path = shared_path("plan-corpus", "large-licensed", "AlexTzk_gcp-infrastructure__plan.json")
    parsed = load_input(path)
    sources = {c.after.region_source for c in parsed.changes if c.after}
    assert "variable" in sources
    doc = json.loads(path.read_text())
    expected = doc["variables"]["region"]["value"]
    assert {
        c.after.region for c in parsed.changes if c.after and c.after.region_source == "variable"
    } == {expected}

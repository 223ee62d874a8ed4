"""Flags → update plan: which providers, regions and services ``pricing update`` fetches."""

from __future__ import annotations

import argparse

import pytest

from costgate.commands.pricing_update import build_plan, register
from costgate.errors import ConfigError, InputError
from costgate.pricing.refresh import Settings
from costgate.pricing.refresh.aws import AWS_REGIONS, AWS_SERVICES


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["update", *argv])


def _plan(*argv: str, key: bool = True, notes: list[str] | None = None):  # type: ignore[no-untyped-def]
    return build_plan(_args(*argv), has_google_key=key, notes=[] if notes is None else notes)


def test_defaults_cover_all_providers_and_the_documented_sets() -> None:
    plan = _plan()
    assert plan.providers == ("aws", "azure", "google")
    assert plan.regions["aws"] == AWS_REGIONS and plan.services["aws"] == AWS_SERVICES
    assert "AmazonEC2" in plan.services["aws"] and len(plan.services["aws"]) == 20
    assert plan.currency == "USD" and plan.rates


def test_google_is_skipped_without_a_key_unless_asked_for() -> None:
    notes: list[str] = []
    assert _plan(key=False, notes=notes).providers == ("aws", "azure")
    assert notes == ["google skipped: set GOOGLE_API_KEY to refresh Google prices"]
    with pytest.raises(ConfigError, match="GOOGLE_API_KEY"):
        _plan("--provider", "gcp", key=False)


def test_regions_are_assigned_by_their_shape() -> None:
    plan = _plan("--region", "eu-central-1", "--region", "westeurope", "--region", "europe-west4",
                 "--region", "us-gov-west-1")
    assert plan.regions == {"aws": ("eu-central-1", "us-gov-west-1"),
                            "azure": ("westeurope",), "google": ("europe-west4",)}
    # without --provider, only the providers the regions belong to are refreshed
    assert _plan("--region", "eu-west-1").providers == ("aws",)
    # with --provider, a provider without --region keeps its defaults
    plan = _plan("--provider", "aws", "--provider", "azure", "--region", "eu-west-1")
    assert plan.regions["aws"] == ("eu-west-1",) and plan.regions["azure"][0] == "eastus"


def test_bad_flags_are_input_errors() -> None:
    with pytest.raises(InputError, match="not an AWS, Azure or Google region"):
        _plan("--region", "Europe West")
    with pytest.raises(InputError, match="is not a region of aws"):
        _plan("--provider", "aws", "--region", "westeurope")
    with pytest.raises(InputError, match="say which provider"):
        _plan("--service", "AmazonEC2")
    with pytest.raises(InputError, match="expected one of"):
        _plan("--provider", "oracle")
    with pytest.raises(InputError, match="3-letter"):
        _plan("--currency", "euros")


def test_services_by_prefix_or_single_provider() -> None:
    plan = _plan("--service", "aws:AmazonRDS", "--service", "azure:Virtual Machines")
    assert plan.services["aws"] == ("AmazonRDS",)
    assert plan.services["azure"] == ("Virtual Machines",)
    assert plan.services["google"][0] == "Compute Engine"
    assert _plan("--provider", "aws", "--service", "AmazonS3").services["aws"] == ("AmazonS3",)


def test_settings_read_the_environment(tmp_path: object) -> None:
    env = {"COSTGATE_AWS_PRICING_URL": "http://127.0.0.1:9/", "COSTGATE_HTTP_RETRIES": "1",
           "COSTGATE_HTTP_BACKOFF_MAX": "2.5", "COSTGATE_CACHE_DIR": "/tmp/x",
           "GOOGLE_API_KEY": "k"}
    s = Settings.from_env(env)
    assert s.aws_url == "http://127.0.0.1:9" and s.azure_url == "https://prices.azure.com"
    assert s.http.retries == 1 and s.http.backoff_max == 2.5
    assert str(s.cache_dir) == "/tmp/x" and s.google_api_key == "k"
    with pytest.raises(ConfigError, match="COSTGATE_HTTP_RETRIES"):
        Settings.from_env({"COSTGATE_HTTP_RETRIES": "many"})

"""The usage file: Infracost shape, wildcards, precedence and strict key/type checks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from engine_fakes import FAKE_REGISTRY

from costgate.errors import UsageFileError
from costgate.model.address import config_address
from costgate.parse.usage import load_usage_file, parse_usage

DOC = """
version: 0.1
resource_type_default_usage:
  aws_lambda_function:
    monthly_requests: 1000
    request_duration_ms: 100
resource_usage:
  module.api.aws_lambda_function.handler:
    monthly_requests: 50000000
  module.workers[*].aws_lambda_function.jobs[*]:
    monthly_requests: 2000000
  module.workers[*].aws_lambda_function.jobs["hot"]:
    monthly_requests: 9
  module.workers[1].aws_lambda_function.jobs["hot"]:
    request_duration_ms: 7
  aws_nat_gateway.main:
    monthly_data_processed_gb: 12.5
  aws_unknown_type.x:
    monthly_whatever: 3
"""


def _file():  # type: ignore[no-untyped-def]
    return parse_usage(DOC, FAKE_REGISTRY, source="u.yml")


def test_type_default_applies_when_no_address_matches() -> None:
    v = _file().values_for("aws_lambda_function.other", "aws_lambda_function")
    assert v == {"monthly_requests": Decimal(1000), "request_duration_ms": Decimal(100)}


def test_keyless_address_matches_every_instance_of_the_config_address() -> None:
    u = _file()
    for addr in ('module.api.aws_lambda_function.handler',
                 'module.api.aws_lambda_function.handler[3]'):
        assert u.values_for(addr, "aws_lambda_function")["monthly_requests"] == Decimal(50000000)


def test_wildcards_at_any_level_and_specific_beats_wildcard() -> None:
    u = _file()
    t = "aws_lambda_function"
    assert u.values_for('module.workers[0].aws_lambda_function.jobs["a.b[1]"]', t) == {
        "monthly_requests": Decimal(2000000), "request_duration_ms": Decimal(100)}
    assert u.values_for('module.workers[0].aws_lambda_function.jobs["hot"]', t)[
        "monthly_requests"] == Decimal(9)
    # exact address beats both wildcards, merging key by key
    assert u.values_for('module.workers[1].aws_lambda_function.jobs["hot"]', t) == {
        "monthly_requests": Decimal(9), "request_duration_ms": Decimal(7)}
    # [*] needs a key: a count-less module does not match
    assert u.values_for("module.workers.aws_lambda_function.jobs[0]", t)[
        "monthly_requests"] == Decimal(1000)


def test_float_values_are_decimal_and_unknown_types_warn() -> None:
    u = _file()
    assert u.values_for("aws_nat_gateway.main", "aws_nat_gateway") == {
        "monthly_data_processed_gb": Decimal("12.5")}
    assert any("aws_unknown_type" in w for w in u.warnings)


def test_config_address_strips_quoted_keys_with_dots() -> None:
    assert config_address('module.a["x.y]"].aws_s3_bucket.b[0]') == "module.a.aws_s3_bucket.b"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("resource_usage:\n  aws_nat_gateway.main:\n    monthly_gb: 1\n", "'monthly_gb'"),
        ("resource_usage:\n  aws_lambda_function.f:\n    monthly_requests: lots\n",
         "monthly_requests"),
        ("resource_usage:\n  aws_lambda_function.f:\n    monthly_requests: 1.5\n",
         "whole number"),
        ("resource_usage:\n  aws_lambda_function.f:\n    monthly_requests: true\n",
         "monthly_requests"),
        ("resource_usage:\n  aws_nat_gateway.n:\n    monthly_data_processed_gb: -4\n",
         "0 or more"),
        ("resource_usage:\n  aws_lambda_function.f:\n    architecture_note: 3\n", "a string"),
        ("resource_usage:\n  aws_lambda_function.f:\n    monthly_data_transfer_gb: 3\n",
         "a mapping"),
        ("version: 0.2\n", "version"),
        ("resource_usage: [1, 2]\n", "resource_usage"),
        ("bogus_top: 1\n", "bogus_top"),
        ("resource_usage:\n  not an address:\n    a: 1\n", "not a resource address"),
        ("resource_usage: {\n", "not valid YAML"),
        ("- a\n- b\n", "expected a mapping"),
    ],
)
def test_bad_usage_is_one_clear_error(body: str, needle: str) -> None:
    with pytest.raises(UsageFileError) as info:
        parse_usage("version: 0.1\n" + body if not body.startswith(("version", "-")) else body,
                    FAKE_REGISTRY, source="u.yml")
    message = str(info.value)
    assert needle in message and "\n" not in message


def test_error_names_the_address() -> None:
    with pytest.raises(UsageFileError, match=r"aws_nat_gateway\.main.*monthly_gb|monthly_gb.*aws_nat_gateway\.main"):
        parse_usage("version: 0.1\nresource_usage:\n  aws_nat_gateway.main:\n    monthly_gb: 1\n",
                    FAKE_REGISTRY)


def test_null_sections_from_template_are_empty(tmp_path: Path) -> None:
    path = tmp_path / "u.yml"
    path.write_text("version: 0.1\nresource_usage:\n  aws_nat_gateway.main:\n"
                    "    # monthly_data_processed_gb: 100\n", encoding="utf-8")
    assert load_usage_file(path, FAKE_REGISTRY).values_for(
        "aws_nat_gateway.main", "aws_nat_gateway") == {}


def test_missing_file_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageFileError, match="cannot read"):
        load_usage_file(tmp_path / "nope.yml", FAKE_REGISTRY)

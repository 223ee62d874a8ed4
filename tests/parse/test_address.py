"""Address tokenizer: module keys, tricky string keys, config addresses, wildcards."""

from __future__ import annotations

import pytest

from costgate.errors import InputError
from costgate.model.address import (
    WILDCARD,
    AddressError,
    address_matches,
    config_address,
    format_key,
    module_config_path,
    parse_address,
    parse_module_address,
)


def test_nested_module_instance_address() -> None:
    addr = parse_address('module.app["blue"].module.nested.aws_ebs_volume.data[1]')
    assert [(s.name, s.key) for s in addr.modules] == [("app", "blue"), ("nested", None)]
    assert (addr.mode, addr.type, addr.name, addr.key) == ("managed", "aws_ebs_volume", "data", 1)
    assert addr.module_instance == 'module.app["blue"].module.nested'
    assert addr.module_config == "module.app.module.nested"
    assert addr.config == "module.app.module.nested.aws_ebs_volume.data"


def test_string_key_with_dots_brackets_and_escaped_quotes() -> None:
    text = r'module.m["a.b"].aws_s3_bucket.b["x[0].\"q\"\\z"]'
    addr = parse_address(text)
    assert addr.modules[0].key == "a.b"
    assert addr.key == 'x[0]."q"\\z'
    assert addr.config == "module.m.aws_s3_bucket.b"
    assert addr.instance == text  # renders back exactly as Terraform writes it


def test_template_and_unicode_escapes_round_trip() -> None:
    key = "${not-a-template} %{x} tab\tnew\nline \u0007"
    rendered = f"aws_instance.x{format_key(key)}"
    assert "$${" in rendered and "%%{" in rendered and "\\u0007" in rendered
    assert parse_address(rendered).key == key
    assert parse_address(rendered).instance == rendered


def test_data_source_and_int_zero_key() -> None:
    addr = parse_address("module.x[0].data.aws_ami.ubuntu[0]")
    assert addr.mode == "data" and addr.key == 0 and addr.modules[0].key == 0
    assert addr.resource_config == "data.aws_ami.ubuntu"
    assert config_address("module.x[0].data.aws_ami.ubuntu[0]") == "module.x.data.aws_ami.ubuntu"


def test_resource_type_named_like_a_mode_is_not_confused() -> None:
    addr = parse_address("data_thing.data")  # type "data_thing", name "data"
    assert (addr.mode, addr.type, addr.name) == ("managed", "data_thing", "data")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "aws_instance",
        "aws_instance.web[",
        'aws_instance.web["open',
        "aws_instance.web[x]",
        "aws_instance.web[0]extra",
        "module..aws_instance.web",
        'aws_instance.web["bad \\q escape"]',
        "aws_instance.web[*]",  # wildcards only in patterns
    ],
)
def test_malformed_addresses_raise_address_error(bad: str) -> None:
    with pytest.raises(AddressError) as info:
        parse_address(bad)
    assert isinstance(info.value, InputError)
    assert repr(bad) in str(info.value)


def test_module_addresses() -> None:
    assert parse_module_address("").modules == ()
    assert module_config_path('module.a["k.1"].module.b[3]') == "module.a.module.b"
    assert module_config_path(None) == ""
    assert module_config_path("module.plain") == "module.plain"
    with pytest.raises(AddressError):
        parse_module_address("aws_instance.x")


def test_wildcard_patterns() -> None:
    pattern = "module.app[*].aws_instance.web[*]"
    assert parse_address(pattern, allow_wildcard=True).modules[0].key is WILDCARD
    assert address_matches(pattern, 'module.app["blue"].aws_instance.web[0]')
    assert address_matches(pattern, 'module.app[2].aws_instance.web["k"]')
    assert not address_matches(pattern, "module.app.aws_instance.web[0]")  # unkeyed module
    assert not address_matches(pattern, "module.app[0].aws_instance.db[0]")
    assert not address_matches(pattern, "aws_instance.web[0]")
    assert address_matches("aws_instance.web[*]", 'aws_instance.web["a.b"]')
    assert not address_matches("aws_instance.web[*]", "aws_instance.web")


def test_exact_patterns_respect_key_types() -> None:
    assert address_matches("aws_instance.web[0]", "aws_instance.web[0]")
    assert not address_matches('aws_instance.web["0"]', "aws_instance.web[0]")
    assert address_matches("aws_instance.web", "aws_instance.web")
    assert not address_matches("aws_instance.web", "aws_instance.web[0]")

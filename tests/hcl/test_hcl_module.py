"""HCL mode end to end up to ParsedInput: expansion, variables, modules, providers, refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from costgate.model.resource import ParsedInput, Resource
from costgate.parse.hcl_plan import load_hcl, plan_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hcl"


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def after(parsed: ParsedInput) -> dict[str, Resource]:
    return {c.address: c.after for c in parsed.changes if c.after is not None}


def codes(parsed: ParsedInput) -> list[str]:
    return [d.code for d in parsed.diagnostics]


def test_count_and_for_each_addresses_as_terraform_writes_them(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": """
resource "aws_instance" "web" {
  count         = 2
  instance_type = "t3.micro"
}
resource "aws_ebs_volume" "named" {
  for_each = toset(["a", "b.c", "q\\"x"])
  size     = 10
}
module "app" {
  source   = "./app"
  for_each = { blue = 1, green = 2 }
  disks    = each.value
}
""",
        "app/main.tf": """
variable "disks" { type = number }
resource "aws_ebs_volume" "data" {
  count = var.disks
  size  = 20 + count.index
}
""",
    })
    parsed = load_hcl(tmp_path)
    assert list(after(parsed)) == [
        "aws_instance.web[0]", "aws_instance.web[1]",
        'aws_ebs_volume.named["a"]', 'aws_ebs_volume.named["b.c"]', 'aws_ebs_volume.named["q\\"x"]',
        'module.app["blue"].aws_ebs_volume.data[0]',
        'module.app["green"].aws_ebs_volume.data[0]', 'module.app["green"].aws_ebs_volume.data[1]',
    ]
    res = after(parsed)['module.app["green"].aws_ebs_volume.data[1]']
    assert res.module_address == 'module.app["green"]' and res.index == 1
    assert res.get("size") == 21
    assert all(c.action.value == "create" and c.before is None for c in parsed.changes)
    assert parsed.metadata.kind == "hcl"


def test_unknown_count_is_one_instance_with_a_diagnostic(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": """
data "aws_subnets" "all" {}
resource "aws_nat_gateway" "per_subnet" {
  count = length(data.aws_subnets.all.ids)
}
resource "aws_eip" "ip" {
  count  = 3
  domain = "vpc"
}
resource "aws_nat_gateway" "per_ip" {
  count         = length(aws_eip.ip)
  allocation_id = aws_eip.ip[count.index].id
}
"""})
    parsed = load_hcl(tmp_path)
    addresses = list(after(parsed))
    assert "aws_nat_gateway.per_subnet" in addresses
    assert [a for a in addresses if a.startswith("aws_nat_gateway.per_ip")] == [
        "aws_nat_gateway.per_ip[0]", "aws_nat_gateway.per_ip[1]", "aws_nat_gateway.per_ip[2]"]
    assert after(parsed)["aws_nat_gateway.per_ip[1]"].is_unknown("allocation_id")
    assert codes(parsed).count("hcl-unknown-count") == 1


def test_variable_precedence_and_types(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": """
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
variable "n" { type = number }
variable "names" { type = set(string) }
variable "apps" {
  type = map(object({ size = optional(number, 8), kind = string }))
}
resource "aws_ebs_volume" "v" {
  tags = { a = var.a, b = var.b, c = var.c, d = var.d, e = var.e }
  size = var.n * 2
  names = [for s in var.names : s]
  apps  = var.apps
}
""",
        "terraform.tfvars": 'b = "tfvars"\nc = "tfvars"\nd = "tfvars"\n',
        "x.auto.tfvars": 'c = "auto"\nd = "auto"\nnames = ["z", "a", "z"]\n',
        "extra.tfvars": 'd = "var-file"\napps = { web = { kind = "x" } }\n',
    })
    parsed = load_hcl(tmp_path, var_files=[tmp_path / "extra.tfvars"], var_flags=["n=21"],
                      env={"TF_VAR_a": "env", "TF_VAR_b": "env", "PATH": "/bin"})
    res = after(parsed)["aws_ebs_volume.v"]
    assert res.get("tags") == {"a": "env", "b": "tfvars", "c": "auto", "d": "var-file",
                               "e": "default"}
    assert res.get("size") == 42
    assert res.get("names") == ["a", "z"]
    assert res.get("apps") == {"web": {"size": 8, "kind": "x"}}
    flags = load_hcl(tmp_path, var_files=[tmp_path / "extra.tfvars"],
                     var_flags=["n=1", "d=flag", 'names=["q"]'])
    assert after(flags)["aws_ebs_volume.v"].get("tags")["d"] == "flag"
    assert after(flags)["aws_ebs_volume.v"].get("names") == ["q"]


def test_unset_variable_and_local_cycle_are_diagnostics(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": """
variable "size" { type = number }
locals {
  a = local.b
  b = local.a
  c = "${local.d}-c"
  d = "d"
}
resource "aws_ebs_volume" "v" {
  size = var.size
  type = local.a
  name = local.c
  bad  = nosuchfunction(1)
}
"""})
    parsed = load_hcl(tmp_path)
    res = after(parsed)["aws_ebs_volume.v"]
    assert res.is_unknown("size") and res.is_unknown("type") and res.is_unknown("bad")
    assert res.get("name") == "d-c"  # locals resolve in dependency order, not file order
    messages = " | ".join(d.message for d in parsed.diagnostics)
    assert "var.size has no value" in messages
    assert "cycle between locals" in messages
    assert "nosuchfunction() is not supported" in messages


def test_dynamic_blocks_and_module_outputs(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": """
module "sizes" {
  source = "./sizes"
  base   = 10
}
resource "aws_instance" "web" {
  instance_type = module.sizes.type
  dynamic "ebs_block_device" {
    for_each = module.sizes.disks
    iterator = disk
    content {
      device_name = "/dev/sd${disk.key}"
      volume_size = disk.value
    }
  }
  dynamic "network_interface" {
    for_each = data.aws_network_interfaces.x.ids
    content { network_interface_id = network_interface.value }
  }
}
""",
        "sizes/main.tf": """
variable "base" { type = number }
output "disks" { value = { f = var.base, g = var.base * 3 } }
output "type" { value = var.base > 5 ? "m5.large" : "t3.micro" }
""",
    })
    parsed = load_hcl(tmp_path)
    res = after(parsed)["aws_instance.web"]
    assert res.get("instance_type") == "m5.large"
    assert res.blocks("ebs_block_device") == [
        {"device_name": "/dev/sdf", "volume_size": 10}, {"device_name": "/dev/sdg", "volume_size": 30}]
    assert res.is_unknown("network_interface")


def test_providers_aliases_and_passed_providers_give_regions() -> None:
    parsed = load_hcl(FIXTURES / "providers")
    regions = {a: (r.region, r.region_source) for a, r in after(parsed).items()}
    assert regions == {
        "aws_ebs_volume.root_default": ("eu-west-1", "provider_config"),
        "aws_ebs_volume.root_aliased": ("us-east-1", "provider_config"),
        "module.db.aws_ebs_volume.data": ("us-east-1", "provider_config"),
        "module.edge.aws_ebs_volume.inherited": ("eu-west-1", "provider_config"),
        "module.edge.aws_ebs_volume.local_alias": ("ap-northeast-1", "provider_config"),
    }
    doc = plan_document(FIXTURES / "providers")
    assert set(doc["configuration"]["provider_config"]) == {"aws", "aws.east", "module.edge:aws.tokyo"}


def test_no_provider_block_uses_the_default_region_with_a_diagnostic(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": 'resource "aws_ebs_volume" "v" {\n  size = 1\n}\n'})
    res = after(load_hcl(tmp_path))["aws_ebs_volume.v"]
    assert (res.region, res.region_source) == ("us-east-1", "default")
    res = after(load_hcl(tmp_path, default_regions={"aws": "eu-central-1"}))["aws_ebs_volume.v"]
    assert res.region == "eu-central-1"


def test_tf_json_files_merge_with_tf_files() -> None:
    parsed = load_hcl(FIXTURES / "tfjson")
    res = after(parsed)
    assert sorted(res) == ["aws_ebs_volume.hcl_vol", "aws_ebs_volume.json_vol[0]",
                           "aws_ebs_volume.json_vol[1]"]
    assert res["aws_ebs_volume.json_vol[1]"].get("size") == 100
    assert res["aws_ebs_volume.json_vol[1]"].tags == {"Name": "vol-1"}
    assert res["aws_ebs_volume.hcl_vol"].get("size") == 50


def test_registry_modules_come_from_the_terraform_manifest(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"main.tf": """
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
  nat     = 2
}
module "gone" {
  source = "git::https://example.com/x.git"
}
"""}
    write(tmp_path, files)
    parsed = load_hcl(tmp_path)
    assert not parsed.changes
    assert codes(parsed).count("hcl-module-not-installed") == 2
    write(tmp_path, {
        ".terraform/modules/modules.json": json.dumps({"Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "vpc", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws",
             "Version": "5.0.0", "Dir": ".terraform/modules/vpc"}]}),
        ".terraform/modules/vpc/main.tf":
            'variable "nat" {}\nresource "aws_nat_gateway" "this" {\n  count = var.nat\n}\n',
    })
    parsed = load_hcl(tmp_path)
    assert list(after(parsed)) == ["module.vpc.aws_nat_gateway.this[0]",
                                   "module.vpc.aws_nat_gateway.this[1]"]
    assert codes(parsed).count("hcl-module-not-installed") == 1


def test_refusals_are_diagnostics_not_crashes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(tmp_path, {"outside/main.tf": 'resource "aws_eip" "x" {}\n'})
    write(repo, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "root/main.tf": """
resource "aws_eip" "ok" {}
module "escape" { source = "../../outside" }
module "self" { source = "./" }
""",
        "root/binary.tf": b"\x00\x01\x02resource",
        "root/latin1.tf": b"locals { a = \"caf\xe9\" }\n",
    })
    root = repo / "root"
    os.symlink("loop.tf", root / "loop.tf")
    with open(root / "huge.tf", "wb") as fh:
        fh.truncate(10 * 1024 * 1024 + 1)
    parsed = load_hcl(root)
    assert list(after(parsed)) == ["aws_eip.ok"]
    messages = {d.code: d.message for d in parsed.diagnostics}
    refused = [d.message for d in parsed.diagnostics if d.code == "hcl-file-refused"]
    assert any("binary.tf: binary file" in m for m in refused)
    assert any("latin1.tf: not UTF-8" in m for m in refused)
    assert any("loop.tf: symlink loop" in m for m in refused)
    assert any("huge.tf: file is 10485761 bytes, over the 10 MB limit" in m for m in refused)
    assert "outside the repository root" in messages["hcl-module-outside-repo"]
    assert "calls itself" in messages["hcl-module-cycle"]


def test_file_function_is_confined_to_the_repository(tmp_path: Path) -> None:
    write(tmp_path, {
        ".git/HEAD": "x",
        "sizes.json": '{"web": 30}',
        "main.tf": """
locals { sizes = jsondecode(file("${path.module}/sizes.json")) }
resource "aws_ebs_volume" "v" {
  size  = local.sizes.web
  other = file("/etc/hostname")
}
""",
    })
    parsed = load_hcl(tmp_path)
    res = after(parsed)["aws_ebs_volume.v"]
    assert res.get("size") == 30 and res.is_unknown("other")
    assert any("outside the repository" in d.message for d in parsed.diagnostics)


def test_sensitive_variables_are_masked_like_plan_mode(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": """
variable "pw" {
  default   = "hunter2"
  sensitive = true
}
resource "aws_db_instance" "db" {
  instance_class = "db.t3.micro"
  password       = var.pw
}
"""})
    res = after(load_hcl(tmp_path))["aws_db_instance.db"]
    assert res.get("password") == "(sensitive)" and res.get("instance_class") == "db.t3.micro"
    doc: dict[str, Any] = plan_document(tmp_path)
    assert "pw" not in doc["variables"]


def test_not_a_terraform_directory_is_an_input_error(tmp_path: Path) -> None:
    from costgate.errors import InputError

    with pytest.raises(InputError, match="no .tf, .tofu or .tf.json files"):
        load_hcl(tmp_path)
    with pytest.raises(InputError, match="not a directory"):
        load_hcl(tmp_path / "nope")

"""The rule registry is complete and consistent: modules, usage docs, golden folders.

Checked for every provider package (aws, azure, google): one module per type, each in the
provider's sorted RULES tuple, documented usage keys, a golden folder, sorted FREE literals.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

from costgate.pricing.rules import aws, azure, default_registry, google

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
#: provider package, golden folder under tests/resources, Terraform type prefix
PROVIDERS: list[tuple[ModuleType, str, str]] = [
    (aws, "aws", "aws_"), (azure, "azure", "azurerm_"), (google, "google", "google_"),
]
IDS = [p[1] for p in PROVIDERS]


def _rule_modules(pkg: ModuleType) -> list[str]:
    return [m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")]


@pytest.mark.parametrize(("pkg", "folder", "prefix"), PROVIDERS, ids=IDS)
def test_every_rule_module_is_registered_once(pkg: ModuleType, folder: str, prefix: str) -> None:
    types = [rule.type for rule in pkg.RULES]
    assert len(types) == len(set(types))
    assert types == sorted(types)
    assert all(t.startswith(prefix) for t in types)
    for name in _rule_modules(pkg):
        module = importlib.import_module(f"{pkg.__name__}.{name}")
        assert module.RULE.type == name, f"{name}.py defines a rule for {module.RULE.type}"
        assert module.RULE in pkg.RULES, f"{name} is not in RULES"


@pytest.mark.parametrize(("pkg", "folder", "prefix"), PROVIDERS, ids=IDS)
def test_every_usage_key_is_documented(pkg: ModuleType, folder: str, prefix: str) -> None:
    for rule in pkg.RULES:
        names = [key.name for key in rule.usage]
        assert len(names) == len(set(names)), rule.type
        for key in rule.usage:
            assert key.doc.strip(), f"{rule.type}.{key.name} has no doc"
            assert key.kind in (int, float, str, dict), f"{rule.type}.{key.name}"


@pytest.mark.parametrize(("pkg", "folder", "prefix"), PROVIDERS, ids=IDS)
def test_every_rule_has_a_golden_folder(pkg: ModuleType, folder: str, prefix: str) -> None:
    missing = [r.type for r in pkg.RULES if not (RESOURCES / folder / r.type / "plan.json").exists()]
    assert not missing, f"no tests/resources/{folder}/<type>/plan.json for {missing}"


@pytest.mark.parametrize(("pkg", "folder", "prefix"), PROVIDERS, ids=IDS)
def test_rule_modules_open_with_a_docstring_naming_the_type(
    pkg: ModuleType, folder: str, prefix: str
) -> None:
    for name in _rule_modules(pkg):
        path = Path(pkg.__path__[0]) / f"{name}.py"
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert doc.startswith(name), f"{path.name}: docstring should name {name}"


@pytest.mark.parametrize(("pkg", "folder", "prefix"), PROVIDERS, ids=IDS)
def test_free_lists_are_sorted_literals(pkg: ModuleType, folder: str, prefix: str) -> None:
    source = ast.parse(Path(pkg.__file__ or "").read_text(encoding="utf-8"))
    seen = 0
    for node in ast.walk(source):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                node.target.id in ("FREE", "FREE_NON_CLOUD"):
            assert isinstance(node.value, ast.Call)
            items = [e.value for e in node.value.args[0].elts]  # type: ignore[attr-defined]
            assert items == sorted(items) and len(items) == len(set(items)), node.target.id
            seen += 1
    assert seen >= 1
    assert all(t.startswith(prefix) for t in pkg.FREE)


def test_registry_combines_the_providers() -> None:
    assert not any(t.startswith(("aws_", "azurerm_", "google_")) for t in aws.FREE_NON_CLOUD)
    registry = default_registry()
    assert not set(registry.types) & set(registry.free_types)
    for pkg, _, _ in PROVIDERS:
        assert {r.type for r in pkg.RULES} <= set(registry.types)
        assert pkg.FREE <= set(registry.free_types)
    assert registry.is_free("aws_iam_role") and registry.is_free("random_id")
    assert registry.is_free("google_compute_network") and registry.is_free("azurerm_resource_group")
    assert registry.rule("aws_instance") is not None
    assert registry.rule("google_compute_instance") is not None
    assert registry.rule("azurerm_managed_disk") is not None
    assert default_registry() is registry  # cached

"""The rule registry is complete and consistent: modules, usage docs, golden folders."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from costgate.pricing.rules import aws, default_registry

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def _rule_modules() -> list[str]:
    return [m.name for m in pkgutil.iter_modules(aws.__path__) if not m.name.startswith("_")]


def test_every_rule_module_is_registered_once() -> None:
    types = [rule.type for rule in aws.RULES]
    assert len(types) == len(set(types))
    assert types == sorted(types)
    for name in _rule_modules():
        module = importlib.import_module(f"costgate.pricing.rules.aws.{name}")
        assert module.RULE.type == name, f"{name}.py defines a rule for {module.RULE.type}"
        assert module.RULE in aws.RULES, f"{name} is not in RULES"


def test_every_usage_key_is_documented() -> None:
    for rule in aws.RULES:
        names = [key.name for key in rule.usage]
        assert len(names) == len(set(names)), rule.type
        for key in rule.usage:
            assert key.doc.strip(), f"{rule.type}.{key.name} has no doc"
            assert key.kind in (int, float, str, dict), f"{rule.type}.{key.name}"


def test_every_rule_has_a_golden_folder() -> None:
    missing = [r.type for r in aws.RULES if not (RESOURCES / "aws" / r.type / "plan.json").exists()]
    assert not missing, f"no tests/resources/aws/<type>/plan.json for {missing}"


def test_rule_modules_open_with_a_docstring_naming_the_type() -> None:
    for name in _rule_modules():
        path = Path(aws.__path__[0]) / f"{name}.py"
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert doc.startswith(name), f"{path.name}: docstring should name {name}"


def test_free_lists_are_sorted_literals_and_disjoint_from_rules() -> None:
    source = ast.parse(Path(aws.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(source):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                node.target.id in ("FREE", "FREE_NON_CLOUD"):
            assert isinstance(node.value, ast.Call)
            items = [e.value for e in node.value.args[0].elts]  # type: ignore[attr-defined]
            assert items == sorted(items) and len(items) == len(set(items)), node.target.id
    assert all(t.startswith("aws_") for t in aws.FREE)
    assert not any(t.startswith("aws_") for t in aws.FREE_NON_CLOUD)
    registry = default_registry()
    assert not set(registry.types) & set(registry.free_types)
    assert registry.is_free("aws_iam_role") and registry.is_free("random_id")
    assert registry.rule("aws_instance") is not None
    assert default_registry() is registry  # cached

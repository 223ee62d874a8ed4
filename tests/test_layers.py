"""Imports go one way: model ← parse, pricing, diff, policy ← report ← publish ← commands/cli.

An AST walk (function-level imports included) instead of import-linter, so the check runs with
nothing extra installed. Also: only costgate/parse/hcl.py may import hcl2 (or lark).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "costgate"

BASE = {"model", "errors", "fileutil", "__init__"}
ALLOWED: dict[str, set[str]] = {
    "model": BASE,
    "errors": BASE,
    "parse": BASE | {"parse"},
    "pricing": BASE | {"pricing"},
    "diff": BASE | {"diff"},
    "policy": BASE | {"policy"},
    "vcs": BASE | {"vcs"},
    "projects_cache": BASE | {"projects_cache"},
    "projects": BASE | {"projects", "projects_cache"},
    "report": BASE | {"report", "policy", "diff"},
    "publish": BASE | {"publish", "report"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


FILES = sorted(PKG.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PKG)))
def test_layering(path: Path) -> None:
    layer = _layer(path)
    allowed = ALLOWED.get(layer)
    if allowed is None:  # commands, cli, __main__: the top may import anything
        return
    bad = [
        f"line {line}: {module}"
        for line, module in _imports(path)
        if module.startswith("costgate.") and module.split(".")[1] not in allowed
    ]
    assert not bad, f"{path.relative_to(PKG)} ({layer}) imports a higher layer: {bad}"


def test_only_the_hcl_adapter_imports_python_hcl2() -> None:
    users = sorted(
        str(p.relative_to(PKG))
        for p in FILES
        for _, module in _imports(p)
        if module.split(".")[0] in ("hcl2", "lark")
    )
    assert set(users) <= {"parse/hcl.py"}, users

"""Variable type constraints: convert a value to its declared ``type`` like Terraform does.

``--var count=3`` arrives as the string "3"; a ``number`` variable must still compare and
multiply as a number, and ``set(string)`` must iterate in set order. Optional object
attributes take their declared defaults.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from costgate.parse.hcl_eval import UNKNOWN, EvalError, equal, fmt_number, to_bool, to_num
from costgate.parse.hcl_expr import Node

_PRIMITIVES = ("string", "number", "bool", "any")


def is_primitive(node: Node | None) -> bool:
    """True for no constraint or string/number/bool/any (CLI values are taken literally)."""
    return node is None or (node[0] == "var" and node[1] in _PRIMITIVES)


def convert(value: Any, node: Node | None, depth: int = 0) -> Any:
    """``value`` converted to the type ``node``; raises :class:`EvalError` when impossible."""
    if node is None or value is UNKNOWN or value is None or depth > 32:
        return value
    kind = node[0]
    if kind == "var":
        return _primitive(value, node[1])
    if kind != "call" or not node[2]:
        return value
    name, args = node[1], node[2]
    if name == "optional":
        return convert(value, args[0], depth + 1)
    if name in ("list", "set"):
        if not isinstance(value, list):
            raise EvalError(f"a {name} is required, got {type(value).__name__}")
        items = [convert(v, args[0], depth + 1) for v in value]
        return _as_set(items) if name == "set" else items
    if name == "map":
        if not isinstance(value, dict):
            raise EvalError("a map is required")
        return {k: convert(v, args[0], depth + 1) for k, v in value.items()}
    if name == "tuple" and args[0][0] == "tuple":
        if not isinstance(value, list) or len(value) != len(args[0][1]):
            raise EvalError("a tuple of the declared length is required")
        return [convert(v, t, depth + 1) for v, t in zip(value, args[0][1], strict=True)]
    if name == "object" and args[0][0] == "object":
        return _object(value, args[0][1], depth)
    return value


def _primitive(value: Any, name: str) -> Any:
    if name == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return fmt_number(value)
        if not isinstance(value, str):
            raise EvalError("a string is required")
        return value
    if name == "number":
        return to_num(value)
    if name == "bool":
        return to_bool(value)
    return value


def _as_set(items: list[Any]) -> list[Any]:
    unique: list[Any] = []
    for item in items:
        if item is UNKNOWN or not any(equal(item, seen) for seen in unique):
            unique.append(item)
    if all(isinstance(i, str) for i in unique):
        unique.sort()
    return unique


def _object(value: Any, attrs: tuple[tuple[Node, Node], ...], depth: int) -> Any:
    if not isinstance(value, dict):
        raise EvalError("an object is required")
    out: dict[str, Any] = {}
    for key_node, type_node in attrs:
        key = key_node[1] if key_node[0] == "lit" else None
        if not isinstance(key, str):
            continue
        optional = type_node[0] == "call" and type_node[1] == "optional"
        if key in value:
            out[key] = convert(value[key], type_node, depth + 1)
        elif optional and len(type_node[2]) > 1:
            default = _literal(type_node[2][1])
            out[key] = convert(default, type_node[2][0], depth + 1)
        elif optional:
            out[key] = None
        else:
            raise EvalError(f"attribute {key!r} is required")
    return out


def _literal(node: Node) -> Any:
    """Constant default values in ``optional(T, default)`` (no references allowed there)."""
    from costgate.parse.hcl_eval import Evaluator
    from costgate.parse.hcl_functions import FUNCTIONS

    class _NoRefs:
        def ref(self, root: str, attr: str | None) -> Any:
            raise EvalError("references are not allowed in a type default")

        def read_file(self, path: str) -> str:
            raise EvalError("file() is not allowed in a type default")

    return Evaluator(_NoRefs(), FUNCTIONS).eval(node, {})

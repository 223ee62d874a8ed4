"""Evaluating HCL expressions the way ``terraform plan`` would, as far as costs need it.

Values are plain Python: ``str``, ``Decimal`` (every number), ``bool``, ``None``, ``list``
(tuples, lists and sets) and ``dict`` (objects and maps), plus :data:`UNKNOWN` for anything
only known after apply (resource attributes, data sources). UNKNOWN propagates through
operators and functions like Terraform's unknown values. A problem in one expression raises
:class:`EvalError`; callers turn it into a diagnostic and an unknown value, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any, Protocol

from costgate.parse.hcl_expr import HclSyntax, Node, parse_expression


class _Unknown:
    """The single "known after apply" value."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class EvalError(ValueError):
    """An expression that cannot be evaluated (bad type, missing name, unsupported call)."""


class NeedsKnown(Exception):
    """Raised inside functions when a value they must inspect is unknown."""


class Scope(Protocol):
    """Where names come from: ``var.x``, ``local.y``, ``module.m``, ``count``, ``each`` …"""

    def ref(self, root: str, attr: str | None) -> Any:
        """Value of ``root.attr`` (``attr`` None for a bare name); raise EvalError if absent."""
        ...

    def read_file(self, path: str) -> str:
        """Text of a file named by ``file()``, confined to the module tree."""
        ...


# -- conversions ------------------------------------------------------------------------------


def fmt_number(value: Decimal) -> str:
    """Terraform's number-to-string: ``2`` not ``2.0``, no exponent."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def to_str(value: Any) -> str:
    """A value used where a string is needed (templates, string functions)."""
    if value is UNKNOWN:
        raise NeedsKnown
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return fmt_number(value)
    if value is None:
        raise EvalError("a null value cannot be used as a string")
    raise EvalError(f"a {type_name(value)} cannot be used as a string")


def to_num(value: Any) -> Decimal:
    """A value used where a number is needed (arithmetic, numeric functions)."""
    if value is UNKNOWN:
        raise NeedsKnown
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            pass
    raise EvalError(f"a number is required, got {type_name(value)}")


def to_bool(value: Any) -> bool:
    """A value used as a condition."""
    if value is UNKNOWN:
        raise NeedsKnown
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise EvalError(f"a bool is required, got {type_name(value)}")


def type_name(value: Any) -> str:
    """Short name of a value's type for messages."""
    if value is None:
        return "null"
    return {str: "string", bool: "bool", Decimal: "number", list: "list", dict: "object"}.get(
        type(value), "unknown value"
    )


def equal(a: Any, b: Any) -> bool:
    """HCL ``==``: values of different types are never equal (``1 != "1"``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def has_unknown(value: Any) -> bool:
    """True when the value is or contains UNKNOWN."""
    if value is UNKNOWN:
        return True
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    return False


def items_of(value: Any) -> list[tuple[Any, Any]]:
    """(key, value) pairs a ``for`` iterates: index/element for lists, sorted keys for maps."""
    if isinstance(value, list):
        return [(Decimal(i), v) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return [(k, value[k]) for k in sorted(value)]
    raise EvalError(f"cannot iterate over a {type_name(value)}")


# -- evaluator ---------------------------------------------------------------------------------

Function = Callable[[list[Any]], Any]


class Evaluator:
    """Evaluates parsed nodes against a :class:`Scope` and a table of functions."""

    def __init__(self, scope: Scope, functions: Mapping[str, Function]) -> None:
        self.scope = scope
        self.functions = functions

    def source(self, src: str, bindings: Mapping[str, Any] | None = None) -> Any:
        """Parse and evaluate expression text; syntax problems become :class:`EvalError`."""
        try:
            node = parse_expression(src)
        except HclSyntax as exc:
            raise EvalError(f"cannot parse expression: {exc}") from None
        except RecursionError:
            raise EvalError("expression nested too deeply") from None
        return self.eval(node, bindings or {})

    def eval(self, node: Node, env: Mapping[str, Any]) -> Any:
        """Evaluate one node; ``env`` holds for-expression and iterator bindings."""
        try:
            return getattr(self, "_" + node[0])(node, env)
        except NeedsKnown:
            return UNKNOWN
        except (ArithmeticError, DivisionByZero) as exc:
            raise EvalError(f"arithmetic error: {type(exc).__name__}") from None

    def _lit(self, node: Node, env: Mapping[str, Any]) -> Any:
        return node[1]

    def _var(self, node: Node, env: Mapping[str, Any]) -> Any:
        name = node[1]
        return env[name] if name in env else self.scope.ref(name, None)

    def _attr(self, node: Node, env: Mapping[str, Any]) -> Any:
        base, name = node[1], node[2]
        if base[0] == "var" and base[1] not in env:
            return self.scope.ref(base[1], name)
        return get_attr(self.eval(base, env), name)

    def _index(self, node: Node, env: Mapping[str, Any]) -> Any:
        return get_index(self.eval(node[1], env), self.eval(node[2], env))

    def _splat(self, node: Node, env: Mapping[str, Any]) -> Any:
        source = self.eval(node[1], env)
        if source is UNKNOWN:
            return UNKNOWN
        elements = [] if source is None else source if isinstance(source, list) else [source]
        out = []
        for item in elements:
            for step in node[2]:
                if step[0] == "attr":
                    item = get_attr(item, step[1])
                else:
                    item = get_index(item, self.eval(step[1], env))
            out.append(item)
        return out

    def _tuple(self, node: Node, env: Mapping[str, Any]) -> Any:
        return [self.eval(item, env) for item in node[1]]

    def _object(self, node: Node, env: Mapping[str, Any]) -> Any:
        out: dict[str, Any] = {}
        for key_node, value_node in node[1]:
            key = self.eval(key_node, env)
            if key is UNKNOWN:
                return UNKNOWN
            out[to_str(key)] = self.eval(value_node, env)
        return out

    def _tmpl(self, node: Node, env: Mapping[str, Any]) -> Any:
        parts = node[1]
        if len(parts) == 1 and parts[0][0] not in ("lit", "tif", "tfor"):
            return self.eval(parts[0], env)  # "${x}" is x itself, not its string form
        values = [self.eval(p, env) for p in parts]
        if any(v is UNKNOWN for v in values):
            return UNKNOWN
        return "".join(to_str(v) for v in values)

    def _tif(self, node: Node, env: Mapping[str, Any]) -> Any:
        return self.eval(node[2] if to_bool(self.eval(node[1], env)) else node[3], env)

    def _tfor(self, node: Node, env: Mapping[str, Any]) -> Any:
        coll = self.eval(node[3], env)
        if coll is UNKNOWN:
            return UNKNOWN
        out = []
        for key, value in items_of(coll):
            out.append(to_str(self.eval(node[4], _bind(env, node[1], key, node[2], value))))
        return "".join(out)

    def _forl(self, node: Node, env: Mapping[str, Any]) -> Any:
        _, kname, vname, coll_node, body, cond = node
        coll = self.eval(coll_node, env)
        if coll is UNKNOWN:
            return UNKNOWN
        out = []
        for key, value in items_of(coll):
            inner = _bind(env, kname, key, vname, value)
            if cond is not None and not to_bool(self.eval(cond, inner)):
                continue
            out.append(self.eval(body, inner))
        return out

    def _form(self, node: Node, env: Mapping[str, Any]) -> Any:
        _, kname, vname, coll_node, kexpr, vexpr, group, cond = node
        coll = self.eval(coll_node, env)
        if coll is UNKNOWN:
            return UNKNOWN
        out: dict[str, Any] = {}
        for key, value in items_of(coll):
            inner = _bind(env, kname, key, vname, value)
            if cond is not None and not to_bool(self.eval(cond, inner)):
                continue
            k = to_str(self.eval(kexpr, inner))
            v = self.eval(vexpr, inner)
            if group:
                out.setdefault(k, []).append(v)
            elif k in out:
                raise EvalError(f"duplicate key {k!r} in a for expression (use ... to group)")
            else:
                out[k] = v
        return out

    def _un(self, node: Node, env: Mapping[str, Any]) -> Any:
        value = self.eval(node[2], env)
        return (not to_bool(value)) if node[1] == "!" else -to_num(value)

    def _bin(self, node: Node, env: Mapping[str, Any]) -> Any:
        op = node[1]
        left = self.eval(node[2], env)
        if op in ("&&", "||"):
            stop = op == "||"  # false && x → false; true || x → true
            if left is not UNKNOWN and to_bool(left) is stop:
                return stop
            right = self.eval(node[3], env)
            if right is not UNKNOWN and to_bool(right) is stop:
                return stop
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            return not stop
        right = self.eval(node[3], env)
        if op in ("==", "!="):
            if has_unknown(left) or has_unknown(right):
                return UNKNOWN
            return equal(left, right) is (op == "==")
        a, b = to_num(left), to_num(right)
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise EvalError("division by zero")
            return a / b
        if op == "%":
            if b == 0:
                raise EvalError("division by zero")
            return a % b
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]

    def _cond(self, node: Node, env: Mapping[str, Any]) -> Any:
        cond = self.eval(node[1], env)
        if cond is UNKNOWN:
            return UNKNOWN
        return self.eval(node[2] if to_bool(cond) else node[3], env)

    def _call(self, node: Node, env: Mapping[str, Any]) -> Any:
        _, name, arg_nodes, expand = node
        if name in ("try", "can"):
            return self._try(name, arg_nodes, env)
        if name == "file":
            path = to_str(self.eval(arg_nodes[0], env)) if len(arg_nodes) == 1 else None
            if path is None:
                raise EvalError("file() takes one argument")
            return self.scope.read_file(path)
        fn = self.functions.get(name)
        if fn is None:
            raise EvalError(f"function {name}() is not supported")
        args = [self.eval(a, env) for a in arg_nodes]
        if expand:
            last = args.pop()
            if last is UNKNOWN:
                return UNKNOWN
            if not isinstance(last, list):
                raise EvalError(f"{name}(): only a list can be expanded with ...")
            args.extend(last)
        try:
            return fn(args)
        except NeedsKnown:
            return UNKNOWN
        except EvalError as exc:
            raise EvalError(f"{name}(): {exc}") from None
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            raise EvalError(f"{name}(): invalid arguments ({exc})") from None

    def _try(self, name: str, arg_nodes: tuple[Node, ...], env: Mapping[str, Any]) -> Any:
        if name == "can":
            if len(arg_nodes) != 1:
                raise EvalError("can() takes one argument")
            try:
                value = self.eval(arg_nodes[0], env)
            except EvalError:
                return False
            return UNKNOWN if has_unknown(value) else True
        for arg in arg_nodes:
            try:
                value = self.eval(arg, env)
            except EvalError:
                continue
            return value
        raise EvalError("try(): no argument could be evaluated")


def _bind(env: Mapping[str, Any], kname: str | None, key: Any, vname: str, value: Any) -> dict[
    str, Any
]:
    inner = dict(env)
    if kname is not None:
        inner[kname] = key
    inner[vname] = value
    return inner


def get_attr(value: Any, name: str) -> Any:
    """``value.name``: object attribute or map key."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvalError(f"object has no attribute {name!r}")
    if value is None:
        raise EvalError(f"attempt to get attribute {name!r} from a null value")
    raise EvalError(f"cannot get attribute {name!r} of a {type_name(value)}")


def get_index(value: Any, key: Any) -> Any:
    """``value[key]``: list element or map key."""
    if value is UNKNOWN or key is UNKNOWN:
        return UNKNOWN
    if isinstance(value, list):
        number = to_num(key)
        if number != number.to_integral_value() or not 0 <= number < len(value):
            raise EvalError(f"index {fmt_number(number)} out of range for a list of {len(value)}")
        return value[int(number)]
    if isinstance(value, dict):
        text = to_str(key)
        if text in value:
            return value[text]
        raise EvalError(f"key {text!r} not found")
    raise EvalError(f"cannot index a {type_name(value)}")

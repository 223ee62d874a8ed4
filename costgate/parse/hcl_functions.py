"""Terraform built-in functions that cost inputs commonly pass through.

Each function takes the evaluated argument list. A function that has to look inside an
unknown value raises :class:`NeedsKnown` (the caller returns UNKNOWN); bad arguments raise
:class:`EvalError`. ``try``, ``can`` and ``file`` need the evaluator and live there.
"""

from __future__ import annotations

import json
import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from costgate.parse.hcl_eval import (
    UNKNOWN,
    EvalError,
    Function,
    NeedsKnown,
    equal,
    fmt_number,
    has_unknown,
    to_bool,
    to_num,
    to_str,
    type_name,
)

_FORMAT_VERB = re.compile(r"%(?:(%)|([-+ 0#]*)(\d+)?(?:\.(\d+))?([vdsfqtxXeEgGbo]))")


def _known(value: Any) -> Any:
    if value is UNKNOWN:
        raise NeedsKnown
    return value


def _list(value: Any, what: str = "a list") -> list[Any]:
    value = _known(value)
    if isinstance(value, list):
        return value
    raise EvalError(f"{what} is required, got {type_name(value)}")


def _map(value: Any) -> dict[str, Any]:
    value = _known(value)
    if isinstance(value, dict):
        return value
    raise EvalError(f"a map or object is required, got {type_name(value)}")


def _nargs(args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise EvalError(f"expects {want} argument(s), got {len(args)}")


def _int(value: Any) -> int:
    number = to_num(value)
    if number != number.to_integral_value():
        raise EvalError(f"a whole number is required, got {fmt_number(number)}")
    return int(number)


def _lookup(args: list[Any]) -> Any:
    _nargs(args, 2, 3)
    table, key = _map(args[0]), to_str(args[1])
    if key in table:
        return table[key]
    if len(args) == 3:
        return args[2]
    raise EvalError(f"key {key!r} not found and no default given")


def _merge(args: list[Any]) -> Any:
    out: dict[str, Any] = {}
    for arg in args:
        if arg is not None:
            out.update(_map(arg))
    return out


def _concat(args: list[Any]) -> Any:
    return [item for arg in args for item in _list(arg)]


def _length(args: list[Any]) -> Any:
    _nargs(args, 1)
    value = _known(args[0])
    if isinstance(value, (list, dict)):
        return Decimal(len(value))
    if isinstance(value, str):
        return Decimal(len(value))
    raise EvalError(f"cannot take the length of a {type_name(value)}")


def _toset(args: list[Any]) -> Any:
    _nargs(args, 1)
    items = _list(args[0])
    if any(item is UNKNOWN for item in items):
        return UNKNOWN  # a set with unknown members has unknown size
    unique: list[Any] = []
    for item in items:
        if not any(equal(item, seen) for seen in unique):
            unique.append(item)
    if all(isinstance(i, str) for i in unique):
        unique.sort()  # Terraform orders sets of strings lexically
    return unique


def _tomap(args: list[Any]) -> Any:
    _nargs(args, 1)
    return dict(_map(args[0]))


def _format(args: list[Any]) -> Any:
    if not args:
        raise EvalError("expects at least 1 argument")
    spec, values = to_str(args[0]), list(args[1:])
    pos = 0

    def one(m: re.Match[str]) -> str:
        nonlocal pos
        if m.group(1):
            return "%"
        if pos >= len(values):
            raise EvalError("not enough arguments for the format string")
        flags, width, prec, verb = m.group(2), m.group(3) or "", m.group(4), m.group(5)
        value = values[pos]
        pos += 1
        if verb in "dfeEgGxXbo":
            number = to_num(value)
            if verb == "d":
                return f"%{flags}{width}d" % _int(number)
            if verb in "xXbo":
                return format(_int(number), f"{flags}{width}{verb}")
            return f"%{flags}{width}{'.' + prec if prec else ''}{verb}" % number
        if verb == "q":
            return json.dumps(to_str(value))
        if verb == "t":
            return "true" if to_bool(value) else "false"
        text = to_str(value) if verb == "s" or not isinstance(value, (list, dict)) else json.dumps(
            _plain(value)
        )
        if prec:
            text = text[: int(prec)]
        return f"%{flags.replace('0', '')}{width}s" % text

    return _FORMAT_VERB.sub(one, spec)


def _plain(value: Any) -> Any:
    """JSON-ready copy (Decimal → int/float-free text-safe numbers)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _join(args: list[Any]) -> Any:
    _nargs(args, 2, 99)
    sep = to_str(args[0])
    return sep.join(to_str(item) for arg in args[1:] for item in _list(arg))


def _split(args: list[Any]) -> Any:
    _nargs(args, 2)
    sep, text = to_str(args[0]), to_str(args[1])
    return [""] if text == "" else text.split(sep) if sep else list(text)


def _replace(args: list[Any]) -> Any:
    _nargs(args, 3)
    text, old, new = (to_str(a) for a in args)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        repl = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", new)
        try:
            return re.sub(old[1:-1], repl, text)
        except re.error as exc:
            raise EvalError(f"bad regular expression: {exc}") from None
    return text.replace(old, new)


def _coalesce(args: list[Any]) -> Any:
    for arg in args:
        if arg is UNKNOWN:
            return UNKNOWN
        if arg is not None and arg != "":
            return arg
    raise EvalError("no non-null, non-empty argument")


def _element(args: list[Any]) -> Any:
    _nargs(args, 2)
    items = _list(args[0])
    if not items:
        raise EvalError("cannot use element() on an empty list")
    return items[_int(args[1]) % len(items)]


def _contains(args: list[Any]) -> Any:
    _nargs(args, 2)
    items, wanted = _list(args[0]), args[1]
    if wanted is UNKNOWN:
        return UNKNOWN
    if any(item is not UNKNOWN and equal(item, wanted) for item in items):
        return True
    return UNKNOWN if any(item is UNKNOWN for item in items) else False


def _minmax(pick: Any) -> Function:
    def fn(args: list[Any]) -> Any:
        if not args:
            raise EvalError("expects at least 1 argument")
        return pick(to_num(a) for a in args)

    return fn


def _round(mode: str) -> Function:
    def fn(args: list[Any]) -> Any:
        _nargs(args, 1)
        return to_num(args[0]).to_integral_value(rounding=mode)

    return fn


def _range(args: list[Any]) -> Any:
    _nargs(args, 1, 3)
    nums = [to_num(a) for a in args]
    start, stop, step = (
        (Decimal(0), nums[0], Decimal(1))
        if len(nums) == 1
        else (nums[0], nums[1], nums[2] if len(nums) == 3 else Decimal(1 if nums[1] >= nums[0] else -1))
    )
    if step == 0:
        raise EvalError("step must not be zero")
    count = max(0, math.ceil((stop - start) / step))
    if count > 1024:
        raise EvalError("more than 1024 elements")
    return [start + step * i for i in range(count)]


def _flatten(args: list[Any]) -> Any:
    _nargs(args, 1)
    out: list[Any] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if item is UNKNOWN:
                raise NeedsKnown
            if isinstance(item, list):
                walk(item)
            else:
                out.append(item)

    walk(_list(args[0]))
    return out


def _zipmap(args: list[Any]) -> Any:
    _nargs(args, 2)
    keys, values = _list(args[0]), _list(args[1])
    if len(keys) != len(values):
        raise EvalError("keys and values have different lengths")
    return {to_str(k): v for k, v in zip(keys, values, strict=True)}


def _jsondecode(args: list[Any]) -> Any:
    _nargs(args, 1)
    try:
        return json.loads(to_str(args[0]), parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise EvalError(f"invalid JSON ({exc})") from None


def _jsonencode(args: list[Any]) -> Any:
    _nargs(args, 1)
    if has_unknown(args[0]):
        return UNKNOWN
    return json.dumps(_plain(args[0]), separators=(",", ":"), sort_keys=True)


def _str1(fn: Any) -> Function:
    def wrapped(args: list[Any]) -> Any:
        _nargs(args, 1)
        return fn(to_str(args[0]))

    return wrapped


def _tonumber(args: list[Any]) -> Any:
    _nargs(args, 1)
    return None if args[0] is None else to_num(args[0])


def _tostring(args: list[Any]) -> Any:
    _nargs(args, 1)
    return None if args[0] is None else to_str(args[0])


def _tobool(args: list[Any]) -> Any:
    _nargs(args, 1)
    return None if args[0] is None else to_bool(args[0])


def _one(args: list[Any]) -> Any:
    _nargs(args, 1)
    items = _list(args[0])
    if len(items) > 1:
        raise EvalError("list has more than one element")
    return items[0] if items else None


def _distinct(args: list[Any]) -> Any:
    _nargs(args, 1)
    out: list[Any] = []
    for item in _list(args[0]):
        if item is UNKNOWN:
            return UNKNOWN
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def _slice(args: list[Any]) -> Any:
    _nargs(args, 3)
    return _list(args[0])[_int(args[1]) : _int(args[2])]


FUNCTIONS: dict[str, Function] = {
    "lookup": _lookup,
    "merge": _merge,
    "concat": _concat,
    "length": _length,
    "keys": lambda a: sorted(_map(a[0])),
    "values": lambda a: [_map(a[0])[k] for k in sorted(_map(a[0]))],
    "toset": _toset,
    "tolist": lambda a: list(_list(a[0], "a list or set")),
    "tomap": _tomap,
    "format": _format,
    "join": _join,
    "split": _split,
    "replace": _replace,
    "lower": _str1(str.lower),
    "upper": _str1(str.upper),
    "title": _str1(str.title),
    "trimspace": _str1(str.strip),
    "chomp": _str1(lambda s: s.rstrip("\r\n")),
    "coalesce": _coalesce,
    "coalescelist": lambda a: next((x for x in a if _known(x) != []), []),
    "element": _element,
    "contains": _contains,
    "min": _minmax(min),
    "max": _minmax(max),
    "ceil": _round(ROUND_CEILING),
    "floor": _round(ROUND_FLOOR),
    "abs": lambda a: abs(to_num(a[0])),
    "range": _range,
    "flatten": _flatten,
    "zipmap": _zipmap,
    "jsondecode": _jsondecode,
    "jsonencode": _jsonencode,
    "tonumber": _tonumber,
    "tostring": _tostring,
    "tobool": _tobool,
    "one": _one,
    "distinct": _distinct,
    "compact": lambda a: [x for x in _list(a[0]) if _known(x) not in (None, "")],
    "reverse": lambda a: list(reversed(_list(a[0]))),
    "sort": lambda a: sorted(to_str(x) for x in _list(a[0])),
    "slice": _slice,
    "sum": lambda a: sum((to_num(x) for x in _list(a[0])), Decimal(0)),
    "startswith": lambda a: to_str(a[0]).startswith(to_str(a[1])),
    "endswith": lambda a: to_str(a[0]).endswith(to_str(a[1])),
    "trimprefix": lambda a: to_str(a[0]).removeprefix(to_str(a[1])),
    "trimsuffix": lambda a: to_str(a[0]).removesuffix(to_str(a[1])),
    "substr": lambda a: _substr(to_str(a[0]), _int(a[1]), _int(a[2])),
}


def _substr(text: str, offset: int, length: int) -> str:
    start = offset if offset >= 0 else max(0, len(text) + offset)
    return text[start:] if length < 0 else text[start : start + length]

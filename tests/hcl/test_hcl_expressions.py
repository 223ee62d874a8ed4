"""Expression evaluator table tests: HCL source → value, unknown propagation, failures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from costgate.parse.hcl_eval import UNKNOWN, EvalError, Evaluator
from costgate.parse.hcl_functions import FUNCTIONS

D = Decimal
VARS: dict[str, Any] = {
    "env": "prod",
    "n": D(3),
    "names": ["a", "b", "c"],
    "sizes": {"small": D(10), "large": D(40)},
    "on": True,
    "nothing": None,
}


class _Scope:
    def ref(self, root: str, attr: str | None) -> Any:
        if root == "var" and attr in VARS:
            return VARS[attr]
        if root in ("aws_instance", "data"):
            return UNKNOWN
        raise EvalError(f"unknown {root}.{attr}")

    def read_file(self, path: str) -> str:
        return '{"k": 7}' if path == "cfg.json" else ""


def ev(src: str, **bindings: Any) -> Any:
    return Evaluator(_Scope(), FUNCTIONS).source(src, bindings)


@pytest.mark.parametrize(("src", "expected"), [
    ('"x-${var.env}"', "x-prod"),
    ('"plain\\n\\u00e9"', "plain\né"),
    ('"$${literal} %%{x}"', "${literal} %{x}"),
    ('"${var.names}"', ["a", "b", "c"]),  # a lone interpolation keeps its type
    ("var.n * 2 + 1", D(7)),
    ("(1 + 2) * 3 - 10 / 4", D("6.5")),
    ("7 % 3", D(1)),
    ('"2" + 1', D(3)),
    ("-var.n", D(-3)),
    ("!var.on", False),
    ("var.n >= 3 && var.n < 4", True),
    ('1 == "1"', False),
    ('var.env == "prod" ? "big" : "small"', "big"),
    ("[for x in var.names : upper(x) if x != \"b\"]", ["A", "C"]),
    ("{for k, v in var.sizes : k => v * 2}", {"large": D(80), "small": D(20)}),
    ('{for s in ["a", "b", "a"] : s => s...}', {"a": ["a", "a"], "b": ["b"]}),
    ("[for i, x in var.names : \"${i}${x}\"]", ["0a", "1b", "2c"]),
    ('"%{ if var.on }yes%{ else }no%{ endif }"', "yes"),
    ('"%{ for x in var.names }${x};%{ endfor }"', "a;b;c;"),
    ("[{a = 1}, {a = 2}][*].a", [D(1), D(2)]),
    ("{a = {b = 5}}.a.b", D(5)),
    ('var.sizes["large"]', D(40)),
    ("var.names[1]", "b"),
    ("var.names.0", "a"),
    ("{ (var.env) = 1, \"k\" : 2 }", {"prod": D(1), "k": D(2)}),
    ('lookup(var.sizes, "huge", 99)', D(99)),
    ('merge({a = 1}, {b = 2}, {a = 3})', {"a": D(3), "b": D(2)}),
    ('concat(["a"], ["b", "c"])', ["a", "b", "c"]),
    ("length(var.sizes)", D(2)),
    ("keys(var.sizes)", ["large", "small"]),
    ("values(var.sizes)", [D(40), D(10)]),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ('tolist(["x"])', ["x"]),
    ('tomap({a = "1"})', {"a": "1"}),
    ('format("%s-%03d-%.2f-%v", "x", 7, 1.5, true)', "x-007-1.50-true"),
    ('join("-", var.names)', "a-b-c"),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('replace("db.m5.large", "/^db\\\\./", "")', "m5.large"),
    ('lower("AbC")', "abc"),
    ('upper("abc")', "ABC"),
    ('coalesce(var.nothing, "", "x")', "x"),
    ('try(var.missing, var.env)', "prod"),
    ("can(var.missing)", False),
    ("can(var.env)", True),
    ("element(var.names, 4)", "b"),
    ('contains(var.names, "c")', True),
    ("min(3, 1, 2)", D(1)),
    ("max(var.n, 10)", D(10)),
    ("ceil(2.1)", D(3)),
    ("floor(2.9)", D(2)),
    ("range(3)", [D(0), D(1), D(2)]),
    ("range(1, 7, 2)", [D(1), D(3), D(5)]),
    ("flatten([[1], [2, [3]], []])", [D(1), D(2), D(3)]),
    ('zipmap(["a", "b"], [1, 2])', {"a": D(1), "b": D(2)}),
    ('jsondecode("{\\"a\\": [1, 2.5]}")', {"a": [D(1), D(D("2.5"))]}),
    ('jsondecode(file("cfg.json")).k', D(7)),
    ('concat([["a"], ["b"]]...)', ["a", "b"]),
    ('"a %{~ if true ~} b %{ endif ~}  c"', "ab c"),
])
def test_expression(src: str, expected: Any) -> None:
    assert ev(src) == expected


@pytest.mark.parametrize("src", [
    "aws_instance.web.instance_type",
    'aws_instance.web[*].id',
    '"${aws_instance.web.id}-x"',
    "aws_instance.web.count + 1",
    'data.aws_ami.x.id == "y"',
    "length(data.aws_subnets.all.ids)",
    "aws_instance.web.on ? 1 : 2",
    "[for x in data.a.b.list : x]",
    'lookup(data.a.b.tags, "k", "d")',
    "try(aws_instance.web.id, \"fallback\")",  # Terraform: try of an unknown is unknown
])
def test_unknown_propagates(src: str) -> None:
    assert ev(src) is UNKNOWN


def test_unknown_inside_collections_keeps_what_is_known() -> None:
    assert ev("length([aws_instance.a.id, 1])") == D(2)
    assert ev("false && aws_instance.web.on") is False
    assert ev("true || aws_instance.web.on") is True
    assert ev('contains([aws_instance.a.id, "x"], "x")') is True
    assert ev('merge({a = aws_instance.x.id}, {b = 1})')["a"] is UNKNOWN


def test_bindings_are_visible() -> None:
    assert ev('"${each.key}=${each.value}"', each={"key": "k", "value": "v"}) == "k=v"
    assert ev("count.index * 10", count={"index": D(2)}) == D(20)


@pytest.mark.parametrize(("src", "message"), [
    ("frobnicate(1)", r"function frobnicate\(\) is not supported"),
    ("1 +", "cannot parse expression"),
    ("var.missing", "unknown var.missing"),
    ("var.names[7]", "out of range"),
    ('var.sizes["nope"]', "not found"),
    ("1 / 0", "division by zero"),
    ('"${var.names}x"', "cannot be used as a string"),
    ('{for s in ["a", "a"] : s => s}', "duplicate key"),
    ('lookup(var.sizes, "x")', "not found"),
    ("provider::aws::arn_parse(\"x\")", "not supported"),
])
def test_errors_are_eval_errors(src: str, message: str) -> None:
    with pytest.raises(EvalError, match=message):
        ev(src)

"""A small parser for HCL expression syntax (the text python-hcl2 leaves inside ``${…}``).

python-hcl2 gives every non-literal expression back as source text, so costgate needs its
own parser to evaluate it. This covers the expression grammar of the HCL spec (literals,
templates with ``%{if}``/``%{for}``, traversals, splats, calls, tuples/objects, ``for``
expressions, unary/binary operators and conditionals) and produces tuples that
:mod:`costgate.parse.hcl_eval` walks. Anything it cannot read raises :class:`HclSyntax`,
which the evaluator turns into a diagnostic and an unknown value.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

#: An AST node: a tuple whose first item names the node kind.
Node = tuple[Any, ...]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*(?:::[A-Za-z_][A-Za-z0-9_-]*)*)
  | (?P<op>\.\.\.|=>|==|!=|<=|>=|&&|\|\||[-+*/%<>!?:=.,()\[\]{}])
    """,
    re.X | re.S,
)
_BINARY = {
    "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}  # fmt: skip
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_MAX_DEPTH = 200


class HclSyntax(ValueError):
    """Expression text costgate cannot parse."""


def skip_string(src: str, i: int) -> int:
    """Index just after the quoted template starting at ``src[i] == '"'``."""
    i += 1
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
        elif c == '"':
            return i + 1
        elif c in "$%" and src.startswith("{", i + 1):
            if src[i - 1] == c:  # "$${" / "%%{" are literal
                i += 2
            else:
                i = skip_braced(src, i + 2)
        else:
            i += 1
    raise HclSyntax("unterminated string")


def skip_braced(src: str, i: int) -> int:
    """Index just after the ``}`` closing a ``${``/``%{``/``{`` opened before ``i``."""
    depth, n = 1, len(src)
    while i < n:
        c = src[i]
        if c == '"':
            i = skip_string(src, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise HclSyntax("unbalanced braces")


def _tokenize(src: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        if src[i] == '"':
            end = skip_string(src, i)
            out.append(("str", src[i + 1 : end - 1]))
            i = end
            continue
        m = _TOKEN.match(src, i)
        if m is None:
            raise HclSyntax(f"unexpected character {src[i]!r}")
        kind = m.lastgroup or "ws"
        if kind != "ws":
            out.append((kind, m.group()))
        i = m.end()
    out.append(("eof", ""))
    return out


@lru_cache(maxsize=65536)
def parse_expression(src: str) -> Node:
    """Parse one expression (cached: the same text recurs across instances and runs)."""
    parser = _Parser(_tokenize(src))
    node = parser.expr()
    if parser.peek()[0] != "eof":
        raise HclSyntax(f"unexpected {parser.peek()[1]!r} after the expression")
    return node


def parse_or_none(src: str | None) -> Node | None:
    """``src`` parsed, or None when empty or unreadable (the caller treats it as absent)."""
    if not src:
        return None
    try:
        return parse_expression(src)
    except HclSyntax:
        return None


@lru_cache(maxsize=65536)
def parse_template(raw: str) -> Node:
    """Parse the inside of a quoted string (escapes already raw) into a ``tmpl`` node."""
    parts, end, _ = _template(raw, 0, ())
    if end != len(raw):
        raise HclSyntax("unexpected template directive")
    return ("tmpl", tuple(parts))


def _directive(raw: str, i: int) -> tuple[str, int, bool, bool]:
    """Body text of ``%{ … }`` starting at ``i`` (after ``%{``), end index, strip flags."""
    end = skip_braced(raw, i)
    body = raw[i : end - 1]
    strip_left = body.startswith("~")
    strip_right = body.endswith("~")
    body = body[1 if strip_left else 0 : len(body) - (1 if strip_right else 0)]
    return body.strip(), end, strip_left, strip_right


def _template(
    raw: str, i: int, stops: tuple[str, ...], strip_first: bool = False
) -> tuple[list[Node], int, str]:
    """Template parts from ``i`` up to one of ``stops`` directives (returns its keyword)."""
    parts: list[Node] = []
    text: list[str] = []
    strip_next = strip_first

    def flush(strip_tail: bool) -> None:
        nonlocal strip_next
        chunk = "".join(text)
        if strip_next:
            chunk = chunk.lstrip()
        if strip_tail:
            chunk = chunk.rstrip()
        if chunk:
            parts.append(("lit", chunk))
        text.clear()
        strip_next = False

    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            i = _escape(raw, i, text)
        elif raw.startswith("$${", i) or raw.startswith("%%{", i):
            text.append(c + "{")
            i += 3
        elif raw.startswith("${", i):
            end = skip_braced(raw, i + 2)
            body = raw[i + 2 : end - 1]
            strip_l, strip_r = body.startswith("~"), body.endswith("~")
            body = body[1 if strip_l else 0 : len(body) - (1 if strip_r else 0)]
            flush(strip_l)
            parts.append(parse_expression(body))
            strip_next = strip_r
            i = end
        elif raw.startswith("%{", i):
            body, end, strip_l, strip_r = _directive(raw, i + 2)
            word = body.split(None, 1)[0] if body else ""
            flush(strip_l)
            strip_next = strip_r
            if word in stops:
                return parts, i, word
            i = end
            if word == "if":
                then, i, stop = _template(raw, i, ("else", "endif"), strip_r)
                other: list[Node] = []
                if stop == "else":
                    _, i, _, strip_else = _directive(raw, i + 2)
                    other, i, stop = _template(raw, i, ("endif",), strip_else)
                if stop != "endif":
                    raise HclSyntax("%{if} without %{endif}")
                _, i, _, strip_next = _directive(raw, i + 2)
                cond = parse_expression(body[2:])
                parts.append(("tif", cond, ("tmpl", tuple(then)), ("tmpl", tuple(other))))
            elif word == "for":
                m = re.match(r"for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+(.*)$", body, re.S)
                if not m:
                    raise HclSyntax("bad %{for} directive")
                inner, i, stop = _template(raw, i, ("endfor",), strip_r)
                if stop != "endfor":
                    raise HclSyntax("%{for} without %{endfor}")
                _, i, _, strip_next = _directive(raw, i + 2)
                key, value = (m.group(1), m.group(2)) if m.group(2) else (None, m.group(1))
                coll = parse_expression(m.group(3))
                parts.append(("tfor", key, value, coll, ("tmpl", tuple(inner))))
            else:
                raise HclSyntax(f"unsupported template directive %{{{word}}}")
        else:
            text.append(c)
            i += 1
    flush(False)
    return parts, i, ""


def _escape(raw: str, i: int, text: list[str]) -> int:
    c = raw[i + 1]
    if c in _ESCAPES:
        text.append(_ESCAPES[c])
        return i + 2
    width = 4 if c == "u" else 8 if c == "U" else 0
    if width and re.fullmatch(r"[0-9A-Fa-f]+", raw[i + 2 : i + 2 + width] or "-"):
        text.append(chr(int(raw[i + 2 : i + 2 + width], 16)))
        return i + 2 + width
    raise HclSyntax(f"invalid escape \\{c}")


def number(text: str) -> Decimal:
    """A numeric literal as Decimal."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise HclSyntax(f"bad number {text!r}") from None


class _Parser:
    """Recursive descent with precedence climbing over the token list."""

    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> tuple[str, Any]:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.pos]
        self.pos += 1 if tok[0] != "eof" else 0
        return tok

    def is_op(self, value: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok[0] == "op" and tok[1] == value

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok != ("op", value):
            raise HclSyntax(f"expected {value!r}, found {tok[1] or 'end of expression'!r}")

    def ident(self) -> str:
        kind, value = self.take()
        if kind != "ident":
            raise HclSyntax(f"expected a name, found {value or 'end of expression'!r}")
        return str(value)

    def expr(self) -> Node:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise HclSyntax("expression nested too deeply")
        cond = self.binary(0)
        if self.is_op("?"):
            self.take()
            then = self.expr()
            self.expect(":")
            cond = ("cond", cond, then, self.expr())
        self.depth -= 1
        return cond

    def binary(self, min_prec: int) -> Node:
        left = self.unary()
        while True:
            kind, op = self.peek()
            prec = _BINARY.get(op, 0) if kind == "op" else 0
            if prec <= min_prec:
                return left
            self.take()
            left = ("bin", op, left, self.binary(prec))

    def unary(self) -> Node:
        if self.is_op("!") or self.is_op("-"):
            op = self.take()[1]
            return ("un", op, self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        ops: list[Node] | None = None  # set once a splat starts: later steps apply per element
        base = node
        while True:
            if self.is_op(".") and self.peek(1)[0] in ("ident", "num") or (
                self.is_op(".") and self.is_op("*", 1)
            ):
                self.take()
                kind, value = self.take()
                if value == "*":
                    base, ops = (base if ops is None else ("splat", base, tuple(ops))), []
                    continue
                step: Node = ("attr", value) if kind == "ident" else ("index", ("lit", number(value)))
            elif self.is_op("["):
                self.take()
                if self.is_op("*") and self.is_op("]", 1):
                    self.take()
                    self.take()
                    base, ops = (base if ops is None else ("splat", base, tuple(ops))), []
                    continue
                key = self.expr()
                self.expect("]")
                step = ("index", key)
            else:
                return base if ops is None else ("splat", base, tuple(ops))
            if ops is None:
                base = (step[0], base, step[1])
            else:
                ops.append(step)

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            return ("lit", number(value))
        if kind == "str":
            return parse_template(value)
        if kind == "ident":
            if value in ("true", "false"):
                return ("lit", value == "true")
            if value == "null":
                return ("lit", None)
            if self.is_op("("):
                return self.call(value)
            return ("var", value)
        if kind == "op" and value == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        if kind == "op" and value == "[":
            return self.tuple_or_for()
        if kind == "op" and value == "{":
            return self.object_or_for()
        raise HclSyntax(f"unexpected {value or 'end of expression'!r}")

    def call(self, name: str) -> Node:
        self.expect("(")
        args: list[Node] = []
        expand = False
        while not self.is_op(")"):
            args.append(self.expr())
            if self.is_op("..."):
                self.take()
                expand = True
            if not self.is_op(","):
                break
            self.take()
        self.expect(")")
        return ("call", name, tuple(args), expand)

    def for_head(self) -> tuple[str | None, str, Node]:
        self.take()  # "for"
        first = self.ident()
        key: str | None = None
        value = first
        if self.is_op(","):
            self.take()
            key, value = first, self.ident()
        if self.take() != ("ident", "in"):
            raise HclSyntax("expected 'in' in a for expression")
        coll = self.expr()
        self.expect(":")
        return key, value, coll

    def for_cond(self) -> Node | None:
        if self.peek() == ("ident", "if"):
            self.take()
            return self.expr()
        return None

    def tuple_or_for(self) -> Node:
        if self.peek() == ("ident", "for"):
            key, value, coll = self.for_head()
            body = self.expr()
            cond = self.for_cond()
            self.expect("]")
            return ("forl", key, value, coll, body, cond)
        items: list[Node] = []
        while not self.is_op("]"):
            items.append(self.expr())
            if not self.is_op(","):
                break
            self.take()
        self.expect("]")
        return ("tuple", tuple(items))

    def object_or_for(self) -> Node:
        if self.peek() == ("ident", "for"):
            key, value, coll = self.for_head()
            kexpr = self.expr()
            self.expect("=>")
            vexpr = self.expr()
            group = False
            if self.is_op("..."):
                self.take()
                group = True
            cond = self.for_cond()
            self.expect("}")
            return ("form", key, value, coll, kexpr, vexpr, group, cond)
        items: list[tuple[Node, Node]] = []
        while not self.is_op("}"):
            if self.peek()[0] == "ident" and (self.is_op("=", 1) or self.is_op(":", 1)):
                k: Node = ("lit", self.take()[1])
            else:
                k = self.expr()
            if not (self.is_op("=") or self.is_op(":")):
                raise HclSyntax("expected '=' in an object")
            self.take()
            items.append((k, self.expr()))
            if self.is_op(","):
                self.take()
        self.expect("}")
        return ("object", tuple(items))

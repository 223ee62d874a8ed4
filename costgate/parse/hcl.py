"""The python-hcl2 adapter: one ``.tf``/``.tofu``/``.tf.json``/``.tfvars`` file → plain blocks.

This is the only module that imports ``hcl2``. It pins the serialization options
(plan-format.md §14.3) and normalises the result into a small JSON-ready shape that the
rest of HCL mode reads::

    body  = {"attrs": {name: expression source}, "blocks": [block, ...]}
    block = {"type": "resource", "labels": ["aws_instance", "web"], "body": body}

Every attribute becomes HCL *expression source text* (a quoted template stays quoted, a
``${…}`` expression loses its wrapper, lists and objects are rebuilt as HCL), so one parser
(:mod:`costgate.parse.hcl_expr`) reads every value. Parsed files are cached by content hash
under ``$COSTGATE_CACHE_DIR/hcl/`` as JSON (never pickle), written atomically.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.errors import InputError
from costgate.fileutil import cache_root, write_cache_file

#: Files larger than this are refused (real Terraform files are a few KB).
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Bump when the normalised shape changes, so stale cache entries are ignored.
CACHE_VERSION = "hcl-1"
#: Labels each block type carries; anything else has none.
LABELS = {
    "resource": 2, "data": 2, "ephemeral": 2, "module": 1, "variable": 1, "provider": 1,
    "output": 1, "dynamic": 1, "provisioner": 1, "check": 1,
}  # fmt: skip
_META_KEYS = ("__is_block__", "__comments__", "__inline_comments__")
_TRAILING_WS = re.compile(r"[ \t]+$", re.M)

Body = dict[str, Any]


class HclSyntaxError(InputError):
    """A Terraform file that does not parse: the message names file:line:column."""


class Refused(Exception):
    """A file HCL mode will not read (too large, binary, a symlink loop): a diagnostic."""


def read_text(path: Path, shown: str) -> tuple[str, bytes]:
    """Text and raw bytes of one file, after the safety checks; raises :class:`Refused`."""
    try:
        real = path.resolve(strict=True)
    except RuntimeError:
        raise Refused(f"{shown}: symlink loop; file skipped") from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise Refused(f"{shown}: symlink loop; file skipped") from None
        raise Refused(f"{shown}: cannot read ({exc.strerror or exc}); file skipped") from None
    try:
        size = real.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Refused(f"{shown}: file is {size} bytes, over the 10 MB limit; file skipped")
        raw = real.read_bytes()
    except OSError as exc:
        raise Refused(f"{shown}: cannot read ({exc.strerror or exc}); file skipped") from None
    if b"\x00" in raw[:8192]:
        raise Refused(f"{shown}: binary file; skipped")
    try:
        return raw.decode("utf-8-sig"), raw
    except UnicodeDecodeError as exc:
        raise Refused(f"{shown}: not UTF-8 text (bad byte at offset {exc.start}); skipped") from None


def cache_dir() -> Path:
    """``hcl/`` in the user cache (:func:`costgate.fileutil.cache_root`)."""
    return cache_root() / "hcl"


def load_file(path: Path, shown: str, *, vars_file: bool = False, cache: bool = True) -> Body:
    """Read, parse (or fetch from the cache) and normalise one file; raises Refused/HclSyntaxError."""
    text, raw = read_text(path, shown)
    kind = "json" if path.name.endswith(".json") else "hcl"
    digest = hashlib.sha256(f"{CACHE_VERSION}:{kind}:{int(vars_file)}:".encode() + raw).hexdigest()
    entry = cache_dir() / f"{digest}.json" if cache else None
    if entry is not None:
        try:
            cached: Body = json.loads(entry.read_text(encoding="utf-8"))
            return cached
        except (OSError, ValueError):
            pass
    body = parse_json(text, shown, vars_file) if kind == "json" else parse_text(text, shown, vars_file)
    if entry is not None:
        write_cache_file(entry, json.dumps(body, separators=(",", ":")))  # best effort
    return body


# -- HCL native syntax -------------------------------------------------------------------------


def parse_text(text: str, shown: str, vars_file: bool = False) -> Body:
    """HCL source → normalised body; syntax errors → :class:`HclSyntaxError` with a position."""
    import hcl2
    from lark.exceptions import UnexpectedInput

    options = hcl2.SerializationOptions(
        explicit_blocks=False,
        with_comments=False,
        preserve_heredocs=False,
        strip_string_quotes=False,
    )
    if not text.strip():
        return {"attrs": {}, "blocks": []}
    try:
        tree = _parse_tree(hcl2, text)
    except UnexpectedInput as exc:
        # python-hcl2 rejects a heredoc end marker followed by spaces, Terraform does not.
        stripped = _TRAILING_WS.sub("", text)
        try:
            tree = _parse_tree(hcl2, stripped) if stripped != text else None
        except UnexpectedInput:
            tree = None
        if tree is None:
            raise HclSyntaxError(_syntax_message(shown, exc)) from None
    except RecursionError:
        raise HclSyntaxError(f"{shown}: nested too deeply to parse") from None
    _check_duplicates(tree, shown)
    try:
        data = hcl2.serialize(tree, serialization_options=options)
    except RuntimeError as exc:  # "Attribute x is already defined." (attribute and block clash)
        raise HclSyntaxError(f"{shown}: {exc}") from None
    return _body(data, vars_file)


def _parse_tree(hcl2: Any, text: str) -> Any:
    return hcl2.parses(text, discard_comments=True)


def _syntax_message(shown: str, exc: Any) -> str:
    line, column = getattr(exc, "line", None), getattr(exc, "column", None)
    where = f"{shown}:{line}:{column}" if isinstance(line, int) and line > 0 else shown
    token = getattr(exc, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        what = "unexpected end of file (missing '}' or ']'?)"
    elif token is not None:
        text = str(token).splitlines()[0][:40] if str(token) else getattr(token, "type", "")
        what = f"unexpected {text!r}"
    else:
        char = getattr(exc, "char", None)
        what = f"unexpected character {char!r}" if char else "invalid syntax"
    return f"{where}: syntax error: {what}"


def _check_duplicates(tree: Any, shown: str) -> None:
    """Terraform refuses an attribute set twice in one body; python-hcl2 keeps the last."""
    from hcl2.rules.base import AttributeRule, BodyRule

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, BodyRule):
            seen: set[str] = set()
            for child in node.children:
                if isinstance(child, AttributeRule):
                    name = str(child.identifier.serialize())
                    if name in seen:
                        meta = getattr(child, "_meta", None)
                        line, col = getattr(meta, "line", None), getattr(meta, "column", None)
                        where = f"{shown}:{line}:{col}" if line else shown
                        raise HclSyntaxError(
                            f"{where}: attribute {name!r} is set twice in one block "
                            "(Terraform: Attribute redefined)"
                        )
                    seen.add(name)
        stack.extend(c for c in getattr(node, "children", ()) or () if hasattr(c, "children"))


def _body(data: dict[str, Any], vars_file: bool) -> Body:
    attrs: dict[str, str] = {}
    blocks: list[dict[str, Any]] = []
    for key, value in data.items():
        if key in _META_KEYS:
            continue
        if not vars_file and _is_block_list(value):
            for item in value:
                blocks.extend(_blocks(key, item, LABELS.get(key, 0), []))
        else:
            attrs[key] = to_source(value)
    return {"attrs": attrs, "blocks": blocks}


def _is_block_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _blocks(kind: str, data: Any, labels: int, seen: list[str]) -> list[dict[str, Any]]:
    if labels == 0 or not isinstance(data, dict):
        body = _body(data, False) if isinstance(data, dict) else {"attrs": {}, "blocks": []}
        return [{"type": kind, "labels": seen, "body": body}]
    out: list[dict[str, Any]] = []
    for label, inner in data.items():
        if label in _META_KEYS:
            continue
        out.extend(_blocks(kind, inner, labels - 1, [*seen, _label(label)]))
    return out


def _label(text: str) -> str:
    if text.startswith('"'):
        try:
            return str(json.loads(text))
        except ValueError:
            return text.strip('"')
    return text


def to_source(value: Any) -> str:
    """A python-hcl2 value as HCL expression source."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if value.startswith("${") and value.endswith("}") and not value.startswith('"'):
            return f"({value[2:-1]})"
        return value  # a quoted template, or a bare name such as `number`
    if isinstance(value, list):
        return "[" + ", ".join(to_source(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{_key(k)} = {to_source(v)}" for k, v in value.items() if k not in _META_KEYS)
        return "{" + ", ".join(items) + "}"
    return "null"


def _key(key: str) -> str:
    if key.startswith('"'):
        return key
    if key.startswith("${") and key.endswith("}"):
        return f"({key[2:-1]})"
    return json.dumps(key)


# -- JSON syntax (.tf.json, .tfvars.json) --------------------------------------------------------


def parse_json(text: str, shown: str, vars_file: bool = False) -> Body:
    """Terraform JSON syntax → the same normalised body (merged with .tf files by the caller)."""
    try:
        data = json.loads(text, parse_float=Decimal) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise HclSyntaxError(f"{shown}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise HclSyntaxError(f"{shown}: JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise HclSyntaxError(f"{shown}: top level must be a JSON object")
    if vars_file:
        return {"attrs": {k: _json_source(v) for k, v in data.items()}, "blocks": []}
    blocks: list[dict[str, Any]] = []
    for kind, value in data.items():
        if kind == "//":
            continue
        for item in value if isinstance(value, list) else [value]:
            blocks.extend(_json_blocks(kind, item, LABELS.get(kind, 0), []))
    return {"attrs": {}, "blocks": blocks}


def _json_blocks(kind: str, data: Any, labels: int, seen: list[str]) -> list[dict[str, Any]]:
    if labels == 0:
        bodies = data if isinstance(data, list) else [data]
        return [
            {"type": kind, "labels": seen, "body": _json_body(b)}
            for b in bodies
            if isinstance(b, dict)
        ]
    out: list[dict[str, Any]] = []
    for label, inner in (data.items() if isinstance(data, dict) else ()):
        out.extend(_json_blocks(kind, inner, labels - 1, [*seen, label]))
    return out


def _json_body(data: dict[str, Any]) -> Body:
    attrs: dict[str, str] = {}
    blocks: list[dict[str, Any]] = []
    for key, value in data.items():
        if key == "//":
            continue
        nested = key in ("lifecycle", "dynamic", "provisioner", "connection", "content")
        if nested or _is_block_list(value):
            labels = LABELS.get(key, 0)
            for item in value if isinstance(value, list) else [value]:
                blocks.extend(_json_blocks(key, item, labels, []))
        else:
            attrs[key] = _json_source(value)
    return {"attrs": attrs, "blocks": blocks}


def _json_source(value: Any) -> str:
    """JSON value → HCL source: strings are templates (``"${var.x}"`` is evaluated)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_json_source(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_json_source(v)}" for k, v in value.items()) + "}"
    return to_source(value)

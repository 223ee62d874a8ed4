"""Terraform resource instance addresses: tokenize, strip keys, match ``[*]`` wildcards.

Grammar (plan-format.md §6): ``(module.NAME[KEY]?.)* (data.|ephemeral.)? TYPE.NAME[KEY]?``
where KEY is an integer, an HCL-quoted string or (in usage-file patterns only) ``*``.
String keys may contain dots, brackets and escaped quotes, so this is a small scanner and
never ``split(".")``. Usage files and policies match on either the *instance* address
(keys kept) or the *config* address (keys stripped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from costgate.errors import InputError


class AddressError(InputError):
    """A string that is not a valid Terraform resource (or module) address."""


class Wildcard:
    """The ``[*]`` key of a usage-file pattern: matches any instance key."""

    _instance: Wildcard | None = None

    def __new__(cls) -> Wildcard:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "*"


WILDCARD = Wildcard()

#: An instance key: ``int`` for count, ``str`` for for_each, WILDCARD in patterns.
Key = int | str | Wildcard

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INT = re.compile(r"-?[0-9]+")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_MODES = ("data", "ephemeral")


@dataclass(frozen=True)
class Step:
    """One ``NAME[KEY]`` step: a module call or the resource itself."""

    name: str
    key: Key | None = None


@dataclass(frozen=True)
class Address:
    """A parsed resource instance address (or a module address when ``type`` is empty)."""

    modules: tuple[Step, ...]
    mode: str = "managed"  # managed | data | ephemeral
    type: str = ""
    name: str = ""
    key: Key | None = None

    @property
    def module_instance(self) -> str:
        """``module.app["blue"].module.nested`` (empty for root)."""
        return ".".join(f"module.{s.name}{format_key(s.key)}" for s in self.modules)

    @property
    def module_config(self) -> str:
        """``module.app.module.nested``: module path with instance keys stripped."""
        return ".".join(f"module.{s.name}" for s in self.modules)

    @property
    def resource_config(self) -> str:
        """Module-relative config address, e.g. ``data.aws_ami.x`` or ``aws_instance.web``."""
        prefix = "" if self.mode == "managed" else f"{self.mode}."
        return f"{prefix}{self.type}.{self.name}"

    @property
    def instance(self) -> str:
        """Canonical instance address (keys kept)."""
        return _join(self.module_instance, f"{self.resource_config}{format_key(self.key)}")

    @property
    def config(self) -> str:
        """Config address: every instance key stripped."""
        return _join(self.module_config, self.resource_config)

    @property
    def has_wildcard(self) -> bool:
        """True when any step uses ``[*]``."""
        return self.key is WILDCARD or any(s.key is WILDCARD for s in self.modules)


def _join(module: str, rest: str) -> str:
    return f"{module}.{rest}" if module else rest


def format_key(key: Key | None) -> str:
    """Render an instance key the way Terraform does (HCL-quoted strings)."""
    if key is None:
        return ""
    if key is WILDCARD:
        return "[*]"
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{quote_key(str(key))}]"


def quote_key(text: str) -> str:
    """HCL-quote a string key, escaping like Terraform's ``addrs.StringKey``."""
    out = ['"']
    for i, ch in enumerate(text):
        if ch in '\n\r\t"\\':
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}[ch])
        elif ch in "$%":
            out.append(ch * 2 if text[i + 1 : i + 2] == "{" else ch)
        elif not ch.isprintable():
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class _Scanner:
    """Cursor over an address string; every error names the address and the position."""

    def __init__(self, text: str, allow_wildcard: bool) -> None:
        self.text = text
        self.pos = 0
        self.allow_wildcard = allow_wildcard

    def fail(self, problem: str) -> AddressError:
        return AddressError(f"invalid address {self.text!r}: {problem} at character {self.pos + 1}")

    def ident(self) -> str:
        match = _IDENT.match(self.text, self.pos)
        if not match:
            raise self.fail("expected a name")
        self.pos = match.end()
        return match.group()

    def dot(self) -> None:
        if not self.text.startswith(".", self.pos):
            raise self.fail("expected '.'")
        self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def key(self) -> Key | None:
        if not self.text.startswith("[", self.pos):
            return None
        self.pos += 1
        key: Key
        if self.text.startswith('"', self.pos):
            key = self.quoted()
        elif self.text.startswith("*", self.pos):
            if not self.allow_wildcard:
                raise self.fail("wildcard [*] is only allowed in patterns")
            self.pos += 1
            key = WILDCARD
        else:
            match = _INT.match(self.text, self.pos)
            if not match:
                raise self.fail("expected an integer or a quoted string key")
            self.pos = match.end()
            key = int(match.group())
        if not self.text.startswith("]", self.pos):
            raise self.fail("expected ']'")
        self.pos += 1
        return key

    def quoted(self) -> str:
        text, i = self.text, self.pos + 1
        out: list[str] = []
        while i < len(text):
            ch = text[i]
            if ch == '"':
                self.pos = i + 1
                return "".join(out)
            if ch == "\\":
                nxt = text[i + 1 : i + 2]
                if nxt in _ESCAPES:
                    out.append(_ESCAPES[nxt])
                    i += 2
                    continue
                width = {"u": 4, "U": 8}.get(nxt)
                digits = text[i + 2 : i + 2 + width] if width else ""
                if (
                    width
                    and len(digits) == width
                    and all(c in "0123456789abcdefABCDEF" for c in digits)
                ):
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                    continue
                self.pos = i
                raise self.fail("bad escape in quoted key")
            if ch in "$%" and text[i + 1 : i + 3] == ch + "{":
                out.append(ch)  # "$${" is the escaped form of "${"
                i += 2
                continue
            out.append(ch)
            i += 1
        self.pos = len(text)
        raise self.fail("unterminated quoted key")


def _parse(text: str, *, allow_wildcard: bool, module_only: bool) -> Address:
    if module_only and not text:
        return Address(())
    scan = _Scanner(text, allow_wildcard)
    modules: list[Step] = []
    while True:
        start = scan.pos
        word = scan.ident()
        if word == "module" and scan.text.startswith(".", scan.pos):
            scan.dot()
            modules.append(Step(scan.ident(), scan.key()))
            if scan.at_end() and module_only:
                return Address(tuple(modules))
            scan.dot()
            continue
        scan.pos = start
        break
    if module_only:
        raise scan.fail("expected 'module.'")
    mode = "managed"
    word = scan.ident()
    if word in _MODES and scan.text.startswith(".", scan.pos):
        mode = word
        scan.dot()
        word = scan.ident()
    scan.dot()
    name = scan.ident()
    key = scan.key()
    if not scan.at_end():
        raise scan.fail("unexpected text")
    return Address(tuple(modules), mode, word, name, key)


@lru_cache(maxsize=65536)
def parse_address(text: str, *, allow_wildcard: bool = False) -> Address:
    """Parse a resource instance address; raise :class:`AddressError` when malformed."""
    return _parse(text, allow_wildcard=allow_wildcard, module_only=False)


@lru_cache(maxsize=4096)
def parse_module_address(text: str) -> Address:
    """Parse a module instance address such as ``module.a["x"].module.b`` ("" is root)."""
    return _parse(text, allow_wildcard=False, module_only=True)


def config_address(address: str) -> str:
    """``module.a[0].aws_instance.web["x"]`` → ``module.a.aws_instance.web``."""
    return parse_address(address).config


def module_config_path(module_address: str | None) -> str:
    """``module.a["x"].module.b`` → ``module.a.module.b``; root (None/"") → ""."""
    if not module_address:
        return ""
    if "[" not in module_address:
        return module_address
    return parse_module_address(module_address).module_config


def _key_matches(pattern: Key | None, key: Key | None) -> bool:
    if pattern is WILDCARD:
        return key is not None
    return pattern == key and type(pattern) is type(key)


def address_matches(pattern: str, address: str) -> bool:
    """True when ``address`` matches a usage-file ``pattern``.

    ``[*]`` matches any key at its step (but not an unkeyed step); other steps must be
    equal, key types included (``[0]`` never matches ``["0"]``). To match every instance of
    a block regardless of keys, compare :func:`config_address` values instead.
    """
    pat = parse_address(pattern, allow_wildcard=True)
    addr = parse_address(address)
    if (pat.mode, pat.type, pat.name) != (addr.mode, addr.type, addr.name):
        return False
    if len(pat.modules) != len(addr.modules):
        return False
    if any(
        p.name != a.name or not _key_matches(p.key, a.key)
        for p, a in zip(pat.modules, addr.modules, strict=True)
    ):
        return False
    return _key_matches(pat.key, addr.key)

"""A cache of evaluated projects, keyed by the content hash of everything the reader reads.

The per-file parse cache (``costgate.parse.hcl``) saves python-hcl2; evaluating modules,
count/for_each and building the plan-shaped input still costs tens of milliseconds per
project, and a ``diff`` evaluates every project twice. A project's :class:`ParsedInput`
depends only on its files, the local modules it calls, ``.terraform/modules``, its variables
and var files, the workspace, the region flags and the reader's own code, so a hash of those
is a safe key: equal key, equal input. The same key on both sides of a diff (an unchanged
project) means it is read once per run, and a warm cache means not at all. Pricing is never
cached (price snapshots change).

Refused (no key, always evaluated): a closure with symlinked directories, a module source
leaving the root, or a ``file()``-family call reaching outside with ``..``/absolute paths or
``path.root``/``path.cwd``. Entries hold paths relative to the repository root, so a base
side read from a new temp directory each run still hits.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from costgate import __version__
from costgate.model.resource import ParsedInput

M = TypeVar("M", bound=BaseModel)
_PLACEHOLDER = "@@costgate-root@@"
_FILE_CALL = re.compile(
    r"\b(?:file|templatefile|filebase64|fileset|fileexists|filemd5|filesha1|filesha256|"
    r"filesha512|filebase64sha256|filebase64sha512)\s*\(([^)]*)")
_OUTSIDE = re.compile(r'\.\.|path\.(?:root|cwd)|"\s*/')
_MODULE_SOURCE = re.compile(r'^[ \t]*source[ \t]*=[ \t]*"(\.\.?/[^"]*)"', re.M)
_SKIP = {".git", "providers"}  # .terraform/providers holds plugin binaries, never read


def cache_dir() -> Path:
    """``$COSTGATE_CACHE_DIR/projects`` (or ``~/.cache/costgate/projects``)."""
    env = os.environ.get("COSTGATE_CACHE_DIR")
    return (Path(env).expanduser() if env else Path.home() / ".cache" / "costgate") / "projects"


class Fingerprints:
    """Computes project keys, hashing each file and directory once per run."""

    def __init__(self) -> None:
        self._dirs: dict[Path, tuple[str, list[str]] | None] = {}
        self._code = _reader_code_hash()

    def key(self, directory: Path, root: Path, extra: object) -> str | None:
        """The project's key, or None when its inputs cannot be bounded safely."""
        root = root.resolve()
        if len(root.parts) < 3:
            return None
        h = hashlib.sha256(f"{__version__}\0{self._code}\0".encode())
        h.update(json.dumps(extra, sort_keys=True, default=str).encode())
        todo, seen = [directory.resolve()], set()
        while todo:
            d = todo.pop()
            if d in seen:
                continue
            seen.add(d)
            if d != root and root not in d.parents:
                return None  # a module outside the repository: the reader refuses it
            got = self._dir(d)
            if got is None:
                return None
            digest, calls = got
            h.update(f"{d.relative_to(root).as_posix()}\0{digest}\0".encode())
            todo.extend((d / c).resolve() for c in calls)
        return h.hexdigest()

    def _dir(self, d: Path) -> tuple[str, list[str]] | None:
        if d not in self._dirs:
            self._dirs[d] = _hash_dir(d)
        return self._dirs[d]


def _hash_dir(d: Path) -> tuple[str, list[str]] | None:
    """Hash of every file under ``d`` and the local module sources its .tf files call."""
    h = hashlib.sha256()
    calls: list[str] = []
    if not d.is_dir():
        return None
    for current, subdirs, files in os.walk(d):
        here = Path(current)
        if any((here / s).is_symlink() for s in subdirs):
            return None
        subdirs[:] = sorted(s for s in subdirs if s not in _SKIP)
        for name in sorted(files):
            path = here / name
            try:
                data = path.read_bytes()
            except OSError:
                return None
            h.update(f"{path.relative_to(d).as_posix()}\0{len(data)}\0".encode())
            h.update(data)
            if here == d and name.endswith((".tf", ".tofu")):
                text = data.decode("utf-8", "replace")
                if any(_OUTSIDE.search(m.group(1)) for m in _FILE_CALL.finditer(text)):
                    return None
                calls.extend(m.group(1).split("//")[0] for m in _MODULE_SOURCE.finditer(text))
    return h.hexdigest(), calls


def _reader_code_hash() -> str:
    """The reader's source: a changed evaluator must not serve old results."""
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted([*(pkg / "parse").glob("*.py"), pkg / "model" / "resource.py"]):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def load(key: str, root: Path) -> ParsedInput | None:
    """A cached project for ``root``, or None (missing or unreadable entries are misses)."""
    try:
        text = (cache_dir() / f"{key}.json").read_text(encoding="utf-8")
        return ParsedInput.model_validate_json(text.replace(_PLACEHOLDER, _escaped(root)))
    except (OSError, ValueError):
        return None


def store(key: str, root: Path, parsed: ParsedInput) -> None:
    """Write an entry atomically; a failure to cache never fails the run."""
    text = parsed.model_dump_json().replace(_escaped(root), _PLACEHOLDER)
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, directory / f"{key}.json")
    except OSError:
        pass


def rebase(model: M, old_root: Path, new_root: Path) -> M:
    """The same result as read from another copy of the repository."""
    text = model.model_dump_json().replace(_escaped(old_root), _PLACEHOLDER)
    return type(model).model_validate_json(text.replace(_PLACEHOLDER, _escaped(new_root)))


def _escaped(root: Path) -> str:
    return json.dumps(str(root.resolve()))[1:-1]


def var_file_digests(paths: Iterable[str]) -> list[str]:
    """Content hashes of var files (they may live outside the project)."""
    return [_digest(Path(p)) for p in paths]


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return f"missing:{path.name}"

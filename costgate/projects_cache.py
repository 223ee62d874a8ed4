"""A cache of evaluated projects, keyed by the content hash of everything the reader reads.

The per-file parse cache (``costgate.parse.hcl``) saves python-hcl2; evaluating modules,
count/for_each and building the plan-shaped input still costs tens of milliseconds per
project, and a ``diff`` evaluates every project twice. A project's :class:`ParsedInput`
depends only on its files, the local modules it calls, ``.terraform/modules``, its variables
and var files, the workspace, the region flags and the reader's own code, so a hash of those
is a safe key: equal key, equal input. The same key on both sides of a diff (an unchanged
project) means it is read once per run, and a warm cache means not at all. Priced estimates
are stored too (:func:`priced_key`), keyed by the input key plus the backend's pricing context
(snapshot id, pricing code, usage file), so new prices or rules price again.

Files are identified by their **git blob id** (SHA-1 of ``blob <size>\\0<content>``), so a
directory hashes the same whether it is read from the working tree (:class:`FsTree`, which
reads each file once per run) or from a revision's ``git ls-tree`` listing (:class:`GitTree`,
which reads nothing: git already knows every blob id). That is what lets a warm ``diff`` key
the base side without exporting it. What the keys and project detection need from a ``.tf``
file's text (local module sources, ``file()`` calls, provider/backend blocks) is kept per blob
id in a small facts cache, so neither side re-scans unchanged files either.

Refused (no key, always evaluated): a closure with symlinked directories (on the git side,
any symlink), a module source leaving the root, or a ``file()``-family call reaching outside
with ``..``/absolute paths or ``path.root``/``path.cwd``. Entries hold paths relative to the
repository root, so a base side read from a new temp directory each run still hits.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from costgate import __version__
from costgate.fileutil import TERRAFORM_SUFFIXES, cache_root, write_cache_file
from costgate.model.resource import ParsedInput

M = TypeVar("M", bound=BaseModel)
_PLACEHOLDER = "@@costgate-root@@"
_FILE_CALL = re.compile(
    r"\b(?:file|templatefile|filebase64|fileset|fileexists|filemd5|filesha1|filesha256|"
    r"filesha512|filebase64sha256|filebase64sha512)\s*\(([^)]*)")
_OUTSIDE = re.compile(r'\.\.|path\.(?:root|cwd)|"\s*/')
_MODULE_SOURCE = re.compile(r'^[ \t]*source[ \t]*=[ \t]*"(\.\.?/[^"]*)"', re.M)
_JSON_SOURCE = re.compile(r'"source"\s*:\s*"(\.\.?/[^"]*)"')  # .tf.json module calls
# project detection (costgate.projects): comments, root-module blocks, local module calls
_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|//[^\n]*|/\*.*?\*/', re.S)
_ROOT_BLOCK = re.compile(r'^[ \t]*(?:provider[ \t]*"|backend[ \t]*"|cloud[ \t]*\{)', re.M)
_MODULE = re.compile(r'^module[ \t]+"[^"]*"[ \t]*\{', re.M)
_NEXT_BLOCK = re.compile(r"^[A-Za-z_]", re.M)
TF_CODE = TERRAFORM_SUFFIXES
_FACTS_VERSION = hashlib.sha256("\0".join(
    ["facts-1", *(r.pattern for r in (_FILE_CALL, _OUTSIDE, _MODULE_SOURCE, _JSON_SOURCE, _COMMENT,
                                      _ROOT_BLOCK, _MODULE, _NEXT_BLOCK))]).encode()).hexdigest()[:16]

#: What one Terraform file contributes: ``k`` module sources (cache closure), ``o`` reads
#: outside its module, ``r`` configures a provider/backend, ``m`` local module calls.
Facts = dict[str, Any]
Entries = list[tuple[str, str]]  # (path relative to a directory, blob id)


def cache_dir() -> Path:
    """``projects/`` in the user cache (:func:`costgate.fileutil.cache_root`)."""
    return cache_root() / "projects"


def blob_id(data: bytes) -> str:
    """Git's object id for a file with these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def tf_facts(text: str) -> Facts:
    """Scan one ``.tf`` file's text (the only place these regexes run)."""
    bare = _COMMENT.sub(lambda m: m.group(0) if m.group(0)[0] == '"' else "", text)
    calls = []
    for m in _MODULE.finditer(bare):
        end = _NEXT_BLOCK.search(bare, m.end())
        src = _MODULE_SOURCE.search(bare[m.end(): end.start() if end else len(bare)])
        if src:
            calls.append(src.group(1).split("//")[0])
    sources = [*_MODULE_SOURCE.finditer(text), *_JSON_SOURCE.finditer(text)]
    return {"k": [m.group(1).split("//")[0] for m in sources],
            "o": any(_OUTSIDE.search(m.group(1)) for m in _FILE_CALL.finditer(text)),
            "r": bool(_ROOT_BLOCK.search(bare)), "m": calls}


class FactsCache:
    """:func:`tf_facts` by blob id, persisted as one JSON file (entries never go stale)."""

    def __init__(self) -> None:
        self._path = cache_dir() / f"facts-{_FACTS_VERSION}.json"
        try:
            self._data: dict[str, Facts] = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._data = {}
        self._dirty = False

    def get(self, blob: str, data: Callable[[], bytes]) -> Facts:
        """The facts of ``blob``, scanning ``data()`` (its bytes) on a miss."""
        got = self._data.get(blob)
        if got is None:
            got = self._data[blob] = tf_facts(data().decode("utf-8", "replace"))
            self._dirty = True
        return got

    def known(self, blob: str) -> bool:
        """True when ``blob`` is already scanned (no read needed)."""
        return blob in self._data

    def save(self) -> None:
        """Write the file when new facts were found; failures are ignored."""
        if self._dirty:
            write_cache_file(self._path, json.dumps(self._data, separators=(",", ":")))
            self._dirty = False


class Tree(Protocol):
    """One copy of the repository as the fingerprints see it (working tree or revision)."""

    def dir_entries(self, rel: str) -> tuple[Entries, list[Facts]] | None:
        """Every file under ``rel`` and the facts of its own ``.tf`` files, or None (refused)."""
        ...

    def file_id(self, rel: str) -> str | None:
        """A var file's blob id (``missing:NAME`` when absent), or None when unsafe."""
        ...

    def tf_files(self, rel: str) -> Iterator[tuple[str, Facts]] | None:
        """(directory, facts) of every Terraform file project detection scans under ``rel``."""
        ...


SKIP_DIRS = {".terraform", ".git", "node_modules", ".terragrunt-cache"}


def _skipped(part: str) -> bool:
    return part in SKIP_DIRS or part.startswith(".")


class FsTree:
    """A directory tree on disk; each file is read and hashed at most once per run."""

    def __init__(self, root: Path, facts: FactsCache) -> None:
        self.root = root
        self._facts = facts
        self._ids: dict[str, str | None] = {}
        self._tf: dict[str, Facts] = {}

    def _id(self, path: str) -> str | None:
        """The blob id of a file (read through symlinks), scanning Terraform files once."""
        if path not in self._ids:
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                self._ids[path] = None
                return None
            blob = self._ids[path] = blob_id(data)
            if path.endswith(TF_CODE):
                self._tf[path] = self._facts.get(blob, lambda: data)
        return self._ids[path]

    def _fact(self, path: str) -> Facts | None:
        return self._tf.get(path) if self._id(path) is not None else None

    def dir_entries(self, rel: str) -> tuple[Entries, list[Facts]] | None:
        top = os.path.join(self.root, rel)
        if os.path.realpath(top) != os.path.normpath(top) or not os.path.isdir(top):
            return None  # reached through a symlink, or missing
        entries: Entries = []
        facts: list[Facts] = []
        for current, subdirs, files in os.walk(top):
            if any(os.path.islink(os.path.join(current, s)) for s in subdirs):
                return None
            at_terraform = os.path.basename(current) == ".terraform"
            subdirs[:] = [s for s in subdirs if s != ".git"
                          and not (at_terraform and s == "providers")]
            for name in files:
                path = os.path.join(current, name)
                blob = self._id(path)
                if blob is None:
                    return None
                entries.append((os.path.relpath(path, top).replace(os.sep, "/"), blob))
                if current == top and name.endswith(TF_CODE):
                    facts.append(self._tf[path])
        return entries, facts

    def file_id(self, rel: str) -> str | None:
        return self._id(os.path.join(self.root, rel)) or f"missing:{posixpath.basename(rel)}"

    def tf_files(self, rel: str) -> Iterator[tuple[str, Facts]] | None:
        return self._tf_files(rel)

    def _tf_files(self, rel: str) -> Iterator[tuple[str, Facts]]:
        top = os.path.join(self.root, rel)
        for current, subdirs, files in os.walk(top, followlinks=False):
            subdirs[:] = sorted(d for d in subdirs if not _skipped(d))
            d = os.path.relpath(current, top).replace(os.sep, "/")
            for name in sorted(files):
                if name.endswith(TF_CODE):
                    fact = self._fact(os.path.join(current, name))
                    yield d, fact if fact is not None else tf_facts("")


class Listing(Protocol):
    """What :class:`GitTree` needs from :class:`costgate.vcs.Listing`."""

    def under(self, path: str) -> Iterable[Any]:
        """Entries (``path``, ``sha``, ``size``, ``is_file``, ``is_link``) below ``path``."""
        ...

    def get(self, path: str) -> Any:
        """The entry at ``path``, or None."""
        ...


class GitTree:
    """A revision's listing: blob ids without reading; ``.tf`` facts from the cache.

    ``overlays`` are working-tree folders an export would copy in (``.terraform/modules``
    given to the base side), by the directory they are copied into. ``exported`` says
    whether entries the export skips (unsafe names, oversized blobs) are excluded.
    """

    def __init__(self, listing: Listing, facts: FactsCache,
                 read: Callable[[list[str]], Mapping[str, bytes]],
                 overlays: Mapping[str, Path] | None = None,
                 max_bytes: int = 10 * 1024 * 1024, safe: Callable[[str], bool] = bool) -> None:
        self._listing, self._facts, self._read = listing, facts, read
        self._overlays = overlays if overlays is not None else {}  # filled in later
        self._max, self._safe = max_bytes, safe
        self._fs = FsTree(Path("/"), facts)

    def _files(self, rel: str) -> Iterator[Any]:
        for e in self._listing.under(rel):
            if (e.is_file or e.is_link) and e.size <= self._max and self._safe(e.path):
                yield e

    def _facts_of(self, entries: Iterable[Any]) -> list[Facts]:
        """Facts of the Terraform files among ``entries`` (unknown blobs read in one batch)."""
        tf = [e for e in entries if e.is_file and e.path.endswith(TF_CODE)]
        read = self._read([e.sha for e in tf if not self._facts.known(e.sha)])
        return [self._facts.get(e.sha, partial(read.__getitem__, e.sha)) for e in tf]

    def dir_entries(self, rel: str) -> tuple[Entries, list[Facts]] | None:
        top = posixpath.normpath(rel)
        node = self._listing.get(top)
        if node is None or node.kind != "tree":
            return None
        files = list(self._files(top))
        if any(e.is_link for e in files):
            return None
        cut = 0 if top == "." else len(top) + 1
        entries = [(e.path[cut:], e.sha) for e in files
                   if not _under_providers(e.path[cut:])]
        facts = self._facts_of(e for e in files if "/" not in e.path[cut:])
        overlay = self._overlays.get(top)
        if overlay is not None:
            extra = self._overlay_entries(overlay)
            if extra is None:
                return None
            entries += extra
        return entries, facts

    def _overlay_entries(self, src: Path) -> Entries | None:
        """``.terraform/modules`` as the export will copy it (symlinks: refused)."""
        out: Entries = []
        for current, subdirs, files in os.walk(src):
            subdirs[:] = [s for s in subdirs if s != ".git"]
            if any(os.path.islink(os.path.join(current, s)) for s in subdirs):
                return None
            for name in files:
                path = os.path.join(current, name)
                if name == ".git":
                    continue
                blob = None if os.path.islink(path) else self._fs._id(path)
                if blob is None:
                    return None
                rel = os.path.relpath(path, src).replace(os.sep, "/")
                out.append((f".terraform/modules/{rel}", blob))
        return out

    def file_id(self, rel: str) -> str | None:
        e = self._listing.get(rel)
        if e is None:
            return f"missing:{posixpath.basename(rel)}"
        return e.sha if e.is_file and e.size <= self._max and self._safe(e.path) else None

    def tf_files(self, rel: str) -> Iterator[tuple[str, Facts]] | None:
        top = posixpath.normpath(rel)
        cut = 0 if top == "." else len(top) + 1
        found = [e for e in self._files(top)
                 if not any(_skipped(p) for p in e.path[cut:].split("/")[:-1])]
        if any(e.is_link for e in found):
            return None  # symlinks change what a module path means: read an export instead
        tf = [e for e in found if e.path.endswith(TF_CODE)]
        return iter([(posixpath.dirname(e.path[cut:]) or ".", f)
                     for e, f in zip(tf, self._facts_of(tf), strict=True)])


def _under_providers(rel: str) -> bool:
    return "/.terraform/providers/" in f"/{rel}"


class Fingerprints:
    """Computes project keys; ``trees`` maps a (resolved) root to its :class:`GitTree`."""

    def __init__(self, trees: Mapping[str, Tree] | None = None,
                 facts: FactsCache | None = None) -> None:
        self.facts = facts or FactsCache()
        self._trees: dict[str, Tree] = dict(trees or {})
        self._dirs: dict[tuple[str, str], tuple[str, list[str]] | None] = {}
        self._code = code_hash("parse", "model/resource")  # a changed reader: no old results

    def add_tree(self, root: Path, tree: Tree) -> None:
        """Use ``tree`` for ``root`` (a revision that may not be written out)."""
        self._trees[str(root.resolve())] = tree

    def tree(self, root: Path) -> Tree:
        """The view of ``root`` (a registered revision, else the files on disk)."""
        key = str(root.resolve())
        if key not in self._trees:
            self._trees[key] = FsTree(Path(key), self.facts)
        return self._trees[key]

    def key(self, directory: Path, root: Path, extra: object) -> str | None:
        """The project's key, or None when its inputs cannot be bounded safely."""
        root = root.resolve()
        if len(root.parts) < 3:
            return None
        tree = self.tree(root)
        h = hashlib.sha256(f"{__version__}\0{self._code}\0".encode())
        h.update(json.dumps(extra, sort_keys=True, default=str).encode())
        start = os.path.relpath(os.path.abspath(directory), root).replace(os.sep, "/")
        todo, seen = [posixpath.normpath(start)], {}
        while todo:
            d = todo.pop()
            if d in seen:
                continue
            if d == ".." or d.startswith("../") or d.startswith("/"):
                return None  # a module outside the repository: the reader refuses it
            got = self._dir(str(root), tree, d)
            if got is None:
                return None
            seen[d], calls = got
            todo.extend(posixpath.normpath(posixpath.join(d, c)) for c in calls)
        h.update(f"{start}\0".encode())  # the closure, in an order that does not depend on
        for d, digest in sorted(seen.items()):  # how files were listed
            h.update(f"{d}\0{digest}\0".encode())
        return h.hexdigest()

    def file_digests(self, paths: Iterable[str], root: Path) -> list[str] | None:
        """Blob ids of var files (``missing:NAME`` when absent); None when one is unsafe."""
        tree, base = self.tree(root.resolve()), root.resolve()
        out = []
        for p in paths:
            rel = os.path.relpath(os.path.abspath(p), base).replace(os.sep, "/")
            got = (self.tree(Path(os.path.dirname(os.path.abspath(p)))).file_id(
                os.path.basename(p)) if rel.startswith("../") else tree.file_id(rel))
            if got is None:
                return None
            out.append(got)
        return out

    def _dir(self, root: str, tree: Tree, d: str) -> tuple[str, list[str]] | None:
        if (root, d) not in self._dirs:
            got = tree.dir_entries(d)
            if got is None or any(f["o"] for f in got[1]):
                self._dirs[root, d] = None
            else:
                h = hashlib.sha256()
                for rel, blob in sorted(got[0]):
                    h.update(f"{rel}\0{blob}\n".encode())
                self._dirs[root, d] = h.hexdigest(), [c for f in got[1] for c in f["k"]]
        return self._dirs[root, d]


def load(key: str, root: Path) -> ParsedInput | None:
    """A cached project for ``root``, or None (missing or unreadable entries are misses)."""
    return load_model(key, root, ParsedInput)


def load_model(key: str, root: Path, model: type[M]) -> M | None:
    """A cached entry for ``root``, or None (missing or unreadable entries are misses)."""
    try:
        text = (cache_dir() / f"{key}.json").read_text(encoding="utf-8")
        return model.model_validate_json(text.replace(_PLACEHOLDER, _escaped(root)))
    except (OSError, ValueError):
        return None


def store(key: str, root: Path, value: BaseModel) -> None:
    """Write an entry atomically; a failure to cache never fails the run."""
    text = value.model_dump_json().replace(_escaped(root), _PLACEHOLDER)
    write_cache_file(cache_dir() / f"{key}.json", text)


def priced_key(input_key: str, pricing: str) -> str:
    """The key of a priced estimate: the project's input key and the pricing context."""
    return "est-" + hashlib.sha256(f"{input_key}\0{pricing}".encode()).hexdigest()


def code_hash(*folders: str) -> str:
    """A hash of the Python sources under these package folders (or single modules)."""
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in folders:
        target = pkg / name
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
        for path in files:
            h.update(path.relative_to(pkg).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def rebase(model: M, old_root: Path, new_root: Path) -> M:
    """The same result as read from another copy of the repository."""
    old = _escaped(old_root)
    text = model.model_dump_json()
    if old not in text:
        return model
    return type(model).model_validate_json(text.replace(old, _escaped(new_root)))


def _escaped(root: Path) -> str:
    return json.dumps(str(root.resolve()))[1:-1]

"""Read one git revision straight from the object database, never touching the checkout.

``costgate diff --base-ref`` must not disturb the user's checkout: no ``git checkout``, no
worktree, no index or ref writes. Metadata (the work-tree root, the commit a ref names, the
revision's file listing with blob ids and sizes) comes from read-only plumbing commands
(``git rev-parse``, ``git cat-file --batch-check``, ``git ls-tree``), which take a few
milliseconds and need no GitPython import. File contents are read with GitPython only when a
revision really has to be written out (:func:`export_tree`) or a few blobs read
(:func:`read_blobs`): a warm ``diff`` whose projects are all cached never exports anything.

The same :func:`plan_export` decides what an export writes and which diagnostics it gives, so
a run that skips the export reports exactly what one that does would. Symlinks are recreated
only when they stay inside the export; submodules, unsafe names and oversized blobs are
skipped with a diagnostic.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from costgate.errors import InputError
from costgate.model.resource import Diagnostic

#: Blobs larger than this are not written (the HCL reader refuses them anyway).
MAX_BLOB_BYTES = 10 * 1024 * 1024

MODE_LINK = 0o120000
MODE_GITLINK = 0o160000
_FORBIDDEN_NAMES = {"", ".", "..", ".git"}


class GitError(InputError):
    """A repository, ref or commit that cannot be read (exit 2)."""


@dataclass(frozen=True)
class Revision:
    """A resolved commit: what the user typed and the object it names."""

    ref: str
    hexsha: str
    tree: str = ""  # its root tree id, when known

    @property
    def short(self) -> str:
        """The 12-character abbreviation used in messages."""
        return self.hexsha[:12]


@dataclass(frozen=True)
class RepoPath:
    """A directory inside a git work tree: the repository root and the path relative to it."""

    root: Path
    relative: str  # posix, "." for the root itself


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a read-only git plumbing command (C locale, no optional locks, no pager)."""
    env = {**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              env=env, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git ({exc.strerror or exc}); --base-ref needs git") from None


def _first_line(raw: bytes) -> str:
    lines = raw.decode("utf-8", "replace").strip().splitlines()
    return lines[-1].removeprefix("fatal: ") if lines else "git failed"


def locate(path: str | Path) -> RepoPath:
    """Find the work tree containing ``path`` (which must be an existing directory)."""
    target = Path(path)
    if not target.is_dir():
        raise GitError(f"{path}: not a directory")
    done = _git(target, "rev-parse", "--show-toplevel")
    if done.returncode:
        bare = _git(target, "rev-parse", "--is-bare-repository")
        if bare.returncode == 0 and bare.stdout.strip() == b"true":
            raise GitError(f"{path} is inside a bare git repository: no work tree to compare")
        if b"not a git repository" in done.stderr:
            raise GitError(f"{path} is not inside a git repository (needed for --base-ref)")
        raise GitError(f"{path}: git: {_first_line(done.stderr)}")
    root = Path(os.fsdecode(done.stdout.rstrip(b"\n"))).resolve()
    rel = os.path.relpath(target.resolve(), root)
    if rel == ".." or rel.startswith(".." + os.sep):
        raise GitError(f"{path} is outside the work tree of {root}")
    return RepoPath(root, Path(rel).as_posix())


def resolve(root: Path, ref: str, *, side: str = "base") -> Revision:
    """Resolve ``ref`` to a commit that is present locally, or raise a one-line GitError.

    A branch name that exists only as ``origin/<ref>`` (the usual CI checkout) resolves to it.
    Annotated tags are peeled to their commit; a ref naming a tree or blob is refused.
    """
    if not ref.strip() or ref.startswith("-") or any(c in ref for c in "\n\r\0"):
        raise GitError(f"{side} ref {ref!r} is not a valid git revision")
    for name in (ref, f"origin/{ref}"):
        lines = (name, name + "^{}", name + "^{}^{tree}")
        done = _git(root, "cat-file", "--batch-check",
                    stdin="".join(f"{x}\n" for x in lines).encode())
        out = done.stdout.decode("utf-8", "replace").splitlines()
        if done.returncode or len(out) != len(lines):
            continue  # a revision expression git cannot evaluate here (e.g. no upstream)
        obj, peeled, tree = (line.split() for line in out)
        if obj[-1] == "missing":
            continue
        if peeled[-1] == "missing" or peeled[1] != "commit":
            kind = peeled[1] if peeled[-1] != "missing" else obj[1]
            raise GitError(f"{side} ref {ref!r} names a {kind}, not a commit")
        if tree[-1] == "missing":  # the commit is there but not its tree (a partial clone)
            break
        return Revision(ref, peeled[0], tree[0])
    raise _missing(ref, side, _is_shallow(root))


def _is_shallow(root: Path) -> bool:
    done = _git(root, "rev-parse", "--is-shallow-repository")
    return done.returncode == 0 and done.stdout.strip() == b"true"


def _missing(ref: str, side: str, shallow: bool) -> GitError:
    where = " (this clone is shallow)" if shallow else ""
    return GitError(
        f"{side} ref '{ref}' not found{where}; fetch it with `git fetch --depth=1 origin {ref}`"
    )


# --- the revision's listing ----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One tree entry: a file (blob), a symlink (blob, mode 120000), a tree or a gitlink."""

    path: str  # posix, relative to the repository root
    mode: int
    kind: str  # "blob" | "tree" | "commit"
    sha: str
    size: int  # bytes; -1 for trees and gitlinks

    @property
    def is_file(self) -> bool:
        """A regular file (not a symlink)."""
        return self.kind == "blob" and self.mode != MODE_LINK

    @property
    def is_link(self) -> bool:
        """A symbolic link (its blob holds the target)."""
        return self.kind == "blob" and self.mode == MODE_LINK


@dataclass
class Listing:
    """Every entry of one revision, from ``git ls-tree`` (no blob is read)."""

    root: Path  # the repository that holds the objects
    revision: Revision
    tree: str  # the root tree id
    entries: dict[str, Entry] = field(default_factory=dict)
    _order: list[Entry] = field(default_factory=list, repr=False)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def get(self, path: str) -> Entry | None:
        """The entry at ``path`` (``.`` is the root tree)."""
        norm = posixpath.normpath(path)
        if norm == ".":
            return Entry(".", 0o40000, "tree", self.tree, -1)
        return self.entries.get(norm)

    def is_dir(self, path: str) -> bool:
        """True when ``path`` is a tree in this revision."""
        e = self.get(path)
        return e is not None and e.kind == "tree"

    def under(self, path: str) -> Iterator[Entry]:
        """Entries below the directory ``path`` (in ``git ls-tree`` order).

        ``ls-tree -r -t`` lists a tree's whole contents right after the tree itself, so
        this reads only that run of entries, not the whole listing.
        """
        norm = posixpath.normpath(path)
        if norm == ".":
            yield from self.entries.values()
            return
        if not self._order:
            self._order = list(self.entries.values())
            self._index = {e.path: i for i, e in enumerate(self._order)}
        start = self._index.get(norm)
        if start is None:
            return
        prefix = norm + "/"
        for e in self._order[start + 1:]:
            if not e.path.startswith(prefix):
                return
            yield e


def list_tree(root: Path, revision: Revision) -> Listing:
    """The full recursive listing of ``revision`` with blob sizes (one ``git ls-tree``)."""
    tree_id = revision.tree
    if not tree_id:
        got = _git(root, "rev-parse", "--verify", f"{revision.hexsha}^{{tree}}")
        tree_id = got.stdout.decode().strip() if got.returncode == 0 else ""
    done = _git(root, "ls-tree", "-r", "-t", "-l", "-z", "--full-tree", revision.hexsha)
    if done.returncode or not tree_id:
        raise GitError(f"{revision.ref} ({revision.short}): cannot list its files: "
                       f"{_first_line(done.stderr)}")
    listing = Listing(root, revision, tree_id)
    for record in done.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, sha, size = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        listing.entries[path] = Entry(path, int(mode, 8), kind, sha,
                                      int(size) if size.isdigit() else -1)
    return listing


def read_blobs(root: Path, shas: Iterable[str]) -> dict[str, bytes]:
    """The contents of some blobs, read through GitPython's object database."""
    wanted = list(dict.fromkeys(shas))
    return dict(zip(wanted, _each_blob(root, wanted), strict=True)) if wanted else {}


def _each_blob(root: Path, shas: list[str]) -> Iterator[bytes]:
    """Each blob's bytes in order, one at a time (an export never holds them all)."""
    import git

    repo = git.Repo(root)
    try:
        for sha in shas:
            yield repo.odb.stream(bytes.fromhex(sha)).read()
    finally:
        repo.close()  # ends the persistent `git cat-file` helpers


# --- export ----------------------------------------------------------------------------------


@dataclass
class ExportPlan:
    """What an export writes, and the diagnostics for what it skips."""

    dirs: list[str] = field(default_factory=list)
    files: list[Entry] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (path, target)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def plan_export(listing: Listing) -> ExportPlan:
    """Decide every entry of ``listing``; reads only symlink blobs (their targets)."""
    rev = listing.revision
    plan = ExportPlan()
    link_entries = []
    for e in listing.entries.values():
        if not safe_path(e.path):
            plan.diagnostics.append(_diag("git_unsafe_path", f"{e.path!r}: unsafe path in "
                                          f"{rev.ref}; skipped", rev))
        elif e.kind == "commit" or e.mode == MODE_GITLINK:
            plan.diagnostics.append(_diag("git_submodule_skipped", f"{e.path}: submodule at "
                                          f"{rev.ref} skipped (its files are not in this "
                                          "repository's objects)", rev))
        elif e.kind == "tree":
            plan.dirs.append(e.path)
        elif e.size > MAX_BLOB_BYTES:
            plan.diagnostics.append(_diag("git_file_too_large", f"{e.path}: {e.size} bytes "
                                          f"at {rev.ref}, over 10 MB; skipped", rev))
        elif e.is_link:
            link_entries.append(e)
        else:
            plan.files.append(e)
    targets = read_blobs(listing.root, (e.sha for e in link_entries))
    for e in link_entries:
        target = targets[e.sha].decode("utf-8", "surrogateescape")
        if _link_inside(e.path, target):
            plan.links.append((e.path, target))
        else:
            plan.diagnostics.append(_diag("git_symlink_outside", f"{e.path}: symlink to "
                                          f"{target!r} leaves the repository at {rev.ref}; "
                                          "skipped", rev))
    return plan


def export_tree(root: Path, revision: Revision, dest: Path,
                listing: Listing | None = None) -> list[Diagnostic]:
    """Write every file of ``revision`` under ``dest`` (created, must be empty or absent).

    Reads tree and blob objects only; returns diagnostics for what was skipped.
    """
    plan = plan_export(listing or list_tree(root, revision))
    dest.mkdir(parents=True, exist_ok=True)
    for d in plan.dirs:
        (dest / d).mkdir(parents=True, exist_ok=True)
    if plan.files:  # strict zip runs the generator to its end, closing the repository
        for e, data in zip(plan.files, _each_blob(root, [e.sha for e in plan.files]), strict=True):
            (dest / e.path).write_bytes(data)
    for path, target in plan.links:
        (dest / path).symlink_to(target)
    return plan.diagnostics


def safe_path(path: str) -> bool:
    """False for names an export never writes (``..``, ``.git``, backslashes, NUL)."""
    parts = path.split("/")
    return not any(p in _FORBIDDEN_NAMES or p.lower() == ".git" or "\0" in p or "\\" in p
                   for p in parts)


def _link_inside(path: str, target: str) -> bool:
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    return not (target.startswith("/") or "\0" in target or resolved == ".."
                or resolved.startswith("../"))


def _diag(code: str, message: str, revision: Revision) -> Diagnostic:
    return Diagnostic(code=code, message=f"{message} ({revision.short})", level="warning")

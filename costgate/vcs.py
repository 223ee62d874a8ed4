"""Read one git revision's files straight from the object database (GitPython).

``costgate diff --base-ref`` must never disturb the user's checkout: no ``git checkout``, no
worktree, no index or ref writes. :func:`export_tree` reads the revision's tree objects and
writes their blobs into a directory we own (a temp dir), so the HCL reader sees the base
revision exactly as it was committed. Symlinks are recreated only when they stay inside the
export; submodules, unsafe names and oversized blobs are skipped with a diagnostic.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from costgate.errors import InputError
from costgate.model.resource import Diagnostic

#: Blobs larger than this are not written (the HCL reader refuses them anyway).
MAX_BLOB_BYTES = 10 * 1024 * 1024

_MODE_LINK = 0o120000
_MODE_GITLINK = 0o160000
_FORBIDDEN_NAMES = {"", ".", "..", ".git"}


class GitError(InputError):
    """A repository, ref or commit that cannot be read (exit 2)."""


@dataclass(frozen=True)
class Revision:
    """A resolved commit: what the user typed and the object it names."""

    ref: str
    hexsha: str

    @property
    def short(self) -> str:
        """The 12-character abbreviation used in messages."""
        return self.hexsha[:12]


@dataclass(frozen=True)
class RepoPath:
    """A directory inside a git work tree: the repository root and the path relative to it."""

    root: Path
    relative: str  # posix, "." for the root itself


def locate(path: str | Path) -> RepoPath:
    """Find the work tree containing ``path`` (which must be an existing directory)."""
    import git

    target = Path(path)
    if not target.is_dir():
        raise GitError(f"{path}: not a directory")
    try:
        with _open(target, search_parents=True) as repo:
            top = repo.working_tree_dir
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path} is not inside a git repository (needed for --base-ref)") from None
    if top is None:
        raise GitError(f"{path} is inside a bare git repository: no work tree to compare")
    root = Path(top).resolve()
    rel = os.path.relpath(target.resolve(), root)
    if rel == ".." or rel.startswith(".." + os.sep):
        raise GitError(f"{path} is outside the work tree of {root}")
    return RepoPath(root, Path(rel).as_posix())


@contextmanager
def _open(path: Path, *, search_parents: bool = False) -> Iterator[Any]:
    import git

    repo = git.Repo(path, search_parent_directories=search_parents)
    try:
        yield repo
    finally:
        repo.close()  # ends the persistent `git cat-file` helpers


def resolve(root: Path, ref: str, *, side: str = "base") -> Revision:
    """Resolve ``ref`` to a commit that is present locally, or raise a one-line GitError.

    A branch name that exists only as ``origin/<ref>`` (the usual CI checkout) resolves to it.
    """
    import git
    from git.exc import BadName, BadObject

    if not ref.strip() or ref.startswith("-"):
        raise GitError(f"{side} ref {ref!r} is not a valid git revision")
    with _open(root) as repo:
        shallow = (Path(repo.git_dir) / "shallow").is_file()
        for candidate in (ref, f"origin/{ref}"):
            try:
                obj = repo.rev_parse(candidate)
            except (BadName, BadObject, ValueError, IndexError, git.GitCommandError):
                continue
            while obj.type == "tag":
                obj = obj.object
            if obj.type != "commit":
                raise GitError(f"{side} ref {ref!r} names a {obj.type}, not a commit")
            try:
                obj.tree  # noqa: B018  (the commit object itself must be readable)
            except (ValueError, BadObject, BadName) as exc:
                raise _missing(ref, side, shallow) from exc
            return Revision(ref, obj.hexsha)
    raise _missing(ref, side, shallow)


def _missing(ref: str, side: str, shallow: bool) -> GitError:
    where = " (this clone is shallow)" if shallow else ""
    return GitError(
        f"{side} ref '{ref}' not found{where}; fetch it with `git fetch --depth=1 origin {ref}`"
    )


def export_tree(root: Path, revision: Revision, dest: Path) -> list[Diagnostic]:
    """Write every file of ``revision`` under ``dest`` (created, must be empty or absent).

    Reads tree and blob objects only; returns diagnostics for what was skipped.
    """
    import git

    dest.mkdir(parents=True, exist_ok=True)
    diagnostics: list[Diagnostic] = []
    links: list[tuple[str, bytes]] = []
    with _open(root) as repo:
        tree = repo.commit(revision.hexsha).tree
        for item in tree.traverse():
            path = item.path
            if not _safe(path):
                diagnostics.append(_diag("git_unsafe_path", f"{path!r}: unsafe path in "
                                         f"{revision.ref}; skipped", revision))
                continue
            mode = item.mode
            if isinstance(item, git.Submodule) or mode == _MODE_GITLINK:
                diagnostics.append(_diag("git_submodule_skipped", f"{path}: submodule at "
                                         f"{revision.ref} skipped (its files are not in this "
                                         "repository's objects)", revision))
                continue
            if item.type == "tree":
                (dest / path).mkdir(exist_ok=True)
                continue
            stream = repo.odb.stream(item.binsha)  # header read; data still in the pipe
            if stream.size > MAX_BLOB_BYTES:
                diagnostics.append(_diag("git_file_too_large", f"{path}: {stream.size} bytes "
                                         f"at {revision.ref}, over 10 MB; skipped", revision))
                _drain(stream)
                continue
            data = stream.read()
            if mode == _MODE_LINK:
                links.append((path, data))
            else:
                (dest / path).write_bytes(data)
    for path, target in links:
        diagnostics.extend(_link(dest, path, target, revision))
    return diagnostics


def _drain(stream: Any) -> None:
    """Consume a skipped blob in chunks (the batch pipe must be read before the next one)."""
    while stream.read(1 << 20):
        pass


def _safe(path: str) -> bool:
    parts = path.split("/")
    return not any(p in _FORBIDDEN_NAMES or p.lower() == ".git" or "\0" in p or "\\" in p
                   for p in parts)


def _link(dest: Path, path: str, raw: bytes, revision: Revision) -> list[Diagnostic]:
    """Recreate a symlink whose target stays inside the export; skip anything else."""
    target = raw.decode("utf-8", "surrogateescape")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if (target.startswith("/") or "\0" in target or resolved == ".."
            or resolved.startswith("../")):
        return [_diag("git_symlink_outside", f"{path}: symlink to {target!r} leaves the "
                      f"repository at {revision.ref}; skipped", revision)]
    (dest / path).symlink_to(target)
    return []


def _diag(code: str, message: str, revision: Revision) -> Diagnostic:
    return Diagnostic(code=code, message=f"{message} ({revision.short})", level="warning")

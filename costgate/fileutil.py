"""Writing files whole or not at all: a temp file in the same directory, then ``os.replace``.

Every output costgate writes (reports, caches, rate tables) goes through here, so an error or
a kill mid-write never leaves a half-written file where a reader looks.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

#: File names read as Terraform configuration (HCL and JSON syntax, Terraform and OpenTofu).
TERRAFORM_SUFFIXES = (".tf", ".tofu", ".tf.json", ".tofu.json")


def cache_root(env: Mapping[str, str] = os.environ) -> Path:
    """The one user cache folder (prices, index, HCL and project caches, rates).

    ``$COSTGATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/costgate``, else ``~/.cache/costgate``.
    """
    configured = env.get("COSTGATE_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    xdg = env.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "costgate"


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically; raises OSError."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_cache_file(path: Path, text: str) -> None:
    """Best-effort atomic write for caches: a read-only home must not fail the run."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    except OSError:
        pass

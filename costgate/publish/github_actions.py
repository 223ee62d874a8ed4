"""GitHub Actions runner channels: job summary, step outputs, annotations, masking.

Everything here writes text the runner parses, and some of that text comes from the pull
request (resource addresses, tag values), so: outputs use a fresh random heredoc delimiter per
write; annotation data and properties are escaped as the Actions toolkit does; anything
echoed from Terraform goes inside ``::stop-commands::`` with a random token. Annotations are
capped at 10 per level per step (GitHub drops the rest), with one notice for the overflow.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from costgate.errors import InputError

#: GitHub drops a step summary over 1 MiB (and shows an error instead).
SUMMARY_MAX_BYTES = 1024 * 1024
#: Annotations shown per level per step.
ANNOTATIONS_PER_LEVEL = 10
LEVELS = ("error", "warning", "notice")


def escape_data(text: str) -> str:
    """Message escaping: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Property escaping: the message rules plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str | int | None) -> str:
    """One workflow command line, e.g. ``::error file=a.tf,line=3::text``."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items()
                     if v is not None and v != "")
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


@dataclass
class Annotations:
    """Collects annotations and prints at most 10 per level, then one overflow notice."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, level: str, message: str, *, title: str = "", file: str = "",
            line: int | None = None) -> None:
        """Print the annotation now, or count it as overflow."""
        if level not in LEVELS:
            raise ValueError(f"unknown annotation level {level!r}")
        n = self.counts.get(level, 0) + 1
        self.counts[level] = n
        if n <= ANNOTATIONS_PER_LEVEL:
            print(command(level, message, file=file or None, line=line, title=title or None),
                  file=self.out)

    def finish(self) -> None:
        """One notice counting what was not shown (it goes to the job summary instead)."""
        hidden = sum(max(0, n - ANNOTATIONS_PER_LEVEL) for n in self.counts.values())
        if hidden:
            print(command("notice", f"{hidden} more costgate findings in the job summary",
                          title="costgate"), file=self.out)


def add_mask(value: str, out: TextIO | None = None) -> None:
    """Ask the runner to mask ``value`` in all later log output (before it could print)."""
    for line in value.splitlines():
        if line.strip():
            print(f"::add-mask::{escape_data(line)}", file=out or sys.stdout)


@contextmanager
def stop_commands(out: TextIO | None = None) -> Iterator[None]:
    """Suspend workflow-command parsing while echoing untrusted text (Terraform, HCL)."""
    stream = out or sys.stdout
    token = secrets.token_hex(16)
    print(f"::stop-commands::{token}", file=stream)
    try:
        yield
    finally:
        stream.flush()
        print(f"::{token}::", file=stream)


def write_outputs(path: str | Path, values: Mapping[str, str]) -> None:
    """Append ``name<<DELIM`` … ``DELIM`` blocks, with a fresh random delimiter per value."""
    chunks = []
    for name, value in values.items():
        if not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"bad output name {name!r}")
        delim = f"ghadelimiter_{secrets.token_hex(16)}"
        while delim in value:  # pragma: no cover - 128 random bits
            delim = f"ghadelimiter_{secrets.token_hex(16)}"
        chunks.append(f"{name}<<{delim}\n{value}\n{delim}\n")
    _append(path, "".join(chunks), "GITHUB_OUTPUT")


def write_summary(path: str | Path, markdown: str) -> bool:
    """Append the job summary; over 1 MiB it is cut with a note. False when it was cut."""
    data = markdown if markdown.endswith("\n") else markdown + "\n"
    encoded = data.encode("utf-8")
    fits = len(encoded) <= SUMMARY_MAX_BYTES - 1024
    if not fits:
        note = "\n\n…truncated: the report is larger than GitHub's 1 MiB job summary limit.\n"
        cut = encoded[: SUMMARY_MAX_BYTES - 1024 - len(note.encode())]
        data = cut.decode("utf-8", errors="ignore") + note
    _append(path, data, "GITHUB_STEP_SUMMARY")
    return fits


def _append(path: str | Path, text: str, var: str) -> None:
    """Runner files are appended to (other steps share them), never replaced."""
    try:
        with open(path, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        raise InputError(f"{path} ({var}): cannot write: {exc.strerror or exc}") from exc

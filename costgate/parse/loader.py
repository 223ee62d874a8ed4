"""Entry point of the reader: bytes on disk → :class:`ParsedInput`.

Reads the file once, refuses it *before* reading when it is over :data:`MAX_INPUT_BYTES`,
decodes ``utf-8-sig``, parses numbers as ``Decimal`` and recognises what it was given: a
plan (``format_version`` 0.x/1.x), an HCP Terraform redacted plan (``plan_format_version``),
``terraform show -json`` state (``values`` only), a raw ``terraform.tfstate`` (version 4),
a Terraform test golden without ``terraform_version``, or output captured through the
setup-terraform wrapper. Everything else is one clear :class:`PlanError` line; the raw JSON
and its values never appear in a message.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.errors import PlanError
from costgate.model.resource import Diagnostic, ParsedInput, PlanMetadata
from costgate.parse.plan import ChangeReader, plan_diagnostics
from costgate.parse.references import references_from_configuration
from costgate.parse.region import RegionResolver
from costgate.parse.state import read_raw_state, read_values
from costgate.parse.values import ResourceBuilder

#: Largest input accepted (1 GiB): real plans are a few MB; the parsed form needs ~10× RAM.
MAX_INPUT_BYTES = 1 << 30
_WRAPPER_MARKERS = ("[command]", "::debug::", "::set-output", "::group::")
#: Keys that make a JSON object look like Terraform output (for picking wrapper lines).
_TOP_KEYS = ("format_version", "plan_format_version", "resource_changes", "values")
_PLAN_KEYS = (
    "resource_changes",
    "planned_values",
    "configuration",
    "prior_state",
    "output_changes",
    "resource_drift",
    "variables",
)


def load_input(
    path: Path,
    *,
    default_regions: Mapping[str, str] | None = None,
    region_override: Mapping[str, str] | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
) -> ParsedInput:
    """Read a plan or state file (``-`` is stdin) into a :class:`ParsedInput`."""
    source = str(path)
    raw = _read_bytes(path, max_bytes)
    # The reader builds millions of containers and no cycles: the cyclic GC would only
    # re-scan the growing heap over and over (most of json.load's time on a 10k-resource plan).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        data, diagnostics = decode_document(raw, source)
        del raw
        parsed = parse_document(
            data, source, default_regions=default_regions, region_override=region_override
        )
    finally:
        if gc_was_enabled:
            gc.enable()
    if diagnostics:
        parsed = parsed.model_copy(update={"diagnostics": (*diagnostics, *parsed.diagnostics)})
    return parsed


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    source = str(path)
    if source == "-":
        raw = sys.stdin.buffer.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise PlanError(f"stdin: input is larger than the {_size(max_bytes)} limit")
        return raw
    try:
        size = os.stat(path).st_size
        if path.is_dir():
            raise PlanError(f"{source}: is a directory, not a plan file")
        if size > max_bytes:
            raise PlanError(
                f"{source}: file is {_size(size)}, over the {_size(max_bytes)} limit for plan input"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise PlanError(f"{source}: no such file") from None
    except PermissionError:
        raise PlanError(f"{source}: permission denied") from None
    except MemoryError:
        raise PlanError(f"{source}: not enough memory to read the file") from None
    except OSError as exc:
        raise PlanError(
            f"{source}: cannot read file ({exc.strerror or type(exc).__name__})"
        ) from None


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} bytes"


def _loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def decode_document(raw: bytes, source: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Bytes → a JSON object, with wrapper pollution stripped; raises :class:`PlanError`."""
    if raw.startswith(b"PK\x03\x04"):
        raise PlanError(
            f"{source}: this is a binary plan file; convert it with "
            "'terraform show -json tfplan > plan.json'"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanError(f"{source}: not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise PlanError(f"{source}: file is empty")
    diagnostics: list[Diagnostic] = []
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        data = _from_wrapper(text)
        if data is None:
            raise PlanError(_decode_message(source, text, exc)) from None
        diagnostics.append(
            Diagnostic.model_construct(
                code="wrapper-output",
                message="took the plan JSON from CI wrapper output (set terraform_wrapper: false "
                "in hashicorp/setup-terraform to avoid this)",
                level="info",
            )
        )
    except RecursionError:
        raise PlanError(
            f"{source}: JSON is nested too deeply (more than about "
            f"{sys.getrecursionlimit()} levels); not a Terraform plan"
        ) from None
    except MemoryError:
        raise PlanError(f"{source}: not enough memory to parse the file") from None
    except ValueError as exc:  # e.g. integers over Python's 4300-digit conversion limit
        raise PlanError(f"{source}: invalid JSON value ({_first_line(str(exc))})") from None
    if not isinstance(data, dict):
        raise PlanError(
            f"{source}: JSON but not a Terraform plan or state: top level is "
            f"{_json_type(data)}, expected an object"
        )
    return data, diagnostics


def _from_wrapper(text: str) -> dict[str, Any] | None:
    """The first line that starts with ``{`` and parses as an object (setup-terraform)."""
    for line in text.splitlines():
        if line.lstrip().startswith("{"):
            try:
                data = _loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(data, dict) and any(key in data for key in _TOP_KEYS):
                return data
    return None


def _decode_message(source: str, text: str, exc: json.JSONDecodeError) -> str:
    if any(marker in text for marker in _WRAPPER_MARKERS):
        return (
            f"{source}: looks like CI wrapper output but no line holds a complete plan; set "
            "terraform_wrapper: false in hashicorp/setup-terraform"
        )
    if exc.pos >= len(text.rstrip()):
        return f"{source}: JSON is truncated (ends unexpectedly at line {exc.lineno})"
    hint = ""
    if text.lstrip()[:1] not in ("{", "["):
        hint = (
            "; if it was captured in CI, set terraform_wrapper: false in hashicorp/setup-terraform"
        )
    return f"{source}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}){hint}"


def _first_line(text: str) -> str:
    return text.splitlines()[0][:200] if text else "bad value"


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _major(version: Any, source: str, key: str) -> int:
    if not isinstance(version, str):
        raise PlanError(f"{source}: {key} is not a string")
    head = version.split(".", 1)[0]
    if not head.isdigit():
        raise PlanError(f"{source}: {key} {version[:20]!r} is not a version number")
    return int(head)


def parse_document(
    data: Mapping[str, Any],
    source: str,
    *,
    default_regions: Mapping[str, str] | None = None,
    region_override: Mapping[str, str] | None = None,
) -> ParsedInput:
    """Classify an already-decoded JSON object and read every managed resource change."""
    if not isinstance(data, Mapping):
        raise PlanError(f"{source}: JSON but not a Terraform plan or state: expected an object")
    doc: dict[str, Any] = dict(data)
    resolver = RegionResolver(doc, default_regions=default_regions, region_override=region_override)
    reader = ChangeReader(ResourceBuilder(resolver))
    kind = "plan"
    version: str | None = None
    tf_version = doc.get("terraform_version")
    if "plan_format_version" in doc:
        kind, version = "redacted-plan", _checked_version(doc, "plan_format_version", source)
    elif "format_version" in doc:
        version = _checked_version(doc, "format_version", source)
        if not any(key in doc for key in _PLAN_KEYS):
            kind = "state"
    elif "resource_changes" in doc:
        reader.warn("no-format-version", "plan has no format_version; read as format 1.x")
    elif isinstance(doc.get("values"), dict) and "root_module" in doc["values"]:
        kind = "state"
    elif isinstance(doc.get("version"), int) and isinstance(doc.get("resources"), list):
        kind = "state"
        if doc["version"] != 4:
            raise PlanError(
                f"{source}: raw state version {doc['version']} is not supported; use "
                "'terraform show -json' on it instead"
            )
    else:
        raise PlanError(
            f"{source}: JSON but not a Terraform plan or state: no format_version, "
            "resource_changes or values"
        )

    if kind == "state":
        if "values" in doc:
            read_values(reader, doc.get("values"), "values")
        elif "resources" in doc:
            read_raw_state(reader, doc)
    else:
        _read_plan(doc, reader)

    diagnostics = [*plan_diagnostics(doc), *reader.diagnostics, *resolver.diagnostics()]
    metadata = PlanMetadata.model_construct(
        kind=kind,
        format_version=version,
        terraform_version=tf_version if isinstance(tf_version, str) else None,
        errored=doc.get("errored") is True,
        complete=doc.get("complete") is not False,
        applyable=doc.get("applyable") is not False,
        source=source,
    )
    return ParsedInput.model_construct(
        changes=tuple(reader.changes),
        metadata=metadata,
        diagnostics=tuple(diagnostics),
        references=references_from_configuration(doc.get("configuration")),
    )


def _checked_version(doc: Mapping[str, Any], key: str, source: str) -> str:
    version = doc[key]
    if _major(version, source, key) >= 2:
        raise PlanError(
            f"{source}: {key} {version[:20]} is not supported (costgate reads plan formats 0.x "
            "and 1.x)"
        )
    return str(version)


def _read_plan(doc: Mapping[str, Any], reader: ChangeReader) -> None:
    changes = doc.get("resource_changes")
    if changes:
        reader.read_all(changes)
    else:
        prior = doc.get("prior_state")
        values = prior.get("values") if isinstance(prior, dict) else None
        count = read_values(reader, values, "prior_state")
        reader.diagnostics.append(
            Diagnostic.model_construct(
                code="no-changes",
                message="the plan has no resource changes"
                + (f"; {count} resource(s) from prior_state are shown unchanged" if count else ""),
                level="info",
            )
        )
    deferred = doc.get("deferred_changes")
    for number, item in enumerate(deferred if isinstance(deferred, list) else ()):
        rc = item.get("resource_change") if isinstance(item, dict) else None
        reader.read_one(rc, number, "deferred_changes", deferred=True)

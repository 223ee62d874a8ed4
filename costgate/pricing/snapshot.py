"""The price snapshot on disk: build it reproducibly, read it back, verify it.

Layout (text, diff-friendly, compressed)::

    manifest.json                 plain JSON: id, inputs (sha256, price dates), counts, dedupe
    <provider>/<service-slug>.jsonl.gz   one compact JSON record per line, sorted
    choices.jsonl.gz              every dedupe decision (kept vs dropped)

Lines omit ``provider``/``service`` (the file says them) and fields at their default; prices
are Decimal strings. gzip is written with ``mtime=0`` and no file name, lines are sorted and
the snapshot id is the sha256 of the manifest body, so the same input gives the same bytes
(with the same zlib). The build writes into a temp folder next to ``out_dir`` and swaps it in,
so a failed build leaves the previous snapshot untouched. Dedupe rules: see
:mod:`costgate.pricing.snapshot_dedupe`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from costgate.errors import PricingDataError
from costgate.model.base import Frozen
from costgate.model.money import money_str
from costgate.model.pricing import PriceRecord, PurchaseOption, Trust
from costgate.pricing.snapshot_dedupe import Choice, DedupeSummary, dedupe
from costgate.pricing.sources import SourceInfo, file_sha256

FORMAT = 1
MANIFEST = "manifest.json"
CHOICES = "choices.jsonl.gz"


class SnapshotFile(Frozen):
    """One data file of the snapshot."""

    path: str
    provider: str
    service: str
    rows: int
    regions: int
    sha256: str
    size: int


class SourceEntry(Frozen):
    """One build input with what the build read from it."""

    source_id: str
    provider: str
    path: str
    sha256: str
    size: int
    importer: str
    trust: Trust
    licence: str
    companions: dict[str, str] = {}
    rows_read: int = 0
    rows_kept: int = 0
    price_date_min: dt.date | None = None
    price_date_max: dt.date | None = None


class ProviderSummary(Frozen):
    """Counts for one provider."""

    rows: int
    regions: list[str]
    services: dict[str, int]
    price_date_min: dt.date | None = None
    price_date_max: dt.date | None = None


class Manifest(Frozen):
    """``manifest.json``: everything ``pricing info`` shows, and the file checksums."""

    format: int = FORMAT
    snapshot_id: str
    published: dt.date | None  # newest price date in the snapshot
    rows: int
    providers: dict[str, ProviderSummary]
    files: list[SnapshotFile]
    sources: list[SourceEntry]
    dedupe: DedupeSummary
    choices_file: str = CHOICES
    choices_sha256: str = ""


# -- record <-> line ---------------------------------------------------------------------


def record_to_json(rec: PriceRecord) -> dict[str, Any]:
    """The compact JSON form of one record (provider and service left to the file)."""
    out: dict[str, Any] = {}
    if rec.region is not None:
        out["region"] = rec.region
    if rec.product_family:
        out["product_family"] = rec.product_family
    if rec.attributes:
        out["attributes"] = dict(sorted(rec.attributes.items()))
    if rec.purchase_option is not PurchaseOption.ON_DEMAND:
        out["purchase_option"] = rec.purchase_option.value
    if rec.term is not None:
        out["term"] = rec.term
    if rec.payment is not None:
        out["payment"] = rec.payment
    out["unit"] = rec.unit
    out["price"] = money_str(rec.price)
    if rec.currency != "USD":
        out["currency"] = rec.currency
    if rec.tier_start:
        out["tier_start"] = money_str(rec.tier_start)
    if rec.tier_end is not None:
        out["tier_end"] = money_str(rec.tier_end)
    out["native_id"] = rec.native_id
    prov: dict[str, Any] = {
        "source": rec.provenance.source,
        "source_file": rec.provenance.source_file,
        "price_date": rec.provenance.price_date.isoformat(),
        "trust": rec.provenance.trust.value,
    }
    if rec.provenance.location_raw is not None:
        prov["location_raw"] = rec.provenance.location_raw
    out["provenance"] = prov
    return out


def record_line(rec: PriceRecord) -> str:
    """One line of a data file (no newline)."""
    return json.dumps(record_to_json(rec), ensure_ascii=False, separators=(",", ":"))


def record_from_line(line: str | bytes, provider: str, service: str) -> PriceRecord:
    """Parse one data line back into a validated record (raises ValueError/ValidationError)."""
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("line is not a JSON object")
    data["provider"] = provider
    data["service"] = service
    return PriceRecord.model_validate(data)


def service_slug(service: str) -> str:
    """File-name form of a service name: ``Virtual Machines`` → ``virtual-machines``."""
    slug = re.sub(r"[^a-z0-9]+", "-", service.lower()).strip("-")
    return slug or "unnamed"


# -- writing -----------------------------------------------------------------------------


def _gzip_bytes(lines: Iterable[str]) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        for line in lines:
            gz.write(line.encode("utf-8"))
            gz.write(b"\n")
    return buf.getvalue()


def build_snapshot(
    records: Iterable[PriceRecord], out_dir: Path, *, sources: Sequence[SourceInfo]
) -> Manifest:
    """Dedupe ``records`` and write a snapshot to ``out_dir`` atomically; return its manifest."""
    files_by_service: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    read_per_file: Counter[str] = Counter()
    date_range: dict[str, tuple[dt.date, dt.date]] = {}
    kept, choices, summary = dedupe(records, read_per_file, date_range, record_line)

    kept_per_file: Counter[str] = Counter()
    provider_dates: dict[str, tuple[dt.date, dt.date]] = {}
    for provider, service, region, item in kept:
        kept_per_file[item.source_file] += 1
        lo, hi = provider_dates.get(provider, (item.date, item.date))
        provider_dates[provider] = (min(lo, item.date), max(hi, item.date))
        files_by_service[(provider, service)].append((region or "", item.line))
    del kept

    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _check_replaceable(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=out_dir.parent))
    try:
        manifest = _write_all(tmp, files_by_service, choices, summary, sources,
                              read_per_file, kept_per_file, date_range, provider_dates)
        _carry_over(out_dir, tmp, {f.path.split("/")[0] for f in manifest.files})
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _write_all(
    tmp: Path,
    files_by_service: dict[tuple[str, str], list[tuple[str, str]]],
    choices: list[Choice],
    summary: DedupeSummary,
    sources: Sequence[SourceInfo],
    read_per_file: Counter[str],
    kept_per_file: Counter[str],
    date_range: dict[str, tuple[dt.date, dt.date]],
    provider_dates: dict[str, tuple[dt.date, dt.date]],
) -> Manifest:
    files: list[SnapshotFile] = []
    providers: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for (provider, service), rows in sorted(files_by_service.items()):
        rows.sort()
        rel = f"{provider}/{service_slug(service)}.jsonl.gz"
        if rel in used:
            raise PricingDataError(f"two services map to one snapshot file {rel}")
        used.add(rel)
        data = _gzip_bytes(line for _, line in rows)
        (tmp / provider).mkdir(exist_ok=True)
        (tmp / rel).write_bytes(data)
        regions = {region for region, _ in rows}
        files.append(SnapshotFile(
            path=rel, provider=provider, service=service, rows=len(rows), regions=len(regions),
            sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        ))
        p = providers.setdefault(provider, {"rows": 0, "regions": set(), "services": {}})
        p["rows"] += len(rows)
        p["regions"].update(r for r in regions if r)
        p["services"][service] = len(rows)

    choice_bytes = _gzip_bytes(sorted(c.line() for c in choices))
    (tmp / CHOICES).write_bytes(choice_bytes)

    entries = []
    for info in sources:
        lo_hi = [date_range[f] for f in (info.path, *(c for c, _ in info.companions))
                 if f in date_range]
        entries.append(SourceEntry(
            source_id=info.source_id, provider=info.provider, path=info.path,
            sha256=info.sha256, size=info.size, importer=info.importer, trust=info.trust,
            licence=info.licence, companions=dict(info.companions),
            rows_read=read_per_file[info.path] + sum(read_per_file[c] for c, _ in info.companions),
            rows_kept=kept_per_file[info.path] + sum(kept_per_file[c] for c, _ in info.companions),
            price_date_min=min((lo for lo, _ in lo_hi), default=None),
            price_date_max=max((hi for _, hi in lo_hi), default=None),
        ))
    provider_models: dict[str, ProviderSummary] = {}
    for name, p in sorted(providers.items()):
        lo, hi = provider_dates[name]
        provider_models[name] = ProviderSummary(
            rows=p["rows"], regions=sorted(p["regions"]), services=dict(sorted(p["services"].items())),
            price_date_min=lo, price_date_max=hi,
        )
    body: dict[str, Any] = {
        "format": FORMAT,
        "snapshot_id": "",
        "published": max((p.price_date_max for p in provider_models.values()
                          if p.price_date_max), default=None),
        "rows": sum(f.rows for f in files),
        "providers": provider_models,
        "files": files,
        "sources": entries,
        "dedupe": summary,
        "choices_file": CHOICES,
        "choices_sha256": hashlib.sha256(choice_bytes).hexdigest(),
    }
    draft = Manifest.model_validate(body)
    digest = hashlib.sha256(_manifest_text(draft).encode()).hexdigest()
    manifest = draft.model_copy(update={"snapshot_id": digest[:16]})
    (tmp / MANIFEST).write_text(_manifest_text(manifest), encoding="utf-8")
    return manifest


def _manifest_text(manifest: Manifest) -> str:
    return json.dumps(manifest.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"


def _check_replaceable(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise PricingDataError(f"{out_dir}: exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
        raise PricingDataError(f"{out_dir}: not empty and not a price snapshot; refusing to replace it")


def _carry_over(out_dir: Path, tmp: Path, new_dirs: set[str]) -> None:
    """Keep files that are not ours (e.g. a README) when replacing an old snapshot."""
    if not out_dir.is_dir():
        return
    old_dirs: set[str] = set()
    try:
        old_dirs = {f.path.split("/")[0] for f in load_manifest(out_dir).files}
    except PricingDataError:
        pass
    for entry in out_dir.iterdir():
        name = entry.name
        if name in (MANIFEST, CHOICES) or name in new_dirs or name in old_dirs:
            continue
        if entry.is_dir():
            shutil.copytree(entry, tmp / name, symlinks=True)
        else:
            shutil.copy2(entry, tmp / name)


def _swap(tmp: Path, out_dir: Path) -> None:
    """Put ``tmp`` in place of ``out_dir``; the old folder is removed only after the swap."""
    os.chmod(tmp, 0o755)
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    os.replace(out_dir, old / "snapshot")
    try:
        os.replace(tmp, out_dir)
    except BaseException:
        os.replace(old / "snapshot", out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


# -- reading -----------------------------------------------------------------------------


def load_manifest(snapshot_dir: Path) -> Manifest:
    """Read and validate ``manifest.json``; a bad one raises PricingDataError naming it."""
    path = snapshot_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = Manifest.model_validate(data)
    except FileNotFoundError:
        raise PricingDataError(f"{path}: not found (not a price snapshot)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PricingDataError(f"{path}: unreadable price snapshot manifest ({exc})") from None
    except ValidationError as exc:
        raise PricingDataError(
            f"{path}: not a costgate price snapshot manifest ({exc.error_count()} field errors)"
        ) from None
    if manifest.format != FORMAT:
        raise PricingDataError(f"{path}: snapshot format {manifest.format}, expected {FORMAT}")
    return manifest


def check_files(snapshot_dir: Path, manifest: Manifest, *, hashes: bool = False) -> None:
    """Raise PricingDataError if a data file is missing, resized or (``hashes``) altered."""
    for f in manifest.files:
        path = snapshot_dir / f.path
        try:
            size = path.stat().st_size
        except OSError:
            raise PricingDataError(f"{path}: missing from price snapshot {manifest.snapshot_id}") from None
        if size != f.size or (hashes and file_sha256(path) != f.sha256):
            raise PricingDataError(
                f"{path}: corrupt price file (size or checksum differs from manifest.json)"
            )


def read_data_file(snapshot_dir: Path, f: SnapshotFile) -> list[bytes]:
    """The verified, decompressed lines of one data file."""
    path = snapshot_dir / f.path
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PricingDataError(f"{path}: cannot read price file ({exc.strerror})") from None
    if hashlib.sha256(raw).hexdigest() != f.sha256:
        raise PricingDataError(f"{path}: corrupt price file (checksum differs from manifest.json)")
    try:
        text = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise PricingDataError(f"{path}: corrupt gzip data ({exc})") from None
    return text.splitlines()


def iter_snapshot_records(snapshot_dir: Path) -> Iterator[PriceRecord]:
    """Every record of a snapshot, validated, file by file."""
    manifest = load_manifest(snapshot_dir)
    for f in manifest.files:
        n = 0
        try:
            for n, line in enumerate(read_data_file(snapshot_dir, f), 1):  # noqa: B007
                yield record_from_line(line, f.provider, f.service)
        except (ValueError, ValidationError) as exc:
            raise PricingDataError(
                f"{snapshot_dir / f.path}:{n}: bad price record ({_first_line(exc)})"
            ) from None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

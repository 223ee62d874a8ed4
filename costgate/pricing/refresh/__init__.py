"""Live price refresh: download current list prices and replace the user's price cache.

``run_update`` downloads from the providers (``aws``, ``azure``, ``google`` modules) and the
ECB (``ecb``), merges the fresh records with the current snapshot, writes a new snapshot with
``costgate.pricing.snapshot.build_snapshot`` into a staging dir inside the user cache and swaps
it in as ``<cache>/prices``. Every download is verified; any failure raises before the swap,
so the previous user cache stays byte-identical. The shipped snapshot is never written.

Merge rule: a fresh record replaces the current snapshot's records of the same provider,
service, region *and source id* (e.g. the shipped ``azure-retail`` rows of a region that was
just refreshed); everything else — other providers, other regions, other sources such as
derived pricing-page rows — is kept, and the store's source choice (trust, then newest date)
prefers the fresh RAW rows where both answer a query.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from costgate.errors import ConfigError, CostgateError, PricingDataError
from costgate.model.pricing import PriceRecord, Provenance, Trust
from costgate.pricing.refresh.http import Http, HttpSettings, NoProgress, Progress
from costgate.pricing.sources import SourceInfo
from costgate.pricing.store import user_cache_dir

DEFAULT_URLS: Mapping[str, str] = {
    "aws": "https://pricing.us-east-1.amazonaws.com",
    "azure": "https://prices.azure.com",
    "google": "https://cloudbilling.googleapis.com",
    "ecb": "https://www.ecb.europa.eu",
}
PROVIDERS = ("aws", "azure", "google")


@dataclass(frozen=True)
class Settings:
    """Endpoints, transport knobs and the cache location (all overridable from the env)."""

    aws_url: str = DEFAULT_URLS["aws"]
    azure_url: str = DEFAULT_URLS["azure"]
    gcp_url: str = DEFAULT_URLS["google"]
    ecb_url: str = DEFAULT_URLS["ecb"]
    http: HttpSettings = field(default_factory=HttpSettings)
    cache_dir: Path = field(default_factory=user_cache_dir)
    google_api_key: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Read ``COSTGATE_*_URL``, ``COSTGATE_HTTP_*``, ``COSTGATE_CACHE_DIR``, ``GOOGLE_API_KEY``."""
        http = HttpSettings(
            connect_timeout=_float(env, "COSTGATE_HTTP_CONNECT_TIMEOUT", 10.0),
            read_timeout=_float(env, "COSTGATE_HTTP_TIMEOUT", 60.0),
            retries=int(_float(env, "COSTGATE_HTTP_RETRIES", 4)),
            backoff=_float(env, "COSTGATE_HTTP_BACKOFF", 1.0),
            backoff_max=_float(env, "COSTGATE_HTTP_BACKOFF_MAX", 30.0),
        )
        return cls(
            aws_url=env.get("COSTGATE_AWS_PRICING_URL", DEFAULT_URLS["aws"]).rstrip("/"),
            azure_url=env.get("COSTGATE_AZURE_PRICING_URL", DEFAULT_URLS["azure"]).rstrip("/"),
            gcp_url=env.get("COSTGATE_GCP_PRICING_URL", DEFAULT_URLS["google"]).rstrip("/"),
            ecb_url=env.get("COSTGATE_ECB_URL", DEFAULT_URLS["ecb"]).rstrip("/"),
            http=http,
            cache_dir=user_cache_dir(env),
            google_api_key=env.get("GOOGLE_API_KEY") or None,
        )


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number") from None
    if number < 0:
        raise ConfigError(f"{name}={value!r} must not be negative")
    return number


@dataclass
class FetchContext:
    """What a provider fetcher needs: transport, settings, a scratch dir and sinks."""

    http: Http
    settings: Settings
    workdir: Path
    today: dt.date
    currency: str = "USD"
    sources: list[SourceInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    on_note: Callable[[str], None] | None = None

    def add_source(self, info: SourceInfo) -> None:
        """Record one download as a snapshot build input."""
        self.sources.append(info)

    def note(self, message: str) -> None:
        """A warning worth showing (a skipped offer, an empty region), not an error."""
        self.notes.append(message)
        if self.on_note is not None:
            self.on_note(message)


def live_source(
    source_id: str, provider: str, url: str, sha256: str, size: int, importer: str, trust: Trust
) -> SourceInfo:
    """A build input for a download: its public URL (no query, no key) stands for the path."""
    return SourceInfo(
        source_id=source_id,
        provider=provider,
        path=url,
        sha256=sha256,
        size=size,
        importer=importer,
        trust=trust,
        licence="provider list prices (public endpoint)",
    )


def relabel(records: Iterable[PriceRecord], url: str) -> Iterator[PriceRecord]:
    """Point each record's ``provenance.source_file`` at the URL it was downloaded from."""
    cache: dict[Provenance, Provenance] = {}
    for record in records:
        prov = record.provenance
        if prov.source_file == url:
            yield record
            continue
        new = cache.get(prov)
        if new is None:
            new = cache[prov] = prov.model_copy(update={"source_file": url})
        yield record.model_copy(update={"provenance": new})


@dataclass(frozen=True)
class UpdatePlan:
    """What to refresh: providers, their regions and services, the currency, the rates."""

    providers: tuple[str, ...]
    regions: Mapping[str, tuple[str, ...]]
    services: Mapping[str, tuple[str, ...]]
    currency: str = "USD"
    rates: bool = True


@dataclass
class UpdateResult:
    """What a successful update did (for the command's summary)."""

    snapshot_dir: Path
    records: dict[str, int]
    kept: int
    downloads: int
    rates_date: dt.date | None
    notes: list[str]
    snapshot_id: str | None = None


def run_update(
    plan: UpdatePlan,
    settings: Settings,
    *,
    progress: Progress | None = None,
    on_note: Callable[[str], None] | None = None,
    today: dt.date | None = None,
) -> UpdateResult:
    """Download, verify, merge and atomically install a new user price snapshot.

    Any CostgateError leaves ``<cache>/prices`` as it was, and its message says so.
    """
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(settings.cache_dir):
        return _staged(plan, settings, progress, on_note, today)


def _staged(
    plan: UpdatePlan,
    settings: Settings,
    progress: Progress | None,
    on_note: Callable[[str], None] | None,
    today: dt.date | None,
) -> UpdateResult:
    staging = Path(tempfile.mkdtemp(prefix=".prices-update-", dir=settings.cache_dir))
    secrets = [settings.google_api_key] if settings.google_api_key else []
    try:
        with Http(settings.http, progress=progress or NoProgress(), secrets=secrets) as http:
            ctx = FetchContext(
                http=http,
                settings=settings,
                workdir=staging / "downloads",
                today=today or dt.datetime.now(dt.timezone.utc).date(),
                currency=plan.currency,
                on_note=on_note,
            )
            return _run(plan, ctx, staging)
    except CostgateError as exc:
        raise type(exc)(f"{exc}; prices unchanged") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run(plan: UpdatePlan, ctx: FetchContext, staging: Path) -> UpdateResult:
    from costgate.pricing import snapshot
    from costgate.pricing.refresh import aws, azure, ecb, google

    fetchers = {"aws": aws.fetch, "azure": azure.fetch, "google": google.fetch}
    cache = ctx.settings.cache_dir
    target = cache / "prices"
    rates = ecb.fetch_rates(ctx) if plan.rates else None
    base = current_snapshot(target, ctx.note)
    counts = dict.fromkeys(plan.providers, 0)
    replaced: set[tuple[str, str, str | None, str]] = set()
    kept = 0
    # The build dedupes (consumes every record) before it reads ``sources``; downloads
    # register theirs as they go, so the list is completed when ``merged()`` ends.
    sources: list[SourceInfo] = []

    def merged() -> Iterator[PriceRecord]:
        nonlocal kept
        for provider in plan.providers:
            fetch = fetchers[provider]
            for record in fetch(ctx, plan.regions[provider], plan.services[provider]):
                counts[provider] += 1
                replaced.add(_partition(record))
                yield record
            if counts[provider] == 0:
                raise PricingDataError(f"{provider}: the download held no prices")
        if base is not None:
            for record in snapshot.iter_snapshot_records(base):  # ``replaced`` is final now
                if _partition(record) not in replaced:
                    kept += 1
                    yield record
        sources.extend(ctx.sources + _carried_sources(base, ctx.sources))

    out = staging / "snapshot"
    manifest = snapshot.build_snapshot(merged(), out, sources=sources)
    snapshot.check_files(out, snapshot.load_manifest(out), hashes=True)
    _install(out, target, staging / "previous")
    if rates is not None:
        ecb.save(rates, cache)
    return UpdateResult(
        snapshot_dir=target,
        records=counts,
        kept=kept,
        downloads=len(ctx.sources),
        rates_date=ecb.rates_date(rates) if rates is not None else None,
        notes=ctx.notes,
        snapshot_id=manifest.snapshot_id,
    )


@contextlib.contextmanager
def _exclusive(cache: Path) -> Iterator[None]:
    """One update per cache at a time (an OS lock: released even if the process dies)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, the swap still never half-writes
        yield
        return
    with (cache / ".update.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CostgateError(f"another `costgate pricing update` is using {cache}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _install(new: Path, target: Path, parking: Path) -> None:
    """Swap ``new`` in as ``target``; put the old one back if the second rename fails."""
    had_old = target.exists()
    if had_old:
        os.replace(target, parking)
    try:
        os.replace(new, target)
    except OSError:
        if had_old:
            os.replace(parking, target)
        raise


def _partition(record: PriceRecord) -> tuple[str, str, str | None, str]:
    return (record.provider, record.service, record.region, record.provenance.source)


# -- the snapshot on either side of the update --------------------------------------------


def current_snapshot(user_dir: Path, on_note: Callable[[str], None] | None = None) -> Path | None:
    """The snapshot to merge with: the newer of the user cache and the shipped one.

    "Newer" is the manifest's newest price date; on a tie the user cache wins (it already
    holds an earlier refresh). A corrupt user snapshot is skipped with a note rather than
    blocking the update that would repair it.
    """
    from costgate.pricing import snapshot

    best: tuple[dt.date, int, Path] | None = None
    for rank, path in enumerate((shipped_snapshot(), user_dir)):
        if path is None or not (path / snapshot.MANIFEST).is_file():
            continue
        try:
            manifest = snapshot.load_manifest(path)
            snapshot.check_files(path, manifest, hashes=True)
        except PricingDataError as exc:
            if on_note is not None:
                on_note(f"ignoring the current snapshot: {exc}")
            continue
        key = (manifest.published or dt.date.min, rank, path)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


def shipped_snapshot() -> Path | None:
    """The snapshot that ships with costgate (read-only for the refresh), if installed."""
    from costgate.pricing.store import shipped_snapshot_dir

    return shipped_snapshot_dir()


def _carried_sources(base: Path | None, fresh: Sequence[SourceInfo]) -> list[SourceInfo]:
    """Build inputs of the kept records: the base manifest's, minus re-downloaded and dead ones."""
    if base is None:
        return []
    from costgate.pricing import snapshot

    new_paths = {info.path for info in fresh}
    carried = []
    for entry in snapshot.load_manifest(base).sources:
        if entry.path in new_paths or (entry.rows_read > 0 and entry.rows_kept == 0):
            continue
        carried.append(
            SourceInfo(
                source_id=entry.source_id,
                provider=entry.provider,
                path=entry.path,
                sha256=entry.sha256,
                size=entry.size,
                importer=entry.importer,
                trust=entry.trust,
                licence=entry.licence,
                companions=tuple(sorted(entry.companions.items())),
            )
        )
    return carried

"""The local price store: which snapshot, its on-disk index, and the lookup rule.

**Which snapshot.** ``PriceStore.open()`` takes the newest valid snapshot (by its newest price
date; the user cache wins a tie) among the user cache (``$COSTGATE_CACHE_DIR`` or
``~/.cache/costgate``, subfolder ``prices/``, written by ``pricing update``) and the one shipped
with the package. A snapshot whose manifest is unreadable or whose files are missing is
skipped (``info().skipped`` says why).

**Index.** On first use each needed service is indexed into
``<cache>/index/<snapshot_id>/`` (:mod:`costgate.pricing.store_index`, one SQLite file per
service). A batch reads only the posting lists and record chunks of the (provider, service,
region) partitions it needs and matches in memory, with the cyclic GC paused: it allocates
many small acyclic objects, and collections over a heap of loaded postings were most of a
warm batch's time.

**Matching.** A record matches a query when provider, service, region and purchase option are
equal, product family, term, payment and unit are equal where the query gives them, and every
query attribute equals the record's attribute (see ``docs/pricing-vocabulary.md``).

**Deterministic choice.** The matching records are grouped by source; the best source wins:
highest trust (RAW > PROVIDER-JSON > DERIVED > CURATED), then the newest price date, then the
smallest source id. Its records form the tier table, sorted by ``tier_start``; when several
records share one ``tier_start`` the smallest ``native_id`` is taken and the match is flagged
``ambiguous``. No match: a :class:`PriceMatch` with no tiers ("not in price snapshot").
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from costgate.errors import PricingDataError
from costgate.fileutil import cache_root
from costgate.model.pricing import (
    TRUST_RANK,
    PriceMatch,
    PriceQuery,
    Trust,
)
from costgate.pricing.snapshot import MANIFEST, Manifest, check_files, load_manifest
from costgate.pricing.store_index import Partition, PriceIndex, query_plan

CACHE_ENV = "COSTGATE_CACHE_DIR"
_NONE: list[int] = []
_found = PriceMatch.trusted
SHIPPED_PACKAGE = "pricing_cache"


def user_cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The user cache (:func:`costgate.fileutil.cache_root`): update writes, the store reads."""
    return cache_root(env)


def user_snapshot_dir() -> Path:
    """Where ``pricing update`` writes the user's snapshot."""
    return user_cache_dir() / "prices"


def shipped_snapshot_dir() -> Path | None:
    """The snapshot installed with the package (``pricing_cache``), or the checkout's copy."""
    places: list[Path] = []
    spec = importlib.util.find_spec(SHIPPED_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        places.extend(Path(p) for p in spec.submodule_search_locations)
    places.append(Path(__file__).resolve().parents[2] / "pricing_cache")  # source checkout
    return next((p for p in places if (p / MANIFEST).is_file()), None)


@dataclass(frozen=True)
class StoreInfo:
    """What ``pricing info`` shows about the open snapshot."""

    snapshot_id: str
    path: Path
    origin: str  # "user cache" | "shipped" | "explicit"
    manifest: Manifest
    skipped: tuple[str, ...] = ()


class PriceStore:
    """Answers :class:`PriceQuery` batches from one snapshot (see the module docstring)."""

    def __init__(self, snapshot_dir: Path, manifest: Manifest, origin: str = "explicit",
                 skipped: tuple[str, ...] = ()) -> None:
        self._dir = snapshot_dir
        self._manifest = manifest
        self._origin = origin
        self._skipped = skipped
        self.index = PriceIndex(snapshot_dir, manifest, index_path(manifest.snapshot_id))
        self._parts: dict[tuple[str, str, str], Partition | None] = {}

    @classmethod
    def open(cls, snapshot_dir: Path | None = None) -> PriceStore:
        """Open ``snapshot_dir``, or the newest valid snapshot among user cache and shipped."""
        if snapshot_dir is not None:
            manifest = load_manifest(snapshot_dir)
            check_files(snapshot_dir, manifest)
            return cls(snapshot_dir, manifest)
        found: list[tuple[dt.date, int, str, Path, Manifest]] = []
        skipped: list[str] = []
        shipped = shipped_snapshot_dir()
        places = [("user cache", user_snapshot_dir(), 1), ("shipped", shipped, 0)]
        for origin, path, preference in places:
            if path is None or not (path / MANIFEST).is_file():
                continue
            try:
                manifest = load_manifest(path)
                check_files(path, manifest)
            except PricingDataError as exc:
                skipped.append(f"{origin}: {exc}")
                continue
            found.append((manifest.published or dt.date.min, preference, origin, path, manifest))
        if not found:
            detail = "; ".join(skipped) or "none installed"
            raise PricingDataError(f"no usable price snapshot ({detail}); run `costgate pricing update`")
        _, _, origin, path, manifest = max(found, key=lambda f: (f[0], f[1]))
        return cls(path, manifest, origin, tuple(skipped))

    @property
    def snapshot_id(self) -> str:
        """Content hash of the snapshot in use; every estimate records it."""
        return self._manifest.snapshot_id

    def info(self) -> StoreInfo:
        """The snapshot's manifest, location and origin."""
        return StoreInfo(self.snapshot_id, self._dir, self._origin, self._manifest, self._skipped)

    def lookup(self, query: PriceQuery) -> PriceMatch:
        """Answer one query (see :meth:`lookup_many`)."""
        return self.lookup_many([query])[query]

    def lookup_many(self, queries: Iterable[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        """Answer every query (in their order); each partition's rows are read in one pass."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._lookup_many(queries)
        finally:
            if was_enabled:
                gc.enable()

    def _lookup_many(self, queries: Iterable[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        unique = list(dict.fromkeys(queries))
        answers: list[PriceMatch | None] = [None] * len(unique)
        # (provider, service, region) -> attribute names -> [(position, attribute values)]
        groups: dict[tuple[str, str, str], dict[tuple[str, ...], list[tuple[int, tuple[
            str, ...]]]]] = {}
        for n, q in enumerate(unique):
            key, names, values = query_plan(q)
            by_names = groups.get(key)
            if by_names is None:
                groups[key] = {names: [(n, values)]}
                continue
            same = by_names.get(names)
            if same is None:
                by_names[names] = [(n, values)]
            else:
                same.append((n, values))
        parts = self._parts
        for key, by_names in groups.items():
            part = parts[key] if key in parts else self._partition(*key)
            if part is None:
                for items in by_names.values():
                    for n, _ in items:
                        answers[n] = PriceMatch(query=unique[n])
                continue
            hits: list[tuple[int, list[int]]] = []
            for names, items in by_names.items():
                proj = part.projection(names, len(items))
                if proj is not None:
                    get = proj.get
                    hits += [(n, get(values, _NONE)) for n, values in items]
                else:  # a few queries on a big partition: intersect posting lists
                    match = part.match
                    hits += [(n, match(list(zip(names, values, strict=True))))
                             for n, values in items]
            records = part.records
            part.prefetch([i for _, h in hits for i in h if i not in records])
            for n, h in hits:  # one line whose record is built: the common case, inline
                rec = records.get(h[0]) if len(h) == 1 else None
                answers[n] = (_found(unique[n], (rec,), 1, False) if rec is not None
                              else _match(unique[n], part, h))
        return dict(zip(unique, answers, strict=True))  # type: ignore[arg-type]  # all filled

    def _partition(self, provider: str, service: str, region: str) -> Partition | None:
        key = (provider, service, region)
        if key not in self._parts:
            self._parts[key] = self.index.partition(provider, service, region)
        return self._parts[key]


def index_path(snapshot_id: str) -> Path:
    """The folder of one snapshot's per-service index files."""
    return user_cache_dir() / "index" / snapshot_id


# -- matching ------------------------------------------------------------------------


def _match(q: PriceQuery, part: Partition, hits: list[int]) -> PriceMatch:
    """One answer; the records are validated models already (see ``PriceMatch.trusted``)."""
    if not hits:
        return PriceMatch(query=q)
    if len(hits) == 1:
        return PriceMatch.trusted(q, (part.record(hits[0], q.provider, q.service),), 1, False)
    chosen, ambiguous = _choose(part, hits)
    tiers = tuple(part.record(i, q.provider, q.service) for i in chosen)
    return PriceMatch.trusted(q, tiers, len(hits), ambiguous)


def _choose(part: Partition, hits: list[int]) -> tuple[list[int], bool]:
    """The best source's lines as a tier table, and whether a tier had several lines.

    Called with two or more hits (``_match`` answers a single hit itself).
    """
    rows = {i: part.row(i) for i in hits}
    prov = {i: r["provenance"] for i, r in rows.items()}
    best = hits
    if len({(p["trust"], p["source"]) for p in prov.values()}) > 1:
        top = min(TRUST_RANK[Trust(p["trust"])] for p in prov.values())
        best = [i for i in hits if TRUST_RANK[Trust(prov[i]["trust"])] == top]
        dates: dict[str, str] = {}
        for i in best:
            src, date = prov[i]["source"], prov[i]["price_date"]
            dates[src] = max(dates.get(src, date), date)
        newest = max(dates.values())
        source = min(s for s, d in dates.items() if d == newest)
        best = [i for i in best if prov[i]["source"] == source]
    by_tier: defaultdict[Decimal, list[int]] = defaultdict(list)
    for i in best:
        by_tier[Decimal(rows[i].get("tier_start", "0"))].append(i)
    ambiguous = any(len(v) > 1 for v in by_tier.values())
    chosen = [min(by_tier[t], key=lambda i: rows[i]["native_id"]) for t in sorted(by_tier)]
    return chosen, ambiguous

"""The on-disk index of one snapshot: ``<cache>/index/<snapshot_id>.sqlite``.

The snapshot is text (gzip JSON lines) so it diffs well; looking prices up in it directly
would mean parsing a whole service file per run. The index holds one row per (provider,
service, region) partition: the partition's record lines plus posting lists (attribute
value → line numbers), ``marshal``-ed and zlib-compressed. A service is indexed the first time
a query needs it, in one SQLite transaction (so a half-written index is never seen); the empty
index file itself is created under a temp name and renamed. An index that is unreadable, stale
(other snapshot, Python or format) or damaged is deleted and rebuilt; data files are
checksum-verified before they are indexed.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import sqlite3
import sys
import tempfile
import zlib
from array import array
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceQuery, PriceRecord, Provenance, PurchaseOption, Trust
from costgate.pricing.snapshot import Manifest, SnapshotFile, read_data_file

INDEX_FORMAT = "4"

#: A posting key: ("\0po", "on_demand"), ("\0pf", family), ("\0unit", unit), (attr, value), ...
Key = tuple[str, str]

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE parts (provider TEXT, service TEXT, region TEXT, n INTEGER, blob BLOB, "
    "PRIMARY KEY (provider, service, region))",
    "CREATE TABLE done (provider TEXT, service TEXT, PRIMARY KEY (provider, service))",
)
_DAMAGE = (sqlite3.DatabaseError, ValueError, EOFError, TypeError, zlib.error)


class Partition:
    """One (provider, service, region): record lines plus their posting lists.

    Matching intersects posting lists (smallest first, the others as cached sets); only the
    matching lines are parsed, once each.
    """

    def __init__(self, postings: dict[Key, bytes], data: str, offsets: bytes) -> None:
        self.postings = postings  # key -> array('I') bytes of line numbers
        self._data = data  # the partition's lines, newline-joined
        self._offsets = array("I", offsets)  # start of each line in ``data``, plus the end
        self._sets: dict[Key, frozenset[int]] = {}
        self._rows: dict[int, dict[str, Any]] = {}
        self._records: dict[int, PriceRecord] = {}

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def _set(self, key: Key) -> frozenset[int] | None:
        found = self._sets.get(key)
        if found is None:
            raw = self.postings.get(key)
            if raw is None:
                return None
            found = self._sets[key] = frozenset(array("I", raw))
        return found

    def match(self, keys: list[Key]) -> list[int]:
        """Line numbers that carry every key, ascending."""
        cached = self._sets
        sets = []
        for key in keys:
            found = cached.get(key)
            if found is None:
                found = self._set(key)
                if found is None:
                    return []
            sets.append(found)
        if len(sets) == 1:
            return sorted(sets[0])
        sets.sort(key=len)
        hits = sets[0].intersection(*sets[1:])
        return sorted(hits) if len(hits) > 1 else list(hits)

    def row(self, i: int) -> dict[str, Any]:
        """Line ``i`` parsed (cached)."""
        row = self._rows.get(i)
        if row is None:
            row = self._rows[i] = json.loads(self._data[self._offsets[i]:self._offsets[i + 1] - 1])
        return row

    def record(self, i: int, provider: str, service: str) -> PriceRecord:
        """Line ``i`` as a PriceRecord, built without re-validation (validated at build time)."""
        rec = self._records.get(i)
        if rec is None:
            d = self.row(i)
            p = d["provenance"]
            tier_end = d.get("tier_end")
            rec = self._records[i] = PriceRecord.model_construct(
                provider=provider, service=service, product_family=d.get("product_family", ""),
                region=d.get("region"), attributes=dict(d.get("attributes", {})),
                purchase_option=PurchaseOption(d.get("purchase_option", "on_demand")),
                term=d.get("term"), payment=d.get("payment"), unit=d["unit"],
                price=Decimal(d["price"]), currency=d.get("currency", "USD"),
                tier_start=Decimal(d.get("tier_start", "0")),
                tier_end=None if tier_end is None else Decimal(tier_end),
                native_id=d["native_id"],
                provenance=Provenance.model_construct(
                    source=p["source"], source_file=p["source_file"],
                    price_date=dt.date.fromisoformat(p["price_date"]), trust=Trust(p["trust"]),
                    location_raw=p.get("location_raw"),
                ),
            )
        return rec


def query_keys(q: PriceQuery) -> list[Key]:
    """The posting keys a query constrains."""
    keys: list[Key] = [("\0po", q.purchase_option.value)]
    if q.product_family is not None:
        keys.append(("\0pf", q.product_family))
    if q.term is not None:
        keys.append(("\0term", q.term))
    if q.payment is not None:
        keys.append(("\0pay", q.payment))
    if q.unit is not None:
        keys.append(("\0unit", q.unit))
    keys.extend(q.attributes)
    return keys


def record_keys(d: dict[str, Any]) -> list[Key]:
    """The posting keys of one parsed snapshot line."""
    keys: list[Key] = [
        ("\0po", d.get("purchase_option", "on_demand")),
        ("\0pf", d.get("product_family", "")),
        ("\0unit", d["unit"]),
    ]
    if d.get("term") is not None:
        keys.append(("\0term", d["term"]))
    if d.get("payment") is not None:
        keys.append(("\0pay", d["payment"]))
    keys.extend(d.get("attributes", {}).items())
    return keys


class PriceIndex:
    """Lazily built index of one snapshot (see the module docstring)."""

    def __init__(self, snapshot_dir: Path, manifest: Manifest, path: Path) -> None:
        self.path = path
        self._dir = snapshot_dir
        self._manifest = manifest
        self._files = {(f.provider, f.service): f for f in manifest.files}
        self._db: sqlite3.Connection | None = None
        self._done: set[tuple[str, str]] = set()

    def partition(self, provider: str, service: str, region: str) -> Partition | None:
        """The partition, indexing its service first if needed; None when it has no prices."""
        if (provider, service) not in self._files:
            return None
        try:
            return self._load(provider, service, region)
        except _DAMAGE:
            self._discard()
        try:
            return self._load(provider, service, region)
        except _DAMAGE as exc:
            self._discard()
            raise PricingDataError(f"{self.path}: price index unusable ({exc})") from None

    def _load(self, provider: str, service: str, region: str) -> Partition | None:
        db = self._connect()
        self._ensure(db, provider, service)
        found = db.execute(
            "SELECT blob FROM parts WHERE provider=? AND service=? AND region=?",
            (provider, service, region),
        ).fetchone()
        if found is None:
            return None
        postings, data, offsets = marshal.loads(zlib.decompress(found[0]))
        return Partition(postings, data, offsets)

    def build_all(self) -> None:
        """Index every service now (``pricing info --index``, benchmarks)."""
        db = self._connect()
        for provider, service in self._files:
            self._ensure(db, provider, service)

    def close(self) -> None:
        """Close the connection (the file stays)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- internals -----------------------------------------------------------------------

    def _meta(self) -> dict[str, str]:
        return {"format": INDEX_FORMAT, "snapshot_id": self._manifest.snapshot_id,
                "python": f"{sys.version_info[0]}.{sys.version_info[1]}/{marshal.version}"}

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        if not self.path.is_file():
            self._create()
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError:
            meta = {}
        if meta != self._meta():
            db.close()
            self._discard()
            self._create()
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db = db
        self._done = set(db.execute("SELECT provider, service FROM done").fetchall())
        return db

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        try:
            db = sqlite3.connect(name)
            try:
                for sql in _SCHEMA:
                    db.execute(sql)
                db.executemany("INSERT INTO meta VALUES (?,?)", self._meta().items())
                db.commit()
            finally:
                db.close()
            os.replace(name, self.path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def _discard(self) -> None:
        self.close()
        self._done = set()
        self.path.unlink(missing_ok=True)

    def _ensure(self, db: sqlite3.Connection, provider: str, service: str) -> None:
        if (provider, service) in self._done:
            return
        parts = _file_partitions(self._dir, self._files[(provider, service)])
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("SELECT 1 FROM done WHERE provider=? AND service=?",
                          (provider, service)).fetchone() is None:
                db.executemany("INSERT OR REPLACE INTO parts VALUES (?,?,?,?,?)", [
                    (provider, service, region, len(lines), _blob(postings, lines))
                    for region, (postings, lines) in parts.items()
                ])
                db.execute("INSERT INTO done VALUES (?,?)", (provider, service))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._done.add((provider, service))


def _blob(postings: dict[Key, list[int]], lines: list[str]) -> bytes:
    offsets = array("I", [0])
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    packed = {key: array("I", hits).tobytes() for key, hits in postings.items()}
    data = "\n".join(lines) + "\n" if lines else ""
    return zlib.compress(marshal.dumps((packed, data, offsets.tobytes())), 1)


def _file_partitions(
    snapshot_dir: Path, f: SnapshotFile
) -> dict[str, tuple[dict[Key, list[int]], list[str]]]:
    """Split one verified data file by region, with each region's posting lists."""
    parts: dict[str, tuple[defaultdict[Key, list[int]], list[str]]] = {}
    n = 0
    try:
        text = b"\n".join(read_data_file(snapshot_dir, f)).decode("utf-8")
        loads = json.loads
        for n, line in enumerate(text.split("\n") if text else [], 1):  # noqa: B007
            d = loads(line)
            region = d.get("region") or ""
            part = parts.get(region)
            if part is None:
                part = parts[region] = (defaultdict(list), [])
            postings, lines = part
            i = len(lines)
            lines.append(line)
            for key in record_keys(d):
                postings[key].append(i)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PricingDataError(f"{snapshot_dir / f.path}:{n}: bad price record ({exc})") from None
    return {region: (dict(p), lines) for region, (p, lines) in parts.items()}

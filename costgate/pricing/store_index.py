"""The on-disk index of one snapshot: ``<cache>/index/<snapshot_id>/<provider>/<service>.sqlite``.

The snapshot is text (gzip JSON lines) so it diffs well; looking prices up in it directly
would mean parsing a whole service file per run. Each service gets its own SQLite file,
built the first time a query needs it. Per (provider, service, region) partition it holds
the posting lists (attribute value → ``array('I')`` of line numbers, ``marshal``-ed and
compressed in one blob) and the record lines in small zlib chunks, so a small plan inflates
the postings and a few chunks instead of a whole region (EC2 eu-west-1 is 52,000 lines).

**Concurrency.** An index file is never written in place: it is built in a unique temp file
next to its final name and moved there with ``os.replace``. Readers open it only afterwards,
read-only and ``immutable`` (no locks), so two processes building the same service at once
both succeed: the last rename wins, both files are identical, and a reader of the replaced one
keeps its open inode. An unreadable or stale file is deleted and rebuilt; data files are
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
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.errors import PricingDataError
from costgate.model.pricing import (
    QUERY_PLAN,
    PriceQuery,
    PriceRecord,
    Provenance,
    PurchaseOption,
    Trust,
)
from costgate.pricing.snapshot import Manifest, SnapshotFile, read_data_file

INDEX_FORMAT = "5"
#: Record lines per compressed chunk: one price costs ~10 kB to inflate.
CHUNK_LINES = 16
#: A batch of this many queries per partition line (with the same attribute names) builds a
#: projection instead of intersecting posting sets (see :meth:`Partition.projection`).
PROJECT_SHARE = 0.02
#: Binary-search a posting list instead of building its set when it is this many times
#: longer than the candidates so far, for its first ``_PROBES`` uses (then the set pays).
_PROBE_FACTOR = 32
_PROBES = 8

#: A posting key: ("\0po", "on_demand"), ("\0pf", family), ("\0unit", unit), (attr, value), ...
Key = tuple[str, str]

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    "CREATE TABLE parts (id INTEGER PRIMARY KEY, region TEXT UNIQUE, n INTEGER, postings BLOB)",
    "CREATE TABLE chunks (part INTEGER, c INTEGER, blob BLOB, PRIMARY KEY (part, c))"
    " WITHOUT ROWID",
)
_DAMAGE = (sqlite3.DatabaseError, ValueError, EOFError, TypeError, zlib.error, KeyError)


class Partition:
    """One (provider, service, region): posting lists and record lines, read on demand.

    Matching intersects posting sets (smallest first), or, for batches of queries naming the
    same attributes, looks the values up in a projection (see :meth:`projection`). Each set,
    projection, chunk, parsed row and :class:`PriceRecord` is made once and cached; no
    query's answer or matched lines are kept, so a repeated batch is matched again (with
    every set built, one C-level ``frozenset.intersection`` per query).
    """

    def __init__(self, db: sqlite3.Connection, part_id: int, n: int, postings: bytes) -> None:
        self._db = db
        self._id = part_id
        self._n = n
        self.postings: dict[Key, bytes] = marshal.loads(zlib.decompress(postings))
        self._sets: dict[Key, frozenset[int]] = {}
        self._probes: dict[Key, int] = {}
        self._names: dict[str, list[tuple[str, bytes]]] | None = None
        self._projections: dict[tuple[str, ...], dict[tuple[str, ...], list[int]]] = {}
        self._chunks: dict[int, list[str]] = {}
        self._rows: dict[int, dict[str, Any]] = {}
        #: Line number -> its PriceRecord, once built (read by the store's fast path).
        self.records: dict[int, PriceRecord] = {}

    def __len__(self) -> int:
        return self._n

    def match(self, keys: list[Key]) -> list[int]:
        """Line numbers that carry every key, ascending.

        Starts from the shortest posting list; a long list is probed by binary search
        instead of being turned into a set (EC2 eu-west-1's on-demand list has 20,000+
        lines, and a small plan asks it a handful of questions).
        """
        sets = self._sets
        try:  # warm: every key's set is built, so intersect them in one C call
            ready = sorted([sets[key] for key in keys], key=len)
        except KeyError:
            pass
        else:  # (each step iterates the smaller side, so starting small keeps it cheap)
            hits = ready[0].intersection(*ready[1:])
            return sorted(hits) if len(hits) > 1 else list(hits)
        postings = self.postings
        found: list[tuple[int, Key, bytes]] = []
        for key in keys:
            raw = postings.get(key)
            if raw is None:
                return []
            found.append((len(raw), key, raw))
        found.sort()
        _, first, raw = found[0]
        hits = sets.get(first) or self._set(first, raw)
        for size, key, raw in found[1:]:
            if not hits:
                return []
            known = sets.get(key)
            if known is None and len(hits) * _PROBE_FACTOR < size // 4 and (
                    probes := self._probes.get(key, 0)) < _PROBES:
                self._probes[key] = probes + 1
                lines = memoryview(raw).cast("I")
                end = len(lines)
                hits = frozenset([i for i in hits
                                  if (j := bisect_left(lines, i)) < end and lines[j] == i])
            else:
                hits = hits & (known or self._set(key, raw))
        return sorted(hits) if len(hits) > 1 else list(hits)

    def _set(self, key: Key, raw: bytes) -> frozenset[int]:
        found = self._sets[key] = frozenset(array("I", raw))
        return found

    def projection(self, names: tuple[str, ...],
                   batch: int) -> dict[tuple[str, ...], list[int]] | None:
        """Values of ``names`` → the lines that carry exactly those values, ascending.

        The lines a query matches are ``projection(names)[values]``: the same set
        :meth:`match` intersects, in one dict lookup. Building it touches every posting of
        ``names`` once, so it is made only when ``batch`` queries will use it (at least
        ``PROJECT_SHARE`` of the partition's lines) or it already exists; else None.
        """
        found = self._projections.get(names)
        if found is not None or batch < PROJECT_SHARE * self._n:
            return found
        if self._names is None:
            by_name: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
            for (name, value), raw in self.postings.items():
                by_name[name].append((value, raw))
            self._names = dict(by_name)
        values: dict[int, tuple[str, ...]] = {}
        for j, name in enumerate(names):
            entries = self._names.get(name, [])
            if j == 0:
                values = {i: (v,) for v, raw in entries for i in array("I", raw)}
                continue
            narrowed: dict[int, tuple[str, ...]] = {}
            for v, raw in entries:
                for i in array("I", raw):
                    t = values.get(i)
                    if t is not None:
                        narrowed[i] = (*t, v)
            values = narrowed
        proj: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
        for i in sorted(values):
            proj[values[i]].append(i)
        found = self._projections[names] = dict(proj)
        return found

    def prefetch(self, lines: Iterable[int]) -> None:
        """Read the chunks holding ``lines`` in one query (batches)."""
        rows = self._rows
        want = sorted({i // CHUNK_LINES for i in lines if i not in rows} - self._chunks.keys())
        for start in range(0, len(want), 500):
            part = want[start:start + 500]
            marks = ",".join("?" * len(part))
            for c, blob in self._db.execute(
                f"SELECT c, blob FROM chunks WHERE part=? AND c IN ({marks})", (self._id, *part)
            ):
                self._chunks[c] = zlib.decompress(blob).decode("utf-8").split("\n")

    def _line(self, i: int) -> str:
        c = i // CHUNK_LINES
        chunk = self._chunks.get(c)
        if chunk is None:
            found = self._db.execute(
                "SELECT blob FROM chunks WHERE part=? AND c=?", (self._id, c)
            ).fetchone()
            if found is None:
                raise KeyError(f"line {i} missing from the price index")
            chunk = self._chunks[c] = zlib.decompress(found[0]).decode("utf-8").split("\n")
        return chunk[i % CHUNK_LINES]

    def row(self, i: int) -> dict[str, Any]:
        """Line ``i`` parsed (cached)."""
        row = self._rows.get(i)
        if row is None:
            row = self._rows[i] = json.loads(self._line(i))
        return row

    def record(self, i: int, provider: str, service: str) -> PriceRecord:
        """Line ``i`` as a PriceRecord, built without re-validation (validated at build time)."""
        rec = self.records.get(i)
        if rec is None:
            d = self.row(i)
            p = d["provenance"]
            tier_end = d.get("tier_end")
            rec = self.records[i] = PriceRecord.model_construct(
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


def query_split(q: PriceQuery) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """:func:`query_keys` as (names, values): the projection's two keys."""
    _, names, values = query_plan(q)
    return names, values


#: What a store lookup needs from a query: its partition, posting names and values.
Plan = tuple[tuple[str, str, str], tuple[str, ...], tuple[str, ...]]


def query_plan(q: PriceQuery) -> Plan:
    """The query's (provider, service, region or "") partition key and :func:`query_split`.

    Kept in the query's ``__dict__`` beside its cached hash (a pure function of the frozen
    fields, like the hash; copies and pickles drop it): a batch groups every query by it.
    """
    found: Plan | None = q.__dict__.get(QUERY_PLAN)
    if found is None:
        names = ["\0po"]
        values = [q.purchase_option.value]
        if q.product_family is not None:
            names.append("\0pf")
            values.append(q.product_family)
        if q.term is not None:
            names.append("\0term")
            values.append(q.term)
        if q.payment is not None:
            names.append("\0pay")
            values.append(q.payment)
        if q.unit is not None:
            names.append("\0unit")
            values.append(q.unit)
        for name, value in q.attributes:
            names.append(name)
            values.append(value)
        found = q.__dict__[QUERY_PLAN] = (
            (q.provider, q.service, q.region or ""), tuple(names), tuple(values))
    return found


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


class _ServiceFile:
    """One open (read-only) service index: its connection and region → partition ids."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.parts = {region: pid for pid, region in db.execute("SELECT id, region FROM parts")}
        self.loaded: dict[str, Partition] = {}


class PriceIndex:
    """Lazily built per-service index files of one snapshot (see the module docstring)."""

    def __init__(self, snapshot_dir: Path, manifest: Manifest, directory: Path) -> None:
        self.path = directory
        self._dir = snapshot_dir
        self._manifest = manifest
        self._files = {(f.provider, f.service): f for f in manifest.files}
        self._open: dict[tuple[str, str], _ServiceFile] = {}

    def service_path(self, provider: str, service: str) -> Path:
        """The index file of one service (named after its data file)."""
        rel = self._files[(provider, service)].path.removesuffix(".jsonl.gz")
        return self.path / f"{rel}.sqlite"

    def partition(self, provider: str, service: str, region: str) -> Partition | None:
        """The partition, indexing its service first if needed; None when it has no prices."""
        if (provider, service) not in self._files:
            return None
        svc = self._service(provider, service)
        part = svc.loaded.get(region)
        if part is None:
            pid = svc.parts.get(region)
            if pid is None:
                return None
            pid, n, blob = svc.db.execute(
                "SELECT id, n, postings FROM parts WHERE id=?", (pid,)).fetchone()
            part = svc.loaded[region] = Partition(svc.db, pid, n, blob)
        return part

    def build_all(self) -> None:
        """Index every service now (benchmarks, warming a CI cache)."""
        for provider, service in self._files:
            self._service(provider, service)

    def close(self) -> None:
        """Close every connection (the files stay)."""
        for svc in self._open.values():
            svc.db.close()
        self._open.clear()

    # -- internals -----------------------------------------------------------------------

    def _meta(self, f: SnapshotFile) -> dict[str, str]:
        return {"format": INDEX_FORMAT, "snapshot_id": self._manifest.snapshot_id,
                "file": f.path, "sha256": f.sha256, "byteorder": sys.byteorder,
                "python": f"{sys.version_info[0]}.{sys.version_info[1]}/{marshal.version}"}

    def _service(self, provider: str, service: str) -> _ServiceFile:
        svc = self._open.get((provider, service))
        if svc is not None:
            return svc
        f = self._files[(provider, service)]
        path = self.service_path(provider, service)
        for attempt in range(3):
            if not path.is_file():
                self._build(f, path)
            try:
                svc = self._connect(path, f)
            except _DAMAGE as exc:
                path.unlink(missing_ok=True)  # others keep their open inode; we rebuild
                if attempt == 2:
                    raise PricingDataError(f"{path}: price index unusable ({exc})") from None
                continue
            self._open[(provider, service)] = svc
            return svc
        raise AssertionError("unreachable")  # pragma: no cover

    def _connect(self, path: Path, f: SnapshotFile) -> _ServiceFile:
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
            if meta != self._meta(f):
                raise ValueError("stale index (other snapshot, format or platform)")
            return _ServiceFile(db)
        except BaseException:
            db.close()
            raise

    def _build(self, f: SnapshotFile, path: Path) -> None:
        """Write the whole service index to a private temp file, then rename it into place."""
        parts = _file_partitions(self._dir, f)  # verifies the data file first
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            db = sqlite3.connect(name, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=OFF")  # a private file: no rollback needed
                db.execute("PRAGMA synchronous=OFF")
                db.execute("BEGIN")
                for sql in _SCHEMA:
                    db.execute(sql)
                db.executemany("INSERT INTO meta VALUES (?,?)", self._meta(f).items())
                for pid, (region, (postings, lines)) in enumerate(sorted(parts.items())):
                    packed = {key: array("I", hits).tobytes() for key, hits in postings.items()}
                    db.execute("INSERT INTO parts VALUES (?,?,?,?)", (
                        pid, region, len(lines), zlib.compress(marshal.dumps(packed), 1)))
                    db.executemany("INSERT INTO chunks VALUES (?,?,?)", [
                        (pid, c // CHUNK_LINES,
                         zlib.compress("\n".join(lines[c:c + CHUNK_LINES]).encode(), 6))
                        for c in range(0, len(lines), CHUNK_LINES)])
                db.execute("COMMIT")
            finally:
                db.close()
            os.replace(name, path)  # atomic; a concurrent builder's identical file may win
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise


def _file_partitions(
    snapshot_dir: Path, f: SnapshotFile
) -> dict[str, tuple[dict[Key, list[int]], list[str]]]:
    """Split one verified data file by region, with each region's posting lists."""
    parts: dict[str, tuple[defaultdict[Key, list[int]], list[str]]] = {}
    n = 0
    try:
        loads = json.loads
        for n, raw in enumerate(read_data_file(snapshot_dir, f), 1):  # noqa: B007
            line = raw.decode("utf-8")
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

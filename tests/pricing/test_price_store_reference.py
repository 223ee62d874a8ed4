"""The indexed store against a plain reference matcher, on real queries over the shipped data.

The store's speed comes from posting sets, projections and cached records; this checks that
none of it changes an answer. The reference scans every record of the partition and applies
the documented rule (``costgate.pricing.store`` docstring) directly. Queries are drawn
(seeded) from real records: the full record, a random subset of its constraints (which also
matches other products, so the source/tier choice runs) and a miss.
"""

from __future__ import annotations

import datetime as dt
import pickle
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from costgate.model.pricing import TRUST_RANK, PriceMatch, PriceQuery, PriceRecord
from costgate.pricing.snapshot import load_manifest, read_data_file, record_from_line
from costgate.pricing.store import PriceStore, shipped_snapshot_dir

#: Small and mid-size services with tier tables, same-tier duplicates and global prices.
SERVICES = {
    ("aws", "AmazonCloudWatch"), ("aws", "AmazonS3"), ("aws", "AWSLambda"),
    ("aws", "AmazonDynamoDB"), ("azure", "Azure Monitor"), ("azure", "Key Vault"),
    ("azure", "Service Bus"), ("azure", "Functions"), ("azure", "Backup"),
    ("azure", "Container Registry"), ("azure", "Storage"), ("google", "Cloud Monitoring"), ("google", "Cloud Storage"),
}

Part = tuple[str, str, str | None]


Facts = frozenset[tuple[str, object]]


def _records(snap: Path) -> dict[Part, list[tuple[Facts, PriceRecord]]]:
    """Each record of ``SERVICES`` by partition, with what a query may constrain of it."""
    by_part: dict[Part, list[tuple[Facts, PriceRecord]]] = defaultdict(list)
    for f in load_manifest(snap).files:
        if (f.provider, f.service) in SERVICES:
            for line in read_data_file(snap, f):
                r = record_from_line(line, f.provider, f.service)
                by_part[(r.provider, r.service, r.region)].append((_facts(r), r))
    return by_part


def _facts(r: PriceRecord | PriceQuery) -> Facts:
    given = {"\0po": r.purchase_option, "\0pf": r.product_family, "\0term": r.term,
             "\0pay": r.payment, "\0unit": r.unit}
    attrs = r.attributes.items() if isinstance(r, PriceRecord) else r.attributes
    return frozenset({*((k, v) for k, v in given.items() if v is not None), *attrs})


def reference(q: PriceQuery, by_part: dict[Part, list[tuple[Facts, PriceRecord]]]) -> PriceMatch:
    """The documented rule, spelled out over a list of records: a record matches when it has
    every fact the query gives; then the best source's records, one per tier."""
    wanted = _facts(q)
    found = [r for facts, r in by_part.get((q.provider, q.service, q.region), [])
             if wanted <= facts]
    if not found:
        return PriceMatch(query=q)
    top = min(TRUST_RANK[r.provenance.trust] for r in found)
    trusted = [r for r in found if TRUST_RANK[r.provenance.trust] == top]
    newest: dict[str, dt.date] = {}
    for r in trusted:
        src = r.provenance.source
        newest[src] = max(newest.get(src, r.provenance.price_date), r.provenance.price_date)
    date = max(newest.values())
    source = min(s for s, d in newest.items() if d == date)
    by_tier: dict[Decimal, list[PriceRecord]] = defaultdict(list)
    for r in trusted:
        if r.provenance.source == source:
            by_tier[r.tier_start].append(r)
    tiers = tuple(min(by_tier[t], key=lambda r: r.native_id) for t in sorted(by_tier))
    return PriceMatch(query=q, tiers=tiers, candidates=len(found),
                      ambiguous=any(len(v) > 1 for v in by_tier.values()))


def _queries(by_part: dict[Part, list[tuple[Facts, PriceRecord]]], n: int) -> list[PriceQuery]:
    rnd = random.Random(7)
    records = sorted((r for rs in by_part.values() for _, r in rs), key=lambda r: r.native_id)
    out: list[PriceQuery] = []
    for r in rnd.sample(records, n):
        attrs = sorted(r.attributes.items())
        full = PriceQuery(provider=r.provider, service=r.service, region=r.region,
                          product_family=r.product_family, purchase_option=r.purchase_option,
                          term=r.term, payment=r.payment, unit=r.unit, attributes=tuple(attrs))
        some = tuple(sorted(rnd.sample(attrs, rnd.randint(0, len(attrs)))))
        out += [full, full.model_copy(update={
            "attributes": some, "unit": rnd.choice([r.unit, None]),
            "product_family": rnd.choice([r.product_family, None])})]
        if attrs:
            k, v = attrs[rnd.randrange(len(attrs))]
            miss = tuple(sorted({**r.attributes, k: v + "-nope"}.items()))
            out.append(full.model_copy(update={"attributes": miss}))
    out.append(PriceQuery.make("aws", "AmazonS3", "xx-nowhere-1", unit="GB-month"))
    return out


Real = tuple[Path, dict[PriceQuery, PriceMatch]]


@pytest.fixture(scope="module")
def real() -> Real:
    """The shipped snapshot and the reference answers to ~2,800 queries drawn from it."""
    snap = shipped_snapshot_dir()
    if snap is None:
        pytest.skip("no shipped snapshot")
    by_part = _records(snap)
    return snap, {q: reference(q, by_part) for q in _queries(by_part, 1000)}


def test_the_sample_exercises_every_branch_of_the_choice(real: Real) -> None:
    kinds = [(m.found, m.candidates > 1, len(m.tiers) > 1, m.ambiguous, not m.found)
             for m in real[1].values()]
    assert all(any(k[i] for k in kinds) for i in range(5)), "the comparison would prove little"
    assert len(kinds) > 2500


def test_batch_answers_equal_the_reference_byte_for_byte(real: Real) -> None:
    snap, expected = real
    queries = list(expected)
    store = PriceStore.open(snap)
    cold = store.lookup_many(queries)
    warm = store.lookup_many(pickle.loads(pickle.dumps(queries)))  # sets/records now built
    again = store.lookup_many(queries)  # same objects: cached hash and lookup key
    for answers in (cold, warm, again):
        assert list(answers) == queries
        for q, want in expected.items():
            got = answers[q]
            assert got == want and got.model_dump_json() == want.model_dump_json(), q.describe()


def test_single_lookups_equal_the_reference(real: Real) -> None:
    """One query at a time never builds a projection: the posting-set path, cold then warm."""
    snap, expected = real
    store = PriceStore.open(snap)
    sample = list(expected)[::4]
    for q in sample + sample:
        got, want = store.lookup(q), expected[q]
        assert got == want and got.model_dump_json() == want.model_dump_json(), q.describe()


def test_a_trusted_match_equals_a_validated_one(real: Real) -> None:
    """``PriceMatch.trusted`` skips validation; it must build the very same model."""
    for want in list(real[1].values())[:200]:
        got = PriceMatch.trusted(want.query, want.tiers, want.candidates, want.ambiguous)
        assert got == want and got.model_dump_json() == want.model_dump_json()
        assert got.model_dump() == want.model_dump() and got.model_fields_set == {
            "query", "tiers", "candidates", "ambiguous"}
        assert pickle.loads(pickle.dumps(got)) == want and got.found == want.found

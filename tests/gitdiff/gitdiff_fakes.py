"""A stand-in for the HCL reader and the price store (git/projects tests only).

:class:`FakeBackend` reads ``resource`` blocks with literal attributes (and a literal
``count``) from a directory's ``.tf`` files with python-hcl2, and prices them with the real
engine, two tiny rules and three real prices (karpenter-aws us-east-1 2026-07-20 for EC2,
curated-aws ebs-nat.csv for gp3). It is picklable, so it also runs in the process pool.
A resource of type ``test_crash`` raises a RuntimeError (a reader bug).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from costgate.errors import InputError
from costgate.model.estimate import Estimate
from costgate.model.money import HOURS_PER_MONTH
from costgate.model.pricing import (
    CostComponent,
    PriceMatch,
    PriceQuery,
    PriceRecord,
    Provenance,
    Trust,
)
from costgate.model.resource import Action, ParsedInput, PlanMetadata, Resource, ResourceChange
from costgate.pricing.engine import estimate
from costgate.pricing.registry import Registry
from costgate.pricing.rule import UsageValues, pricing_rule
from costgate.projects import Job, Settings

_OPTS = SerializationOptions(explicit_blocks=False, with_comments=False, preserve_heredocs=False)


def _price(native_id: str, price: str, unit: str, **attrs: str) -> PriceRecord:
    return PriceRecord(provider="aws", service="AmazonEC2", product_family="x", region="us-east-1",
                       attributes=attrs, unit=unit, price=Decimal(price), tier_start=Decimal(0),
                       native_id=native_id,
                       provenance=Provenance(source="test", source_file="test",
                                             price_date=dt.date(2026, 7, 20), trust=Trust.DERIVED))


RECORDS = (
    _price("karpenter:us-east-1:t3.micro", "0.0104", "hour", instance_type="t3.micro"),
    _price("karpenter:us-east-1:m5.large", "0.096", "hour", instance_type="m5.large"),
    _price("curated:gp3-storage", "0.08", "GB-month", volume_api_name="gp3"),
)


class FakeStore:
    """Exact attribute matches over :data:`RECORDS`."""

    snapshot_id = "test-snapshot"

    def lookup_many(self, queries: list[PriceQuery]) -> dict[PriceQuery, PriceMatch]:
        out = {}
        for q in queries:
            hits = tuple(r for r in RECORDS
                         if all(r.attributes.get(k) == v for k, v in q.attributes))
            out[q] = PriceMatch(query=q, tiers=hits, candidates=len(hits))
        return out


@pricing_rule("aws_instance")
def _instance(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    itype = r.text("instance_type") or "t3.micro"
    yield CostComponent(name=f"Instance usage ({itype})", unit="hours",
                        monthly_quantity=HOURS_PER_MONTH,
                        query=PriceQuery.make("aws", "AmazonEC2", r.region, instance_type=itype))


@pricing_rule("aws_ebs_volume")
def _volume(r: Resource, usage: UsageValues) -> Iterator[CostComponent]:
    yield CostComponent(name="Storage (gp3)", unit="GB", monthly_quantity=r.number("size", 8),
                        query=PriceQuery.make("aws", "AmazonEC2", r.region, volume_api_name="gp3"))


REGISTRY = Registry([_instance, _volume], free=["aws_iam_role"])


class FakeBackend:
    """Literal-only HCL reading + the real engine (see the module docstring)."""

    def load(self, job: Job, settings: Settings) -> ParsedInput:
        changes = []
        for path in sorted(Path(job.directory).glob("*.tf")):
            for type_, name, body in _resources(path):
                if type_ == "test_crash":
                    raise RuntimeError(f"reader bug at {path}")
                count = body.get("count")
                keys: list[int | None] = list(range(count)) if isinstance(count, int) else [None]
                for key in keys:
                    address = f"{type_}.{name}" + ("" if key is None else f"[{key}]")
                    attrs = {k: _literal(v) for k, v in body.items() if k != "count"}
                    res = Resource(address=address, type=type_, name=name, provider="aws",
                                   index=key, region="us-east-1", attributes=attrs)
                    changes.append(ResourceChange(address=address, type=type_, provider="aws",
                                                  action=Action.CREATE, after=res))
        return ParsedInput(changes=tuple(changes),
                           metadata=PlanMetadata(kind="hcl", source=job.directory))

    def price(self, job: Job, parsed: ParsedInput, settings: Settings) -> Estimate:
        return estimate(parsed, registry=REGISTRY, store=FakeStore(), currency=settings.currency)


def _resources(path: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        doc = hcl2.loads(text, serialization_options=_OPTS)
    except Exception as exc:
        line, col = getattr(exc, "line", "?"), getattr(exc, "column", "?")
        raise InputError(f"{path}:{line}:{col}: syntax error") from None
    for block in doc.get("resource", []):
        for type_label, named in block.items():
            for name_label, body in named.items():
                yield json.loads(type_label), json.loads(name_label), body


def _literal(value: Any) -> Any:
    if isinstance(value, str) and value.startswith('"'):
        return json.loads(value)
    return value


# --- a throwaway git repository ------------------------------------------------------------

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` (isolated from the user's git config) and return stdout."""
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env)
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    """Write ``{relative path: text}`` under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    """Write files, commit everything, return the new commit id."""
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def init_repo(path: Path) -> Path:
    """A new repository with branch ``main``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def snapshot_repo(repo: Path) -> dict[str, Any]:
    """Everything the diff must not change: status, HEAD, branches, index and work tree bytes."""
    files = {}
    for p in sorted(repo.rglob("*")):
        rel = p.relative_to(repo).as_posix()
        if p.is_file() and not p.is_symlink() and not rel.startswith(".git/"):
            files[rel] = p.read_bytes()
    return {
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "head": git(repo, "rev-parse", "HEAD"),
        "symbolic": git(repo, "symbolic-ref", "-q", "HEAD"),
        "branches": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "index": (repo / ".git" / "index").read_bytes(),
        "files": files,
    }

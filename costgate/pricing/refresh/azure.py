"""Azure Retail Prices API: one filtered query per (service, region), following NextPageLink.

Pages of one query are merged before import so that a meter's price tiers split across a page
boundary are still linked (``tier_end``). ``NextPageLink`` must stay on the configured host:
a link elsewhere is refused rather than followed.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast
from urllib.parse import urlencode

from costgate.errors import PricingDataError
from costgate.model.pricing import PriceRecord, Trust
from costgate.pricing.refresh import FetchContext, live_source
from costgate.pricing.refresh.http import host_of

API_PATH = "/api/retail/prices"
API_VERSION = "2023-01-01-preview"  # the version that carries savingsPlan and case-sensitive filters
#: Services in the shipped snapshot, plus Virtual Machines and Load Balancer (``--service`` overrides).
AZURE_SERVICES: tuple[str, ...] = (
    "Virtual Machines", "Storage", "SQL Database", "Azure Database for PostgreSQL",
    "Azure Database for MySQL", "Redis Cache", "Azure Kubernetes Service", "Azure App Service",
    "Virtual Network", "Load Balancer", "Azure Monitor", "Log Analytics", "Key Vault",
    "Functions", "Container Registry", "Application Gateway", "Azure Firewall", "VPN Gateway",
    "Azure Cosmos DB", "Service Bus", "Event Hubs", "Backup", "Container Instances",
)
AZURE_REGIONS: tuple[str, ...] = ("eastus", "eastus2", "westus2", "westeurope", "northeurope")
MAX_PAGES = 2000  # a guard against a server that never ends the chain

PageImporter = Callable[..., Iterator[PriceRecord]]


def query_url(base: str, service: str, region: str, currency: str) -> str:
    """The first page's URL: ``$filter`` on service and region, currency, API version."""
    params = {
        "api-version": API_VERSION,
        "currencyCode": f"'{currency}'",
        "$filter": f"serviceName eq '{service}' and armRegionName eq '{region}'",
    }
    return f"{base}{API_PATH}?{urlencode(params)}"


def fetch(ctx: FetchContext, regions: Sequence[str], services: Sequence[str]) -> Iterator[PriceRecord]:
    """Yield fresh records per region and service; a region with no price at all is an error."""
    import_page = _importer()
    base = ctx.settings.azure_url
    for region in regions:
        in_region = 0
        for service in services:
            url = query_url(base, service, region, ctx.currency)
            items, digest, size = _all_items(ctx, url, f"azure {service} {region}")
            if not items:
                ctx.note(f"azure: no prices for {service} in {region}")
                continue
            ctx.add_source(
                live_source("azure-retail", "azure", url, digest, size, "azure_retail", Trust.RAW)
            )
            try:
                for record in import_page({"Items": items}, url, ctx.today):
                    in_region += 1
                    yield record
            except PricingDataError as exc:
                raise PricingDataError(f"bad Azure price page from {url}: {exc}") from None
        if in_region == 0:
            raise PricingDataError(f"azure: no prices at all for region {region!r} (unknown region?)")


def _all_items(ctx: FetchContext, url: str, what: str) -> tuple[list[Any], str, int]:
    """Every item of one query; the digest covers every page's bytes in order."""
    items: list[Any] = []
    digest = hashlib.sha256()
    size = 0
    seen: set[str] = set()
    host = host_of(url)
    next_url: str | None = url
    page_no = 0
    while next_url:
        page_no += 1
        if page_no > MAX_PAGES or next_url in seen:
            raise PricingDataError(f"{what}: NextPageLink chain does not end (page {page_no})")
        seen.add(next_url)
        doc = ctx.http.get_json(next_url, what=f"{what} page {page_no}")
        digest.update(doc.sha256.encode())
        size += doc.size
        page = doc.data
        page_items = page.get("Items", page.get("items")) if isinstance(page, dict) else None
        if not isinstance(page_items, list):
            raise PricingDataError(f"{what} page {page_no}: not a Retail Prices page (no Items list)")
        items.extend(page_items)
        link = page.get("NextPageLink")
        if link is not None and not isinstance(link, str):
            raise PricingDataError(f"{what} page {page_no}: NextPageLink is not a URL")
        if link and host_of(link) != host:
            raise PricingDataError(f"{what} page {page_no}: NextPageLink leaves {host}: refused")
        next_url = link or None
    return items, digest.hexdigest(), size


def _importer() -> PageImporter:
    module = importlib.import_module("costgate.pricing.importers.azure_retail")
    return cast(PageImporter, module.iter_page_items)

"""Google Cloud Billing Catalog API: services list, then each wanted service's SKUs.

The API key (``GOOGLE_API_KEY``) travels only in the ``X-Goog-Api-Key`` header, only to the
configured catalog host, never in a URL (so it cannot leak through provenance, progress or an
exception message) and never across a redirect. The catalog has no region filter: a service's
whole SKU list is downloaded and records are kept for the chosen regions plus the global and
multi-region ones (``us``, ``europe``, ``asia``, ``global``).
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import cast

from costgate.errors import ConfigError, PricingDataError
from costgate.model.pricing import PriceRecord, Trust
from costgate.pricing.refresh import FetchContext, live_source
from costgate.pricing.refresh.http import JsonDoc

#: Catalog display names (``--service`` overrides). GKE, Cloud SQL and Cloud Run are not in
#: the shipped snapshot at all, so the refresh is their only source.
GOOGLE_SERVICES: tuple[str, ...] = (
    "Compute Engine", "Cloud Storage", "Kubernetes Engine", "Cloud SQL", "Cloud Run",
)
GOOGLE_REGIONS: tuple[str, ...] = ("us-central1", "us-east1", "europe-west1", "europe-west4")
PAGE_SIZE = "5000"
MAX_PAGES = 500
_SPECIFIC_REGION = re.compile(r"\d$")  # us-central1, europe-west4: a single region

PageImporter = Callable[..., Iterator[PriceRecord]]


def fetch(ctx: FetchContext, regions: Sequence[str], services: Sequence[str]) -> Iterator[PriceRecord]:
    """Yield fresh records of each wanted service, limited to the chosen regions."""
    key = ctx.settings.google_api_key
    if not key:
        raise ConfigError("GOOGLE_API_KEY is not set: the Cloud Billing Catalog API needs an API key")
    import_page = _importer()
    headers = {"X-Goog-Api-Key": key}
    base = ctx.settings.gcp_url
    ids = _service_ids(ctx, headers)
    keep = set(regions)
    for name in services:
        service_id = ids.get(name)
        if service_id is None:
            ctx.note(f"google: no catalog service named {name!r}; skipped")
            continue
        url = f"{base}/v1/services/{service_id}/skus"
        digest = hashlib.sha256()
        size = 0
        count = 0
        params = {"pageSize": PAGE_SIZE, "currencyCode": ctx.currency}
        for doc in _pages(ctx, url, "skus", f"google {name} SKUs", headers, params):
            digest.update(doc.sha256.encode())
            size += doc.size
            page = doc.data
            try:
                for record in import_page(page, name, url, ctx.today):
                    region = record.region
                    if region is None or region in keep or not _SPECIFIC_REGION.search(region):
                        count += 1
                        yield record
            except PricingDataError as exc:
                raise PricingDataError(f"bad Google SKU page from {url}: {exc}") from None
        ctx.add_source(
            live_source("gcp-catalog", "google", url, digest.hexdigest(), size, "gcp_catalog", Trust.RAW)
        )
        if count == 0:
            ctx.note(f"google: no {name} prices for {', '.join(regions)}")


def _service_ids(ctx: FetchContext, headers: dict[str, str]) -> dict[str, str]:
    """displayName → serviceId from ``/v1/services`` (IDs are looked up, not hard-coded)."""
    ids: dict[str, str] = {}
    url = f"{ctx.settings.gcp_url}/v1/services"
    for doc in _pages(ctx, url, "services", "Google catalog services", headers, {}):
        for service in doc.data["services"]:
            if isinstance(service, dict) and "displayName" in service and "serviceId" in service:
                ids.setdefault(str(service["displayName"]), str(service["serviceId"]))
    if not ids:
        raise PricingDataError(f"{url}: the catalog lists no services")
    return ids


def _pages(
    ctx: FetchContext,
    url: str,
    key: str,
    what: str,
    headers: dict[str, str],
    params: dict[str, str],
) -> Iterator[JsonDoc]:
    """Follow ``nextPageToken`` until it is absent or empty."""
    token = ""
    seen: set[str] = set()
    for page_no in range(1, MAX_PAGES + 1):
        query = dict(params, pageToken=token) if token else params
        doc = ctx.http.get_json(url, params=query, headers=headers, what=f"{what} page {page_no}")
        page = doc.data
        if not isinstance(page, dict) or not isinstance(page.get(key, []), list):
            raise PricingDataError(f"{what} page {page_no}: not a catalog page (no {key!r} list)")
        page.setdefault(key, [])
        yield doc
        token = str(page.get("nextPageToken") or "")
        if not token:
            return
        if token in seen:
            raise PricingDataError(f"{what}: nextPageToken repeats (page {page_no})")
        seen.add(token)
    raise PricingDataError(f"{what}: more than {MAX_PAGES} pages")


def _importer() -> PageImporter:
    module = importlib.import_module("costgate.pricing.importers.gcp_catalog")
    return cast(PageImporter, module.iter_page_skus)

"""A local stand-in for the providers' price endpoints (imported by the test_refresh_* tests).

One ``ThreadingHTTPServer`` on 127.0.0.1 speaks the real shapes: the AWS Bulk API (index →
region_index → regional CSV in the real 5-metadata-line layout), Azure Retail Prices pages
chained by absolute ``NextPageLink``s, the Google Cloud Billing Catalog (services and SKUs
paged by ``nextPageToken``, API key checked), and the ECB daily XML. Rows are real: SKUs and
prices from the 2023 eu-west-1 AWS export, Azure items from the 2026 Retail Prices dump, the
Google N2 rates and ECB rates quoted in /work/shared/reference/pricing-data.md and the ECB's
2024-06-28 file. ``faults`` injects failures per path, consumed one request at a time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

GOOGLE_KEY = "AIzaSy-test-KEY-0123456789abcdef"

AWS_INDEX_PATH = "/offers/v1.0/aws/index.json"
EC2_CSV = "/offers/v1.0/aws/AmazonEC2/20230223000000/eu-west-1/index.csv"
ELB_CSV = "/offers/v1.0/aws/AWSELB/20230223000000/eu-west-1/index.csv"

_CSV_META = (
    '"FormatVersion","v1.0"\n'
    '"Disclaimer","This pricing list is for informational purposes only. All prices are '
    'subject to the additional terms included in the pricing pages on http://aws.amazon.com."\n'
    '"Publication Date","2023-02-23T00:15:12Z"\n'
    '"Version","20230223001512"\n'
    '"OfferCode","{offer}"\n'
)
_CSV_HEADER = (
    "SKU,OfferTermCode,RateCode,TermType,PriceDescription,EffectiveDate,StartingRange,"
    "EndingRange,Unit,PricePerUnit,Currency,RelatedTo,LeaseContractLength,PurchaseOption,"
    "OfferingClass,Product Family,serviceCode,Location,Location Type,Instance Type,"
    "Operating System,Tenancy,Pre Installed S/W,License Model,CapacityStatus,Volume API Name,"
    "Group,usageType,operation,Region Code"
)
_COLS = _CSV_HEADER.split(",")


def _quoted(cells: list[str]) -> str:
    return ",".join(f'"{c}"' for c in cells)


def _row(**cells: str) -> str:
    return ",".join(f'"{cells.get(c.replace(" ", "_").replace("/", ""), "")}"' for c in _COLS)


EC2_ROWS = [
    _row(SKU="FP7Z96TTU3VFSX2H", OfferTermCode="JRTCKXETXF",
         RateCode="FP7Z96TTU3VFSX2H.JRTCKXETXF.6YS6EN2CT7", TermType="OnDemand",
         PriceDescription="$0.107 per On Demand Linux m5.large Instance Hour",
         EffectiveDate="2023-02-01", StartingRange="0", EndingRange="Inf", Unit="Hrs",
         PricePerUnit="0.1070000000", Currency="USD", Product_Family="Compute Instance",
         serviceCode="AmazonEC2", Location="EU (Ireland)", Location_Type="AWS Region",
         Instance_Type="m5.large", Operating_System="Linux", Tenancy="Shared",
         Pre_Installed_SW="NA", License_Model="No License required", CapacityStatus="Used",
         usageType="EU-BoxUsage:m5.large", operation="RunInstances", Region_Code="eu-west-1"),
    _row(SKU="TXACT7E3PV6ZX2NM", OfferTermCode="JRTCKXETXF",
         RateCode="TXACT7E3PV6ZX2NM.JRTCKXETXF.6YS6EN2CT7", TermType="OnDemand",
         PriceDescription="$0.088 per GB-month of General Purpose (gp3) provisioned storage",
         EffectiveDate="2023-02-01", StartingRange="0", EndingRange="Inf", Unit="GB-Mo",
         PricePerUnit="0.0880000000", Currency="USD", Product_Family="Storage",
         serviceCode="AmazonEC2", Location="EU (Ireland)", Location_Type="AWS Region",
         Volume_API_Name="gp3", usageType="EU-EBS:VolumeUsage.gp3", Region_Code="eu-west-1"),
    _row(SKU="KFNSSCHWD43WZK2R", OfferTermCode="JRTCKXETXF",
         RateCode="KFNSSCHWD43WZK2R.JRTCKXETXF.6YS6EN2CT7", TermType="OnDemand",
         PriceDescription="$0.048 per NAT Gateway Hour", EffectiveDate="2023-02-01",
         StartingRange="0", EndingRange="Inf", Unit="Hrs", PricePerUnit="0.0480000000",
         Currency="USD", Product_Family="NAT Gateway", serviceCode="AmazonEC2",
         Location="EU (Ireland)", Location_Type="AWS Region", Group="NGW:NatGateway",
         usageType="EU-NatGateway-Hours", operation="NatGateway", Region_Code="eu-west-1"),
    # a capacity-reservation row (real SKU, priced 0): the refresh does not store it
    _row(SKU="25V329XTBNXPB9EH", OfferTermCode="JRTCKXETXF",
         RateCode="25V329XTBNXPB9EH.JRTCKXETXF.6YS6EN2CT7", TermType="OnDemand",
         PriceDescription="$0.00 per Windows with SQL Web m5.large Dedicated Reservation",
         EffectiveDate="2023-02-01", StartingRange="0", EndingRange="Inf", Unit="Hrs",
         PricePerUnit="0.0000000000", Currency="USD", Product_Family="Compute Instance",
         serviceCode="AmazonEC2", Location="EU (Ireland)", Location_Type="AWS Region",
         Instance_Type="m5.large", Operating_System="Windows", Tenancy="Dedicated",
         Pre_Installed_SW="SQL Web", License_Model="No License required",
         CapacityStatus="AllocatedCapacityReservation", usageType="EU-DedicatedRes:m5.large",
         operation="RunInstances:0202", Region_Code="eu-west-1"),
]
ELB_ROWS = [
    _row(SKU="Y57U68FTH7H6FZ2H", OfferTermCode="JRTCKXETXF",
         RateCode="Y57U68FTH7H6FZ2H.JRTCKXETXF.6YS6EN2CT7", TermType="OnDemand",
         PriceDescription="$0.0252 per Application LoadBalancer-hour",
         EffectiveDate="2023-02-01", StartingRange="0", EndingRange="Inf", Unit="Hrs",
         PricePerUnit="0.0252000000", Currency="USD",
         Product_Family="Load Balancer-Application", serviceCode="AWSELB",
         Location="EU (Ireland)", Location_Type="AWS Region",
         usageType="EU-LoadBalancerUsage", operation="LoadBalancing:Application",
         Region_Code="eu-west-1"),
]

AZURE_STORAGE_ITEMS = [
    {"currencyCode": "USD", "tierMinimumUnits": 0, "retailPrice": 1.536, "unitPrice": 1.536,
     "armRegionName": "westeurope", "location": "EU West",
     "effectiveStartDate": "2017-10-01T00:00:00Z",
     "meterId": "17fff823-37f4-4e7c-904d-063ea1a0470f", "meterName": "S4 LRS Disk",
     "productId": "DZH318Z0BP0L", "skuId": "DZH318Z0BP0L/006W",
     "productName": "Standard HDD Managed Disks", "skuName": "S4 LRS", "serviceName": "Storage",
     "serviceId": "DZH317F1HKN0", "serviceFamily": "Storage", "unitOfMeasure": "1/Month",
     "type": "Consumption", "isPrimaryMeterRegion": True, "armSkuName": ""},
    {"currencyCode": "USD", "tierMinimumUnits": 0, "retailPrice": 5.888, "unitPrice": 5.888,
     "armRegionName": "westeurope", "location": "EU West",
     "effectiveStartDate": "2017-10-01T00:00:00Z",
     "meterId": "e7ee9909-19a9-49e9-855c-c5226617df19", "meterName": "S10 LRS Disk",
     "productId": "DZH318Z0BP0L", "skuId": "DZH318Z0BP0L/00CF",
     "productName": "Standard HDD Managed Disks", "skuName": "S10 LRS", "serviceName": "Storage",
     "serviceId": "DZH317F1HKN0", "serviceFamily": "Storage", "unitOfMeasure": "1/Month",
     "type": "Consumption", "isPrimaryMeterRegion": True, "armSkuName": ""},
]
AZURE_VM_ITEM = {
    "currencyCode": "USD", "tierMinimumUnits": 0, "retailPrice": 0.106, "unitPrice": 0.106,
    "armRegionName": "mexicocentral", "location": "MX Central",
    "effectiveStartDate": "2024-02-01T00:00:00Z",
    "meterId": "a7783ad8-4c7d-5336-bb40-fba873c20941", "meterName": "D2s v5",
    "productId": "DZH318Z08M9W", "skuId": "DZH318Z08M9W/02Z2",
    "productName": "Virtual Machines Dsv5 Series", "skuName": "Standard_D2s_v5",
    "serviceName": "Virtual Machines", "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute",
    "unitOfMeasure": "1 Hour", "type": "Consumption", "isPrimaryMeterRegion": True,
    "armSkuName": "Standard_D2s_v5",
    "savingsPlan": [{"unitPrice": 0.0487812, "retailPrice": 0.0487812, "term": "3 Years"},
                    {"unitPrice": 0.0726948, "retailPrice": 0.0726948, "term": "1 Year"}],
}


def _gcp_sku(sku_id: str, description: str, group: str, unit: str, desc_unit: str,
             nanos: int) -> dict[str, Any]:
    return {
        "name": f"services/6F81-5844-456A/skus/{sku_id}", "skuId": sku_id,
        "description": description,
        "category": {"serviceDisplayName": "Compute Engine", "resourceFamily": "Compute",
                     "resourceGroup": group, "usageType": "OnDemand"},
        "serviceRegions": ["us-central1"],
        "pricingInfo": [{
            "summary": "", "effectiveTime": "2026-07-01T00:00:00.000Z",
            "pricingExpression": {
                "usageUnit": unit, "usageUnitDescription": desc_unit, "baseUnit": unit,
                "baseUnitDescription": desc_unit, "baseUnitConversionFactor": 1,
                "displayQuantity": 1,
                "tieredRates": [{"startUsageAmount": 0,
                                 "unitPrice": {"currencyCode": "USD", "units": "0",
                                               "nanos": nanos}}]},
            "currencyConversionRate": 1}],
        "serviceProviderName": "Google",
        "geoTaxonomy": {"type": "REGIONAL", "regions": ["us-central1"]},
    }


GCP_SKU_PAGES = [
    {"skus": [_gcp_sku("0A3F-2B1C-AAAA", "N2 Instance Core running in Americas", "CPU", "h",
                       "hour", 31611000)], "nextPageToken": "page-2-token"},
    {"skus": [_gcp_sku("0A3F-2B1C-BBBB", "N2 Instance Ram running in Americas", "RAM",
                       "GiBy.h", "gibibyte hour", 4237000)]},
]
GCP_SERVICE_PAGES = [
    {"services": [{"name": "services/6F81-5844-456A", "serviceId": "6F81-5844-456A",
                   "displayName": "Compute Engine", "businessEntityName": "businessEntities/GCP"}],
     "nextPageToken": "svc-2"},
    {"services": [{"name": "services/95FF-2EF5-5EA1", "serviceId": "95FF-2EF5-5EA1",
                   "displayName": "Cloud Storage", "businessEntityName": "businessEntities/GCP"}]},
]

ECB_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='2024-06-28'>
\t\t\t<Cube currency='USD' rate='1.0705'/>
\t\t\t<Cube currency='JPY' rate='171.94'/>
\t\t\t<Cube currency='GBP' rate='0.84638'/>
\t\t\t<Cube currency='CHF' rate='0.9634'/>
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>
"""


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class FakeProviders:
    """Serves the routes below; ``faults[path]`` is a list of faults used up in order."""

    base: str = ""
    faults: dict[str, list[str]] = field(default_factory=dict)
    #: path → canned (status, headers, body) responses, used up in order (the last repeats)
    scripted: dict[str, list[tuple[int, dict[str, str], bytes]]] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str) -> int:
        return sum(1 for r in self.log if r.path == path)

    def respond(self, path: str, query: dict[str, list[str]],
                headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        canned = self.scripted.get(path)
        if canned:
            return canned.pop(0) if len(canned) > 1 else canned[0]
        if path == AWS_INDEX_PATH:
            return _json({"formatVersion": "v1.0", "disclaimer": "…",
                          "publicationDate": "2023-02-23T00:15:12Z",
                          "offers": {code: _offer(code) for code in ("AmazonEC2", "AWSELB")}})
        for code, csv_path in (("AmazonEC2", EC2_CSV), ("AWSELB", ELB_CSV)):
            if path == f"/offers/v1.0/aws/{code}/current/region_index.json":
                return _json({"formatVersion": "v1.0", "disclaimer": "…",
                              "publicationDate": "2023-02-23T00:15:12Z",
                              "regions": {"eu-west-1": {
                                  "regionCode": "eu-west-1",
                                  "currentVersionUrl": csv_path[:-4] + ".json"}}})
            if path == csv_path:
                rows = EC2_ROWS if code == "AmazonEC2" else ELB_ROWS
                text = _CSV_META.replace("{offer}", code) + _quoted(_COLS) + "\n" + "\n".join(rows) + "\n"
                return 200, {"Content-Type": "text/csv"}, text.encode()
        if path == "/api/retail/prices":
            return self._azure(query)
        if path.startswith("/v1/services"):
            got = headers.get("x-goog-api-key")
            if got != GOOGLE_KEY:
                return _json({"error": {"code": 403, "message": "API key not valid.",
                                        "status": "PERMISSION_DENIED"}}, 403)
            token = query.get("pageToken", [""])[0]
            if path == "/v1/services":
                return _json(GCP_SERVICE_PAGES[1 if token == "svc-2" else 0])
            if path == "/v1/services/6F81-5844-456A/skus":
                return _json(GCP_SKU_PAGES[1 if token == "page-2-token" else 0])
            if path == "/v1/services/95FF-2EF5-5EA1/skus":
                return _json({"skus": []})
        if path == "/stats/eurofxref/eurofxref-daily.xml":
            return 200, {"Content-Type": "text/xml"}, ECB_XML
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def _azure(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        flt = query.get("$filter", [""])[0]
        skip = int(query.get("$skip", ["0"])[0])
        items: list[dict[str, Any]] = []
        if "'Storage'" in flt and "'westeurope'" in flt:
            items = AZURE_STORAGE_ITEMS
        elif "'Virtual Machines'" in flt and "'mexicocentral'" in flt:
            items = [AZURE_VM_ITEM]
        page = items[skip: skip + 1]  # one item per page: exercises NextPageLink
        more = skip + 1 < len(items)
        link = None
        if more:
            host = "http://pricing.example.invalid" if self.faults.get("offhost-link") else self.base
            link = (f"{host}/api/retail/prices?api-version=2023-01-01-preview"
                    f"&$filter={flt.replace(' ', '%20')}&$skip={skip + 1}")
        return _json({"BillingCurrency": "USD", "CustomerEntityId": "Default",
                      "CustomerEntityType": "Retail", "Items": page, "NextPageLink": link,
                      "Count": len(page)})


def _offer(code: str) -> dict[str, str]:
    root = f"/offers/v1.0/aws/{code}"
    return {"offerCode": code, "versionIndexUrl": f"{root}/index.json",
            "currentVersionUrl": f"{root}/current/index.json",
            "currentRegionIndexUrl": f"{root}/current/region_index.json"}


def _json(doc: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(doc).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None

    def do_GET(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        headers = {k.lower(): v for k, v in self.headers.items()}
        with fake.lock:
            fake.log.append(Request(parts.path, query, headers))
            queue = fake.faults.get(parts.path) or []
            fault = queue.pop(0) if queue else None
        status, hdrs, body = fake.respond(parts.path, query, headers)
        if fault is not None and fault.startswith("sleep:"):
            time.sleep(float(fault.split(":")[1]))
            fault = None
        if fault is not None and fault.startswith(("500", "503", "429")):
            code, _, retry_after = fault.partition(":")
            status, hdrs, body = int(code), {"Content-Type": "text/plain"}, b"busy"
            if retry_after:
                hdrs["Retry-After"] = retry_after
        elif fault == "html":
            status, hdrs = 200, {"Content-Type": "text/html"}
            body = b"<html><body>Please log in to the hotel wifi</body></html>"
        elif fault == "garbage":
            hdrs = {"Content-Type": "application/octet-stream"}
            body = b"\x00\x01 this is not a price file \xff"
        self.send_response(status)
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeProviders

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that gave up (timeout tests) is expected, not news


@pytest.fixture(name="providers")
def providers_fixture(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[FakeProviders]:
    """The fake endpoints, with every costgate endpoint setting pointed at them."""
    server = _Server(("127.0.0.1", 0), _Handler)
    fake = FakeProviders()
    server.fake = fake
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    for name in ("AWS_PRICING", "AZURE_PRICING", "GCP_PRICING", "ECB"):
        monkeypatch.setenv(f"COSTGATE_{name}_URL", fake.base)
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    # merge against nothing (or what a test puts there), never the repo's real snapshot
    monkeypatch.setattr("costgate.pricing.store.shipped_snapshot_dir", lambda: None)
    monkeypatch.setenv("COSTGATE_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("COSTGATE_HTTP_CONNECT_TIMEOUT", "0.5")
    monkeypatch.setenv("COSTGATE_HTTP_RETRIES", "2")
    monkeypatch.setenv("COSTGATE_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("COSTGATE_HTTP_BACKOFF_MAX", "0.05")
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()

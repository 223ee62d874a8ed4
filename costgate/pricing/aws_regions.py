"""AWS location display names → region codes.

Pricing-page JSON and derived files name locations (``EU (Ireland)``) where offer files also
give the code. Only real regions are listed: Local Zones, Wavelength zones and partner zones
("US East (Verizon) - Boston", "US West (Los Angeles)") have their own prices and are reachable
only through an offer file's ``regionCode``, so :func:`region_code` returns ``None`` for them.
Both the pricing spelling ``EU (…)`` and botocore's ``Europe (…)`` are accepted.
"""

from __future__ import annotations

_REGIONS: dict[str, str] = {
    "US East (N. Virginia)": "us-east-1",
    "US East (Ohio)": "us-east-2",
    "US West (N. California)": "us-west-1",
    "US West (Oregon)": "us-west-2",
    "AWS GovCloud (US)": "us-gov-west-1",
    "AWS GovCloud (US-West)": "us-gov-west-1",
    "AWS GovCloud (US-East)": "us-gov-east-1",
    "Canada (Central)": "ca-central-1",
    "Canada West (Calgary)": "ca-west-1",
    "Mexico (Central)": "mx-central-1",
    "South America (Sao Paulo)": "sa-east-1",
    "South America (São Paulo)": "sa-east-1",
    "EU (Ireland)": "eu-west-1",
    "EU (London)": "eu-west-2",
    "EU (Paris)": "eu-west-3",
    "EU (Frankfurt)": "eu-central-1",
    "EU (Zurich)": "eu-central-2",
    "EU (Stockholm)": "eu-north-1",
    "EU (Milan)": "eu-south-1",
    "EU (Spain)": "eu-south-2",
    "Africa (Cape Town)": "af-south-1",
    "Middle East (Bahrain)": "me-south-1",
    "Middle East (UAE)": "me-central-1",
    "Israel (Tel Aviv)": "il-central-1",
    "Asia Pacific (Tokyo)": "ap-northeast-1",
    "Asia Pacific (Seoul)": "ap-northeast-2",
    "Asia Pacific (Osaka)": "ap-northeast-3",
    "Asia Pacific (Osaka-Local)": "ap-northeast-3",
    "Asia Pacific (Singapore)": "ap-southeast-1",
    "Asia Pacific (Sydney)": "ap-southeast-2",
    "Asia Pacific (Jakarta)": "ap-southeast-3",
    "Asia Pacific (Melbourne)": "ap-southeast-4",
    "Asia Pacific (Malaysia)": "ap-southeast-5",
    "Asia Pacific (New Zealand)": "ap-southeast-6",
    "Asia Pacific (Thailand)": "ap-southeast-7",
    "Asia Pacific (Mumbai)": "ap-south-1",
    "Asia Pacific (Hyderabad)": "ap-south-2",
    "Asia Pacific (Hong Kong)": "ap-east-1",
    "Asia Pacific (Taipei)": "ap-east-2",
    "China (Beijing)": "cn-north-1",
    "China (Ningxia)": "cn-northwest-1",
}

# botocore's endpoint descriptions say "Europe (…)" where the price lists say "EU (…)".
_REGIONS.update({"Europe" + name[2:]: code for name, code in list(_REGIONS.items()) if name.startswith("EU (")})

#: Every region code known here (for validating codes found in files).
REGION_CODES: frozenset[str] = frozenset(_REGIONS.values())


def region_code(name: str) -> str | None:
    """The region code for a location display name, or ``None`` for zones and non-regions."""
    return _REGIONS.get(name.strip())


def is_region_code(code: str) -> bool:
    """True for a known AWS region code (not a Local/Wavelength zone id)."""
    return code in REGION_CODES

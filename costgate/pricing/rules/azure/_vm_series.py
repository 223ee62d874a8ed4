"""Azure VM size → the Retail Prices ``productName`` of its Linux meters.

The Retail API sells one size under several products (``Virtual Machines DSv3 Series``, the
same with `` Windows``, ``… Cloud Services``), and the store matches by equality only, so a
Linux query must name the product. The name is the series token of the size (``Standard_D2s_v3``
→ ``Dsv3``: family letters, feature letters without the ``i`` of isolated sizes, accelerator,
version) in ``Virtual Machines {token} Series``, except for the irregular spellings below.
``tests/pricing/test_rules_google_azure.py`` checks every Linux size of the shipped snapshot.
"""

from __future__ import annotations

import re

_SIZE = re.compile(
    r"^(?:Standard|Basic)_([A-Z]+)(\d+)(?:-\d+)?([a-z]*)(?:_([A-Z]+\d+))?(?:_v(\d+))?$"
)

#: Series tokens whose product is not ``Virtual Machines {token} Series``.
IRREGULAR: dict[str, str] = {
    "Amv2": "Virtual Machines Av2 Series",
    "Balsv2": "Virtual Machines Basv2 Series",
    "Batsv2": "Virtual Machines Basv2 Series",
    "Bls": "Virtual Machines BS Series",
    "Bms": "Virtual Machines BS Series",
    "Bs": "Virtual Machines BS Series",
    "DCadsv6": "Virtual Machines DCadsv6 series",
    "DCasv6": "Virtual Machines DCasv6 series",
    "DCdsv3": "DCdsv3 Series Linux",
    "Ddsv7": "Virtual Machines Ddsv7-series Linux",
    "Dldsv7": "Virtual Machines Dldsv7-series Linux",
    "Dlsv7": "Virtual Machines Dlsv7-series Linux",
    "Dndsv6": "Virtual Machines Dndsv6 Series Linux",
    "Dnldsv6": "Virtual Machines Dnldsv6 Series Linux",
    "Dnlsv6": "Virtual Machines Dnlsv6 Series Linux",
    "Dnsv6": "Virtual Machines Dnsv6 Series Linux",
    "Dsv2": "Virtual Machines DSv2 Series",
    "Dsv3": "Virtual Machines DSv3 Series",
    "Dsv7": "Virtual Machines Dsv7-series Linux",
    "ECadsv6": "Virtual Machines ECadsv6 series Linux",
    "ECasv6": "Virtual Machines ECasv6 series",
    "Ebdsv6": "Virtual Machines Ebdsv6-Series Linux",
    "Ebsv6": "Virtual Machines Ebsv6-Series Linux",
    "Edsv7": "Virtual Machines Edsv7-series Linux",
    "Endsv6": "Virtual Machines Endsv6 Series Linux",
    "Ensv6": "Virtual Machines Ensv6 Series Linux",
    "Esv3": "Virtual Machines ESv3 Series",
    "Esv7": "Virtual Machines Esv7-series Linux",
    "Fs": "Virtual Machines FS Series",
    "Fsv2": "Virtual Machines FSv2 Series",
    "HBrsv2": "Virtual Machines HBSv2 Series",
    "Lasv3": "Lasv3 Series Linux",
    "Lsv2": "Virtual Machines LSv2 Series",
    "M": "Virtual Machines MS Series",
    "Mdmsv2": "Virtual Machines MdSv2 Series",
    "Mdsv2": "Virtual Machines MdSv2 Series",
    "Mls": "Virtual Machines MS Series",
    "Mm": "Virtual Machines MS Series",
    "Mms": "Virtual Machines MS Series",
    "Mmsv2": "Virtual Machines MSv2 Series",
    "Ms": "Virtual Machines MS Series",
    "Msv2": "Virtual Machines MSv2 Series",
    "Mts": "Virtual Machines MS Series",
    "NCrsv3": "Virtual Machines NCSv3 Series",
    "NCsv3": "Virtual Machines NCSv3 Series",
    "NVadmsA10v5": "Virtual Machines NVadsA10v5 Series",
    "NVsv3": "Virtual Machines NVSv3 Series",
}


def series_token(size: str) -> str | None:
    """``Dsv3`` for ``Standard_D2s_v3``; None when the name is not an Azure VM size."""
    match = _SIZE.match(size.replace(" ", "_"))
    if match is None:
        return None
    family, _, features, accelerator, version = match.groups()
    return family + features.replace("i", "") + (accelerator or "") + (f"v{version}" if version else "")


def linux_product(size: str) -> str | None:
    """The Linux ``productName`` for a VM size, or None when the size cannot be parsed."""
    token = series_token(size)
    if token is None:
        return None
    if size.startswith("Basic_"):
        return f"Virtual Machines {token} Series Basic"
    return IRREGULAR.get(token, f"Virtual Machines {token} Series")

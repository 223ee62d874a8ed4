"""File helpers every importer shares: the provenance path and multi-document JSON reading.

Kept in one place so every source records ``provenance.source_file`` the same way and the
API-page importers (Azure Retail, Cloud Billing Catalog) fail on bad files with the same words.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from costgate.errors import PricingDataError

_JSON_WS = " \t\r\n"


def source_file(path: Path, root: Path) -> str:
    """``path`` relative to the sources root (posix), or as given when outside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def json_documents(path: Path, expected: str) -> list[Any]:
    """Every JSON document in a file: one, or several concatenated (one page per line).

    Numbers become Decimal. ``expected`` names what an empty file should have held
    (``"an Azure Retail Prices page"``). Unreadable, non-UTF-8 or corrupt files raise
    :class:`PricingDataError` naming the file.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise PricingDataError(f"{path}: cannot read price file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise PricingDataError(f"{path}: not a UTF-8 JSON file") from exc
    decoder = json.JSONDecoder(parse_float=Decimal)
    docs: list[Any] = []
    pos = _skip_ws(text, 0)
    if pos == len(text):
        raise PricingDataError(f"{path}: empty file, expected {expected}")
    while pos < len(text):
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise PricingDataError(
                f"{path}: corrupt or truncated JSON ({exc.msg} at line {exc.lineno}, "
                f"column {exc.colno})"
            ) from exc
        docs.append(doc)
        pos = _skip_ws(text, pos)
    return docs


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _JSON_WS:
        pos += 1
    return pos

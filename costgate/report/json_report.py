"""``--format json``: the estimate serialised as its versioned contract.

Field names are the issue 3 contract (``total_monthly_cost_before`` … ``components[].price_id``);
money is a decimal string, never a float; every field is present (``null`` when unknown), so
``jq`` scripts do not need defaults. ``costgate/schema/estimate.v1.json`` describes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from costgate.model.estimate import Estimate

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "estimate.v1.json"
SCHEMA_ID = "https://costgate.dev/schema/estimate.v1.json"


def render_json(estimate: Estimate) -> str:
    """The estimate as indented JSON text, ending in a newline."""
    return estimate.model_dump_json(indent=2) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the contract, generated from the model (what the file must equal)."""
    schema = Estimate.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def json_schema_text() -> str:
    """The schema file's exact text."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


def write_schema() -> None:
    """Regenerate ``costgate/schema/estimate.v1.json`` (after a model change)."""
    SCHEMA_FILE.write_text(json_schema_text(), encoding="utf-8")

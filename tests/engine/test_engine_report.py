"""Renderers: table goldens, the JSON contract and its schema, the format enum."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

import jsonschema
import pytest
from test_engine_estimate import change, res, run

from costgate.model.estimate import Estimate, PriceSnapshot
from costgate.model.resource import Action
from costgate.pricing.engine import Conversion
from costgate.report.formats import OutputFormat, TableOptions, render
from costgate.report.json_report import SCHEMA_FILE, json_schema_text, render_json

CONTRACT_TOP = {"schema_version", "currency", "price_snapshot", "total_monthly_cost_before",
                "total_monthly_cost_after", "total_monthly_delta", "counts", "resources"}
CONTRACT_RESOURCE = {"address", "type", "provider", "region", "action", "status",
                     "monthly_cost_before", "monthly_cost_after", "monthly_delta", "tags",
                     "components"}
CONTRACT_COMPONENT = {"name", "unit", "monthly_quantity", "unit_price", "monthly_cost",
                      "usage_based", "price_id", "price_date"}


def sample(**kw: object) -> Estimate:
    snap = PriceSnapshot(id="test-snapshot", date=dt.date(2026, 7, 20))
    return run(
        change(Action.UPDATE, res("aws_instance", "web", instance_type="m5.large"),
               res("aws_instance", "web", instance_type="m5.xlarge")),
        change(Action.CREATE, None, res("aws_lambda_function", "api")),
        change(Action.CREATE, None, res("aws_nat_gateway", "main")),
        change(Action.DELETE, res("aws_instance", "old", instance_type="zz9.huge"), None),
        change(Action.NOOP, res("aws_iam_role", "app"), res("aws_iam_role", "app")),
        change(Action.CREATE, None, res("aws_widget_thing", "w")),
        change(Action.CREATE, None, res("aws_broken_thing", "bad")),
        change(Action.FORGET, res("aws_nat_gateway", "legacy"), None),
        snapshot=snap, **kw,
    )


@pytest.mark.parametrize(
    ("name", "options"),
    [("breakdown.txt", TableOptions()),
     ("diff_show_skipped.txt", TableOptions(diff=True, show_skipped=True))],
)
def test_table_golden(name: str, options: TableOptions,
                      golden: Callable[[str, str], None]) -> None:
    golden(name, render(OutputFormat.TABLE, sample(), options))


def test_table_in_eur_golden(golden: Callable[[str, str], None]) -> None:
    conv = Conversion("EUR", lambda a, s, d: a * Decimal("0.8571"), dt.date(2026, 7, 17))
    golden("diff_eur.txt", render(OutputFormat.TABLE, sample(currency="EUR", conversion=conv),
                                  TableOptions(diff=True)))


def test_json_golden_and_contract_fields(golden: Callable[[str, str], None]) -> None:
    text = render_json(sample())
    golden("estimate.json", text)
    data = json.loads(text)
    assert CONTRACT_TOP <= data.keys()
    assert set(data["counts"]) == {"priced", "usage_based", "free", "unsupported"}
    for r in data["resources"]:
        assert CONTRACT_RESOURCE <= r.keys()
        for c in r["components"]:
            assert CONTRACT_COMPONENT <= c.keys()
    money = [data["total_monthly_cost_after"], data["resources"][0]["components"][0]["unit_price"]]
    assert all(isinstance(m, str) for m in money)


def test_schema_file_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == json_schema_text(), (
        "regenerate: python -c 'from costgate.report.json_report import write_schema; "
        "write_schema()'"
    )


def test_real_output_validates_against_schema_file() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(json.loads(render_json(sample())))
    broken = json.loads(render_json(sample()))
    broken["total_monthly_cost_after"] = 12.5  # a float is not a contract money value
    assert not validator.is_valid(broken)


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_renders(fmt: OutputFormat) -> None:
    assert render(fmt, sample()).endswith("\n")

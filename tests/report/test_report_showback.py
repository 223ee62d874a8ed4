"""Showback groups cost and delta by tag values; untagged cost is a row of its own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from report_samples import hours, rcc, usage

from costgate.errors import InputError
from costgate.model.estimate import ResourceStatus
from costgate.model.resource import Action
from costgate.report.showback import parse_group_by, row_label, showback

M5L = hours("m5.large", "0.096")  # 70.08 a month
D = Decimal


def _rows() -> list:
    return [
        rcc("aws_instance.a", Action.CREATE, D(0), D("70.08"), (M5L,),
            tags={"team": "payments", "cost-center": "cc-1"}),
        rcc("aws_instance.b", Action.UPDATE, D("70.08"), D("140.16"), (M5L,),
            tags={"team": "payments", "cost-center": "cc-1"}),
        rcc("aws_instance.c", Action.CREATE, D(0), D("70.08"), (M5L,), tags={"team": "search"}),
        rcc("aws_instance.d", Action.CREATE, D(0), D("70.08"), (M5L,), tags={"owner": "x"}),
        rcc("aws_instance.gone", Action.DELETE, D("70.08"), D(0), (M5L,),
            tags={"team": "search", "cost-center": "cc-2"}),
        rcc("aws_lambda_function.f", Action.CREATE, D(0), None,
            (usage("Requests", "1M requests", "0.20"),), status=ResourceStatus.USAGE_BASED,
            tags={"team": "search", "cost-center": "cc-2"}),
        rcc("aws_iam_role.r", Action.CREATE, D(0), D(0), status=ResourceStatus.FREE),
    ]


def test_groups_sum_before_after_and_delta() -> None:
    sb = showback(_rows(), ("team", "cost-center"))
    table = {row_label(r, sb.keys): (r.monthly_cost_before, r.monthly_cost_after,
                                     r.monthly_delta, r.resources) for r in sb.rows}
    assert table == {
        "team=payments, cost-center=cc-1": (D("70.08"), D("210.24"), D("140.16"), 2),
        "team=search, cost-center=(untagged)": (D(0), D("70.08"), D("70.08"), 1),
        "team=search, cost-center=cc-2": (D("70.08"), D(0), D("-70.08"), 2),
        "(untagged)": (D(0), D("70.08"), D("70.08"), 1),
    }
    assert [row_label(r, sb.keys) for r in sb.rows][-1] == "(untagged)"  # always last
    assert sum((r.monthly_delta for r in sb.rows), D(0)) == D("210.24")  # nothing dropped


def test_compliance_share_counts_cost_bearing_resources_with_every_key() -> None:
    sb = showback(_rows(), ("team", "cost-center"))
    # still running and cost-bearing: a, b, c, d, f (the free role and the delete are not)
    assert (sb.cost_bearing_resources, sb.compliant_resources) == (5, 3)
    assert sb.cost_bearing_monthly_cost == D("350.40")
    assert sb.compliant_monthly_cost == D("210.24")
    assert sb.compliant_share_percent == D("60.0")


def test_no_cost_means_no_share() -> None:
    sb = showback([rcc("aws_iam_role.r", Action.CREATE, D(0), D(0),
                       status=ResourceStatus.FREE)], ("team",))
    assert sb.rows == () and sb.compliant_share_percent is None


@pytest.mark.parametrize("text", ["", "team,,x", "team,team", " , "])
def test_bad_group_by(text: str) -> None:
    with pytest.raises(InputError, match="--group-by"):
        parse_group_by(text)


def test_group_by_parsing() -> None:
    assert parse_group_by(" team , cost-center") == ("team", "cost-center")
    assert parse_group_by(None) == ()

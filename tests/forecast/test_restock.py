"""Reorder points, order quantities and dates from forecasts."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from forecasting.restock import RestockInputs, RestockPolicy, plan_restock

pytestmark = pytest.mark.unit


def _inputs(n: int = 1, **overrides: list[int]) -> RestockInputs:
    base: dict[str, list[int]] = {
        "on_hand": [100] * n,
        "on_order": [0] * n,
        "min_qty": [0] * n,
        "lead_time_days": [5] * n,
        "pack_size": [1] * n,
        "min_order_qty": [1] * n,
    }
    base.update(overrides)
    return RestockInputs(**{k: np.array(v) for k, v in base.items()})


def test_reorder_point_is_lead_time_demand_plus_safety_stock() -> None:
    mean = np.full((1, 30), 10.0)
    policy = RestockPolicy(service_level=0.95, review_period_days=7)
    plan = plan_restock(mean, np.array([2.0]), _inputs(), policy)
    z = NormalDist().inv_cdf(0.95)
    assert plan.lead_demand[0] == pytest.approx(50.0)
    assert plan.safety_stock[0] == pytest.approx(z * 2.0 * math.sqrt(5))
    assert plan.dynamic_min[0] == math.ceil(50 + z * 2.0 * math.sqrt(5))  # 58
    assert plan.reorder_point[0] == plan.dynamic_min[0]


def test_higher_service_level_means_more_safety_stock() -> None:
    mean, sigma = np.full((1, 30), 10.0), np.array([3.0])
    low = plan_restock(mean, sigma, _inputs(), RestockPolicy(service_level=0.8))
    high = plan_restock(mean, sigma, _inputs(), RestockPolicy(service_level=0.99))
    assert high.dynamic_min[0] > low.dynamic_min[0]


def test_a_person_set_minimum_wins_when_higher_only() -> None:
    mean = np.full((2, 30), 10.0)
    plan = plan_restock(mean, np.array([2.0, 2.0]), _inputs(2, min_qty=[120, 20]), RestockPolicy())
    assert plan.dynamic_min.tolist() == [58, 58]
    assert plan.reorder_point.tolist() == [120, 58]


def test_order_quantity_reaches_order_up_to_in_whole_packs_and_supplier_minimum() -> None:
    mean = np.full((3, 30), 10.0)
    policy = RestockPolicy(service_level=0.95, review_period_days=7)
    inputs = _inputs(3, on_hand=[30, 30, 500], pack_size=[12, 1, 12], min_order_qty=[1, 200, 1])
    plan = plan_restock(mean, np.zeros(3), inputs, policy)
    assert plan.order_up_to[0] == 120  # (5 + 7) days x 10, no error
    assert plan.quantity[0] == 96  # 90 needed, rounded up to 8 packs of 12
    assert plan.quantity[1] == 200  # the supplier's minimum
    assert plan.quantity[2] == 0  # well stocked: nothing due
    assert plan.order_in_days[0] == 0


def test_stock_on_order_counts_towards_the_position() -> None:
    mean = np.full((2, 30), 10.0)
    plan = plan_restock(mean, np.zeros(2), _inputs(2, on_hand=[30, 30], on_order=[0, 100]), RestockPolicy())
    assert plan.quantity[0] > 0
    assert plan.quantity[1] == 0  # 130 in position covers the reorder point of 50


def test_stockout_and_order_dates_follow_the_forecast() -> None:
    mean = np.full((1, 40), 10.0)
    plan = plan_restock(mean, np.zeros(1), _inputs(on_hand=[95]), RestockPolicy())
    assert plan.days_to_stockout[0] == 9  # 90 sold by the end of day 8, the 96th unit is wanted on day 9
    assert plan.order_in_days[0] == 5  # the position reaches the reorder point of 50 after 45 sold


def test_out_of_stock_now_and_no_demand_at_all() -> None:
    plan = plan_restock(np.zeros((2, 20)), np.zeros(2), _inputs(2, on_hand=[0, 10]), RestockPolicy())
    assert plan.days_to_stockout[0] == 0
    assert math.isinf(plan.days_to_stockout[1])
    assert math.isinf(plan.order_in_days[1])


def test_lead_times_beyond_the_forecast_extend_it_with_the_recent_rate() -> None:
    mean = np.full((1, 14), 4.0)
    plan = plan_restock(mean, np.zeros(1), _inputs(lead_time_days=[30]), RestockPolicy(review_period_days=7))
    assert plan.lead_demand[0] == pytest.approx(120.0)
    assert plan.order_up_to[0] == 148
    assert plan.days_to_stockout[0] == 25  # 100 on hand at 4 a day, extrapolated past day 14

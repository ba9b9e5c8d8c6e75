"""Generator C's statistics only (shares, zero days, levels, packs, stock-out runs); never the engine on it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting.synthetic_fresh import MIX, PACK_SIZES, SEGMENTS, FreshDemand, days_ending, fresh_demand

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def fresh() -> FreshDemand:
    return fresh_demand(3000, 400, seed=5)


def rows(d: FreshDemand, name: str) -> np.ndarray:
    return np.asarray(d.y[d.segment == SEGMENTS.index(name)])


def longest_zero_run(row: np.ndarray) -> int:
    edges = np.flatnonzero(np.diff(np.r_[0, (row == 0).astype(int), 0]))
    return int((edges[1::2] - edges[::2]).max()) if edges.size else 0


def test_is_deterministic_by_seed() -> None:
    a, b, c = (fresh_demand(300, 120, seed=s) for s in (9, 9, 10))
    assert (
        np.array_equal(a.y, b.y) and np.array_equal(a.segment, b.segment) and np.array_equal(a.rate, b.rate)
    )
    assert not np.array_equal(a.y, c.y)


def test_calendar_ends_on_the_end_date() -> None:
    cal = days_ending(400, date(2025, 3, 2))
    assert (cal.weekday[-1], cal.day_of_month[-1], cal.year_day[-1]) == (6, 2, 60)
    assert (cal.weekday[0], cal.day_of_month[0]) == (date(2024, 1, 28).weekday(), 28)


def test_segment_shares_and_the_shape_of_the_result(fresh: FreshDemand) -> None:
    shares = np.bincount(fresh.segment, minlength=len(SEGMENTS)) / len(fresh.segment)
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.025)
    assert fresh.names == SEGMENTS and fresh.y.shape == fresh.rate.shape == (3000, 400)
    assert (fresh.start == 0).all()


def test_demand_is_a_non_negative_integer_and_rate_is_its_mean(fresh: FreshDemand) -> None:
    assert (fresh.y >= 0).all() and np.array_equal(fresh.y, np.round(fresh.y))
    assert np.isfinite(fresh.rate).all() and (fresh.rate >= 0).all()
    for k, name in enumerate(SEGMENTS):
        m = fresh.segment == k
        assert fresh.y[m].mean() == pytest.approx(fresh.rate[m].mean(), rel=0.08), name


def test_zero_days_and_levels_by_segment(fresh: FreshDemand) -> None:
    zero = {name: float((rows(fresh, name) == 0).mean()) for name in SEGMENTS}
    assert zero["lumpy"] > 0.8
    assert 0.5 < zero["b2b_packs"] < 0.9
    assert zero["fast"] < 0.1 and zero["price_step"] < 0.1
    level = {name: float(np.median(rows(fresh, name).mean(axis=1))) for name in SEGMENTS}
    assert level["lumpy"] < 2.0 < level["seasonal"] < level["stockout"] < level["fast"]


def test_stock_outs_leave_runs_of_zero_days(fresh: FreshDemand) -> None:
    out = [longest_zero_run(r) for r in rows(fresh, "stockout")]
    fast = [longest_zero_run(r) for r in rows(fresh, "fast")]
    assert min(out) >= 3 and np.median(out) >= 8
    assert np.median(fast) < 3


def test_pack_goods_sell_only_in_multiples_of_their_pack(fresh: FreshDemand) -> None:
    b2b = fresh.segment == SEGMENTS.index("b2b_packs")
    assert set(np.unique(fresh.pack[b2b])) == set(PACK_SIZES) and (fresh.pack[~b2b] == 1).all()
    y = fresh.y[b2b]
    assert (y % fresh.pack[b2b][:, None] == 0).all() and (y.sum(axis=1) > 0).all()

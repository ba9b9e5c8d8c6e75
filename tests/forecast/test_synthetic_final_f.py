"""Generator F's statistics only (shape, seeds, segments' defining properties); never the engine on it."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.synthetic_final_f import (
    MIX,
    PACK_SIZES,
    SEGMENTS,
    WEEKS,
    FinalFDemand,
    days_ending,
    final_f_demand,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 2000, 400


@pytest.fixture(scope="module")
def f() -> FinalFDemand:
    return final_f_demand(SKUS, DAYS, seed=11)


def mask(d: FinalFDemand, name: str) -> np.ndarray:
    return np.asarray(d.segment == SEGMENTS.index(name))


def month_means(rate: np.ndarray) -> np.ndarray:
    """(n, days - 27) 28-day moving means."""
    c = np.cumsum(np.pad(rate, ((0, 0), (1, 0))), axis=1)
    return np.asarray((c[:, 28:] - c[:, :-28]) / 28.0)


def test_is_deterministic_by_seed() -> None:
    a, b, c = (final_f_demand(300, 120, seed=s) for s in (3, 3, 4))
    for field in ("y", "segment", "rate", "start", "week", "pack", "promo", "in_stock"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert not np.array_equal(a.y, c.y)


def test_shape_shares_and_whole_non_negative_sales(f: FinalFDemand) -> None:
    assert f.y.shape == f.rate.shape == f.promo.shape == f.in_stock.shape == (SKUS, DAYS)
    assert f.start.shape == f.segment.shape == f.week.shape == f.pack.shape == (SKUS,)
    assert f.names == SEGMENTS
    shares = np.bincount(f.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.04)
    assert (f.y >= 0).all() and np.array_equal(f.y, np.round(f.y))
    assert np.isfinite(f.rate).all() and (f.rate >= 0).all()
    for name in SEGMENTS:  # rate is the expected sales, segment by segment
        m = mask(f, name)
        assert f.y[m].mean() == pytest.approx(f.rate[m].mean(), rel=0.08), name


def test_week_types_shut_on_their_closed_days(f: FinalFDemand) -> None:
    weekday = days_ending(DAYS).weekday
    assert np.bincount(f.week, minlength=len(WEEKS)).min() > 0.15 * SKUS
    five, six, seven = (f.week == WEEKS.index(w) for w in ("5-day", "6-day", "7-day"))
    assert (f.y[five][:, weekday >= 5] == 0).all() and (f.y[six][:, weekday == 6] == 0).all()
    assert f.y[six][:, weekday == 5].sum() > 0
    assert f.y[seven][:, weekday == 6].mean() > 0.5 * f.y[seven][:, weekday < 5].mean()


def test_regular_items_span_1_to_500_a_day_log_normally(f: FinalFDemand) -> None:
    level = f.rate[mask(f, "regular")].mean(axis=1)
    assert level.min() > 0.5 and level.max() < 1000.0
    assert 4.0 < np.median(level) < 30.0
    assert (level < 3.0).mean() > 0.1 and (level > 100.0).mean() > 0.04  # a long tail both ways


def test_slow_items_are_sparse_and_packed_ones_sell_whole_packs(f: FinalFDemand) -> None:
    slow = mask(f, "slow")
    y = f.y[slow]
    assert (y == 0).mean() > 0.8 and np.median(y.mean(axis=1)) < 1.0
    assert set(np.unique(f.pack[slow])) == {1, *PACK_SIZES} and (f.pack[~slow] == 1).all()
    assert 0.25 < (f.pack[slow] > 1).mean() < 0.45
    assert (f.y % f.pack[:, None] == 0).all()


def test_seasonal_items_have_a_strong_yearly_season(f: FinalFDemand) -> None:
    months = month_means(f.rate[mask(f, "seasonal")])
    assert (months.max(axis=1) / np.maximum(months.min(axis=1), 1e-9) > 3.0).mean() > 0.9


def test_trend_items_grow_or_decline(f: FinalFDemand) -> None:
    rate = f.rate[mask(f, "trend")]
    change = np.log(rate[:, -90:].mean(axis=1) / rate[:, :90].mean(axis=1))
    assert (np.abs(change) > 0.15).mean() > 0.9
    assert 0.3 < (change > 0).mean() < 0.7


def test_promotions_lift_sales_on_promo_items_and_some_regulars(f: FinalFDemand) -> None:
    has = f.promo.any(axis=1)
    assert has[mask(f, "promo")].all() and 0.15 < has[mask(f, "regular")].mean() < 0.35
    assert not has[mask(f, "slow") | mask(f, "seasonal") | mask(f, "trend") | mask(f, "short")].any()
    promo = mask(f, "promo")
    starts = (np.diff(f.promo[promo].astype(int), axis=1) == 1).sum(axis=1) * 365 / DAYS
    assert 4.0 < np.median(starts) < 9.0
    rate, on = f.rate[promo], f.promo[promo]
    assert (rate * on).sum() / on.sum() > 1.5 * (rate * ~on).sum() / (~on).sum()


def test_stock_outs_are_zero_runs_on_some_movers(f: FinalFDemand) -> None:
    out = ~f.in_stock
    assert (f.y[out] == 0).all() and (f.rate[out] == 0).all()
    hit = out.any(axis=1)
    assert not hit[mask(f, "slow") | mask(f, "short")].any()
    movers = mask(f, "regular") | mask(f, "seasonal") | mask(f, "trend") | mask(f, "promo")
    assert 0.08 < hit[movers].mean() < 0.25


def test_short_items_have_14_to_300_days_of_history(f: FinalFDemand) -> None:
    short = mask(f, "short")
    start = f.start[short]
    assert ((start >= DAYS - 300) & (start <= DAYS - 14)).all() and (f.start[~short] == 0).all()
    before = np.arange(DAYS)[None, :] < start[:, None]
    assert (f.y[short][before] == 0).all() and (f.rate[short][before] == 0).all()
    assert (f.y[short].sum(axis=1) > 0).mean() > 0.9


def test_a_dc_wide_day_factor_moves_items_together(f: FinalFDemand) -> None:
    """Week-on-week log changes of expected sales, averaged over two disjoint halves of the steady 7-day
    regulars, rise and fall together."""
    steady = mask(f, "regular") & (f.week == WEEKS.index("7-day")) & ~f.promo.any(axis=1)
    steady &= f.in_stock.all(axis=1)
    change = np.diff(np.log(f.rate[steady][:, ::7]), axis=1)  # one weekday: no weekday profile
    half = len(change) // 2
    assert half > 50
    assert np.corrcoef(change[:half].mean(axis=0), change[half:].mean(axis=0))[0, 1] > 0.8

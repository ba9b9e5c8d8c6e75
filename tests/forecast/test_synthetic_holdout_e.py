"""Generator E's statistics only (shape, seeds, segments' defining properties); never the engine on it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting.synthetic_holdout_e import (
    MIX,
    SEGMENTS,
    HoldoutEDemand,
    holdout_e_demand,
    holidays,
    window_ending,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 2000, 400
END = date(2026, 2, 27)


@pytest.fixture(scope="module")
def e() -> HoldoutEDemand:
    return holdout_e_demand(SKUS, DAYS, seed=11, end=END)


def mask(d: HoldoutEDemand, name: str) -> np.ndarray:
    return np.asarray(d.segment == SEGMENTS.index(name))


def month_means(rate: np.ndarray) -> np.ndarray:
    """(n, days - 27) 28-day moving means."""
    c = np.cumsum(np.pad(rate, ((0, 0), (1, 0))), axis=1)
    return np.asarray((c[:, 28:] - c[:, :-28]) / 28.0)


def test_is_deterministic_by_seed() -> None:
    a, b, c = (holdout_e_demand(300, 120, seed=s) for s in (3, 3, 4))
    assert (
        np.array_equal(a.y, b.y) and np.array_equal(a.segment, b.segment) and np.array_equal(a.rate, b.rate)
    )
    assert np.array_equal(a.bulk, b.bulk) and np.array_equal(a.start, b.start)
    assert not np.array_equal(a.y, c.y)


def test_shape_shares_and_whole_non_negative_sales(e: HoldoutEDemand) -> None:
    assert e.y.shape == e.rate.shape == e.bulk.shape == (SKUS, DAYS)
    assert e.start.shape == e.segment.shape == (SKUS,) and e.closed.shape == (DAYS,)
    assert e.names == SEGMENTS
    shares = np.bincount(e.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.04)
    assert (e.y >= 0).all() and np.array_equal(e.y, np.round(e.y))
    assert np.isfinite(e.rate).all() and (e.rate >= 0).all()
    for name in SEGMENTS:  # rate is the expected sales, segment by segment
        m = mask(e, name)
        assert e.y[m].mean() == pytest.approx(e.rate[m].mean(), rel=0.08), name


def test_ten_holidays_a_year_observed_on_working_days() -> None:
    days = holidays(2026)
    assert len(set(days)) == 10 and all(d.weekday() < 5 for d in days)
    assert date(2026, 7, 3) in days  # 4 July 2026 is a Saturday
    assert date(2026, 11, 26) in days and date(2026, 1, 19) in days
    win = window_ending(365 * 2, END)
    assert win.closed.sum() == 20
    h = int(np.flatnonzero(win.ordinal == date(2025, 11, 27).toordinal())[0])  # Thanksgiving 2025
    assert win.closed[h] and win.eve[h - 1] == 1 and win.eve[h - 2] == 2


def test_fast_items_sell_in_volume_on_a_working_week(e: HoldoutEDemand) -> None:
    win = window_ending(DAYS, END)
    y = e.y[mask(e, "fast")]
    weekday = y[:, win.weekday < 5].mean(axis=1)
    assert weekday.min() > 25 and 50 < np.median(weekday) < 2000
    assert y[:, win.weekday >= 5].mean() / y[:, win.weekday < 5].mean() < 0.1
    months = month_means(e.rate[mask(e, "fast")])
    assert (months.max(axis=1) / months.min(axis=1)).max() < 2.5  # the yearly curve is mild
    assert (y == 0).mean() < 0.35


def test_annual_items_have_a_strong_peak_season_some_at_the_end(e: HoldoutEDemand) -> None:
    months = month_means(e.rate[mask(e, "annual")])
    usual = np.median(months, axis=1)
    assert (months.max(axis=1) / usual > 2.5).mean() > 0.9
    assert 0.2 < (months[:, -1] / usual > 2.0).mean() < 0.55


def test_slow_items_are_sparse_and_some_deliver_on_fixed_days(e: HoldoutEDemand) -> None:
    win = window_ending(DAYS, END)
    y = e.y[mask(e, "slow")]
    assert (y == 0).mean() > 0.75 and y[y > 0].min() >= 1
    per_day = np.stack([(y[:, win.weekday == w] > 0).sum(axis=1) for w in range(7)], axis=1)
    enough = per_day.sum(axis=1) >= 10
    top_two = np.sort(per_day, axis=1)[:, -2:].sum(axis=1) / np.maximum(per_day.sum(axis=1), 1)
    assert 0.25 < (top_two[enough] > 0.97).mean() < 0.55


def test_declining_items_fade_and_ramping_items_grow(e: HoldoutEDemand) -> None:
    down = e.rate[mask(e, "declining")]
    ratio = down[:, -28:].mean(axis=1) / down[:, :28].mean(axis=1)
    assert (ratio < 0.85).all() and (ratio < 0.1).mean() > 0.05  # some reach next to nothing
    up = e.rate[mask(e, "ramping")]
    assert (up[:, -28:].mean(axis=1) / up[:, :28].mean(axis=1) > 2.0).all()


def test_holiday_items_sell_nothing_on_holidays_and_more_before(e: HoldoutEDemand) -> None:
    win = window_ending(DAYS, END)
    y = e.y[mask(e, "holiday")]
    assert win.closed.sum() >= 10 and (y[:, win.closed] == 0).all()
    usual = y[:, (win.eve == 0) & (win.weekday < 5) & ~win.closed].mean()
    assert y[:, win.eve == 1].mean() > 1.5 * usual and y[:, win.eve == 2].mean() > 1.1 * usual
    fast = e.y[mask(e, "fast")]
    assert fast[:, win.closed].mean() > 0.5 * fast[:, win.weekday < 5].mean()  # only holiday items shut


def test_outlier_items_have_rare_single_day_bulk_orders(e: HoldoutEDemand) -> None:
    out = mask(e, "outlier")
    bulk = e.bulk[out]
    assert not e.bulk[~out].any()
    assert (bulk.sum(axis=1) >= 1).all() and bulk.sum(axis=1).max() <= 8
    y = e.y[out]
    regular = np.nanmean(np.where(bulk, np.nan, y), axis=1)
    assert (y[bulk] >= 8.0 * np.repeat(regular, bulk.sum(axis=1))).all()


def test_short_items_have_40_to_120_days_of_history(e: HoldoutEDemand) -> None:
    short = mask(e, "short")
    start = e.start[short]
    assert ((start >= DAYS - 120) & (start <= DAYS - 40)).all() and (e.start[~short] == 0).all()
    before = np.arange(DAYS)[None, :] < start[:, None]
    assert (e.y[short][before] == 0).all() and (e.rate[short][before] == 0).all()
    assert (e.y[short].sum(axis=1) > 0).mean() > 0.9

"""Generator D's statistics only (shape, seeds, segments' defining properties); never the engine on it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting.synthetic_unseen import (
    MIX,
    PACK_SIZES,
    SEGMENTS,
    UnseenDemand,
    dates_ending,
    unseen_demand,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 2000, 400


@pytest.fixture(scope="module")
def unseen() -> UnseenDemand:
    return unseen_demand(SKUS, DAYS, seed=11)


def mask(d: UnseenDemand, name: str) -> np.ndarray:
    return np.asarray(d.segment == SEGMENTS.index(name))


def longest_zero_run(row: np.ndarray) -> int:
    edges = np.flatnonzero(np.diff(np.r_[0, (row == 0).astype(int), 0]))
    return int((edges[1::2] - edges[::2]).max()) if edges.size else 0


def test_is_deterministic_by_seed() -> None:
    a, b, c = (unseen_demand(200, 120, seed=s) for s in (3, 3, 4))
    assert (
        np.array_equal(a.y, b.y) and np.array_equal(a.segment, b.segment) and np.array_equal(a.rate, b.rate)
    )
    assert not np.array_equal(a.y, c.y)


def test_calendar_ends_on_the_end_date() -> None:
    cal = dates_ending(400, date(2025, 3, 2))
    assert (cal.weekday[-1], cal.day_of_month[-1]) == (6, 2)
    assert (cal.weekday[0], cal.day_of_month[0]) == (date(2024, 1, 28).weekday(), 28)


def test_shape_shares_and_whole_non_negative_sales(unseen: UnseenDemand) -> None:
    assert unseen.y.shape == unseen.rate.shape == unseen.in_stock.shape == (SKUS, DAYS)
    assert unseen.start.shape == unseen.segment.shape == unseen.pack.shape == (SKUS,)
    assert unseen.names == SEGMENTS
    shares = np.bincount(unseen.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.03)
    assert (unseen.y >= 0).all() and np.array_equal(unseen.y, np.round(unseen.y))
    assert np.isfinite(unseen.rate).all() and (unseen.rate >= 0).all()
    for name in SEGMENTS:  # rate is the expected sales, segment by segment
        m = mask(unseen, name)
        assert unseen.y[m].mean() == pytest.approx(unseen.rate[m].mean(), rel=0.08), name


def test_intermittent_items_are_mostly_zero_and_packs_sell_in_whole_cases(unseen: UnseenDemand) -> None:
    slow = mask(unseen, "intermittent")
    assert (unseen.y[slow] == 0).mean() > 0.75
    assert (unseen.y[mask(unseen, "steady")] == 0).mean() < 0.1
    packed = slow & (unseen.pack > 1)
    assert set(np.unique(unseen.pack[packed])) == set(PACK_SIZES) and (unseen.pack[~slow] == 1).all()
    assert 0.25 < packed.sum() / slow.sum() < 0.55
    y = unseen.y[packed]
    assert (y % unseen.pack[packed][:, None] == 0).all() and (y.sum(axis=1) > 0).all()


def test_censored_items_have_stock_out_runs_of_zeros(unseen: UnseenDemand) -> None:
    cens = mask(unseen, "censored")
    out = ~unseen.in_stock[cens]
    assert out.any(axis=1).all() and unseen.in_stock[~cens].all()
    assert (unseen.y[cens][out] == 0).all() and (unseen.rate[cens][out] == 0).all()
    assert all(longest_zero_run(row) >= 3 for row in unseen.y[cens])
    assert np.median([longest_zero_run(row) for row in unseen.y[mask(unseen, "steady")]]) < 3


def test_new_items_sell_nothing_before_launch(unseen: UnseenDemand) -> None:
    new = mask(unseen, "new")
    start = unseen.start[new]
    assert ((start >= DAYS - 200) & (start <= DAYS - 60)).all() and (unseen.start[~new] == 0).all()
    before = np.arange(DAYS)[None, :] < start[:, None]
    assert (unseen.y[new][before] == 0).all() and (unseen.rate[new][before] == 0).all()
    assert (unseen.y[new][:, -60:].sum(axis=1) > 0).mean() > 0.9


def test_regime_items_shift_level_once_in_the_last_year(unseen: UnseenDemand) -> None:
    def weekly_jumps(name: str) -> np.ndarray:  # same weekday a week apart: the weekday profile cancels out
        rate = unseen.rate[mask(unseen, name)]
        return np.asarray(np.abs(np.log(rate[:, 7:] / rate[:, :-7])) > np.log(1.25))

    jumps = weekly_jumps("regime")
    assert jumps.any(axis=1).all()
    assert (np.argmax(jumps, axis=1) + 7 >= DAYS - 365).all()
    late = (np.argmax(jumps, axis=1) + 7 >= DAYS - 60).mean()
    assert 0.15 < late < 0.45
    assert weekly_jumps("steady").any(axis=1).mean() < 0.1  # the slow drift alone rarely moves this much


def test_monthly_items_peak_at_the_start_of_the_month_not_on_a_weekday(unseen: UnseenDemand) -> None:
    cal = dates_ending(DAYS, date(2025, 11, 30))
    y = unseen.y[mask(unseen, "monthly")]
    early = y[:, cal.day_of_month <= 2].mean() / y[:, (cal.day_of_month >= 20)].mean()
    weekday = np.array([y[:, cal.weekday == w].mean() for w in range(7)])
    assert early > 1.5 and weekday.max() / weekday.min() < 1.15


def test_promotions_lift_and_trends_bend(unseen: UnseenDemand) -> None:
    promo = unseen.rate[mask(unseen, "promo")]
    lift = promo / np.median(promo, axis=1, keepdims=True)
    assert (lift.max(axis=1) > 1.3).all() and (lift.min(axis=1) < 0.85).all()
    trend = unseen.rate[mask(unseen, "trending")]
    first, last = trend[:, :28].mean(axis=1), trend[:, -28:].mean(axis=1)
    assert (np.abs(np.log(last / first)) > np.log(1.3)).mean() > 0.6

"""Generator G's statistics only (shape, seeds, segments' defining properties); never the engine on it."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.synthetic_judge_g import (
    CADENCES,
    MIX,
    SEGMENTS,
    JudgeGDemand,
    calendar,
    judge_g_demand,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 2000, 400


@pytest.fixture(scope="module")
def g() -> JudgeGDemand:
    return judge_g_demand(SKUS, DAYS, seed=11)


def mask(d: JudgeGDemand, name: str) -> np.ndarray:
    return np.asarray(d.segment == SEGMENTS.index(name))


def month_means(rate: np.ndarray) -> np.ndarray:
    """(n, days - 27) 28-day moving means."""
    c = np.cumsum(np.pad(rate, ((0, 0), (1, 0))), axis=1)
    return np.asarray((c[:, 28:] - c[:, :-28]) / 28.0)


def test_is_deterministic_by_seed() -> None:
    a, b, c = (judge_g_demand(300, 120, seed=s) for s in (3, 3, 4))
    for field in ("y", "segment", "rate", "start", "pack", "weekend_closed", "season", "step", "step_day"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert np.array_equal(a.accounts.order_qty, b.accounts.order_qty)
    assert not np.array_equal(a.y, c.y)


def test_shape_shares_and_whole_non_negative_sales(g: JudgeGDemand) -> None:
    assert g.y.shape == g.rate.shape == (SKUS, DAYS)
    assert g.start.shape == g.segment.shape == g.pack.shape == g.weekend_closed.shape == (SKUS,)
    assert g.names == SEGMENTS
    shares = np.bincount(g.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.04)
    assert (g.y >= 0).all() and np.array_equal(g.y, np.round(g.y))
    assert (g.y % g.pack[:, None] == 0).all()  # whole selling packs
    assert np.isfinite(g.rate).all() and (g.rate >= 0).all()
    for name in SEGMENTS:  # rate is the expected sales, segment by segment
        m = mask(g, name)
        assert g.y[m].mean() == pytest.approx(g.rate[m].mean(), rel=0.05), name
    level = g.rate[:, -90:].mean(axis=1)
    assert np.median(level) < 15.0 and (level < 1.0).mean() > 0.1  # low to medium movers


def test_accounts_order_on_their_cadence_in_clustered_sizes(g: JudgeGDemand) -> None:
    a = g.accounts
    assert np.array_equal(np.sort(np.unique(a.order_account)), np.unique(a.order_account))
    per_item = np.bincount(a.item, minlength=SKUS)
    assert (per_item[mask(g, "counter")] <= 1).all() and (per_item[mask(g, "accounts")] >= 1).all()
    assert (per_item[mask(g, "churn")] >= 2).all()
    order = np.lexsort((a.order_day, a.order_account))
    acc, day, qty = a.order_account[order], a.order_day[order], a.order_qty[order]
    same = acc[1:] == acc[:-1]
    gap, account = np.diff(day)[same], acc[1:][same]
    for k, (low, high) in zip(range(len(CADENCES)), ((6, 8), (13, 15), (27, 32)), strict=True):
        typical = np.bincount(account, weights=(gap >= low) & (gap <= high), minlength=a.item.size)
        counts = np.bincount(account, minlength=a.item.size)
        busy = (a.cadence == k) & (counts >= 4)
        assert (typical[busy] / counts[busy]).mean() > 0.6, CADENCES[k]
    # Sizes cluster at 1/2x, 1x and 2x the usual: on items without a season, most orders are exactly the
    # account's median order and many exactly twice it.
    plain = np.flatnonzero((g.season[a.item] < 0) & (np.bincount(acc, minlength=a.item.size) >= 5))
    ratio = np.concatenate([qty[acc == i] / np.median(qty[acc == i]) for i in plain[:300]])
    assert (np.abs(ratio - 1.0) < 0.1).mean() > 0.6 and (np.abs(ratio - 2.0) < 0.2).mean() > 0.06
    assert (np.abs(ratio - 1.5) < 0.15).mean() < 0.03


def test_counter_items_are_sparse_walk_in_sales_of_clustered_sizes(g: JudgeGDemand) -> None:
    counter = mask(g, "counter")
    y = g.y[counter] / g.pack[counter][:, None]
    assert (y == 0).mean() > 0.7 and np.median(y.mean(axis=1)) < 1.0
    sold = y[y > 0]
    assert (sold == 5).mean() > 2 * (sold == 4).mean() and (sold == 10).mean() > 2 * (sold == 9).mean()


def test_weekend_closure(g: JudgeGDemand) -> None:
    weekday = calendar(DAYS).weekday
    assert 0.35 < g.weekend_closed.mean() < 0.55
    shut = g.y[g.weekend_closed]
    assert (shut[:, weekday >= 5] == 0).all() and shut[:, weekday == 0].mean() > shut[:, weekday == 1].mean()
    assert g.y[~g.weekend_closed][:, weekday >= 5].sum() > 0


def test_churn_items_win_or_lose_their_big_account(g: JudgeGDemand) -> None:
    a = g.accounts
    first = np.r_[True, a.item[1:] != a.item[:-1]]
    big = first & mask(g, "churn")[a.item]
    assert big.sum() == mask(g, "churn").sum()
    assert ((a.on[big] > 0) ^ (a.off[big] < DAYS)).all()
    assert 0.3 < (a.on[big] > 0).mean() < 0.6  # won and lost both happen
    others = np.bincount(a.item, weights=a.usual * ~first, minlength=SKUS) / np.maximum(
        np.bincount(a.item, weights=~first, minlength=SKUS), 1
    )
    assert np.median(a.usual[big] / others[a.item[big]]) > 1.5
    life = (a.order_day >= a.on[a.order_account]) & (a.order_day < a.off[a.order_account])
    assert life.all()
    rare = ~big & ~mask(g, "new")[a.item]
    assert 0.01 < ((a.on[rare] > 0) | (a.off[rare] < DAYS)).mean() < 0.08


def test_seasonal_items_have_a_yearly_season(g: JudgeGDemand) -> None:
    seasonal = mask(g, "seasonal")
    assert (g.season[seasonal] >= 0).all() and (g.season[~seasonal] == -1).all()
    months = month_means(g.rate[seasonal])
    assert (months.max(axis=1) / np.maximum(months.min(axis=1), 1e-9) > 2.0).mean() > 0.9


def test_repriced_items_step_at_a_price_list_revision(g: JudgeGDemand) -> None:
    repriced = mask(g, "repriced")
    revisions = calendar(DAYS).revision
    assert revisions.size == 2 and set(np.unique(g.step_day[repriced])) <= set(revisions)
    assert (np.abs(g.step[repriced]) >= 0.15).all() and (g.step[~repriced] == 0).all()
    assert 0.3 < (g.step[repriced] > 0).mean() < 0.7
    rows = np.flatnonzero(repriced)
    change = np.array(
        [
            np.log(g.rate[i, s : s + 56].mean() / g.rate[i, max(s - 56, 0) : s].mean())
            for i, s in zip(rows, g.step_day[rows], strict=True)
        ]
    )
    assert (np.sign(change) == np.sign(g.step[rows])).mean() > 0.9
    assert (np.abs(change) > 0.1).mean() > 0.8


def test_new_items_are_listed_30_to_300_days_before_the_end(g: JudgeGDemand) -> None:
    new = mask(g, "new")
    start = g.start[new]
    assert ((start >= DAYS - 300) & (start <= DAYS - 30)).all() and (g.start[~new] == 0).all()
    before = np.arange(DAYS)[None, :] < start[:, None]
    assert (g.y[new][before] == 0).all() and (g.rate[new][before] == 0).all()
    assert (g.y[new].sum(axis=1) > 0).mean() > 0.9


def test_schools_and_canteens_order_nothing_in_their_breaks(g: JudgeGDemand) -> None:
    a = g.accounts
    assert 0.1 < a.institutional.mean() < 0.2
    year_day = calendar(DAYS).year_day[a.order_day[a.institutional[a.order_account]]]
    summer = (year_day >= 201) & (year_day < 246)
    assert year_day.size > 1000 and not summer.any()

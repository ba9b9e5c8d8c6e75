"""Generator I's statistics only (shape, seeds, calendar, routes, segments' defining properties); never the engine."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from forecasting.synthetic_blind_i import (
    DEFAULT_END,
    MIX,
    ROUTES,
    SEGMENTS,
    SHUT,
    BlindIDemand,
    blind_i_demand,
    calendar,
    federal_holidays,
    promo_lift,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 800, 730


@pytest.fixture(scope="module")
def i() -> BlindIDemand:
    return blind_i_demand(SKUS, DAYS, seed=11)


def rows(d: BlindIDemand, name: str) -> np.ndarray:
    return np.asarray(d.y[d.segment == SEGMENTS.index(name)])


def moving_means(y: np.ndarray, w: int) -> np.ndarray:
    """(n, days - w + 1) w-day moving means."""
    c = np.cumsum(np.pad(y, ((0, 0), (1, 0))), axis=1)
    return np.asarray((c[:, w:] - c[:, :-w]) / w)


def at(d: date) -> int:
    """Index of ``d`` in the default window."""
    return DAYS - 1 - (DEFAULT_END - d).days


def test_shape_dtypes_and_whole_non_negative_cases(i: BlindIDemand) -> None:
    assert i.y.shape == (SKUS, DAYS) and i.y.dtype == np.float64
    assert i.start.shape == i.segment.shape == (SKUS,)
    assert np.issubdtype(i.start.dtype, np.integer) and np.issubdtype(i.segment.dtype, np.integer)
    assert i.names == SEGMENTS and len(MIX) == len(SEGMENTS)
    assert np.isfinite(i.y).all() and (i.y >= 0).all() and np.array_equal(i.y, np.round(i.y))
    assert i.segment.min() >= 0 and i.segment.max() < len(SEGMENTS)


def test_is_deterministic_by_seed() -> None:
    a, b, c = (blind_i_demand(300, 200, seed=s) for s in (5, 5, 6))
    for field in ("y", "start", "segment"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert not np.array_equal(a.y, c.y) and not np.array_equal(a.segment, c.segment)


def test_segment_shares_follow_mix_and_one_segment_mixes_and_small_windows_work(i: BlindIDemand) -> None:
    shares = np.bincount(i.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.05)
    for days in (1, 7, 60):
        for k in range(len(SEGMENTS)):
            d = blind_i_demand(40, days, seed=3, mix=tuple(float(j == k) for j in range(len(SEGMENTS))))
            assert (d.segment == k).all() and d.y.shape == (40, days), (days, SEGMENTS[k])
            assert np.isfinite(d.y).all() and (d.y >= 0).all() and (d.y[:, calendar(days).closed] == 0).all()


def test_federal_holidays_and_the_six_the_dc_shuts_for() -> None:
    got = federal_holidays(2026)
    assert len(got) == 11 and set(SHUT) <= set(got)
    assert got["independence"] == (date(2026, 7, 4), date(2026, 7, 3))  # a Saturday: observed the Friday
    assert got["thanksgiving"][0] == date(2026, 11, 26) and got["memorial"][0] == date(2026, 5, 25)
    assert got["labor"][0] == date(2026, 9, 7) and got["mlk"][0] == date(2026, 1, 19)
    assert federal_holidays(2027)["independence"][1] == date(2027, 7, 5)  # a Sunday: the Monday after
    cal = calendar(DAYS)
    assert cal.day[-1] == np.datetime64(DEFAULT_END) and cal.weekday[-1] == DEFAULT_END.weekday() == 5
    shut = ["2025-05-26", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25", "2026-01-01", "2026-05-25"]
    shut += ["2026-07-03", "2026-07-04", "2026-09-07", "2026-11-26", "2026-12-25", "2027-01-01"]
    assert np.array_equal(cal.day[cal.holiday], np.array(shut, dtype="datetime64[D]"))
    assert (cal.closed == (cal.holiday | (cal.weekday == 6))).all()


def test_dc_wide_factors() -> None:
    cal = calendar(DAYS)
    days = {
        float(f): set(cal.day[cal.factor == f].astype("datetime64[D]").tolist())
        for f in np.unique(cal.factor)
    }
    assert set(days) == {0.85, 1.0, 1.1, 1.2}
    assert days[1.2] == {date(y, 11, d) for y, ds in ((2025, (24, 25, 26)), (2026, (23, 24, 25))) for d in ds}
    assert days[1.1] == {date(y, 12, d) for y in (2025, 2026) for d in range(15, 24)}
    runs = {f[n][1] for y in (2025, 2026, 2027) for f in [federal_holidays(y)] for n in f if n not in SHUT}
    quiet = {date(y, 12, 26) + timedelta(days=k) for y in (2025, 2026) for k in range(16)}
    assert days[0.85] == {d for d in runs | quiet if date(2025, 2, 28) <= d <= DEFAULT_END}
    assert {date(2026, 1, 19), date(2025, 11, 11), date(2025, 6, 19)} <= days[0.85]


def test_routes_cover_the_days_until_their_next_run_and_holidays_move_deliveries() -> None:
    cal = calendar(DAYS)
    assert cal.route.shape == (len(ROUTES), DAYS) and (cal.route[:, cal.closed] == 0).all()
    assert (np.abs(cal.route.sum(axis=1) - DAYS) <= 7).all()  # every day covered once, bar the window's edges
    week = slice(at(date(2025, 3, 3)), at(date(2025, 3, 9)))  # Monday to Saturday, no holiday
    assert cal.route[2, week].tolist() == [3, 0, 0, 4, 0, 0]  # Monday and Thursday
    assert cal.route[0, week].tolist() == [1, 1, 1, 1, 3, 0] and cal.route[1, week].tolist() == [1] * 5 + [2]
    assert cal.route[8, week].tolist() == [0, 0, 7, 0, 0, 0]
    # Thanksgiving, a Thursday: onto the Wednesday; Memorial Day, a Monday: onto the Tuesday.
    assert cal.route[2, at(date(2025, 11, 26))] == 4 and cal.route[0, at(date(2025, 11, 26))] == 2
    assert cal.route[2, at(date(2025, 5, 27))] == 3 and cal.route[0, at(date(2025, 5, 27))] == 2
    # 4 July 2026, a Saturday observed the Friday: Friday's onto Thursday, Saturday's onto Monday.
    assert cal.route[0, at(date(2026, 7, 2))] == 4 and cal.route[1, at(date(2026, 7, 2))] == 2
    assert cal.route[1, at(date(2026, 7, 6))] == 3 and cal.route[4, at(date(2026, 7, 6))] == 4


def test_shipments_follow_the_routes_and_nothing_ships_when_closed(i: BlindIDemand) -> None:
    cal = calendar(DAYS)
    assert (i.y[:, cal.closed] == 0).all()
    total, cover = rows(i, "staple").sum(axis=0), cal.route.sum(axis=0)
    assert np.corrcoef(total[~cal.closed], (cover * cal.factor)[~cal.closed])[0, 1] > 0.8
    moved: list[float] = []
    for k in range(6):
        same = (cal.weekday == k) & ~cal.closed
        onto = same & (cover > 1.3 * np.median(cover[same]))  # a holiday's deliveries moved onto it
        moved += (total[onto] / np.median(total[same])).tolist()
    assert len(moved) >= 10 and min(moved) > 1.15 and np.median(moved) > 1.5


def test_staples_level_and_spiky_item_weekday_profiles(i: BlindIDemand) -> None:
    cal = calendar(DAYS)
    staple = rows(i, "staple")
    assert 18.0 < np.median(staple.mean(axis=1)) < 33.0
    open_ = ~cal.closed
    profile = np.stack([staple[:, open_ & (cal.weekday == k)].mean(axis=1) for k in range(6)], axis=1)
    never = (profile == 0).any(axis=1)  # an open weekday none of the item's routes runs on
    assert 0.03 < never.mean() < 0.5
    busiest = np.bincount(profile.argmax(axis=1), minlength=6) / len(staple)
    assert (busiest > 0).sum() >= 4 and busiest.max() < 0.6


def test_fresh_lines_follow_the_temperature_summer_or_winter(i: BlindIDemand) -> None:
    cal = calendar(DAYS)
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12
    summer, winter = np.isin(month, (5, 6, 7)), np.isin(month, (11, 0, 1))

    def warm(y: np.ndarray) -> np.ndarray:
        return np.asarray(np.log((y[:, summer].mean(axis=1) + 0.1) / (y[:, winter].mean(axis=1) + 0.1)))

    fresh, staple = warm(rows(i, "fresh")), warm(rows(i, "staple"))
    assert 0.3 < (fresh > np.log(1.35)).mean() < 0.65 and 0.1 < (fresh < -np.log(1.35)).mean() < 0.35
    moves = (np.abs(fresh) > np.log(1.35)).mean()  # far more than the routes' own seasons move staples
    assert moves > 0.5 and (np.abs(staple) > np.log(1.35)).mean() < moves - 0.3


def test_menu_groups_switch_level_together(i: BlindIDemand) -> None:
    def best_partner(y: np.ndarray) -> np.ndarray:
        m = np.log(moving_means(y, 28) + 0.5)
        c = np.corrcoef(m - m.mean(axis=1, keepdims=True))
        np.fill_diagonal(c, -1.0)
        return np.asarray(c.max(axis=1))

    menu, staple = rows(i, "menu"), rows(i, "staple")
    month = moving_means(menu, 28)
    assert (month.max(axis=1) / np.maximum(month.min(axis=1), 1e-9) > 3.0).mean() > 0.8
    partner = best_partner(menu)  # the group's other items
    assert np.median(partner) > 0.9 and np.percentile(partner, 10) > 0.7
    assert np.median(best_partner(staple)) < np.median(partner) - 0.1


def test_bulk_items_are_mostly_zero_with_large_often_layered_orders(i: BlindIDemand) -> None:
    bulk = rows(i, "bulk")
    zero = (bulk == 0).mean(axis=1)
    assert 0.8 < zero.mean() < 0.9 and ((zero > 0.75) & (zero < 0.95)).mean() > 0.85
    orders = bulk[bulk > 0]
    assert np.median(orders) > 20 and 0.02 < (orders < 5).mean() < 0.2  # rare fill-ins of 1-4 cases
    layered = [(r[r >= 5] % 5 == 0).mean() >= 0.95 for r in bulk]
    assert 0.15 < np.mean(layered) < 0.45  # every account on the item orders whole layers


def test_promotions_start_on_mondays_with_hold_back_before_and_a_paid_back_dip_after() -> None:
    mult = promo_lift(np.random.default_rng(3), 300, DAYS, weekday0=4)
    assert (mult > 0).all() and mult.max() <= 3.0 and mult.min() >= 0.15 - 1e-9
    paybacks, count = [], 0
    for row in mult:
        on = np.r_[False, row > 1.0, False].astype(int)
        for s, e in zip(np.flatnonzero(np.diff(on) == 1), np.flatnonzero(np.diff(on) == -1), strict=True):
            if s < 6 or e + 22 > DAYS:
                continue  # cut by the window
            count += 1
            assert (4 + s) % 7 == 0 and 7 <= e - s <= 21 and np.ptp(row[s:e]) == 0 and 1.5 <= row[s] <= 3.0
            hold = s - np.flatnonzero(row[:s] == 1.0)[-1] - 1
            assert 2 <= hold <= 6 and np.ptp(row[s - hold : s]) == 0 and 0.55 <= row[s - 1] <= 0.85
            dip = np.flatnonzero(row[e:] == 1.0)[0]
            assert 7 <= dip <= 21 and (np.diff(row[e : e + dip]) > 0).all() and row[e] >= 0.15 - 1e-9
            payback = (1.0 - row[e : e + dip]).sum() / (row[s:e] - 1.0).sum()
            # 20-60 % of the extra volume, unless the dip hit its 85 % cap (then less).
            assert payback <= 0.6 + 1e-9 and (payback >= 0.2 - 1e-9 or np.isclose(row[e], 0.15))
            paybacks.append(payback)
    assert 0.2 < np.median(paybacks) < 0.45
    assert 2.0 < count / 300 / (DAYS / 365) < 4.0


def test_promo_lines_have_fortnights_well_above_their_baseline(i: BlindIDemand) -> None:
    def peak(y: np.ndarray) -> np.ndarray:
        m = moving_means(y, 14)
        return np.asarray(m.max(axis=1) / np.median(m, axis=1))

    assert (peak(rows(i, "promo")) > 2.0).mean() > 0.85 and (peak(rows(i, "staple")) > 2.0).mean() < 0.15


def test_new_items_start_late_ramp_up_and_some_fail(i: BlindIDemand) -> None:
    new = i.segment == SEGMENTS.index("new")
    assert (i.start[~new] == 0).all()
    y, start = i.y[new], i.start[new]
    assert ((start >= DAYS - 300) & (start <= DAYS - 45)).all()
    assert (y[np.arange(DAYS)[None, :] < start[:, None]] == 0).all()
    first = np.array([y[k, s : s + 7].mean() for k, s in enumerate(start)])
    peak = np.array([moving_means(y[k : k + 1, s:], 28).max() for k, s in enumerate(start)])
    assert (first < 0.5 * peak).mean() > 0.9
    assert 0.05 < (y[:, -28:].mean(axis=1) < 0.3 * peak).mean() < 0.4  # failed launches faded out
    short = blind_i_demand(100, 90, seed=2, mix=(0, 0, 0, 0, 0, 1, 0))
    assert ((short.start >= 1) & (short.start <= 45)).all()


def test_phaseout_items_end_far_below_where_they_began(i: BlindIDemand) -> None:
    def end(y: np.ndarray) -> np.ndarray:
        return np.asarray(y[:, -7:].mean(axis=1) / (y[:, :90].mean(axis=1) + 1e-9))

    ratio = end(rows(i, "phaseout"))
    assert (ratio < 0.3).mean() > 0.9 and np.median(ratio) < 0.1
    assert (end(rows(i, "staple")) < 0.3).mean() < 0.05

"""Generator K's statistics only (shape, seeds, calendar, weather, segments' properties); never the engine."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting.synthetic_blind_k import DEFAULT_END, MIX, SEGMENTS, BlindKDemand, blind_k_demand
from forecasting.synthetic_blind_k_calendar import (
    Calendar,
    battery_failures,
    calendar,
    changeover_days,
    public_holidays,
    weather,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 1200, 730


@pytest.fixture(scope="module")
def k() -> BlindKDemand:
    return blind_k_demand(SKUS, DAYS, seed=11)


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return calendar(DAYS)


def rows(d: BlindKDemand, name: str) -> np.ndarray:
    return np.asarray(d.y[d.segment == SEGMENTS.index(name)])


def only(name: str, skus: int = 300, seed: int = 11, days: int = DAYS) -> BlindKDemand:
    """Generator K with one segment only."""
    return blind_k_demand(skus, days, seed=seed, mix=tuple(float(s == name) for s in SEGMENTS))


def dates(cal: Calendar, mask: np.ndarray) -> list[date]:
    return [d.item() for d in cal.day[mask]]


def moving_means(y: np.ndarray, w: int) -> np.ndarray:
    """(n, days - w + 1) w-day moving means."""
    c = np.cumsum(np.pad(y, ((0, 0), (1, 0))), axis=1)
    return np.asarray((c[:, w:] - c[:, :-w]) / w)


def to_neighbours(total: np.ndarray, days: np.ndarray, like: np.ndarray, cal: Calendar) -> np.ndarray:
    """Each of ``days``' total over the mean of the ``like`` days of its weekday within three weeks of it."""
    out = []
    for d in np.flatnonzero(days):
        near = like & (np.abs(np.arange(DAYS) - d) <= 21) & (cal.weekday == cal.weekday[d])
        if near.sum() >= 2:
            out.append(total[d] / total[near].mean())
    return np.asarray(out)


def test_shape_dtypes_and_whole_non_negative_units(k: BlindKDemand) -> None:
    assert k.y.shape == (SKUS, DAYS) and k.y.dtype == np.float64
    assert k.start.shape == k.segment.shape == (SKUS,)
    assert np.issubdtype(k.start.dtype, np.integer) and np.issubdtype(k.segment.dtype, np.integer)
    assert k.names == SEGMENTS and len(MIX) == len(SEGMENTS) == 8
    assert np.isfinite(k.y).all() and (k.y >= 0).all() and np.array_equal(k.y, np.round(k.y))
    assert k.segment.min() >= 0 and k.segment.max() < len(SEGMENTS)


def test_is_deterministic_by_seed_and_seeds_differ() -> None:
    a, b, c = (blind_k_demand(300, 200, seed=s) for s in (5, 5, 6))
    for field in ("y", "start", "segment"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert not np.array_equal(a.y, c.y) and not np.array_equal(a.segment, c.segment)
    assert np.array_equal(weather(200, 5).temp, weather(200, 5).temp)
    assert not np.array_equal(weather(200, 5).temp, weather(200, 6).temp)


def test_segment_shares_follow_mix_and_one_segment_mixes_and_small_windows_work(k: BlindKDemand) -> None:
    shares = np.bincount(k.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.035)
    for days in (1, 7, 60):
        shut = ~calendar(days).shipping
        for name in SEGMENTS:
            d = only(name, 40, seed=3, days=days)
            assert (d.segment == SEGMENTS.index(name)).all() and d.y.shape == (40, days), (days, name)
            assert np.isfinite(d.y).all() and (d.y >= 0).all() and (d.y[:, shut] == 0).all()


def test_bavarian_public_holidays() -> None:
    got = {y: public_holidays(y) for y in (2025, 2026, 2027)}
    assert [len(h) for h in got.values()] == [13, 13, 13]
    assert [got[y]["easter_monday"] for y in got] == [date(2025, 4, 21), date(2026, 4, 6), date(2027, 3, 29)]
    assert [got[y]["good_friday"] for y in got] == [date(2025, 4, 18), date(2026, 4, 3), date(2027, 3, 26)]
    assert (got[2026]["ascension"], got[2026]["whit_monday"], got[2026]["corpus_christi"]) == (
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 6, 4),
    )
    assert got[2025]["corpus_christi"] == date(2025, 6, 19) and got[2025]["ascension"] == date(2025, 5, 29)
    assert got[2026]["unity"] == date(2026, 10, 3) and got[2026]["epiphany"] == date(2026, 1, 6)
    assert got[2026]["assumption"] == date(2026, 8, 15) and got[2026]["all_saints"] == date(2026, 11, 1)
    assert {got[2026]["christmas"], got[2026]["st_stephen"]} == {date(2026, 12, 25), date(2026, 12, 26)}


def test_the_distributors_calendar(cal: Calendar) -> None:
    assert cal.day[-1] == np.datetime64(DEFAULT_END) and cal.weekday[-1] == DEFAULT_END.weekday() == 5
    assert cal.holiday.sum() == 26  # 13 a year, two years
    assert {date(2026, 4, 6), date(2025, 10, 3), date(2026, 10, 3), date(2026, 1, 6)} <= set(
        dates(cal, cal.holiday)
    )
    assert (cal.shipping == ((cal.weekday < 6) & ~cal.holiday)).all()
    assert dates(cal, cal.bridge) == [
        date(2025, 5, 2),  # after 1 May, a Thursday
        date(2025, 5, 30),  # after Ascension
        date(2025, 6, 20),  # after Corpus Christi
        date(2026, 1, 2),  # after New Year, a Thursday
        date(2026, 1, 5),  # before Epiphany, a Tuesday
        date(2026, 5, 15),
        date(2026, 6, 5),
    ]
    assert dates(cal, cal.half) == [
        date(2025, 12, 24),
        date(2025, 12, 31),
        date(2026, 12, 24),
        date(2026, 12, 31),
    ]
    assert dates(cal, cal.between) == [
        date(2025, 12, 27),
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
    ]
    assert (cal.factor[~cal.shipping] == 0).all() and set(np.unique(cal.factor)) == {
        0.0,
        0.4,
        0.55,
        0.65,
        1.0,
    }


def test_nothing_sells_on_sundays_and_holidays_and_weeks_differ(k: BlindKDemand, cal: Calendar) -> None:
    assert (k.y[:, ~cal.shipping] == 0).all() and (k.y[:, cal.weekday == 6] == 0).all()
    assert (k.y[:, cal.day == np.datetime64("2026-04-06")] == 0).all()  # Easter Monday
    assert (k.y[:, cal.day == np.datetime64("2025-10-03")] == 0).all()  # German Unity Day, a Friday
    plain = cal.factor == 1.0
    service = rows(k, "service").sum(axis=0)
    week = np.array([service[plain & (cal.weekday == d)].mean() for d in range(6)])
    assert week.argmax() == 0 and 0.25 < week[5] / week[:5].mean() < 0.45  # Saturday a morning only
    counter = only("climate", 300).y.sum(axis=0)
    week = np.array([counter[plain & (cal.weekday == d)].mean() for d in range(6)])
    assert week.argmax() == 5 and week[5] > 1.15 * week[:4].mean()
    assert 0.4 < np.median(to_neighbours(service, cal.bridge, plain, cal)) < 0.7  # 0.55x
    assert 0.25 < np.median(to_neighbours(service, cal.half, plain, cal)) < 0.55  # 0.4x


def test_slow_movers_are_mostly_zero_days_of_one_or_two_units(k: BlindKDemand, cal: Calendar) -> None:
    slow = rows(k, "slow")
    zero = (slow == 0).mean(axis=1)
    assert 0.93 < zero.mean() < 0.975 and (zero > 0.95).mean() > 0.55 and (zero > 0.8).all()
    assert set(np.unique(slow)) == {0.0, 1.0, 2.0}


def test_supersession_moves_demand_from_the_old_number_to_the_new(k: BlindKDemand) -> None:
    pair = np.flatnonzero(k.segment == SEGMENTS.index("supersede"))
    old, new = pair[0::2], pair[1::2]
    assert (
        (k.start[old] == 0).all()
        and (k.start[new] > DAYS // 8 - 1).all()
        and (k.start[new] < DAYS - 29).all()
    )
    assert new.size >= 40
    ratio = []
    for o, n in zip(old, new, strict=False):
        s = k.start[n]
        assert (k.y[n, :s] == 0).all() and (k.y[o, s + 42 :] == 0).all()  # the old fades, the new starts
        if s >= 90 and s + 132 <= DAYS and k.y[o, s - 90 : s].mean() > 0.5:
            ratio.append(k.y[n, s + 42 : s + 132].mean() / k.y[o, s - 90 : s].mean())
    assert len(ratio) >= 15 and 0.8 < np.median(ratio) < 1.25  # the pair's demand carries on


def test_cold_snaps_raise_battery_demand_and_the_first_frost_most() -> None:
    lifts = []
    for seed in range(11, 17):
        w, cal = weather(DAYS, seed), calendar(DAYS)
        battery = only("battery", 200, seed=seed).y.sum(axis=0)
        service = only("service", 200, seed=seed).y.sum(axis=0)
        onsets = np.flatnonzero(w.snap & ~np.r_[False, w.snap[:-1]])
        for d in onsets[(onsets >= 14) & (onsets < DAYS - 6)]:
            after, before = np.arange(d, d + 6), np.arange(d - 14, d)
            plain = (cal.factor == 1.0) & (cal.weekday < 5)  # weekdays, no holidays, half or bridge days
            a, b = after[plain[after]], before[plain[before]]
            if a.size < 2 or b.size < 4:
                continue
            assert 0.75 < service[a].mean() / service[b].mean() < 1.3  # the weather leaves service alone
            low = w.temp[d : d + 3].min()
            if low <= -4.0 and w.temp[before].mean() >= low + 6.0:  # a hard frost after milder days
                lifts.append(battery[a].mean() / battery[b].mean())
    assert len(lifts) >= 5 and np.median(lifts) > 1.5 and np.mean(np.asarray(lifts) > 1.1) > 0.75
    # The pool of weak batteries: a second cold spell right after the first fails fewer.
    temp = np.r_[np.full(200, 15.0), np.full(10, -8.0), np.full(5, 2.0), np.full(10, -8.0)]
    fail = battery_failures(temp)
    assert fail[200] > 1.5 * fail[215] and fail[150] < 0.3 * fail[200]


def test_tyre_changeover_rushes_follow_the_weather(cal: Calendar) -> None:
    tyre = only("tyre", 300).y
    autumn, spring = changeover_days(weather(DAYS, 11).temp)
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12
    assert len(autumn) == 2 and len(spring) == 2
    for s in autumn:
        d = cal.day[s].item()
        assert date(d.year, 10, 1) <= d <= date(d.year, 11, 15)
        september = (month == 8) & (cal.day.astype("datetime64[Y]") == cal.day[s].astype("datetime64[Y]"))
        assert tyre[:, s : s + 28].sum(axis=0).mean() > 2.0 * tyre[:, september].sum(axis=0).mean()
    for s in spring:
        d = cal.day[s].item()
        assert (
            date(d.year, 3, 15) <= d <= date(d.year, 4, 30) and d > public_holidays(d.year)["easter_monday"]
        )
    total = tyre.sum(axis=0)
    autumn_rush, spring_rush = np.zeros(DAYS, dtype=bool), np.zeros(DAYS, dtype=bool)
    for rush, days in ((autumn_rush, autumn), (spring_rush, spring)):
        for s in days:
            rush[max(s - 3, 0) : s + 35] = True  # five weeks of rush
    rest = total[cal.shipping & ~autumn_rush & ~spring_rush].mean()
    assert (
        total[cal.shipping & autumn_rush].mean() > 2.0 * rest
        and total[cal.shipping & spring_rush].mean() > 1.4 * rest
    )
    timing = [changeover_days(weather(DAYS, seed).temp)[0] for seed in range(8)]
    assert len({tuple(cal.day[t].astype("datetime64[D]").astype(np.int64) % 365) for t in timing}) > 4
    assert set(np.unique(tyre)) <= set(range(0, 400)) and (tyre % 2 == 0).mean() > 0.8  # sets of 4 or 2


def test_workshop_chains_order_whole_packs(cal: Calendar) -> None:
    workshop = only("workshop", 300).y
    zero = (workshop == 0).mean(axis=1)
    assert 0.7 < zero.mean() < 0.88
    for r in workshop:  # each item's orders are whole packs, plus counter sales of 1-2 units
        big = r[r > 2]
        assert any((big % p <= 2).all() for p in (4, 6, 10, 12, 20, 25))
    big = workshop > 2
    assert big[:, cal.weekday < 5].sum() / big.sum() > 0.9  # ordered Monday to Friday


def test_campaigns_are_plateaus_and_service_runs_out_of_stock(cal: Calendar) -> None:
    month = moving_means(only("campaign", 300).y, 28)
    ratio = month.max(axis=1) / np.median(month, axis=1)
    assert (ratio > 2.2).mean() > 0.9 and np.median(ratio) > 3.5
    service = only("service", 300).y[:, cal.shipping]
    runs = []
    for r in service:
        zero = np.r_[0, (r == 0).astype(int), 0]
        edges = np.flatnonzero(np.diff(zero))
        runs.append(np.max(edges[1::2] - edges[0::2], initial=0))
    assert 0.2 < np.mean(np.asarray(runs) >= 4) < 0.45  # 30 % run out, besides the slowest items


def test_launches_are_zero_before_start(k: BlindKDemand) -> None:
    listed = np.isin(k.segment, [SEGMENTS.index(s) for s in ("service", "supersede", "slow")])
    assert (k.start[~listed] == 0).all() and (k.start[listed] > 0).any()
    late = k.start > 0
    assert ((k.start[late] >= 1) & (k.start[late] < DAYS)).all()
    assert (k.y[np.arange(DAYS)[None, :] < k.start[:, None]] == 0).all()
    service = late & (k.segment == SEGMENTS.index("service"))
    assert service.sum() >= 5
    for i in np.flatnonzero(service):
        s = k.start[i]
        if s + 120 < DAYS:
            assert k.y[i, s : s + 28].mean() <= k.y[i, s + 90 : s + 120].mean() + 0.5

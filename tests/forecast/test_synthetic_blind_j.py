"""Generator J's statistics only (shape, seeds, calendar, weather, segments' defining properties); never the engine."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from forecasting.synthetic_blind_j import (
    DEFAULT_END,
    MIX,
    RDO_ANCHOR,
    SEGMENTS,
    BlindJDemand,
    Calendar,
    blind_j_demand,
    calendar,
    price_rises,
    public_holidays,
    weather,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 800, 730


@pytest.fixture(scope="module")
def j() -> BlindJDemand:
    return blind_j_demand(SKUS, DAYS, seed=11)


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return calendar(DAYS)


def rows(d: BlindJDemand, name: str) -> np.ndarray:
    return np.asarray(d.y[d.segment == SEGMENTS.index(name)])


def only(name: str, skus: int = 300, seed: int = 11) -> BlindJDemand:
    """Generator J with one segment only."""
    return blind_j_demand(skus, DAYS, seed=seed, mix=tuple(float(s == name) for s in SEGMENTS))


def moving_means(y: np.ndarray, w: int) -> np.ndarray:
    """(n, days - w + 1) w-day moving means."""
    c = np.cumsum(np.pad(y, ((0, 0), (1, 0))), axis=1)
    return np.asarray((c[:, w:] - c[:, :-w]) / w)


def at(d: date) -> int:
    """Index of ``d`` in the default window."""
    return DAYS - 1 - (DEFAULT_END - d).days


def dates(cal: Calendar, mask: np.ndarray) -> list[date]:
    return [d.item() for d in cal.day[mask]]


def cal_day(d: int) -> str:
    return str(DEFAULT_END - timedelta(days=DAYS - 1 - int(d)))


def to_neighbours(
    total: np.ndarray, days: np.ndarray, like: np.ndarray, cal: Calendar, weekday: bool = True
) -> np.ndarray:
    """Each of ``days``' total over the mean of the ``like`` days (of its weekday) within three weeks of it."""
    out = []
    for d in np.flatnonzero(days):
        near = like & (np.abs(np.arange(DAYS) - d) <= 21) & ((cal.weekday == cal.weekday[d]) | (not weekday))
        if near.sum() >= 2:
            out.append(total[d] / total[near].mean())
    return np.asarray(out)


def test_shape_dtypes_and_whole_non_negative_units(j: BlindJDemand) -> None:
    assert j.y.shape == (SKUS, DAYS) and j.y.dtype == np.float64
    assert j.start.shape == j.segment.shape == (SKUS,)
    assert np.issubdtype(j.start.dtype, np.integer) and np.issubdtype(j.segment.dtype, np.integer)
    assert j.names == SEGMENTS and len(MIX) == len(SEGMENTS)
    assert np.isfinite(j.y).all() and (j.y >= 0).all() and np.array_equal(j.y, np.round(j.y))
    assert j.segment.min() >= 0 and j.segment.max() < len(SEGMENTS)


def test_is_deterministic_by_seed_and_seeds_differ() -> None:
    a, b, c = (blind_j_demand(300, 200, seed=s) for s in (5, 5, 6))
    for field in ("y", "start", "segment"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert not np.array_equal(a.y, c.y) and not np.array_equal(a.segment, c.segment)
    assert np.array_equal(weather(200, 5), weather(200, 5)) and not np.array_equal(
        weather(200, 5), weather(200, 6)
    )


def test_segment_shares_follow_mix_and_one_segment_mixes_and_small_windows_work(j: BlindJDemand) -> None:
    shares = np.bincount(j.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.04)
    for days in (1, 7, 60):
        for k in range(len(SEGMENTS)):
            d = blind_j_demand(40, days, seed=3, mix=tuple(float(i == k) for i in range(len(SEGMENTS))))
            assert (d.segment == k).all() and d.y.shape == (40, days), (days, SEGMENTS[k])
            assert np.isfinite(d.y).all() and (d.y >= 0).all() and (d.y[:, calendar(days).shut] == 0).all()


def test_new_south_wales_public_holidays() -> None:
    got = {y: public_holidays(y) for y in (2025, 2026, 2027)}
    assert got[2025]["australia"] == date(2025, 1, 27)  # a Sunday: moved to the Monday
    assert [got[y]["good_friday"] for y in got] == [date(2025, 4, 18), date(2026, 4, 3), date(2027, 3, 26)]
    assert got[2027]["easter_monday"] == date(2027, 3, 29) and got[2026]["easter_saturday"] == date(
        2026, 4, 4
    )
    assert got[2026]["anzac"] == date(2026, 4, 25) and "anzac_extra" not in got[2026]  # never substituted
    assert got[2025]["kings_birthday"] == date(2025, 6, 9) and got[2026]["labour"] == date(2026, 10, 5)
    assert got[2026]["boxing_extra"] == date(2026, 12, 28) and "christmas_extra" not in got[2026]
    assert (got[2027]["christmas_extra"], got[2027]["boxing_extra"]) == (
        date(2027, 12, 27),
        date(2027, 12, 28),
    )
    assert public_holidays(2028)["new_year_extra"] == date(2028, 1, 3)  # a Saturday: the Monday added
    assert [len(got[y]) for y in got] == [11, 12, 13]


def test_the_yard_and_builders_calendar(cal: Calendar) -> None:
    assert cal.day[-1] == np.datetime64(DEFAULT_END) and cal.weekday[-1] == DEFAULT_END.weekday() == 5
    assert dates(cal, cal.shut) == [
        date(2025, 12, 25),
        date(2026, 4, 3),
        date(2026, 12, 25),
        date(2027, 3, 26),
    ]
    assert dates(cal, cal.anzac) == [date(2026, 4, 25), date(2027, 4, 25)]
    assert (cal.week == np.where(cal.holiday, 6, cal.weekday)).all()
    assert (cal.working == ((cal.weekday < 5) & ~cal.holiday)).all()
    rdo = dates(cal, cal.rdo)
    assert date(2027, 3, 30) in rdo and date(2027, 3, 29) not in rdo  # Easter Monday's RDO on the Tuesday
    for d in rdo:
        monday = d - timedelta(days=d.weekday())
        assert (monday - RDO_ANCHOR).days % 28 == 0 and (
            d == monday or monday in public_holidays(d.year).values()
        )
    assert len(rdo) == 24  # 13 a year, none in the shutdown
    assert dates(cal, cal.shutdown)[0] == date(2025, 12, 20) and dates(cal, cal.shutdown)[-1] == date(
        2027, 1, 10
    )
    down = {date(2025, 12, 20) + timedelta(days=k) for k in range(23)}
    down |= {date(2026, 12, 19) + timedelta(days=k) for k in range(23)}
    assert set(dates(cal, cal.shutdown)) == down and not (cal.rdo & cal.shutdown).any()
    rush = {date(2025, 12, 6) + timedelta(days=k) for k in range(14)}
    assert set(dates(cal, cal.rush)) == rush | {date(2026, 12, 5) + timedelta(days=k) for k in range(14)}
    summer = set(dates(cal, cal.summer))
    assert len(summer) == 64 and {date(2025, 12, 26), date(2026, 1, 26)} <= summer
    assert date(2025, 12, 25) not in summer and date(2026, 1, 27) not in summer


def test_weather_is_wet_on_about_a_fifth_of_days_with_summer_storms(cal: Calendar) -> None:
    rain = np.stack([weather(DAYS, seed) for seed in range(30)])
    wet = rain > 0
    assert 0.16 < wet.mean() < 0.22 and rain[wet].min() >= 5.0
    stay = (wet[:, 1:] & wet[:, :-1]).sum() / wet[:, :-1].sum()
    assert 0.44 < stay < 0.56  # a wet day stays wet with chance 0.5
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12
    assert wet[:, month == 2].mean() > wet[:, month == 8].mean() + 0.1  # March wetter than September
    storm = rain >= 50.0
    assert 3.0 < storm.sum() / 30 / 2 < 5.5
    assert storm[:, np.isin(month, (11, 0, 1, 2))].sum() / storm.sum() > 0.65
    assert np.isclose(np.median(rain[wet]) - 5.0, 10.0, atol=3.0)


def test_weeks_holidays_as_sundays_closures_and_anzac_afternoon(j: BlindJDemand, cal: Calendar) -> None:
    assert (j.y[:, cal.shut] == 0).all()
    dry = weather(DAYS, 11) == 0
    plain = ~cal.holiday & ~cal.shut & ~cal.rdo & ~cal.shutdown & ~cal.rush & ~cal.summer & dry
    trade, garden = rows(j, "trade").sum(axis=0), rows(j, "garden").sum(axis=0)
    week = np.array([trade[plain & (cal.weekday == k)].mean() for k in range(7)])
    assert (
        week.argmax() == 0
        and 0.3 < week[5] / week[:5].mean() < 0.5
        and 0.05 < week[6] / week[:5].mean() < 0.11
    )
    diy = np.array([garden[plain & (cal.weekday == k)].mean() for k in range(7)])
    assert diy.argmax() == 5 and diy[6] > 1.5 * diy[:5].mean()
    holiday = cal.holiday & ~cal.shut & ~cal.anzac & ~cal.shutdown & ~cal.summer & (cal.weekday < 5) & dry
    sunday = plain & (cal.weekday == 6)
    assert holiday.sum() >= 2  # weekday public holidays sell as Sundays, trade and DIY alike
    for total in (trade, garden):
        assert 0.7 < np.median(to_neighbours(total, holiday, sunday, cal, weekday=False)) < 1.4
    tools = only("tools", 400).y.sum(axis=0)
    anzac = to_neighbours(tools, cal.anzac, (cal.weekday == 6) & ~cal.holiday, cal, weekday=False)
    assert anzac.size == 2 and ((anzac > 0.35) & (anzac < 0.65)).all()  # a Sunday's, from 1 pm


def test_rain_cuts_trade_and_garden_and_trade_catches_up(j: BlindJDemand, cal: Calendar) -> None:
    rain = weather(DAYS, 11)
    wet = rain > 0
    usual = cal.working & ~cal.rdo & ~cal.shutdown & ~cal.rush & ~cal.summer
    before = np.r_[-1, np.maximum.accumulate(np.where(cal.working, np.arange(DAYS), -1))[:-1]]
    catch = cal.working & ~wet & (before >= 0) & wet[before.clip(0)]
    trade, garden = rows(j, "trade").sum(axis=0), rows(j, "garden").sum(axis=0)
    dry = usual & ~wet & ~catch
    assert 0.55 < np.median(to_neighbours(trade, usual & wet, dry, cal)) < 0.8  # 1 - e, e 0.15-0.5
    assert 1.15 < np.median(to_neighbours(trade, usual & catch, dry, cal)) < 1.5  # 1 + e, once
    assert 0.35 < np.median(to_neighbours(garden, usual & wet, dry, cal)) < 0.6  # 1 - e, e 0.4-0.7
    assert 0.85 < np.median(to_neighbours(garden, usual & catch, dry, cal)) < 1.15  # nothing caught up


def test_rostered_days_off_shutdown_and_rush_move_trade_weeks_only(j: BlindJDemand, cal: Calendar) -> None:
    dry = weather(DAYS, 11) == 0
    trade, garden = rows(j, "trade").sum(axis=0), rows(j, "garden").sum(axis=0)
    monday = cal.working & dry & ~cal.rdo & ~cal.shutdown & ~cal.rush & ~cal.summer
    assert 0.25 < np.median(to_neighbours(trade, cal.rdo & dry, monday, cal)) < 0.45
    assert 0.8 < np.median(to_neighbours(garden, cal.rdo & dry, monday, cal)) < 1.25
    weekdays = cal.working & dry
    november = weekdays & (cal.day.astype("datetime64[M]").astype(np.int64) % 12 == 10) & ~cal.rdo
    down = trade[weekdays & cal.shutdown].mean() / trade[november].mean()
    assert 0.12 < down < 0.3
    assert 1.08 < trade[weekdays & cal.rush & ~cal.rdo].mean() / trade[november].mean() < 1.35


def test_project_drops_come_on_delivery_days_in_whole_packs(j: BlindJDemand, cal: Calendar) -> None:
    project = rows(j, "project")
    zero = (project == 0).mean(axis=1)
    assert 0.72 < zero.mean() < 0.84 and ((zero > 0.6) & (zero < 0.92)).mean() > 0.85
    deliver = cal.working & (weather(DAYS, 11) == 0) & ~cal.rdo & ~cal.shutdown & ~cal.shut
    big = project > 5  # more than a counter sale: a drop
    assert big.any() and not big[:, ~deliver].any()
    assert not (project[:, ~((cal.weekday < 6) & ~cal.holiday)] > 0).any()
    assert np.median(project[big]) > 30
    tens = [(r[r > 5] % 10 <= 5).all() for r in project if (r > 5).sum() >= 8]
    assert 0.55 < np.mean(tens) < 0.85  # packs of 10 or 50 (70 %), plus a counter sale of 1-5


def test_garden_lines_peak_in_the_southern_spring(j: BlindJDemand, cal: Calendar) -> None:
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12

    def spring(y: np.ndarray) -> np.ndarray:
        return np.asarray(
            y[:, np.isin(month, (9, 10))].mean(axis=1) / (y[:, np.isin(month, (5, 6))].mean(axis=1) + 0.1)
        )

    garden, trade = spring(rows(j, "garden")), spring(rows(j, "trade"))
    assert (garden > 1.6).mean() > 0.85 and np.median(garden) > 2.0
    assert (trade > 1.6).mean() < 0.1


def test_tools_sell_before_the_financial_year_ends_and_for_fathers_day(cal: Calendar) -> None:
    tools = only("tools", 300).y
    may = (cal.day >= np.datetime64("2026-05-01")) & (cal.day < np.datetime64("2026-06-01"))
    late_june = (cal.day >= np.datetime64("2026-06-24")) & (cal.day <= np.datetime64("2026-06-30"))
    july = (cal.day >= np.datetime64("2026-07-01")) & (cal.day <= np.datetime64("2026-07-21"))
    base = tools[:, may].mean(axis=1) + 0.05
    assert (tools[:, late_june].mean(axis=1) / base > 1.5).mean() > 0.8
    assert 0.55 < np.median(tools[:, july].mean(axis=1) / base) < 0.85
    total = tools.sum(axis=0)
    week = slice(at(date(2025, 9, 1)), at(date(2025, 9, 7)) + 1)  # Father's Day: Sunday 7 September 2025
    around = np.r_[
        at(date(2025, 8, 11)) : at(date(2025, 8, 31)) + 1, at(date(2025, 9, 8)) : at(date(2025, 9, 28)) + 1
    ]
    assert 1.3 < total[week].sum() / (total[around].sum() / 6) < 1.8  # half the items at 1.5-2.5x


def test_storm_lines_surge_from_each_storm(j: BlindJDemand) -> None:
    storm = only("storm", 300).y.sum(axis=0)
    trade = rows(j, "trade").sum(axis=0)
    rain = weather(DAYS, 11)
    days = [d for d in np.flatnonzero(rain >= 50.0) if d < DAYS - 3]
    assert len(days) >= 3
    for d in days:  # the storm day and the two after it, against a usual day
        assert storm[d : d + 3].mean() > 3.0 * np.median(storm), cal_day(d)
        assert trade[d : d + 3].mean() < 1.5 * np.median(trade), cal_day(d)
    assert 0.5 < (only("storm", 300).y == 0).mean() < 0.65


def test_price_rises_buy_ahead_then_dip_and_step_down(cal: Calendar) -> None:
    mult = price_rises(np.random.default_rng(4), 200, cal)
    firsts = [
        i
        for i in range(DAYS)
        if cal.day[i].item().day == 1 and cal.day[i].item().month in (2, 3, 4, 8, 9, 10)
    ]
    count = 0
    for row in mult:
        jump = np.r_[1.0, row[1:] / row[:-1]]
        for s in np.flatnonzero((jump > 1.3) & (np.r_[row[1:], 0.0] == row)):  # not a dip's recovery
            on = next(f for f in firsts if f > s)
            assert 7 <= on - s <= 21 and np.ptp(row[s:on]) < 1e-9 and 1.4 <= jump[s] <= 2.5
            if on + 43 > DAYS or s < 1:
                continue
            count += 1
            before, lift = row[s - 1], row[s] / row[s - 1]
            after = row[on + 42]
            assert 0.92 <= after / before <= 0.98 and row[on] < after  # lower for good, the dip from the 1st
            back = np.flatnonzero(np.isclose(row[on:], after))[0]
            assert 14 <= back <= 42 and (np.diff(row[on : on + back + 1]) > 0).all()
            payback = (1.0 - row[on : on + back] / after).sum() / ((lift - 1.0) * (on - s))
            assert payback <= 1.0 + 1e-9 and (payback >= 0.6 - 1e-9 or np.isclose(row[on] / after, 0.1))
    assert 1.3 < count / 200 / ((DAYS - 70) / 365) < 1.9  # one rise a year, and a second with chance 0.6


def test_range_items_start_late_and_take_up(j: BlindJDemand) -> None:
    ranged = j.segment == SEGMENTS.index("range")
    assert (j.start[~ranged] == 0).all()
    y, start = j.y[ranged], j.start[ranged]
    assert ((start >= DAYS - 360) & (start <= DAYS - 45)).all()
    assert (y[np.arange(DAYS)[None, :] < start[:, None]] == 0).all()
    first = np.array([y[k, s : s + 7].mean() for k, s in enumerate(start)])
    assert (first < y[:, -28:].mean(axis=1)).mean() > 0.8

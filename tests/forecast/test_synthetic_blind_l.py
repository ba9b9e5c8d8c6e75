"""Generator L's statistics only (shape, seeds, calendar, weather, segments' properties); never the engine."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting.synthetic_blind_l import (
    DEFAULT_END,
    EVENT_MIX,
    EVENTS,
    KERNELS,
    MIX,
    SEGMENTS,
    BlindLDemand,
    blind_l_demand,
)
from forecasting.synthetic_blind_l_calendar import (
    Calendar,
    calendar,
    chain,
    event_days,
    ox_days,
    public_holidays,
    seasons,
    solar_term,
    weather,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 1200, 730


@pytest.fixture(scope="module")
def lg() -> BlindLDemand:
    return blind_l_demand(SKUS, DAYS, seed=11)


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return calendar(DAYS)


def rows(d: BlindLDemand, name: str) -> np.ndarray:
    return np.asarray(d.y[d.segment == SEGMENTS.index(name)])


def only(name: str, skus: int = 300, seed: int = 11, days: int = DAYS) -> BlindLDemand:
    """Generator L with one segment only."""
    return blind_l_demand(skus, days, seed=seed, mix=tuple(float(s == name) for s in SEGMENTS))


def at(cal: Calendar, d: str) -> int:
    return int(np.flatnonzero(cal.day == np.datetime64(d))[0])


def between(cal: Calendar, first: str, last: str) -> np.ndarray:
    return np.asarray((cal.day >= np.datetime64(first)) & (cal.day <= np.datetime64(last)))


def test_shape_dtypes_and_whole_non_negative_units(lg: BlindLDemand) -> None:
    assert lg.y.shape == (SKUS, DAYS) and lg.y.dtype == np.float64
    assert lg.start.shape == lg.segment.shape == (SKUS,)
    assert np.issubdtype(lg.start.dtype, np.integer) and np.issubdtype(lg.segment.dtype, np.integer)
    assert lg.names == SEGMENTS and len(MIX) == len(SEGMENTS) == 7
    assert np.isfinite(lg.y).all() and (lg.y >= 0).all() and np.array_equal(lg.y, np.round(lg.y))
    assert lg.segment.min() >= 0 and lg.segment.max() < len(SEGMENTS)
    assert len(EVENTS) == len(EVENT_MIX) == len(KERNELS) and abs(sum(EVENT_MIX) - 1.0) < 1e-9


def test_is_deterministic_by_seed_and_seeds_differ() -> None:
    a, b, c = (blind_l_demand(300, 200, seed=s) for s in (5, 5, 6))
    for field in ("y", "start", "segment"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert not np.array_equal(a.y, c.y) and not np.array_equal(a.segment, c.segment)
    assert np.array_equal(weather(200, 5).temp, weather(200, 5).temp)
    assert not np.array_equal(weather(200, 5).temp, weather(200, 6).temp)


def test_segment_shares_follow_mix_and_one_segment_mixes_and_small_windows_work(lg: BlindLDemand) -> None:
    shares = np.bincount(lg.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.035)
    for days in (1, 7, 60):
        shut = ~calendar(days).ambient
        for name in SEGMENTS:
            d = only(name, 40, seed=3, days=days)
            assert (d.segment == SEGMENTS.index(name)).all() and d.y.shape == (40, days), (days, name)
            assert np.isfinite(d.y).all() and (d.y >= 0).all(), (days, name)
            if name in ("grocery", "magazine", "slow"):
                assert (d.y[:, shut] == 0).all(), (days, name)


def test_japanese_national_holidays() -> None:
    got = {y: public_holidays(y) for y in (2024, 2025, 2026, 2027)}
    assert [len(h) for h in got.values()] == [21, 19, 18, 17]  # 16, and substitute and citizens' holidays
    assert [got[y]["vernal_equinox"] for y in got] == [
        date(2024, 3, 20),
        date(2025, 3, 20),
        date(2026, 3, 20),
        date(2027, 3, 21),
    ]
    assert [got[y]["autumnal_equinox"] for y in got] == [
        date(2024, 9, 22),
        date(2025, 9, 23),
        date(2026, 9, 23),
        date(2027, 9, 23),
    ]
    assert (got[2025]["coming_of_age"], got[2025]["marine"], got[2025]["respect_for_aged"]) == (
        date(2025, 1, 13),
        date(2025, 7, 21),
        date(2025, 9, 15),
    )
    assert (got[2026]["sports"], got[2025]["sports"]) == (date(2026, 10, 12), date(2025, 10, 13))
    subs = {y: sorted(d for k, d in got[y].items() if k.startswith("substitute")) for y in got}
    assert subs[2024] == [
        date(2024, 2, 12),
        date(2024, 5, 6),
        date(2024, 8, 12),
        date(2024, 9, 23),
        date(2024, 11, 4),
    ]
    assert subs[2025] == [date(2025, 2, 24), date(2025, 5, 6), date(2025, 11, 24)]
    assert subs[2026] == [date(2026, 5, 6)] and subs[2027] == [date(2027, 3, 22)]
    citizens = {d for y in got for k, d in got[y].items() if k.startswith("citizens")}
    assert citizens == {date(2026, 9, 22)}  # between Respect for the Aged Day and the autumnal equinox


def test_solar_terms_and_event_days() -> None:
    # Setsubun, the eve of Risshun: 2 February in 2021 and 2025, else 3 February.
    assert [solar_term(y, 315.0) for y in (2021, 2024, 2025, 2026)] == [
        date(2021, 2, 3),
        date(2024, 2, 4),
        date(2025, 2, 3),
        date(2026, 2, 4),
    ]
    assert [event_days(y)["ehomaki"] for y in (2025, 2026)] == [[date(2025, 2, 2)], [date(2026, 2, 3)]]
    assert ox_days(2024) == [date(2024, 7, 24), date(2024, 8, 5)]
    assert ox_days(2025) == [date(2025, 7, 19), date(2025, 7, 31)] and ox_days(2026) == [date(2026, 7, 26)]
    assert solar_term(2023, 135.0) == date(2023, 8, 8)  # Risshu
    days = event_days(2025)
    assert days["mothers_day"] == [date(2025, 5, 11)] and days["cake"] == [date(2025, 12, 24)]
    assert set(days) == set(EVENTS)


def test_the_distribution_centres_calendar(cal: Calendar) -> None:
    assert cal.day[-1] == np.datetime64(DEFAULT_END) and cal.weekday[-1] == DEFAULT_END.weekday() == 6
    assert cal.day[0] == np.datetime64("2024-10-19")
    assert cal.holiday.sum() == 38
    assert cal.holiday[[at(cal, "2026-09-21"), at(cal, "2026-09-22"), at(cal, "2026-09-23")]].all()
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    first_days = (month == 1) & (cal.day - cal.day.astype("datetime64[M]") < np.timedelta64(2, "D"))
    assert (cal.ambient == ((cal.weekday != 6) & ~first_days)).all()
    assert cal.breaks.sum() == 2 * 6 + 2 * 4  # New Year and Obon, twice
    off = cal.holiday | cal.breaks | (cal.weekday == 6)
    assert (cal.office[off] == cal.office[cal.weekday == 6].min()).all()
    assert (cal.office[~off & (cal.weekday < 5)] > 0.7).all() and (
        cal.home[(cal.weekday == 5) & ~cal.breaks] > 1.0
    ).all()


def test_weather_is_a_tokyo_year_with_a_rainy_season_and_typhoons(cal: Calendar) -> None:
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    temps, wet, rainy, winter, typhoons = [], [], [], [], []
    for seed in range(8):
        w = weather(DAYS, seed)
        temps.append((w.temp[month == 8].mean(), w.temp[month == 1].mean()))
        wet.append(w.wet.mean())
        rainy.append(w.wet[between(cal, "2025-06-08", "2025-07-19")].mean())
        winter.append(w.wet[(month == 12) | (month <= 2)].mean())
        typhoons += [cal.day[t].item() for t in np.flatnonzero(w.typhoon)]
        assert (
            (w.wet[w.typhoon]).all() and (w.until[w.typhoon] == 0).all() and (w.since[w.typhoon] == 0).all()
        )
        assert (w.onset <= w.wet).all() and np.allclose(
            w.warm[6:], np.convolve(w.temp, np.ones(7) / 7)[6:DAYS]
        )
    august, january = np.mean(temps, axis=0)
    assert 25.0 < august < 30.0 and 3.0 < january < 8.0
    assert 0.22 < np.mean(wet) < 0.4 and np.mean(rainy) > 1.5 * np.mean(winter)
    assert 10 < len(typhoons) < 50 and all(date(d.year, 7, 20) <= d <= date(d.year, 10, 25) for d in typhoons)


def test_store_count_grows_and_steps_up_once() -> None:
    for seed in range(5):
        s = chain(np.random.default_rng(seed), DAYS)
        ratio = s[1:] / s[:-1]
        jumps = np.flatnonzero(ratio > 1.01)
        assert jumps.size == 1 and 0.3 * DAYS <= jumps[0] + 1 < 0.7 * DAYS
        growth = np.log(np.median(ratio)) * 365.25
        assert 1.06 < ratio[jumps[0]] < 1.13 and 0.0099 < growth < 0.0401  # 1-4 % a year


def test_ambient_lines_ship_monday_to_saturday_and_fresh_every_day(lg: BlindLDemand, cal: Calendar) -> None:
    for name in ("grocery", "magazine", "slow"):
        assert (rows(lg, name)[:, ~cal.ambient] == 0).all(), name
    daily = rows(lg, "daily")
    assert (daily[:, ~cal.ambient].sum(axis=0) > 0).all()
    grocery = only("grocery", 400).y.sum(axis=0)
    plain = cal.ambient & ~cal.holiday & ~cal.breaks
    week = np.array([grocery[plain & (cal.weekday == d)].mean() for d in range(6)])
    assert 1.3 < week[5] / week[:5].mean() < 2.0  # Saturday carries Sunday's orders
    assert grocery[at(cal, "2025-12-31")] > 1.8 * grocery[at(cal, "2025-12-24")]  # and New Year's


def test_office_and_neighbourhood_weeks_and_long_breaks(cal: Calendar) -> None:
    daily = only("daily", 400).y.sum(axis=0)
    plain = ~cal.holiday & ~cal.breaks
    week = np.array([daily[plain & (cal.weekday == d)].mean() for d in range(7)])
    assert week.argmax() == 4 and week[6] < 0.85 * week[:4].mean() and week[6] < week[5] < week[:4].mean()
    weekday_holiday = daily[cal.holiday & (cal.weekday < 5)].mean()
    assert weekday_holiday < 0.85 * week[:4].mean() and abs(weekday_holiday / week[6] - 1.0) < 0.12
    for first, last in (("2025-08-13", "2025-08-16"), ("2026-01-01", "2026-01-03")):
        assert daily[between(cal, first, last)].mean() < 0.8 * week[:5].mean()


def test_typhoons_empty_the_stores_and_stockpiling_comes_before(cal: Calendar) -> None:
    day_of, eve_of = [], []
    for seed in range(20, 30):
        w = weather(DAYS, seed)
        daily = only("daily", 300, seed).y.sum(axis=0)
        grocery = only("grocery", 300, seed).y.sum(axis=0)
        calm = (w.until > 4) & (w.since > 5) & ~cal.holiday & ~cal.breaks & cal.ambient
        for t in np.flatnonzero(w.typhoon):
            if t < 21 or t > DAYS - 22 or cal.breaks[t] or cal.holiday[t] or not cal.ambient[t]:
                continue
            near = np.array([t - 21, t - 14, t - 7, t + 7, t + 14, t + 21])
            near = near[calm[near]]
            if near.size >= 2:
                day_of.append(daily[t] / daily[near].mean())
            e = t - 1
            if w.until[e] == 1 and calm[e - 7] and calm[e - 14] and cal.weekday[e] < 5 and not cal.holiday[e]:
                eve_of.append(grocery[e] / grocery[[e - 14, e - 7]].mean())
    assert len(day_of) >= 10 and 0.35 < np.median(day_of) < 0.65  # 0.5x
    assert len(eve_of) >= 5 and np.median(eve_of) > 1.25  # stockpile lines 2-4x


def test_hot_counter_lines_sell_only_in_season_and_more_in_the_cold(cal: Calendar) -> None:
    hot = only("hot", 300)
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    assert (hot.y[:, (month == 6) | (month == 7)] == 0).all()
    by_month = np.array([hot.y[:, month == m].mean() for m in range(1, 13)])
    assert by_month[0] > 1.5 * by_month[9] and by_month[9] > by_month[8] > by_month[7]
    season = seasons(np.random.default_rng(0), cal, DEFAULT_END)
    assert not season[:, (month == 7)].any() and season[:, (month == 12) | (month == 1)].all()
    new = hot.start > 0
    assert 0.1 < new.mean() < 0.3 and (hot.y[np.arange(DAYS)[None, :] < hot.start[:, None]] == 0).all()
    assert (month[hot.start[new]] >= 8).all() and (month[hot.start[new]] <= 10).all()  # an autumn opening


def test_new_products_launch_on_tuesdays_and_many_are_delisted(cal: Calendar) -> None:
    fad = only("fad", 400)
    launched = np.flatnonzero(fad.start > 0)
    assert launched.size > 250 and (cal.weekday[fad.start[launched]] == 1).all()
    assert (fad.y[np.arange(DAYS)[None, :] < fad.start[:, None]] == 0).all()
    spike, gone = [], []
    for i in launched:
        s = int(fad.start[i])
        if s + 140 < DAYS and fad.y[i, s + 1 : s + 29].mean() > 2.0:
            spike.append(fad.y[i, s] > fad.y[i, s + 1 : s + 8].max())  # stores stocked on launch day
            gone.append((fad.y[i, -56:] == 0).all())
    assert len(spike) > 80 and np.mean(spike) > 0.75
    assert 0.4 < np.mean(gone) < 0.7  # 55 % delisted after 4-20 weeks


def test_events_sell_on_their_days_only() -> None:
    ev = only("event", 400)
    cal = calendar(DAYS)
    zero = (ev.y == 0).mean(axis=1)
    assert zero.mean() > 0.97 and (zero > 0.9).all()
    total = ev.y.sum(axis=0)
    for first, last, peak in (
        ("2025-01-25", "2025-02-28", "2025-02-02"),  # Setsubun
        ("2026-01-25", "2026-02-10", "2026-02-03"),
        ("2025-12-01", "2025-12-30", "2025-12-24"),
        ("2025-07-01", "2025-08-15", "2025-07-19"),  # the first Ox day
        ("2026-07-01", "2026-08-15", "2026-07-26"),
    ):
        window = between(cal, first, last)
        assert cal.day[window][total[window].argmax()] == np.datetime64(peak), peak
    quiet = between(cal, "2025-06-01", "2025-06-30") | between(cal, "2025-11-01", "2025-11-30")
    assert total[quiet].sum() == 0


def test_magazines_go_on_sale_on_working_days_and_skip_the_long_breaks(cal: Calendar) -> None:
    mag = only("magazine", 400).y
    assert (mag[:, ~cal.ambient | cal.holiday] == 0).all()
    total = mag.sum(axis=0)
    for skipped, week_before in (
        (("2025-04-30", "2025-05-06"), ("2025-04-16", "2025-04-22")),
        (("2025-08-12", "2025-08-18"), ("2025-07-29", "2025-08-04")),
        (("2025-12-29", "2026-01-05"), ("2025-12-08", "2025-12-15")),
    ):
        assert total[between(cal, *skipped)].sum() < 0.5 * total[between(cal, *week_before)].sum()
    zero = (mag == 0).mean(axis=1)
    assert 0.6 < zero.mean() < 0.9  # issues, top-ups, and closed days


def test_slow_movers_are_sparse_in_whole_packs_and_rain_goods_sell_in_showers(cal: Calendar) -> None:
    slow = only("slow", 800)
    zero = (slow.y == 0).mean(axis=1)
    assert 0.85 < zero.mean() < 0.93 and (zero > 0.5).all()
    packs = [int(np.gcd.reduce(r[r > 0].astype(np.int64))) for r in slow.y if (r > 0).sum() >= 5]
    assert 0.2 < np.mean(np.asarray(packs) > 1) < 0.4  # 30 % in inner packs of 3-10
    w = weather(DAYS, 11)
    total = slow.y.sum(axis=0)
    open_ = cal.ambient & (cal.weekday < 5) & ~cal.holiday & np.r_[True, cal.ambient[:-1]]
    assert total[open_ & w.onset].mean() > 1.2 * total[open_ & ~w.wet].mean()
    listed = slow.start > 0
    assert 0.03 < listed.mean() < 0.1 and (slow.y[np.arange(DAYS)[None, :] < slow.start[:, None]] == 0).all()


def test_grocery_supplier_shortages_censor_a_few_items(cal: Calendar) -> None:
    grocery = only("grocery", 400).y
    c = np.cumsum(np.pad(grocery, ((0, 0), (1, 0))), axis=1)
    week = (c[:, 7:] - c[:, :-7]) / 7.0  # 7-day means, each ending on day 6 onwards
    now, before, after = week[:, 21:-21], week[:, :-42], week[:, 42:]
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (cal.day - cal.day.astype("datetime64[M]")).astype(np.int64) + 1
    festive = ((month == 12) & (dom >= 15)) | ((month == 1) & (dom <= 15)) | (month == 8)  # New Year, Obon
    short = ((now < 0.45 * np.minimum(before, after)) & ~festive[21 : 21 + now.shape[1]]).any(axis=1)
    big = grocery.mean(axis=1) > 8.0
    assert big.sum() > 200 and 0.05 < short[big].mean() < 0.18  # 12 % hit one shortage of 7-35 days


def test_only_new_items_start_late(lg: BlindLDemand) -> None:
    listed = np.isin(lg.segment, [SEGMENTS.index(s) for s in ("hot", "fad", "slow")])
    assert (lg.start[~listed] == 0).all() and (lg.start[listed] > 0).any()
    late = lg.start > 0
    assert ((lg.start[late] >= 1) & (lg.start[late] < DAYS)).all()
    assert (lg.y[np.arange(DAYS)[None, :] < lg.start[:, None]] == 0).all()

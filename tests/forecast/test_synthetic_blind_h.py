"""Generator H's statistics only (shape, seeds, calendar, segments' defining properties); never the engine."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from forecasting.synthetic_blind_h import (
    DEFAULT_END,
    MIX,
    SEGMENTS,
    BlindHDemand,
    blind_h_demand,
    calendar,
    closures,
    deal_lift,
)

pytestmark = pytest.mark.unit

SKUS, DAYS = 800, 730


@pytest.fixture(scope="module")
def h() -> BlindHDemand:
    return blind_h_demand(SKUS, DAYS, seed=11)


def rows(d: BlindHDemand, name: str) -> np.ndarray:
    return np.asarray(d.y[d.segment == SEGMENTS.index(name)])


def moving_means(y: np.ndarray, w: int) -> np.ndarray:
    """(n, days - w + 1) w-day moving means."""
    c = np.cumsum(np.pad(y, ((0, 0), (1, 0))), axis=1)
    return np.asarray((c[:, w:] - c[:, :-w]) / w)


def autocorrelation(y: np.ndarray, lag: int) -> np.ndarray:
    a, b = (
        y[:, :-lag] - y[:, :-lag].mean(axis=1, keepdims=True),
        y[:, lag:] - y[:, lag:].mean(axis=1, keepdims=True),
    )
    return np.asarray((a * b).mean(axis=1) / np.sqrt((a * a).mean(axis=1) * (b * b).mean(axis=1) + 1e-12))


def test_shape_dtypes_and_whole_non_negative_packs(h: BlindHDemand) -> None:
    assert h.y.shape == (SKUS, DAYS) and h.y.dtype == np.float64
    assert h.start.shape == h.segment.shape == (SKUS,)
    assert np.issubdtype(h.start.dtype, np.integer) and np.issubdtype(h.segment.dtype, np.integer)
    assert h.names == SEGMENTS and len(MIX) == len(SEGMENTS)
    assert np.isfinite(h.y).all() and (h.y >= 0).all() and np.array_equal(h.y, np.round(h.y))
    assert h.segment.min() >= 0 and h.segment.max() < len(SEGMENTS)


def test_is_deterministic_by_seed() -> None:
    a, b, c = (blind_h_demand(300, 200, seed=s) for s in (5, 5, 6))
    for field in ("y", "start", "segment"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert not np.array_equal(a.y, c.y) and not np.array_equal(a.segment, c.segment)


def test_segment_shares_follow_mix(h: BlindHDemand) -> None:
    shares = np.bincount(h.segment, minlength=len(SEGMENTS)) / SKUS
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.05)
    assert min(MIX) >= 0.05
    only = blind_h_demand(200, 100, seed=1, mix=(0, 0, 0, 1, 0, 0))
    assert (only.segment == SEGMENTS.index("deal")).all()


def test_zero_before_start_and_only_launches_start_late(h: BlindHDemand) -> None:
    launch = h.segment == SEGMENTS.index("launch")
    assert (h.start[~launch] == 0).all()
    start = h.start[launch]
    assert ((start >= DAYS - 400) & (start <= DAYS - 60)).all()
    before = np.arange(DAYS)[None, :] < start[:, None]
    assert (h.y[launch][before] == 0).all()
    short = blind_h_demand(100, 90, seed=2, mix=(0, 0, 0, 0, 0, 1))
    assert ((short.start >= 1) & (short.start <= 30)).all()


def test_bank_holidays_of_england_and_wales() -> None:
    assert closures(2025) == [
        date(2025, 1, 1),
        date(2025, 4, 18),
        date(2025, 4, 21),
        date(2025, 5, 5),
        date(2025, 5, 26),
        date(2025, 8, 25),
        date(2025, 12, 25),
        date(2025, 12, 26),
    ]
    # 2027: Easter on 28 March; Christmas on a Saturday, so the bank holidays are Monday 27 and Tuesday 28.
    got = set(closures(2027))
    assert {
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 8, 30),
    } <= got
    assert {date(2027, 12, d) for d in (25, 26, 27, 28)} <= got


def test_nothing_ships_on_sundays_and_holidays_and_busier_before_them(h: BlindHDemand) -> None:
    cal = calendar(DAYS)
    assert cal.day[-1] == np.datetime64(DEFAULT_END) and cal.weekday[-1] == DEFAULT_END.weekday()
    assert (cal.closed == (cal.holiday | (cal.weekday == 6))).all() and cal.holiday.sum() >= 14
    assert (h.y[:, cal.closed] == 0).all()
    chronic = rows(h, "chronic")
    before = cal.factor >= 1.5
    assert before.sum() >= 8 and chronic[:, before].mean() > 1.3 * chronic[:, ~cal.closed].mean()
    # The month-end flags: the last two and the first two open days of each whole month.
    month = cal.day.astype("datetime64[M]")
    for m in np.unique(month)[1:-1]:
        open_days = np.flatnonzero((month == m) & ~cal.closed)
        assert np.array_equal(np.flatnonzero(cal.month_end & (month == m)), open_days[-2:])
        assert np.array_equal(np.flatnonzero(cal.month_start & (month == m)), open_days[:2])


def test_chronic_lines_are_steady_monday_heavy_movers(h: BlindHDemand) -> None:
    cal = calendar(DAYS)
    chronic = rows(h, "chronic")
    assert np.median((chronic[:, ~cal.closed] == 0).mean(axis=1)) < 0.05
    assert 5.0 < np.median(chronic.mean(axis=1)) < 20.0
    plain = (cal.factor == 1.0) & ~cal.month_end & ~cal.month_start
    by_day = [chronic[:, plain & (cal.weekday == k)].mean() for k in range(6)]
    assert by_day[0] > 1.15 * by_day[2] and 0.35 < by_day[5] / by_day[2] < 0.65
    peak = moving_means(chronic, 7).max(axis=1) / np.median(moving_means(chronic, 7), axis=1)
    assert (peak > 2.5).mean() < 0.1


def test_specialty_items_are_intermittent_patient_repeats(h: BlindHDemand) -> None:
    spec = rows(h, "specialty")
    zero = (spec == 0).mean(axis=1)
    assert 0.75 < zero.mean() < 0.9 and ((zero > 0.6) & (zero < 0.97)).mean() > 0.9
    # Repeats every 28 days (or 56, 84): sales echo four weeks on, not three.
    assert autocorrelation(spec, 28).mean() > 0.1 > autocorrelation(spec, 21).mean() + 0.05
    assert spec.max() <= 60


def test_seasonal_lines_peak_in_winter_or_the_pollen_season(h: BlindHDemand) -> None:
    cal = calendar(DAYS)
    month = moving_means(rows(h, "seasonal"), 28)
    assert (month.max(axis=1) / np.maximum(month.min(axis=1), 1e-9) > 2.5).mean() > 0.9
    peak = cal.year_day[month.argmax(axis=1) + 14]
    winter, pollen = (peak >= 305) | (peak < 90), (peak >= 120) & (peak < 212)
    assert (winter | pollen).mean() > 0.95 and 0.45 < winter.mean() < 0.8


def test_deal_lines_have_uplift_weeks_well_above_their_baseline(h: BlindHDemand) -> None:
    week = moving_means(rows(h, "deal"), 7)
    assert (week.max(axis=1) / np.median(week, axis=1) > 2.5).mean() > 0.9


def test_deals_lift_then_dip_and_pay_back_part_of_the_extra() -> None:
    mult = deal_lift(np.random.default_rng(3), 300, DAYS)
    assert (mult > 0).all() and mult.max() <= 4.0
    paybacks, lengths = [], []
    for row in mult:
        on = np.r_[False, row > 1.0, False].astype(int)
        for s, e in zip(np.flatnonzero(np.diff(on) == 1), np.flatnonzero(np.diff(on) == -1), strict=True):
            if s == 0 or e + 28 > DAYS:
                continue  # cut by the window
            lengths.append(e - s)
            assert np.ptp(row[s:e]) == 0 and 1.8 <= row[s] <= 4.0
            # A dip right after the deal, recovered before the next one.
            assert row[e] < 1.0 and (row[e + 28 : e + 30] == 1.0).all()
            paybacks.append((1.0 - row[e : e + 28]).sum() / (row[s:e] - 1.0).sum())
    assert min(lengths) >= 5 and max(lengths) <= 14 and len(lengths) > 1000
    assert max(paybacks) <= 0.7 + 1e-9 and 0.3 < np.median(paybacks) < 0.7
    per_year = len(lengths) / 300 / (DAYS / 365)
    assert 2.5 < per_year < 6.0


def test_switch_lines_shift_level_for_good(h: BlindHDemand) -> None:
    def shift(y: np.ndarray) -> np.ndarray:
        return np.asarray(np.log((y[:, -28:].mean(axis=1) + 0.1) / (y[:, :90].mean(axis=1) + 0.1)))

    moved = shift(rows(h, "switch"))
    assert (np.abs(moved) > np.log(1.4)).mean() > 0.85
    assert 0.25 < (moved > 0).mean() < 0.65  # losses and wins both happen
    assert (np.abs(shift(rows(h, "chronic"))) > np.log(1.4)).mean() < 0.25


def test_launches_take_up_after_their_start(h: BlindHDemand) -> None:
    launch = h.segment == SEGMENTS.index("launch")
    y, start = h.y[launch], h.start[launch]
    first = np.array([y[i, s : s + 28].mean() for i, s in enumerate(start)])
    assert (y.sum(axis=1) > 0).all() and (y[:, -28:].mean(axis=1) > first).mean() > 0.8

"""Last year's season (``forecasting/annual.py``): which series it moves, by how much, and what it leaves alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from forecasting.annual import MIN_CORRELATION, YEAR, level_doubt, recurrence, year_ago_ratio
from forecasting.engine import EngineConfig, forecast_batch

pytestmark = pytest.mark.unit

DAYS = 730
HOLD = 28


def _peak_rate(days: int, peak_day: int, height: float = 5.0, half_width: float = 20.0) -> np.ndarray:
    """1 off season, ``height`` at the peak, recurring every ``YEAR`` days around ``peak_day``."""
    t = np.arange(days)
    distance = np.abs((t - peak_day + YEAR / 2) % YEAR - YEAR / 2)
    return 1.0 + (height - 1.0) * np.exp(-0.5 * (distance / half_width) ** 2)


def _seasonal_items(rng: np.random.Generator, n: int, base: float = 20.0) -> np.ndarray:
    """``n`` items whose season peaks two to three weeks after the last day of history, every year."""
    peak = DAYS - HOLD + 18
    return np.stack([rng.poisson(base * _peak_rate(DAYS, peak)) for _ in range(n)]).astype(float)


def test_a_season_about_to_start_is_forecast_from_last_year_and_the_forecast_is_closer() -> None:
    rng = np.random.default_rng(3)
    y = _seasonal_items(rng, 40)
    train, test = y[:, :-HOLD], y[:, -HOLD:]
    cfg = EngineConfig(horizon_days=HOLD)
    moved = forecast_batch(train, cfg)
    plain = forecast_batch(train, replace(cfg, annual=False))
    assert moved.annual is not None and moved.annual.all()
    assert "last year's season" in moved.model_label(0)
    # Half-way to last year's rise: above what the level alone says, and nearer what was sold.
    assert (moved.mean.sum(axis=1) > 1.15 * plain.mean.sum(axis=1)).all()
    err_moved = np.abs(test - moved.mean).sum(axis=1)
    err_plain = np.abs(test - plain.mean).sum(axis=1)
    assert np.median(err_moved) < 0.8 * np.median(err_plain)
    # The interval comes from the moved forecast's own backtest, scaled up to the level it now forecasts: it
    # covers the season's start (the plain forecast's, from off-season months, covers under 0.7 of it).
    inside = ((test >= moved.lo) & (test <= moved.hi)).mean()
    assert inside > 0.9
    assert ((test >= plain.lo) & (test <= plain.hi)).mean() < 0.7


def test_flat_noisy_and_young_series_are_left_alone() -> None:
    rng = np.random.default_rng(4)
    flat = rng.poisson(15.0, size=(300, DAYS - HOLD)).astype(float)
    slow = (rng.random((300, DAYS - HOLD)) < 0.05).astype(float) * rng.integers(1, 4, (300, DAYS - HOLD))
    y = np.vstack([flat, slow])
    batch = forecast_batch(y, EngineConfig(horizon_days=HOLD))
    plain = forecast_batch(y, EngineConfig(horizon_days=HOLD, annual=False))
    assert batch.annual is not None
    assert batch.annual.mean() < 0.01
    same = ~batch.annual
    assert np.array_equal(batch.mean[same], plain.mean[same])
    # A season in only the last of its two years is no recurrence.
    once = np.stack([rng.poisson(20.0 * np.where(np.arange(DAYS) > YEAR, _peak_rate(DAYS, DAYS - 60), 1.0))])
    corr = recurrence(once.astype(float)[:, :-HOLD], np.zeros(1, dtype=int))
    assert corr[0] < MIN_CORRELATION


def test_recurrence_needs_two_years_and_a_real_swing() -> None:
    rng = np.random.default_rng(5)
    seasonal = _seasonal_items(rng, 3)[:, :-HOLD]
    first = np.zeros(3, dtype=int)
    assert (recurrence(seasonal, first) >= MIN_CORRELATION).all()
    assert np.isnan(
        recurrence(seasonal[:, -600:], np.zeros(3, dtype=int))
    ).all()  # under a year and 12 months
    late = np.array([0, 0, 100])  # the third item launched 100 days into the history: one season only
    assert np.isnan(recurrence(seasonal, late)[2])
    # A mild swing (a few percent) is not a season, however well it repeats.
    mild = np.tile(100.0 * (1.0 + 0.05 * np.sin(2 * np.pi * np.arange(DAYS) / YEAR)), (1, 1))
    assert recurrence(mild, np.zeros(1, dtype=int))[0] == 0.0


def test_the_ratio_is_last_years_next_month_over_its_two_weeks_before_shrunk_half_way() -> None:
    y = np.ones((2, DAYS))
    y[:, DAYS - YEAR : DAYS - YEAR + HOLD] = 3.0  # a year before the end: 3 a day for the next 28 days
    ratio = year_ago_ratio(y, np.array([0, DAYS - YEAR - 5]), [DAYS], HOLD)
    expected = np.sqrt((3.0 + 1 / 7) / (1.0 + 1 / 7))
    assert ratio[0, 0] == pytest.approx(expected)
    assert np.isnan(ratio[0, 1])  # not listed 14 days before the year-ago point


def test_the_half_of_the_move_not_taken_is_doubt_about_the_level() -> None:
    mean = np.full((3, 4), 10.0)
    doubt = level_doubt(mean, np.array([1.5, 1.0, 0.8]))
    assert doubt[:, 0] == pytest.approx([5.0, 0.0, 2.0])
    # In the engine it widens a moved series' interval: the plain forecast and the full move both lie in it.
    rng = np.random.default_rng(3)
    train = _seasonal_items(rng, 20)[:, :-HOLD]
    cfg = EngineConfig(horizon_days=HOLD)
    moved, plain = forecast_batch(train, cfg), forecast_batch(train, replace(cfg, annual=False))
    factor = moved.mean[:, 0] / plain.mean[:, 0]
    full = plain.mean * (factor**2)[:, None]
    assert ((moved.lo <= plain.mean) & (full <= moved.hi)).mean() > 0.95

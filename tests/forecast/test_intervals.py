"""Interval widths from backtest windows: one unusual month does not set them (``intervals.usual_months``)."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.engine import EngineConfig, forecast_batch
from forecasting.intervals import usual_months

pytestmark = pytest.mark.unit


def _errors(rng: np.random.Generator, origins: int, n: int, days: int = 28) -> np.ndarray:
    return rng.normal(0.0, 3.0, size=(origins, n, days))


def test_only_a_window_far_worse_than_the_series_usual_ones_is_left_out() -> None:
    rng = np.random.default_rng(1)
    errors = _errors(rng, 8, 4)
    errors[5, 0] *= 5.0  # 25x the usual squared error: a shutdown month
    errors[2, 1] *= 2.0  # 4x the usual squared error: a bad month, not an unusual one
    errors[6, 2] *= 5.0  # as unusual, but the series is kept whole
    errors[6, 3] *= 5.0  # as unusual, but only four windows count for it
    valid = np.ones((8, 4), dtype=bool)
    valid[:4, 3] = False
    keep = np.array([False, False, True, False])
    before = valid.copy()
    out = usual_months(errors, valid, keep)
    assert not out[5, 0] and out[:, 0].sum() == 7
    assert out[:, 1].all() and out[:, 2].all()
    assert (out[:, 3] == valid[:, 3]).all()
    assert (valid == before).all()  # the input is not changed


def test_no_windows_or_no_series_pass_through() -> None:
    empty = np.zeros((0, 3, 28))
    assert usual_months(empty, np.zeros((0, 3), dtype=bool), np.zeros(3, dtype=bool)).shape == (0, 3)


def test_a_shutdown_in_the_backtest_does_not_widen_next_months_interval() -> None:
    """Steady weekday lines whose sites shut for two weeks four months ago: next month's interval holds about
    95 % of its days; counting the shutdown month made it wider."""
    rng = np.random.default_rng(7)
    n, t_len, hold = 300, 600, 28
    profile = np.array([1.2, 1.1, 1.0, 1.0, 1.1, 0.4, 0.2])
    rate = 20.0 * np.tile(profile, t_len // 7 + 1)[:t_len]
    y = rng.poisson(np.broadcast_to(rate, (n, t_len))).astype(float)
    shut = slice(t_len - hold - 120, t_len - hold - 106)
    y[:, shut] = rng.poisson(0.1 * rate[shut], size=(n, 14))
    train, test = y[:, :-hold], y[:, -hold:]
    batch = forecast_batch(train, EngineConfig(horizon_days=hold))
    inside = ((test >= batch.lo) & (test <= batch.hi)).mean()
    assert 0.93 <= inside <= 0.98  # 0.989 with the shutdown month counted
    # Its first day's spread is that of the lines' usual months: under Poisson noise at the busiest weekday's
    # level (5.2 with the shutdown month counted, 4.5 without).
    assert np.median(batch.sigma[:, 0]) < np.sqrt(20.0 * profile.max())

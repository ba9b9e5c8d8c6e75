"""Accuracy metrics on hand-computed arrays, and the held-out generator's mix (generator B)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from forecasting.accuracy import (
    Scores,
    bias,
    by_segment,
    coverage,
    mase,
    pinball,
    scaled_pinball,
    score,
    seasonal_scale,
    summarise,
)
from forecasting.synthetic_heldout import MIX, SEGMENTS, calendar, heldout_demand

pytestmark = pytest.mark.unit

Z95 = 1.6448536269514722  # standard normal 0.95 quantile


def test_seasonal_scale_is_the_mean_weekly_difference_from_each_start() -> None:
    week = [1.0, 2, 3, 4, 5, 6, 7]
    train = np.array([[*week, 2.0, 2, 3, 4, 5, 6, 9], [0.0] * 7 + week])
    # Row 0: |2-1| + 0 + 0 + 0 + 0 + 0 + |9-7| over 7 days. Row 1 starts on day 7: no full week before its end,
    # so it falls back to its mean absolute demand (28 / 14).
    np.testing.assert_allclose(seasonal_scale(train, np.array([0, 7])), [3 / 7, 2.0])
    assert seasonal_scale(np.zeros((1, 30)))[0] == pytest.approx(1e-3)


def test_mase_is_mean_absolute_error_over_the_scale() -> None:
    actual = np.array([[2.0, 4.0], [0.0, 0.0]])
    mean = np.array([[3.0, 3.0], [1.0, 3.0]])
    np.testing.assert_allclose(mase(actual, mean, np.array([0.5, 4.0])), [2.0, 0.5])


def test_bias_is_positive_when_over_forecasting_and_nan_without_demand() -> None:
    actual = np.array([[1.0, 3.0], [4.0, 4.0], [0.0, 0.0]])
    mean = np.array([[3.0, 3.0], [2.0, 3.0], [1.0, 1.0]])
    got = bias(actual, mean)
    np.testing.assert_allclose(got[:2], [0.5, -3 / 8])
    assert np.isnan(got[2])


def test_pinball_against_hand_values() -> None:
    # Quantile 10: the actual 12 is above it (0.9 * 2), the actual 7 below it (0.1 * 3).
    assert pinball(np.array([[12.0, 7.0]]), np.array([[10.0, 10.0]]), 0.9)[0] == pytest.approx(1.05)
    # Normal errors: Q = 10 + z95 * 2 = 13.2897; the actual 15 is above it by 1.7103.
    got = scaled_pinball(np.array([[15.0]]), np.array([[10.0]]), np.array([[2.0]]), 0.95, np.array([2.0]))
    assert got[0] == pytest.approx(0.95 * (15 - 10 - Z95 * 2) / 2.0)
    # Below the quantile the loss is (1 - q) times the gap; a negative quantile is floored at zero.
    low = scaled_pinball(np.array([[0.0]]), np.array([[-5.0]]), np.array([[1.0]]), 0.95, np.array([1.0]))
    assert low[0] == pytest.approx(0.0)


def test_scaled_pinball_does_not_depend_on_units() -> None:
    rng = np.random.default_rng(3)
    actual = rng.poisson(5.0, (4, 28)).astype(float)
    mean, sigma = np.full((4, 28), 5.0), np.full((4, 28), 2.2)
    one = scaled_pinball(actual, mean, sigma, 0.95, np.ones(4))
    ten = scaled_pinball(actual * 10, mean * 10, sigma * 10, 0.95, np.full(4, 10.0))
    np.testing.assert_allclose(one, ten)


def test_coverage_counts_actuals_inside_the_interval_bounds_included() -> None:
    actual = np.array([[0.0, 1.0, 2.0, 0.5]])
    np.testing.assert_allclose(coverage(actual, np.zeros((1, 4)), np.ones((1, 4))), [0.75])


def test_summaries_per_segment() -> None:
    actual = np.array([[2.0, 2.0], [0.0, 0.0], [4.0, 4.0]])
    mean = np.array([[3.0, 3.0], [1.0, 1.0], [2.0, 2.0]])
    sigma = np.zeros((3, 2))
    scores = score(actual, mean, sigma, mean - 1.0, mean + 1.0, np.ones(3), 0.95)
    assert isinstance(scores, Scores)
    parts = by_segment(scores, np.array([0, 0, 2]), ("x", "y", "z"))
    assert list(parts) == ["x", "z"]  # empty segments are left out
    x = parts["x"]
    assert (x.series, x.median_mase, x.mean_mase) == (2, 1.0, 1.0)
    assert x.median_bias == pytest.approx(0.5)  # the all-zero series has no bias
    assert x.coverage == pytest.approx(1.0)
    assert x.mean_pinball == pytest.approx((0.05 * 1 + 0.05 * 1) / 2)
    assert parts["z"].median_bias == pytest.approx(-0.5)
    assert summarise(scores).series == 3


def test_calendar_closures_and_month_ends() -> None:
    first = date(2024, 6, 2)
    cal = calendar(365, end=date(2025, 6, 1))

    def days(mask: np.ndarray) -> list[date]:
        return [first + timedelta(days=int(i)) for i in np.flatnonzero(mask)]

    assert days(cal.closed) == [
        date(2024, 8, 5),  # first Monday of August
        date(2024, 12, 25),
        date(2024, 12, 26),
        date(2025, 1, 1),
        date(2025, 5, 26),  # last Monday of May
    ]
    assert days(cal.eve) == [date(2024, 8, 4), date(2024, 12, 24), date(2024, 12, 31), date(2025, 5, 25)]
    # The last two working days of June 2024 .. May 2025; 1 June 2025 is a Sunday.
    assert cal.month_end.sum() == 24
    assert days(cal.month_end)[:2] == [date(2024, 6, 27), date(2024, 6, 28)]
    assert date(2024, 12, 30) in days(cal.month_end) and date(2024, 12, 31) in days(cal.month_end)


@pytest.fixture(scope="module")
def heldout() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = heldout_demand(3000, 400, seed=5)
    return d.y, d.segment, d.start


def test_heldout_mix_and_intermittent_zero_days(heldout: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    y, segment, start = heldout
    shares = np.bincount(segment, minlength=len(SEGMENTS)) / len(segment)
    np.testing.assert_allclose(shares, np.asarray(MIX) / sum(MIX), atol=0.03)
    slow = y[segment == SEGMENTS.index("intermittent")]
    assert (slow == 0).mean() == pytest.approx(0.84, abs=0.025)
    assert (y >= 0).all() and np.array_equal(y, np.round(y))
    launched = segment == SEGMENTS.index("launch")
    assert (start[launched] > 0).all() and (start[~launched] == 0).all()
    assert all(y[i, : start[i]].sum() == 0 for i in np.flatnonzero(launched))


def test_promotions_spike(heldout: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    y, segment, _ = heldout

    def peak(name: str) -> float:
        rows = y[segment == SEGMENTS.index(name)]
        return float(np.median(rows.max(axis=1) / rows.mean(axis=1)))

    assert peak("promo") > 1.5 * peak("smooth")


def test_heldout_is_deterministic_by_seed() -> None:
    a, b, c = (heldout_demand(200, 120, seed=s) for s in (9, 9, 10))
    assert np.array_equal(a.y, b.y) and np.array_equal(a.segment, b.segment)
    assert not np.array_equal(a.y, c.y)

"""Forecast accuracy on held-out days, every series at once (numpy only).

Arrays are ``(n, H)``: ``n`` series over ``H`` held-out days; ``train`` is ``(n, T)`` history before them.

- MASE: mean absolute error over the held-out days / ``scale``, the in-sample mean absolute error of the
  seasonal-naive forecast (``y[t] - y[t - 7]``) from each series' first observed day.
- Bias: mean(forecast - actual) / mean(actual) per series; positive means over-forecasting. NaN where the
  held-out actuals are all zero (the ratio has no meaning there); summaries skip NaN.
- Scaled pinball: the quantile loss at ``q`` of the normal quantile ``max(mean + z_q sigma, 0)`` (the forecast's
  mean and error standard deviation, errors assumed normal), averaged over the held-out days and divided by
  ``scale`` like MASE, so it compares across series.
- Coverage: share of held-out actuals inside ``[lo, hi]``, bounds included.

The scale is computed here rather than taken from the engine so that the yardstick does not move when the
engine changes; today it equals ``forecasting.diagnostics.seasonal_scale``.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

SEASON = 7


def seasonal_scale(train: np.ndarray, start: np.ndarray | None = None, season: int = SEASON) -> np.ndarray:
    """(n,) in-sample seasonal-naive mean absolute error, counting days from ``start + season``. Never zero:
    all-zero or exactly periodic series fall back to their mean absolute demand (at least 1e-3)."""
    y = np.asarray(train, dtype=float)
    n, t_len = y.shape
    if t_len <= season:
        return np.ones(n)
    first = np.zeros(n, dtype=int) if start is None else np.asarray(start, dtype=int)
    diff = np.abs(y[:, season:] - y[:, :-season])
    scored = np.arange(season, t_len)[None, :] >= (first[:, None] + season)
    count = scored.sum(axis=1)
    scale = np.where(count > 0, (diff * scored).sum(axis=1) / np.maximum(count, 1), 0.0)
    fallback = np.maximum(np.abs(y).mean(axis=1), 1e-3)
    return np.asarray(np.where(scale > 1e-9, scale, fallback))


def mase(actual: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(n,) mean absolute error / ``scale``."""
    return np.asarray(np.abs(actual - mean).mean(axis=1) / scale)


def bias(actual: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """(n,) mean(forecast - actual) / mean(actual); NaN where the actuals are all zero."""
    level = actual.mean(axis=1)
    err = (mean - actual).mean(axis=1)
    return np.asarray(np.where(level > 0, err / np.where(level > 0, level, 1.0), np.nan))


def normal_quantile(mean: np.ndarray, sigma: np.ndarray, q: float) -> np.ndarray:
    """The ``q`` quantile of normal errors around ``mean``, floored at zero (demand is never negative)."""
    return np.asarray(np.maximum(mean + NormalDist().inv_cdf(q) * sigma, 0.0))


def pinball(actual: np.ndarray, quantile: np.ndarray, q: float) -> np.ndarray:
    """(n,) mean quantile loss: q·(y - Q) when the actual is above the quantile, (1 - q)·(Q - y) below."""
    diff = actual - quantile
    return np.asarray(np.maximum(q * diff, (q - 1.0) * diff).mean(axis=1))


def scaled_pinball(
    actual: np.ndarray, mean: np.ndarray, sigma: np.ndarray, q: float, scale: np.ndarray
) -> np.ndarray:
    """(n,) pinball loss of the normal ``q`` quantile, divided by ``scale``."""
    return pinball(actual, normal_quantile(mean, sigma, q), q) / scale


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(n,) share of actuals within ``[lo, hi]``."""
    return np.asarray(((actual >= lo) & (actual <= hi)).mean(axis=1))


@dataclass(frozen=True)
class Scores:
    """Per series, aligned with the input rows."""

    mase: np.ndarray
    bias: np.ndarray
    pinball: np.ndarray  # scaled
    coverage: np.ndarray
    q: float

    def rows(self, mask: np.ndarray) -> Scores:
        return Scores(self.mase[mask], self.bias[mask], self.pinball[mask], self.coverage[mask], self.q)


def score(
    actual: np.ndarray,
    mean: np.ndarray,
    sigma: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    scale: np.ndarray,
    q: float,
) -> Scores:
    """Every metric for forecasts ``mean`` (with error ``sigma`` and interval ``[lo, hi]``) of ``actual``."""
    return Scores(
        mase=mase(actual, mean, scale),
        bias=bias(actual, mean),
        pinball=scaled_pinball(actual, mean, sigma, q, scale),
        coverage=coverage(actual, lo, hi),
        q=q,
    )


@dataclass(frozen=True)
class Summary:
    series: int
    median_mase: float
    mean_mase: float
    median_bias: float  # over series with non-zero actuals; NaN when there are none
    mean_pinball: float
    coverage: float  # share of all held-out actuals (every series has the same number of days)


def summarise(scores: Scores) -> Summary:
    n = int(scores.mase.shape[0])
    if n == 0:
        return Summary(0, np.nan, np.nan, np.nan, np.nan, np.nan)
    finite = scores.bias[np.isfinite(scores.bias)]
    return Summary(
        series=n,
        median_mase=float(np.median(scores.mase)),
        mean_mase=float(scores.mase.mean()),
        median_bias=float(np.median(finite)) if finite.size else float("nan"),
        mean_pinball=float(scores.pinball.mean()),
        coverage=float(scores.coverage.mean()),
    )


def by_segment(scores: Scores, segment: np.ndarray, names: tuple[str, ...]) -> dict[str, Summary]:
    """``Summary`` of every segment with at least one series, keyed by name, in ``names`` order."""
    return {
        name: summarise(scores.rows(segment == k)) for k, name in enumerate(names) if (segment == k).any()
    }

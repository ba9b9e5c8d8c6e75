"""Unusual recent demand: z-scores of the last days against the same weekdays of the weeks before."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.smoothing import SEASON


@dataclass(frozen=True)
class Anomaly:
    row: int  # series index
    day: int  # column of the demand matrix
    value: float
    expected: float
    z: float

    @property
    def spike(self) -> bool:
        return self.z > 0


def demand_anomalies(
    y: np.ndarray,
    recent_days: int = 7,
    baseline_days: int = 56,
    threshold: float = 4.0,
    drop_threshold: float = 3.0,
    min_units: float = 3.0,
) -> list[Anomaly]:
    """Days among the last ``recent_days`` whose demand is at least ``threshold`` standard deviations above
    (``drop_threshold`` below: count data cannot fall far below its mean) that weekday's mean over the preceding
    ``baseline_days``, and at least ``min_units`` units away from it.

    The spread is the pooled deviation from the weekday means, floored at the Poisson spread of the mean (and
    at one unit) so that a single sale of a slow mover is not news."""
    n, t_len = y.shape
    if t_len < recent_days + 2 * SEASON:
        return []
    base_end = t_len - recent_days
    base_start = max(base_end - baseline_days, 0)
    base = np.asarray(y[:, base_start:base_end], dtype=float)
    slots = np.arange(base_start, base_end) % SEASON
    weekday_mean = np.zeros((n, SEASON))
    for k in range(SEASON):  # seven weekday slots, not series
        weekday_mean[:, k] = base[:, slots == k].mean(axis=1)
    spread = np.sqrt(((base - weekday_mean[:, slots]) ** 2).mean(axis=1))
    spread = np.maximum.reduce([spread, np.sqrt(np.maximum(base.mean(axis=1), 0.0)), np.ones(n)])
    recent_cols = np.arange(base_end, t_len)
    expected = weekday_mean[:, recent_cols % SEASON]
    recent = np.asarray(y[:, base_end:], dtype=float)
    z = (recent - expected) / spread[:, None]
    flagged = ((z >= threshold) | (z <= -drop_threshold)) & (np.abs(recent - expected) >= min_units)
    rows, cols = np.nonzero(flagged)
    return [
        Anomaly(
            row=int(r),
            day=int(recent_cols[c]),
            value=float(recent[r, c]),
            expected=float(expected[r, c]),
            z=float(z[r, c]),
        )
        for r, c in zip(rows, cols, strict=True)
    ]

"""What a demand series is like, every series at once: its MASE scale, whether it is intermittent, whether its
weekdays differ, and its spikes (numpy only; the engine decides with these)."""

from __future__ import annotations

import warnings

import numpy as np

from forecasting.smoothing import SEASON, Series


def seasonal_scale(series: Series, end: int) -> np.ndarray:
    """Mean absolute seasonal-naive error before ``end``: the MASE denominator. Never zero."""
    y = series.y[:, :end]
    if y.shape[1] <= SEASON:
        return np.ones(y.shape[0])
    diff = np.abs(y[:, SEASON:] - y[:, :-SEASON])
    scored = np.arange(SEASON, y.shape[1])[None, :] >= (series.start[:, None] + SEASON)
    total = (diff * scored).sum(axis=1)
    count = scored.sum(axis=1)
    scale = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    fallback = np.maximum(np.abs(y).mean(axis=1), 1e-3)  # all-zero or constant series
    return np.where(scale > 1e-9, scale, fallback)


def intermittent(series: Series, end: int, adi_cutoff: float = 1.32) -> np.ndarray:
    """Series whose average interval between demands (before ``end``) exceeds ``adi_cutoff`` days."""
    y = series.y[:, :end]
    observed = np.arange(y.shape[1])[None, :] >= series.start[:, None]
    days = observed.sum(axis=1)
    demands = ((y > 0) & observed).sum(axis=1)
    return np.asarray(days > adi_cutoff * np.maximum(demands, 1e-9))


WEEKDAY_CHI2 = 22.46  # chi-square with 6 degrees of freedom at p = 0.001


def weekday_pattern(series: Series, end: int, window: int = 364) -> np.ndarray:
    """Series whose demand differs by weekday beyond chance over the last ``window`` observed days before
    ``end``: Pearson's chi-square of weekday totals against the days observed on each weekday, divided by the
    index of dispersion within weekdays (lumpy lots would otherwise look like a pattern). Needs four observed
    weeks."""
    lo = max(end - window, 0)
    seen = np.arange(lo, end)[None, :] >= series.start[:, None]
    y = np.where(seen, series.y[:, lo:end].astype(float), 0.0)
    # Column j is weekday (lo + j) % 7, so every 7th column from j = d is one weekday.
    totals = np.stack([y[:, d::SEASON].sum(axis=1) for d in range(SEASON)], axis=1)
    counts = np.stack([seen[:, d::SEASON].sum(axis=1) for d in range(SEASON)], axis=1)
    n_seen = counts.sum(axis=1)
    rate = totals.sum(axis=1) / np.maximum(n_seen, 1)
    expected = counts * rate[:, None]
    chi2 = np.where(expected > 0, (totals - expected) ** 2 / np.maximum(expected, 1e-9), 0.0).sum(axis=1)
    # Dispersion within weekdays: the spread a weekday pattern itself causes must not hide that pattern.
    within = (y * y).sum(axis=1) - (totals**2 / np.maximum(counts, 1)).sum(axis=1)
    var = np.maximum(within, 0.0) / np.maximum(n_seen - SEASON, 1)
    dispersion = np.maximum(var / np.maximum(rate, 1e-9), 1.0)
    return np.asarray((n_seen >= 4 * SEASON) & (chi2 / dispersion > WEEKDAY_CHI2))


def clip_spikes(series: Series, regular: np.ndarray, cutoff: float, block: int = 28) -> Series:
    """``series`` with each regular row's days clipped at its 4-week block's median + ``cutoff`` robust
    deviations (blocks end at the last day; the oldest, partial one joins its neighbour)."""
    y = series.y
    t_len = y.shape[1]
    rows = np.flatnonzero(regular)
    blocks = t_len // block
    if rows.size == 0 or blocks == 0:
        return series
    head = t_len - blocks * block
    body = y[rows, head:].reshape(rows.size, blocks, block).astype(float)
    med = np.median(body, axis=2, keepdims=True)
    sigma = 1.4826 * np.median(np.abs(body - med), axis=2, keepdims=True)
    late = np.flatnonzero(series.start[rows] > head)
    if late.size:  # a block's days before the series started are not zero demand: leave them out
        days = np.arange(head, t_len).reshape(blocks, block)
        seen = days[None, :, :] >= series.start[rows[late], None, None]
        part = np.where(seen, body[late], np.nan)
        with warnings.catch_warnings():  # a block wholly before the start has no median: nothing to clip
            warnings.simplefilter("ignore", RuntimeWarning)
            med[late] = np.nanmedian(part, axis=2, keepdims=True)
            sigma[late] = 1.4826 * np.nanmedian(np.abs(part - med[late]), axis=2, keepdims=True)
        med[late] = np.nan_to_num(med[late], nan=np.inf)
        sigma[late] = np.nan_to_num(sigma[late], nan=0.0)
    # A level that holds into the next block is a change, not a spike: the cap rises with it (a ramp-up).
    level = np.maximum(med, np.concatenate([med[:, 1:], med[:, -1:]], axis=1))
    cap = level + cutoff * np.maximum(sigma, np.sqrt(np.maximum(med, 1.0)))  # a Poisson floor for flat blocks
    clipped = y.copy()
    clipped[rows, head:] = np.minimum(body, cap).reshape(rows.size, blocks * block)
    if head:
        clipped[rows, :head] = np.minimum(y[rows, :head], cap[:, 0, :1])
    return Series(clipped.astype(y.dtype), series.start)

"""Last year's shape, where the year has repeated itself.

The smoothing models carry a weekly shape and today's level forward; a season that turns inside the next month
(a heating line in October, hay-fever remedies in June) is invisible to them until it has begun. Where a series'
last twelve months rose and fell as the twelve before them did, the forecast is moved by what happened next a
year ago: the mean of the same 28 days a year earlier over the two weeks before them.

- **The gate** (``recurrence``): the correlation of this year's 28-day totals (log, centred) with last year's,
  at least ``MIN_CORRELATION``, and last year's swing at least ``MIN_SWING`` (the months' log totals spread by
  0.3, about ±35 %): a flat or noisy series never qualifies by chance, and two years of history are needed.
  Across the looked-at generators a weaker gate, or the backtest as judge (its eight months rarely hold a
  season's turn), gained less or cost the segments whose season moves from year to year.
- **Half-way** (``SHRINK``): the forecast is multiplied by the square root of last year's ratio. Seasons shift
  by days and change height from one year to the next; the full ratio gained more where a season is fixed and
  lost where it moves (docs/forecasting.md).
- The backtest windows are moved the same way with the ratio known at each origin, so the interval of an
  adjusted series comes from the adjusted forecast's own errors, scaled to the level it now forecasts (count
  noise grows with the level: its backtest months were mostly off season).
- The half of the move not taken is doubt about the level (``level_doubt``): one standard deviation, added to
  the spread, so the interval reaches both this year repeating last year in full and not at all (E annual's
  coverage 0.917 → 0.940, its pinball loss at 0.95 0.408 → 0.347)."""

from __future__ import annotations

import numpy as np

YEAR = 364
"""Days back to the same weekday a year ago."""
MONTH = 28
MONTHS = 12
LOOKBACK = 14
"""Days before the year-ago point that the ratio is taken over (the level the models carry is that recent)."""
MIN_CORRELATION = 0.9
MIN_SWING = 0.3
SHRINK = 0.5
MAX_RATIO = 4.0
COUNT = 1.0
"""Added to both sides of a ratio (units per week), so a slow mover's one sale is not a season."""


def recurrence(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """(n,) how closely the last ``MONTHS`` 28-day totals follow the same months a year earlier: their
    correlation in logs, 0 where last year's swing is under ``MIN_SWING``, NaN where the history is too short."""
    n, t_len = values.shape
    span = MONTHS * MONTH
    if t_len < YEAR + span:
        return np.full(n, np.nan)

    def months(end: int) -> np.ndarray:
        totals = values[:, end - span : end].reshape(n, MONTHS, MONTH).sum(axis=2, dtype=float)
        logs = np.log(totals + COUNT)
        return logs - logs.mean(axis=1, keepdims=True)

    now, before = months(t_len), months(t_len - YEAR)
    corr = (now * before).sum(axis=1) / np.sqrt(
        (now * now).sum(axis=1) * (before * before).sum(axis=1) + 1e-12
    )
    corr[before.std(axis=1) < MIN_SWING] = 0.0
    corr[first > t_len - YEAR - span] = np.nan
    return corr


def year_ago_ratio(values: np.ndarray, first: np.ndarray, points: list[int], days: int) -> np.ndarray:
    """(points, n) the mean demand of the ``days`` after each point a year earlier over that of the
    ``LOOKBACK`` days before it, shrunk half-way to 1 (``SHRINK``); NaN where the series did not exist then."""
    n = values.shape[0]
    out = np.full((len(points), n), np.nan)
    for k, point in enumerate(points):
        ago = point - YEAR
        if ago - LOOKBACK < 0:
            continue
        after = values[:, ago : ago + days].mean(axis=1, dtype=float)
        before = values[:, ago - LOOKBACK : ago].mean(axis=1, dtype=float)
        ratio = np.clip((after + COUNT / 7) / (before + COUNT / 7), 1 / MAX_RATIO, MAX_RATIO) ** SHRINK
        existed = first <= ago - LOOKBACK
        out[k, existed] = ratio[existed]
    return out


def adjust(
    values: np.ndarray,
    first: np.ndarray,
    origins: list[int],
    mean: np.ndarray,
    errors: np.ndarray,
    actual: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The forecast ``mean`` (n, H) and backtest ``errors`` (origins, n, days) of ``actual`` moved by last
    year's shape where the year recurs: (mean, errors, the factor each series' forecast was moved by: 1 where
    it was not)."""
    t_len = values.shape[1]
    days = errors.shape[2]
    horizon = mean.shape[1]
    ratio = year_ago_ratio(values, first, [*origins, t_len], max(days, horizon))
    recurs = np.nan_to_num(recurrence(values, first), nan=0.0) >= MIN_CORRELATION
    use = recurs & np.isfinite(ratio[-1])
    moved = np.where(use, ratio[-1], 1.0)
    if not use.any():
        return mean, errors, moved
    mean = mean * moved[:, None]
    errors = errors.copy()
    at_origin = np.nan_to_num(ratio[:-1, use], nan=1.0)[:, :, None]
    errors[:, use] = actual[:, use] - (actual[:, use] - errors[:, use]) * at_origin
    return mean, errors, moved


def level_doubt(mean: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """(n, H) the standard deviation of the level a move by last year's season leaves: the distance from the
    moved forecast ``mean`` to the full move (the forecast is moved half-way: ``moved`` is the square root of last
    year's ratio, 1 where it was not moved)."""
    return mean * np.abs(moved - 1.0)[:, None]

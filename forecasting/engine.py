"""Backtest, choose and forecast: every series at once.

For each family the parameters are chosen per series by one-step error before the first backtest origin; the
family is then chosen per series by rolling-origin backtest (mean absolute error over ``backtest_origins``
non-overlapping windows, reported as MASE against the in-sample seasonal-naive error). Two guards keep the choice
from chasing noise:

- **Rolling origins**: eight, so one unusual month does not decide. (A median of the models for intermittent
  series was tried and removed: its members are mostly flat smoothers, so the median is flat, and it lost badly
  on weekly-cadence pack orders in the held-out generator C.)
- **Spikes** (promotions, one-off bulk orders) are clipped before the models are fitted, on regular series: a day
  more than 3.5 robust deviations (1.4826 × MAD, Iglewicz-Hoaglin's cut-off) above its 4-week block's median
  counts as that much, so a promotion does not lift the level the forecast carries forward. The backtest still
  scores the models against what was actually sold.

Prediction intervals come from the chosen forecast's backtest residuals, each origin's rescaled to today's level
(count noise grows with the level: a fading item's old, larger errors would overstate today's spread).

Whether a series is intermittent is decided on its whole history up to today (a launch's sparse first weeks do
not make it a slow mover once it sells daily). An intermittent series chooses only among the methods made for
level-only demand (SES, Croston, SBA, TSB), and Holt-Winters where its weekdays differ beyond chance (a
dispersion-corrected chi-square test on the last year's weekday totals): on a few sales a month, a trend or a
weekly shape found in a backtest is mostly noise, and choosing among every model scored worse than SBA alone
on slow movers (Petropoulos & Kourentzes: selection among intermittent methods is fragile; restrict it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from forecasting.smoothing import (
    F32,
    FAMILIES,
    MODEL_NAMES,
    SEASON,
    WARMUP,
    Family,
    Series,
    State,
    init_stats,
)


@dataclass(frozen=True)
class EngineConfig:
    horizon_days: int = 28
    """Days forecast from the day after the history ends."""
    interval_level: float = 0.95
    """Central coverage of the prediction interval."""
    backtest_origins: int = 8
    """Rolling origins, each ``backtest_days`` apart, ending at the last day of history (more origins: a choice
    less swayed by one unusual month)."""
    backtest_days: int = 28
    """Days forecast from each backtest origin."""
    models: tuple[str, ...] = MODEL_NAMES
    """Models to choose from, by name."""
    spike_cutoff: float | None = 3.5
    """Robust deviations above the local median at which a regular series' day is clipped for fitting (None:
    never)."""


@dataclass(frozen=True)
class ForecastBatch:
    """Forecasts for ``n`` series over ``horizon`` days. Rows follow the input matrix."""

    mean: np.ndarray  # (n, H) daily forecast
    lo: np.ndarray  # (n, H)
    hi: np.ndarray  # (n, H)
    sigma: np.ndarray  # (n, H) standard deviation of the daily forecast error
    cum_sigma: np.ndarray  # (n, H) standard deviation of the error of the cumulative total up to each day
    sigma_daily: np.ndarray  # (n,) pooled daily error (used for safety stock)
    model: np.ndarray  # (n,) index into ``families``
    families: tuple[str, ...]
    labels: tuple[str, ...]
    backtest_mase: np.ndarray  # (n, F) MASE of every family in the backtest; NaN where not evaluated
    scale: np.ndarray  # (n,) in-sample seasonal-naive mean absolute error
    level: float
    z: float = field(default=0.0)

    @property
    def horizon(self) -> int:
        return int(self.mean.shape[1])

    @property
    def chosen_mase(self) -> np.ndarray:
        return np.take_along_axis(self.backtest_mase, self.model[:, None], axis=1)[:, 0]

    def model_name(self, row: int) -> str:
        return self.families[int(self.model[row])]

    def model_label(self, row: int) -> str:
        return self.labels[int(self.model[row])]


def _gather(state: State, idx: np.ndarray) -> State:
    """Pick grid point ``idx[i]`` of series ``i`` from every state array shaped (G, n, ...)."""
    cols = np.arange(idx.shape[0])
    return tuple(arr if arr.ndim == 0 else np.asarray(arr[idx, cols], dtype=float) for arr in state)


def _rows(state: State, rows: np.ndarray) -> State:
    return tuple(arr if arr.ndim == 0 else arr[rows] for arr in state)


def backtest_origins(t_len: int, config: EngineConfig) -> list[int]:
    """Origins from oldest to newest; only those leaving at least ``2 * WARMUP`` days to fit before them."""
    step = config.backtest_days
    candidates = [t_len - k * step for k in range(config.backtest_origins, 0, -1)]
    return [o for o in candidates if o >= 2 * WARMUP]


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


LEVEL_ONLY = ("ses", "croston", "sba", "tsb")
"""The models an intermittent series may choose from (plus Holt-Winters when its weekdays differ)."""
WEEKDAY_CHI2 = 22.46  # chi-square with 6 degrees of freedom at p = 0.001


def weekday_pattern(series: Series, end: int, window: int = 364) -> np.ndarray:
    """Series whose demand differs by weekday beyond chance over the last ``window`` observed days before
    ``end``: Pearson's chi-square of weekday totals against the days observed on each weekday, divided by the
    index of dispersion (lumpy lots would otherwise look like a pattern). Needs four observed weeks."""
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
    sq = (y * y).sum(axis=1) - n_seen * rate**2  # days before the start are zero in y and not counted
    var = np.maximum(sq, 0.0) / np.maximum(n_seen - 1, 1)
    dispersion = np.maximum(var / np.maximum(rate, 1e-9), 1.0)
    return np.asarray((n_seen >= 4 * SEASON) & (chi2 / dispersion > WEEKDAY_CHI2))


def _eligible(mae: np.ndarray, names: list[str], sparse: np.ndarray, weekly: np.ndarray) -> np.ndarray:
    """Backtest error with the models a series may not choose set to infinity."""
    eligible = np.where(np.isnan(mae), np.inf, mae)
    level_only = [i for i, name in enumerate(names) if name in LEVEL_ONLY]
    if not level_only or len(level_only) == len(names):
        return eligible
    allowed = np.zeros((len(sparse), len(names)), dtype=bool)
    allowed[:, level_only] = True
    if "holt_winters" in names:
        allowed[:, names.index("holt_winters")] = weekly
    # Absolute error rewards forecasting zero on sparse series, and a zero forecast leaves nothing to
    # reorder: repeating last week is only a candidate where demand is regular (Syntetos-Boylan: ADI <= 1.32).
    return np.where(sparse[:, None] & ~allowed, np.inf, eligible)


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
    # A level that holds into the next block is a change, not a spike: the cap rises with it (a ramp-up).
    level = np.maximum(med, np.concatenate([med[:, 1:], med[:, -1:]], axis=1))
    cap = level + cutoff * np.maximum(sigma, np.sqrt(np.maximum(med, 1.0)))  # a Poisson floor for flat blocks
    clipped = y.copy()
    clipped[rows, head:] = np.minimum(body, cap).reshape(rows.size, blocks * block)
    if head:
        clipped[rows, :head] = np.minimum(y[rows, :head], cap[:, 0, :1])
    return Series(clipped.astype(y.dtype), series.start)


def _block_sigma(errors: np.ndarray, valid: np.ndarray, horizon: int) -> np.ndarray:
    """Daily error standard deviation per horizon day, pooled over weekly blocks of the backtest window and
    made non-decreasing; days beyond the backtest window grow with the square root of the horizon."""
    _, n, days = errors.shape
    sq = np.where(valid[:, :, None], errors**2, 0.0)
    blocks = -(-days // SEASON)
    sigma = np.zeros((n, days))
    counts = np.maximum(valid.sum(axis=0), 1)[:, None]
    for b in range(blocks):  # four weekly blocks, not series
        cols = slice(b * SEASON, min((b + 1) * SEASON, days))
        width = cols.stop - cols.start
        sigma[:, cols] = np.sqrt(sq[:, :, cols].sum(axis=(0, 2))[:, None] / (counts * width))
    sigma = np.maximum.accumulate(sigma, axis=1)
    return _extend(sigma, horizon, days)


def _extend(values: np.ndarray, horizon: int, days: int) -> np.ndarray:
    if horizon <= days:
        return values[:, :horizon]
    growth = np.sqrt(np.arange(days + 1, horizon + 1) / days)[None, :]
    return np.concatenate([values, values[:, -1:] * growth], axis=1)


@dataclass(frozen=True)
class _Fitted:
    """One model with each series' chosen grid point: its states at every origin, its parameters."""

    family: Family
    index: int  # which of the family's models
    name: str
    label: str
    params: np.ndarray  # (n, P)
    states: list[State]  # per origin (backtest origins, then the end of history)
    one_step_rmse: np.ndarray  # (n,)

    def project(self, k: int, horizon: int, rows: np.ndarray | None = None) -> np.ndarray:
        state = self.states[k] if rows is None else _rows(self.states[k], rows)
        params = self.params if rows is None else self.params[rows]
        return self.family.project(self.index, state, params, horizon)


def _fit_models(series: Series, cfg: EngineConfig, origins: list[int], fit_end: int) -> list[_Fitted]:
    init = init_stats(series)
    t_len = series.y.shape[1]
    fitted: list[_Fitted] = []
    for family in FAMILIES:
        wanted = [m for m in family.models if m in cfg.models]
        if not wanted:
            continue
        for m, out in enumerate(family.run(series, init, [*origins, t_len], fit_end)):
            if family.models[m] not in wanted:
                continue
            idx = np.argmin(out.sse, axis=0)
            sse = out.sse[idx, np.arange(idx.shape[0])].astype(float)
            fitted.append(
                _Fitted(
                    family=family,
                    index=m,
                    name=family.models[m],
                    label=family.labels[m],
                    params=family.grid[idx],
                    states=[_gather(s, idx) for s in out.snapshots],
                    one_step_rmse=np.sqrt(sse / np.maximum(out.count, 1)),
                )
            )
    return fitted


def forecast_batch(
    y: np.ndarray, config: EngineConfig | None = None, start: np.ndarray | None = None
) -> ForecastBatch:
    """Forecast every row of ``y`` (n series x T days of demand, oldest first, ending yesterday).

    ``start[i]`` is the first observed day of series ``i`` (days before it are ignored)."""
    cfg = config or EngineConfig()
    values = np.nan_to_num(np.asarray(y, dtype=F32), nan=0.0)
    n, t_len = values.shape
    series = Series(values, np.zeros(n, dtype=int) if start is None else np.asarray(start, dtype=int))
    origins = backtest_origins(t_len, cfg)
    fit_end = origins[0] if origins else t_len
    scale = seasonal_scale(series, fit_end)
    horizon, days, k_orig = cfg.horizon_days, cfg.backtest_days, len(origins)

    # An origin counts for a series only once it has WARMUP days of its own history before it.
    valid = np.array([series.start + WARMUP <= o for o in origins], dtype=bool).reshape(k_orig, n)
    actual = np.stack([values[:, o : o + days].astype(float) for o in origins]) if origins else None
    sparse = intermittent(series, t_len)  # today's regime decides, not the one before the backtest
    fit_on = clip_spikes(series, ~sparse, cfg.spike_cutoff) if cfg.spike_cutoff is not None else series
    models = _fit_models(fit_on, cfg, origins, fit_end)

    mae = np.full((n, len(models)), np.nan)
    if actual is not None and valid.any():
        weight = valid.sum(axis=0) * days
        for mi, model in enumerate(models):
            abs_err = sum(
                np.abs(actual[k] - model.project(k, days)).sum(axis=1) * valid[k] for k in range(k_orig)
            )
            mae[:, mi] = np.where(weight > 0, abs_err / np.maximum(weight, 1), np.nan)

    names = [m.name for m in models]
    eligible = _eligible(mae, names, sparse, weekday_pattern(series, t_len))
    fallback = names.index("ses") if "ses" in names else 0
    scored = np.isfinite(eligible).any(axis=1)
    choice = np.full(n, fallback)
    choice[scored] = np.argmin(eligible[scored], axis=1)

    mean = np.zeros((n, horizon))
    errors = np.zeros((k_orig, n, days))
    sigma_fallback = np.zeros(n)
    for mi, model in enumerate(models):  # one vectorised pass per model over the rows that chose it
        rows = np.flatnonzero(choice == mi)
        if rows.size == 0:
            continue
        mean[rows] = model.project(k_orig, horizon, rows)
        for k in range(k_orig):
            assert actual is not None
            errors[k, rows] = actual[k, rows] - model.project(k, days, rows)
        sigma_fallback[rows] = model.one_step_rmse[rows]

    scaled = errors * _level_ratio(values, origins, days)[:, :, None]
    sigma, cum_sigma, sigma_daily = _uncertainty(scaled, valid, sigma_fallback, horizon, days)
    z = NormalDist().inv_cdf(0.5 + cfg.interval_level / 2.0)
    return ForecastBatch(
        mean=mean,
        lo=np.maximum(mean - z * sigma, 0.0),
        hi=mean + z * sigma,
        sigma=sigma,
        cum_sigma=cum_sigma,
        sigma_daily=sigma_daily,
        model=choice,
        families=tuple(names),
        labels=tuple(m.label for m in models),
        backtest_mase=mae / scale[:, None],
        scale=scale,
        level=cfg.interval_level,
        z=z,
    )


LEVEL_POWER = 0.75  # count noise between Poisson (0.5) and proportional (1)


def _level_ratio(values: np.ndarray, origins: list[int], window: int) -> np.ndarray:
    """Per origin and series, how much larger today's errors should be than that origin's: count noise grows
    with the square root of the level, so a backtest month at twice today's level says too much about today's
    spread (a fading item), one at half says too little. Levels: mean demand over ``window`` days before the
    origin and before today; the ratio stays within 1/3-3."""
    now = values[:, -window:].mean(axis=1, dtype=float)
    ratios = [
        ((now + 0.5) / (values[:, max(o - window, 0) : o].mean(axis=1, dtype=float) + 0.5)) ** LEVEL_POWER
        for o in origins
    ]
    return np.clip(np.stack(ratios), 1 / 3, 3.0) if ratios else np.ones((0, values.shape[0]))


def _uncertainty(
    errors: np.ndarray, valid: np.ndarray, fallback: np.ndarray, horizon: int, days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily sigma per horizon day, sigma of cumulative totals, and the pooled daily sigma, from backtest
    residuals; series never backtested fall back to their one-step in-sample error."""
    n = errors.shape[1]
    scored = valid.any(axis=0) if valid.size else np.zeros(n, dtype=bool)
    if scored.any():
        sigma = _block_sigma(errors, valid, horizon)
        cum_err = np.where(valid[:, :, None], np.cumsum(errors, axis=2) ** 2, 0.0)
        cum_rms = np.sqrt(cum_err.sum(axis=0) / np.maximum(valid.sum(axis=0), 1)[:, None])
        sq = np.where(valid[:, :, None], errors**2, 0.0).sum(axis=(0, 2))
        sigma_daily = np.sqrt(sq / np.maximum(valid.sum(axis=0) * days, 1))
    else:
        sigma = np.zeros((n, horizon))
        cum_rms = np.zeros((n, days))
        sigma_daily = np.zeros(n)
    sigma[~scored] = fallback[~scored, None]
    sigma_daily = np.where(scored, sigma_daily, fallback)
    cum_sigma = np.maximum(np.sqrt(np.cumsum(sigma**2, axis=1)), _extend(cum_rms, horizon, days))
    return sigma, cum_sigma, sigma_daily

"""Backtest, choose and forecast: every series at once.

For each family the parameters are chosen per series by one-step error, again at every backtest origin on the
history up to it (each backtest window is forecast with what was known then) and at the end of history for the
forecast itself (a regime that began last quarter counts); the model is then chosen per series by
rolling-origin backtest (mean absolute error over ``backtest_origins`` non-overlapping windows, reported as MASE
against the in-sample seasonal-naive error). ``params_per_origin`` switches the repeated choice off;
docs/forecasting.md has what it changed.

**Which models compete**: each series chooses between its own models (``DEFAULT_MODELS``: Holt-Winters with
additive and with multiplicative weekly seasonality) and its **peers' model** (``choice.py``): the model with
the lowest median backtest MASE over the series like it (intermittent or not, weekdays differing or not). A
free choice among every model lost to Holt-Winters alone on four of five held-out generators (one series'
backtest picks noise); the median over hundreds of like series does not, and where weekdays do not differ it
names SES, SBA, TSB or damped Holt. ``EngineConfig.peer_models=()`` leaves the choice to ``models`` alone.
Each series' backtest MASE is moved half-way to its class's median before it chooses
(``choice_shrinkage``), so it leaves its class's verdict only on a margin of its own.

- **Rolling origins**: eight, so one unusual month does not decide.
- **Spikes** (promotions, one-off bulk orders) are clipped before the models are fitted, on regular series: a day
  more than 3.5 robust deviations (1.4826 × MAD, Iglewicz-Hoaglin's cut-off) above its 4-week block's median
  counts as that much, so a promotion does not lift the level the forecast carries forward. The backtest still
  scores the models against what was actually sold.
- **Short histories** (fewer than three origins: a recent launch) are not chosen by backtest: the first model
  (additive Holt-Winters by default). Where SES is among the models and a weekly shape is not yet significant,
  the average of SES and Holt-Winters.
- **Intermittent series**, when level-only models are among their own (``models``), choose only among them, and
  Holt-Winters where their weekdays differ beyond chance (a dispersion-corrected chi-square test on the last
  year's weekday totals; Petropoulos & Kourentzes: selection among intermittent methods is fragile, restrict
  it). Whether a series is intermittent is decided on its whole history up to today.
- **Last year's season** (``annual.py``): where the last twelve months rose and fell as the twelve before them
  did, the chosen forecast (and its backtest windows) is moved half-way by what followed a year ago.

Prediction intervals come from the chosen forecast's backtest residuals, each origin's rescaled to today's level
(count noise grows with the level: a fading item's old, larger errors would overstate today's spread), leaving
out one window far worse than the series' usual ones (``intervals.usual_months``); without a backtest, from the
one-step error, and for a launch too young to have one, from the spread of its days."""

from __future__ import annotations

from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np

from forecasting import annual as last_year
from forecasting.batch import ForecastBatch, stitch
from forecasting.choice import (
    MIN_ORIGINS_TO_CHOOSE,
    SHRINKAGE,
    candidate_error,
    peer_class,
    peer_models,
    shrunk_error,
)
from forecasting.diagnostics import clip_spikes, intermittent, seasonal_scale, weekday_pattern
from forecasting.families import FAMILIES
from forecasting.intervals import LEVEL_POWER, level_ratio, uncertainty, usual_months, young_sigma
from forecasting.smoothing import (
    F32,
    WARMUP,
    Family,
    Series,
    State,
    init_stats,
)

DEFAULT_MODELS: tuple[str, ...] = ("holt_winters", "holt_winters_mult")
"""The models every series chooses between unless configured otherwise (see the module docstring)."""
PEER_MODELS: tuple[str, ...] = ("ses", "holt", "croston", "sba", "tsb", "seasonal_naive")
"""The models the series like one may add to its choice (``choice.py``)."""


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
    models: tuple[str, ...] = DEFAULT_MODELS
    """Models every series chooses from, by name (any of ``families.MODEL_NAMES``)."""
    peer_models: tuple[str, ...] = PEER_MODELS
    """Models a class of like series may add to each of its series' choice: the one with the lowest median
    backtest MASE over the class (``choice.peer_models``). Empty: each series chooses among ``models`` alone."""
    params_per_origin: bool = True
    """Choose each model's parameters again at every backtest origin and at the end of history, on the one-step
    error up to there (False: once, before the first origin)."""
    choice_shrinkage: float = SHRINKAGE
    """Weight of a series' own backtest against its class's median MASE when it chooses its model
    (``choice.shrunk_error``; 1: its own backtest alone)."""
    annual: bool = True
    """Move the forecast by last year's shape where the last twelve months repeated the twelve before
    (``annual.py``)."""
    spike_cutoff: float | None = 3.5
    """Robust deviations above the local median at which a regular series' day is clipped for fitting (None:
    never)."""


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


@dataclass(frozen=True)
class _Fitted:
    """One model with each series' chosen grid point: its states at every origin, its parameters."""

    family: Family
    index: int  # which of the family's models
    name: str
    label: str
    params_at: list[np.ndarray]  # per origin (backtest origins, then the end of history): (n, P)
    states: list[State]  # per origin
    one_step_rmse: np.ndarray  # (n,)

    @property
    def params(self) -> np.ndarray:
        """(n, P) the parameters the forecast from the end of history uses."""
        return self.params_at[-1]

    def project(self, k: int, horizon: int, rows: np.ndarray | None = None) -> np.ndarray:
        state = self.states[k] if rows is None else _rows(self.states[k], rows)
        params = self.params_at[k] if rows is None else self.params_at[k][rows]
        return self.family.project(self.index, state, params, horizon)


def _fit_models(series: Series, cfg: EngineConfig, origins: list[int], fit_end: int) -> list[_Fitted]:
    init = init_stats(series)
    t_len = series.y.shape[1]
    fitted: list[_Fitted] = []
    for family in FAMILIES:
        wanted = [m for m in family.models if m in cfg.models or m in cfg.peer_models]
        if not wanted:
            continue
        for m, out in enumerate(family.run(series, init, [*origins, t_len], fit_end)):
            if family.models[m] not in wanted:
                continue
            # Parameters per origin, by one-step error up to that origin: a backtest window is forecast with what
            # was known then, the future with the whole history (a regime that began last quarter counts).
            sse_at = out.sse_at or [out.sse] * (len(origins) + 1)
            if cfg.params_per_origin:
                idxs = [np.argmin(sse, axis=0) for sse in sse_at]
            else:
                idxs = [np.argmin(out.sse, axis=0)] * len(sse_at)
            cols = np.arange(idxs[0].shape[0])
            sse = sse_at[0][idxs[0], cols].astype(float)
            fitted.append(
                _Fitted(
                    family=family,
                    index=m,
                    name=family.models[m],
                    label=family.labels[m],
                    params_at=[family.grid[i] for i in idxs],
                    states=[_gather(s, i) for s, i in zip(out.snapshots, idxs, strict=True)],
                    one_step_rmse=np.sqrt(sse / np.maximum(out.count, 1)),
                )
            )
    return fitted


def forecast_batch(
    y: np.ndarray, config: EngineConfig | None = None, start: np.ndarray | None = None
) -> ForecastBatch:
    """Forecast every row of ``y`` (n series x T days of demand, oldest first, ending yesterday).

    ``start[i]`` is the first observed day of series ``i`` (days before it are ignored). Series are run in
    groups by how many backtest origins their history allows: an origin needs ``2 * WARMUP`` days of the
    series' own history before it (to initialise, then to choose parameters on), so a product launched last
    quarter is fitted and backtested on its own weeks instead of on a window before it existed. The peers'
    models are named over every group that is chosen by backtest."""
    cfg = config or EngineConfig()
    values = np.nan_to_num(np.asarray(y, dtype=F32), nan=0.0)
    n, t_len = values.shape
    first = np.zeros(n, dtype=int) if start is None else np.asarray(start, dtype=int)
    origins = backtest_origins(t_len, cfg)
    usable = sum((first + 2 * WARMUP <= o).astype(int) for o in origins) if origins else np.zeros(n, int)
    groups = [
        (rows, _backtest(values[rows], first[rows], replace(cfg, backtest_origins=int(k))))
        for k in np.unique(usable)
        for rows in [np.flatnonzero(usable == k)]
    ]
    named = _name_peers([g for _, g in groups], cfg)
    if len(groups) == 1:
        return _assemble(groups[0][1], named)
    return stitch(n, [(rows, _assemble(group, named)) for rows, group in groups])


@dataclass(frozen=True)
class _Backtest:
    """One group's fitted models and their backtest, before any choice."""

    values: np.ndarray  # (n, T)
    first: np.ndarray  # (n,) first observed day
    cfg: EngineConfig
    origins: list[int]
    valid: np.ndarray  # (origins, n): the origin counts for the series
    actual: np.ndarray | None  # (origins, n, days) what was sold in each window
    models: list[_Fitted]
    mae: np.ndarray  # (n, F) NaN where not backtested
    scale: np.ndarray  # (n,)
    sparse: np.ndarray
    weekly: np.ndarray

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.models]

    @property
    def classes(self) -> np.ndarray:
        return peer_class(self.sparse, self.weekly)


def _backtest(values: np.ndarray, first: np.ndarray, cfg: EngineConfig) -> _Backtest:
    n, t_len = values.shape
    series = Series(values, first)
    origins = backtest_origins(t_len, cfg)
    fit_end = origins[0] if origins else t_len
    days, k_orig = cfg.backtest_days, len(origins)

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
    return _Backtest(
        values=values,
        first=first,
        cfg=cfg,
        origins=origins,
        valid=valid,
        actual=actual,
        models=models,
        mae=mae,
        scale=seasonal_scale(series, fit_end),
        sparse=sparse,
        weekly=weekday_pattern(series, t_len),
    )


def _name_peers(groups: list[_Backtest], cfg: EngineConfig) -> dict[int, int]:
    """Each class's peers' model over the groups chosen by backtest; none without ``peer_models``."""
    chosen = [g for g in groups if len(g.origins) >= MIN_ORIGINS_TO_CHOOSE]
    if not cfg.peer_models or not chosen:
        return {}
    return peer_models(  # over every fitted model: ``models`` and ``peer_models``
        np.concatenate([g.mae / g.scale[:, None] for g in chosen]),
        chosen[0].names,
        np.concatenate([g.classes for g in chosen]),
        np.concatenate([g.sparse for g in chosen]),
    )


def _assemble(group: _Backtest, named: dict[int, int]) -> ForecastBatch:
    """Choose each series' model, then its forecast and intervals from that model's backtest residuals."""
    cfg, models, names, values = group.cfg, group.models, group.names, group.values
    n = values.shape[0]
    horizon, days, k_orig = cfg.horizon_days, cfg.backtest_days, len(group.origins)
    valid, actual, origins, mae, scale = group.valid, group.actual, group.origins, group.mae, group.scale
    own = [i for i, name in enumerate(names) if name in cfg.models]
    own_names = [names[i] for i in own]
    fallback = names.index("ses") if "ses" in own_names else own[0]
    choice = np.full(n, fallback)
    if "holt_winters" in own_names:
        choice[group.weekly] = names.index("holt_winters")
    if k_orig >= MIN_ORIGINS_TO_CHOOSE or len(own) == 1:
        error = candidate_error(mae, names, own, group.sparse, group.weekly, group.classes, named)
        error = shrunk_error(error, mae, scale, group.classes, cfg.choice_shrinkage)
        scored = np.isfinite(error).any(axis=1)
        choice[scored] = np.argmin(error[scored], axis=1)

    partner = np.full(n, -1)
    if k_orig < MIN_ORIGINS_TO_CHOOSE and "ses" in own_names and "holt_winters" in own_names:
        partner[choice == names.index("ses")] = names.index("holt_winters")
    weights = np.zeros((n, len(models)))
    weights[np.arange(n), choice] = 1.0
    paired = np.flatnonzero(partner >= 0)
    weights[paired, choice[paired]] = weights[paired, partner[paired]] = 0.5

    mean = np.zeros((n, horizon))
    errors = actual.copy() if actual is not None else np.zeros((0, n, days))
    sigma_fallback = np.zeros(n)
    alpha = np.zeros(n)
    for mi, model in enumerate(models):  # one vectorised pass per model over the rows that weigh it
        rows = np.flatnonzero(weights[:, mi] > 0)
        if rows.size == 0:
            continue
        w = weights[rows, mi]
        mean[rows] += w[:, None] * model.project(k_orig, horizon, rows)
        for k in range(k_orig):
            errors[k, rows] -= w[:, None] * model.project(k, days, rows)
        sigma_fallback[rows] += w * model.one_step_rmse[rows]
        alpha[rows] += w * model.params[rows, 0]  # every family's first parameter smooths the level

    moved = np.ones(n)
    if cfg.annual and actual is not None:
        mean, errors, moved = last_year.adjust(values, group.first, origins, mean, errors, actual)

    # Without a backtest: the one-step error (at least Poisson noise around the level), growing with the
    # horizon as a smoothed level's does (ETS(A,N,N): variance x (1 + (h - 1) alpha^2)).
    growth = np.sqrt(1.0 + np.arange(horizon)[None, :] * alpha[:, None] ** 2)
    sigma_base = np.maximum(sigma_fallback, np.sqrt(np.maximum(mean[:, 0], 0.0)))[:, None] * growth
    sigma_base = np.maximum(sigma_base, young_sigma(values, group.first, horizon))
    scaled = errors * (level_ratio(values, origins, days) * moved**LEVEL_POWER)[:, :, None]
    annual = moved != 1.0
    usual = usual_months(scaled, valid, keep=annual)  # a moved season's big month is its evidence
    sigma, cum_sigma, sigma_daily = uncertainty(scaled, usual, sigma_base, horizon, days)
    doubt = last_year.level_doubt(mean, moved)  # the same level all month: it adds up over the days
    sigma, cum_sigma = np.hypot(sigma, doubt), np.hypot(cum_sigma, np.cumsum(doubt, axis=1))
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
        partner=partner,
        annual=annual,
    )

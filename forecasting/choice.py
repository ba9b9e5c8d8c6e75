"""Which model each series uses, from every model's backtest error (numpy only, every series at once).

A series chooses by its own backtest between its own models (``EngineConfig.models``: the two forms of
Holt-Winters by default) and one more: the **peers' model**, the model with the lowest median backtest MASE
over the series like it. Series are alike when they share whether they are intermittent and whether their
weekdays differ beyond chance; a class needs ``MIN_PEERS`` series with a full backtest to name a model. One
backtest of 28 days x 8 origins is too short to tell a level-only model from Holt-Winters for one series (a
free choice among every model lost to Holt-Winters alone on four of five held-out generators), but the
median over hundreds of series like it is not: where the weekdays do not differ, the peers' model is SES,
SBA, TSB or damped Holt, and it is there for the series whose own backtest agrees. For the same reason each
series' backtest MASE is moved half-way to its class's median before the choice (``shrunk_error``): to take the
model its class finds worse, a series must find it better by at least the class's margin.
"""

from __future__ import annotations

import numpy as np

MIN_ORIGINS_TO_CHOOSE = 3
"""With fewer backtest windows (a recent launch) the choice is noise: such series take Holt-Winters where their
weekdays differ, and the average of SES and Holt-Winters otherwise."""
LEVEL_ONLY = ("ses", "croston", "sba", "tsb")
"""The models an intermittent series may choose from (plus Holt-Winters when its weekdays differ)."""
MIN_PEERS = 30
"""Series with a full backtest a class needs before its median names a model."""
SHRINKAGE = 0.5
"""Weight of a series' own backtest MASE against its class's median in the choice (1: its own alone)."""
NEVER_FOR_SPARSE = ("seasonal_naive",)
"""Absolute error rewards forecasting zero on sparse series, and a zero forecast leaves nothing to reorder:
repeating last week is only a candidate where demand is regular (Syntetos-Boylan: ADI <= 1.32)."""


def eligible(mae: np.ndarray, names: list[str], sparse: np.ndarray, weekly: np.ndarray) -> np.ndarray:
    """Backtest error with the models a series may not choose set to infinity (each series choosing among
    every model, without peers: intermittent series among the level-only ones)."""
    error = np.where(np.isnan(mae), np.inf, mae)
    level_only = [i for i, name in enumerate(names) if name in LEVEL_ONLY]
    if not level_only or len(level_only) == len(names):
        return error
    allowed = np.zeros((len(sparse), len(names)), dtype=bool)
    allowed[:, level_only] = True
    if "holt_winters" in names:
        allowed[:, names.index("holt_winters")] = weekly
    return np.where(sparse[:, None] & ~allowed, np.inf, error)


def peer_class(sparse: np.ndarray, weekly: np.ndarray) -> np.ndarray:
    """(n,) 0-3: whether a series is intermittent (2) and whether its weekdays differ (1)."""
    return sparse.astype(int) * 2 + weekly.astype(int)


def peer_models(
    mase: np.ndarray, names: list[str], classes: np.ndarray, sparse: np.ndarray
) -> dict[int, int]:
    """The model (index into ``names``) with the lowest median backtest MASE in each class.

    ``mase`` is (n, F), NaN where a model was not backtested; only rows backtested on every model count. Classes
    with fewer than ``MIN_PEERS`` such rows name none."""
    full = np.isfinite(mase).all(axis=1)
    out: dict[int, int] = {}
    for cls in np.unique(classes):
        rows = full & (classes == cls)
        if rows.sum() < MIN_PEERS:
            continue
        median = np.median(mase[rows], axis=0)
        if sparse[rows].all():
            median[[i for i, name in enumerate(names) if name in NEVER_FOR_SPARSE]] = np.inf
        out[int(cls)] = int(np.argmin(median))
    return out


def candidate_error(
    mae: np.ndarray,
    names: list[str],
    own: list[int],
    sparse: np.ndarray,
    weekly: np.ndarray,
    classes: np.ndarray,
    named: dict[int, int],
) -> np.ndarray:
    """(n, F) backtest error of each series' candidates, infinity elsewhere: its ``own`` models (with the
    intermittent guard of ``eligible`` among them) and its class's peers' model."""
    error = np.full(mae.shape, np.inf)
    error[:, own] = eligible(mae[:, own], [names[i] for i in own], sparse, weekly)
    for cls, model in named.items():
        rows = np.flatnonzero(classes == cls)
        error[rows, model] = np.where(np.isnan(mae[rows, model]), np.inf, mae[rows, model])
    return error


def shrunk_error(
    error: np.ndarray, mae: np.ndarray, scale: np.ndarray, classes: np.ndarray, weight: float = SHRINKAGE
) -> np.ndarray:
    """``error`` (n, F: each series' candidates' backtest MAE, infinity elsewhere) as MASE moved towards the
    median MASE of the series' class, ``weight`` x its own + (1 - weight) x the class's, so one short backtest's
    noise picks less often against what hundreds of series like it show. Classes with fewer than ``MIN_PEERS``
    series backtested on every model (``mae`` finite) keep their own; non-candidates stay infinite."""
    mase = error / scale[:, None]
    if weight >= 1.0:
        return mase
    full = np.isfinite(mae).all(axis=1)
    for cls in np.unique(classes):
        rows = classes == cls
        peers = rows & full
        if peers.sum() < MIN_PEERS:
            continue
        median = np.median(mae[peers] / scale[peers, None], axis=0)
        mase[rows] = weight * mase[rows] + (1.0 - weight) * median
    return np.where(np.isfinite(error), mase, np.inf)

"""Generator B: held-out synthetic daily demand for judging the forecast engine.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR: not its model families, parameter grids, choice rules nor interval
maths. The engine is tuned on ``forecasting.synthetic`` (generator A); this generator exists so that accuracy
measured on it says how the engine does on demand it was not shaped for. If a change is kept because it moves
these figures, they stop meaning that. Changing this module to suit the engine is tuning too.

It is built independently of generator A, on a real calendar ending at ``end``:

- ``smooth``: steady movers. Each SKU has its own weekday profile (random log-normal weights, a third of them
  B2B with quiet weekends), a log-linear trend whose growth may bend once, for some a yearly peak at a random
  time of year, for a quarter a month-end spike on the last two working days, and gamma-Poisson (negative
  binomial) counts.
- ``intermittent``: slow movers with about 84 % zero days. Demand days follow a two-state Markov chain (some
  SKUs' demand comes in runs), some only on weekdays; sizes are 1 + negative binomial.
- ``promo``: smooth movers with unannounced promotions, about four a year, 2-6 days at 2-6x, followed by a
  week's dip while customers use up what they bought.
- ``launch``: a product listed part-way through (``start``), ramping up along a logistic curve.
- ``fading``: obsolescence: demand decays exponentially from a point in the second half.

Warehouse closures (1 Jan, 25-26 Dec, last Monday of May, first Monday of August) are zero days for every SKU,
and the open day before each sells more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

SEGMENTS: tuple[str, ...] = ("smooth", "intermittent", "promo", "launch", "fading")
MIX: tuple[float, ...] = (0.42, 0.34, 0.14, 0.05, 0.05)
"""Expected share of each of ``SEGMENTS``."""
DEFAULT_SEED = 7351
DEFAULT_END = date(2025, 6, 1)
_STREAM = 0x4E2B  # keys the random stream, so equal seed numbers never replay generator A's draws


@dataclass(frozen=True)
class HeldoutDemand:
    y: np.ndarray  # (n, days) units per day
    segment: np.ndarray  # (n,) index into ``names``
    start: np.ndarray  # (n,) first listed day; 0 unless launched inside the window
    rate: np.ndarray  # (n, days) expected demand the counts were drawn from
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class Calendar:
    """Per day of the window, oldest first."""

    weekday: np.ndarray  # (days,) 0 = Monday
    year_phase: np.ndarray  # (days,) day of year / 365.25, in [0, 1)
    month_end: np.ndarray  # (days,) bool: one of the last two working days of its month
    closed: np.ndarray  # (days,) bool: warehouse closed
    eve: np.ndarray  # (days,) bool: the open day before a closure


def _closed(day: date) -> bool:
    if (day.month, day.day) in {(1, 1), (12, 25), (12, 26)}:
        return True
    monday = day.weekday() == 0
    last_may_monday = day.month == 5 and monday and day.day > 24
    first_august_monday = day.month == 8 and monday and day.day <= 7
    return last_may_monday or first_august_monday


def calendar(days: int, end: date = DEFAULT_END) -> Calendar:
    dates = [end - timedelta(days=days - 1 - i) for i in range(days)]  # one per day, not per series
    weekday = np.array([d.weekday() for d in dates])
    closed = np.array([_closed(d) for d in dates], dtype=bool)
    working = (weekday < 5) & ~closed
    month = np.array([d.year * 12 + d.month for d in dates])
    month_end = np.zeros(days, dtype=bool)
    for m in np.unique(month):  # about 25 months
        last_two = np.flatnonzero(working & (month == m))[-2:]
        month_end[last_two] = True
    eve = np.zeros(days, dtype=bool)
    eve[:-1] = closed[1:] & ~closed[:-1]
    year_phase = np.array([(d.timetuple().tm_yday - 1) / 365.25 for d in dates])
    return Calendar(weekday, year_phase, month_end, closed, eve)


def _weekday_profiles(rng: np.random.Generator, m: int, quiet_weekend: float) -> np.ndarray:
    """(m, 7) per-SKU weekday weights with mean 1; a share ``quiet_weekend`` sells little at weekends."""
    spread = rng.uniform(0.05, 0.45, size=(m, 1))
    weights = np.exp(rng.normal(0.0, 1.0, size=(m, 7)) * spread)
    b2b = rng.random(m) < quiet_weekend
    weights[b2b, 5:] *= rng.uniform(0.05, 0.35, size=(int(b2b.sum()), 1))
    return weights / weights.mean(axis=1, keepdims=True)


def _smooth_rate(rng: np.random.Generator, m: int, cal: Calendar) -> np.ndarray:
    """(m, days) expected demand of steady movers, before segment-specific changes and closures."""
    days = cal.weekday.shape[0]
    t = np.arange(days)[None, :]
    level = np.maximum(rng.lognormal(mean=2.5, sigma=0.85, size=(m, 1)), 2.0)
    weekly = _weekday_profiles(rng, m, quiet_weekend=1 / 3)[:, cal.weekday]
    growth = rng.normal(0.0, 0.25, size=(m, 1))  # log growth per year
    bend = rng.random((m, 1)) < 0.2
    bend_at = rng.integers(days // 3, days, size=(m, 1))
    new_growth = rng.normal(0.0, 0.35, size=(m, 1))
    years = t / 365.25
    log_trend = growth * years + np.where(
        bend & (t > bend_at), (new_growth - growth) * (t - bend_at) / 365.25, 0.0
    )
    peaked = rng.random((m, 1)) < 0.4
    peak_at = rng.random((m, 1))
    height = rng.uniform(0.2, 1.0, size=(m, 1))
    kappa = rng.uniform(1.0, 6.0, size=(m, 1))
    bump = height * np.exp(kappa * (np.cos(2 * np.pi * (cal.year_phase[None, :] - peak_at)) - 1.0))
    yearly = np.where(peaked, 1.0 + bump, 1.0)
    spike = np.where(rng.random((m, 1)) < 0.25, rng.uniform(1.5, 3.0, size=(m, 1)), 1.0)
    month_end = np.where(cal.month_end[None, :], spike, 1.0)
    eve = np.where(cal.eve[None, :], 1.3, 1.0)
    return np.asarray(level * weekly * np.exp(log_trend) * yearly * month_end * eve)


def _promotions(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) multiplier: unannounced 2-6 day promotions at 2-6x, each followed by a 7-day dip."""
    count = rng.poisson(4.0 * days / 365.25, size=m)
    row = np.repeat(np.arange(m), count)
    first = rng.integers(0, days, size=row.shape[0])
    length = rng.integers(2, 7, size=row.shape[0])
    lift = rng.uniform(2.0, 6.0, size=row.shape[0])
    dip = rng.uniform(0.6, 0.9, size=row.shape[0])
    mult = np.ones((m, days))
    low = np.ones((m, days))
    for d in range(6 + 7):  # offsets into an event, not series
        col = first + d
        on = (col < days) & (d < length)
        mult[row[on], col[on]] = np.maximum(mult[row[on], col[on]], lift[on])
        after = (col < days) & (d >= length) & (d < length + 7)
        low[row[after], col[after]] = np.minimum(low[row[after], col[after]], dip[after])
    return np.where(mult > 1.0, mult, low)


def _launch(rng: np.random.Generator, m: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(m, days) ramp multiplier (zero before listing) and the listing day of each launched SKU."""
    t = np.arange(days)[None, :]
    start = rng.integers(days // 4, max(days - 150, days // 4 + 1), size=m)
    mid = rng.uniform(14.0, 60.0, size=(m, 1))
    width = rng.uniform(4.0, 20.0, size=(m, 1))
    since = t - start[:, None]
    ramp = 1.0 / (1.0 + np.exp(-(since - mid) / width))
    return np.where(since >= 0, ramp, 0.0), start


def _fading(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) multiplier: exponential decay from a point in the second half, floored at 2 %."""
    t = np.arange(days)[None, :]
    onset = rng.integers(days // 2, max(days - 90, days // 2 + 1), size=(m, 1))
    tau = rng.uniform(40.0, 250.0, size=(m, 1))
    return np.maximum(np.exp(-np.maximum(t - onset, 0) / tau), 0.02)


def _neg_binomial(rng: np.random.Generator, mean: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Gamma-Poisson counts with the given mean and gamma ``shape`` (variance mean + mean²/shape)."""
    return rng.poisson(mean * rng.gamma(shape, 1.0 / shape, size=mean.shape))


def _intermittent(rng: np.random.Generator, m: int, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """(m, days) counts and expected demand of slow movers with about 84 % zero days."""
    days = cal.weekday.shape[0]
    base = np.clip(rng.beta(2.0, 11.0, size=m), 0.015, 0.6)
    weekdays_only = rng.random(m) < 0.4
    by_weekday = np.where(weekdays_only[:, None], np.r_[np.full(5, 1.4), 0.0, 0.0][None, :], 1.0)
    drift = np.exp(rng.normal(0.0, 0.3, size=(m, 1)) * (np.arange(days)[None, :] - days / 2) / 365.25)
    prob = np.clip(base[:, None] * by_weekday[:, cal.weekday] * drift, 0.0, 0.9)
    runs = rng.uniform(0.0, 0.4, size=m)  # 0: independent days; higher: demand days come in runs
    stay = prob + runs[:, None] * (1.0 - prob)  # P(demand | demand yesterday)
    enter = prob * (1.0 - stay) / np.maximum(1.0 - prob, 1e-9)  # keeps P(demand) = prob on average
    draws = rng.random((m, days))
    demand = np.zeros((m, days), dtype=bool)
    demand[:, 0] = draws[:, 0] < prob[:, 0]
    for t in range(1, days):  # a loop over days, not series
        demand[:, t] = draws[:, t] < np.where(demand[:, t - 1], stay[:, t], enter[:, t])
    extra = rng.lognormal(mean=0.0, sigma=0.9, size=(m, 1))  # mean size - 1
    dispersion = rng.uniform(0.5, 8.0, size=(m, 1))
    size = 1 + _neg_binomial(rng, np.broadcast_to(extra, (m, days)), np.broadcast_to(dispersion, (m, days)))
    return demand * size, prob * (1.0 + extra)


def heldout_demand(
    n: int, days: int, seed: int = DEFAULT_SEED, end: date = DEFAULT_END, mix: tuple[float, ...] = MIX
) -> HeldoutDemand:
    """``n`` series of ``days`` days ending on ``end``; ``mix`` gives the expected share of each segment."""
    rng = np.random.default_rng([_STREAM, seed])
    shares = np.asarray(mix, dtype=float)
    segment = rng.choice(len(SEGMENTS), size=n, p=shares / shares.sum())
    cal = calendar(days, end)
    y = np.zeros((n, days))
    rate = np.zeros((n, days))
    start = np.zeros(n, dtype=int)

    slow = np.flatnonzero(segment == SEGMENTS.index("intermittent"))
    y[slow], rate[slow] = _intermittent(rng, slow.size, cal)

    moving = np.flatnonzero(segment != SEGMENTS.index("intermittent"))
    rate[moving] = _smooth_rate(rng, moving.size, cal)
    promo = np.flatnonzero(segment == SEGMENTS.index("promo"))
    rate[promo] *= _promotions(rng, promo.size, days)
    launch = np.flatnonzero(segment == SEGMENTS.index("launch"))
    ramp, start[launch] = _launch(rng, launch.size, days)
    rate[launch] *= ramp
    fading = np.flatnonzero(segment == SEGMENTS.index("fading"))
    rate[fading] *= _fading(rng, fading.size, days)
    shape = rng.uniform(2.0, 15.0, size=(moving.size, 1))
    y[moving] = _neg_binomial(rng, rate[moving], np.broadcast_to(shape, (moving.size, days)))

    y[:, cal.closed] = 0.0
    rate[:, cal.closed] = 0.0
    return HeldoutDemand(y=y, segment=segment, start=start, rate=rate)

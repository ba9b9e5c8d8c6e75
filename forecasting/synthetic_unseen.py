"""Generator D: held-out synthetic daily demand, looked at once, after the engine change of commit e0adf63:
not a clean judge of the forecast engine any more.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before that
judgement run (``bench/forecast.py --generator d``, run once, after the engine changes are made). No model
family, parameter grid, choice rule or interval formula may be chosen or kept because of figures from it;
changing this module to suit the engine is tuning too. Generator A (``forecasting.synthetic``) is the tune
set; generators B (``forecasting.synthetic_heldout``) and C (``forecasting.synthetic_fresh``) have both been
looked at during engine work. D was written after them, without looking at the engine's figures, from its
own random stream (one child stream per segment), on a real calendar ending at ``end`` with no closures:

- ``steady``: fast movers. A trade-counter weekday profile (Monday and Friday peaks, quiet weekend) raised to
  a per-SKU strength, a level that drifts as a slow random walk in logs, and gamma-Poisson counts.
- ``trending``: a piecewise-linear trend whose slope changes once: growth then plateau, plateau then decline,
  or growth then decline.
- ``monthly``: no weekly pattern; a bump on the first days of each month, decaying day by day, and for half
  of them a second, payday bump on the 15th and 16th.
- ``intermittent``: Croston-like slow movers: demand days form a Bernoulli process (geometric gaps with a
  mean of 3-15 days), sizes are log-normal, rounded up; 40 % are sold in case packs of 6, 12 or 24 only.
- ``promo``: flyer promotions every 6, 7 or 8 weeks, always starting on the same weekday, 5-10 days at
  1.5-3x, followed by a dip that recovers linearly.
- ``regime``: one abrupt level shift (a customer won or lost, x0.4 to x2.5) in the last year; for 30 % of
  them in the last 60 days.
- ``censored``: movers whose sales are zero for 3-20 days at a time because stock ran out (``in_stock`` is
  False); demand comes back afterwards at its old level, with no catch-up.
- ``new``: listed 60-200 days before the end (``start``), zero before that, selling above their later level
  for the first weeks (launch interest that decays exponentially).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

SEGMENTS: tuple[str, ...] = (
    "steady",
    "trending",
    "monthly",
    "intermittent",
    "promo",
    "regime",
    "censored",
    "new",
)
MIX: tuple[float, ...] = (0.24, 0.10, 0.10, 0.22, 0.10, 0.10, 0.09, 0.05)
"""Expected share of each of ``SEGMENTS``."""
PACK_SIZES: tuple[int, ...] = (6, 12, 24)
UNSEEN_SEED = 4242
DEFAULT_END = date(2025, 11, 30)
_STREAM = 0xD0D4  # keys the random stream, so equal seed numbers never replay generator A's, B's or C's draws

# Monday first: a trade counter restocks on Monday and before the weekend, and is nearly shut on Sunday.
_TRADE_WEEK = np.log(np.array([1.3, 1.05, 0.98, 1.04, 1.22, 0.42, 0.15]))


@dataclass(frozen=True)
class UnseenDemand:
    y: np.ndarray  # (n, days) units sold per day, whole numbers
    segment: np.ndarray  # (n,) index into ``names``
    start: np.ndarray  # (n,) first listed day; the launch day for ``new``, 0 otherwise
    rate: np.ndarray  # (n, days) expected sales given the drawn events (shifts, promotions, stock-outs)
    in_stock: np.ndarray  # (n, days) bool; False on the stock-out days of ``censored``
    pack: np.ndarray  # (n,) case pack every daily quantity is a multiple of; 1 unless a packed intermittent
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class Dates:
    """Per day of the window, oldest first."""

    weekday: np.ndarray  # (days,) 0 = Monday
    day_of_month: np.ndarray  # (days,) 1-31


def dates_ending(days: int, end: date = DEFAULT_END) -> Dates:
    day = np.datetime64(end, "D") - np.arange(days - 1, -1, -1)
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    day_of_month = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return Dates(weekday, day_of_month)


def _week(rng: np.random.Generator, m: int, cal: Dates, low: float, high: float) -> np.ndarray:
    """(m, days) weekday multiplier, mean 1 over the week: the trade-counter profile to a per-SKU strength."""
    log_w = rng.uniform(low, high, size=(m, 1)) * _TRADE_WEEK + rng.normal(0.0, 0.06, size=(m, 7))
    w = np.exp(log_w)
    return (w / w.mean(axis=1, keepdims=True))[:, cal.weekday]


def _drift(rng: np.random.Generator, m: int, days: int, low: float, high: float) -> np.ndarray:
    """(m, days) level multiplier: a random walk in logs with a per-SKU daily step size, kept within e^+-1.2.
    The walk steps weekly and is interpolated between, which looks the same and draws 7x fewer normals."""
    weeks = days // 7 + 3
    step = rng.normal(0.0, 1.0, size=(m, weeks)) * rng.uniform(low, high, size=(m, 1)) * np.sqrt(7.0)
    walk = np.clip(np.cumsum(step, axis=1) - step[:, :1], -1.2, 1.2)
    at = (np.arange(days) + rng.integers(0, 7, size=(m, 1))) / 7.0  # knots on a different weekday per SKU
    week = at.astype(np.int64)
    left = np.take_along_axis(walk, week, axis=1)
    right = np.take_along_axis(walk, week + 1, axis=1)
    return np.exp(left + (right - left) * (at - week))


def _level(rng: np.random.Generator, m: int, median: float, sigma: float) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, size=(m, 1))


def _gamma_poisson(rng: np.random.Generator, rate: np.ndarray, low: float, high: float) -> np.ndarray:
    """Counts with mean ``rate``, gamma-mixed with a per-SKU shape in [low, high): lower is noisier."""
    shape = np.broadcast_to(rng.uniform(low, high, size=(len(rate), 1)), rate.shape)
    return rng.poisson(rate * rng.gamma(shape, 1.0 / shape)).astype(float)


def _trend(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) piecewise-linear multiplier from 1 at day 0 through the knot value to the end value."""
    t = np.arange(days)[None, :]
    kind = rng.integers(0, 3, size=m)  # 0 growth then plateau, 1 plateau then decline, 2 growth then decline
    first = max(1, int(0.3 * days))  # the knot falls between 30 % and 85 % of the window
    knot = rng.integers(first, max(first + 1, int(0.85 * days)), size=m)[:, None]
    at_knot = np.select([kind == 0, kind == 1], [rng.uniform(1.8, 4.0, m), rng.uniform(0.9, 1.2, m)])
    at_knot = np.where(kind == 2, rng.uniform(1.5, 3.0, m), at_knot)
    after = np.select([kind == 0, kind == 1], [rng.uniform(0.9, 1.1, m), rng.uniform(0.15, 0.6, m)])
    at_end = (at_knot * np.where(kind == 2, rng.uniform(0.3, 0.7, m), after))[:, None]
    at_knot = at_knot[:, None]
    rise = 1.0 + (at_knot - 1.0) * t / knot
    fall = at_knot + (at_end - at_knot) * (t - knot) / np.maximum(days - 1 - knot, 1)
    return np.where(t < knot, rise, fall)


def _month_days(rng: np.random.Generator, m: int, cal: Dates) -> np.ndarray:
    """(m, days) day-of-month multiplier with mean 1 over the window: month-start and payday bumps."""
    dom = cal.day_of_month[None, :]
    span = rng.integers(2, 6, size=(m, 1))
    decay = rng.uniform(0.7, 2.5, size=(m, 1))
    start_bump = (rng.uniform(1.8, 4.0, size=(m, 1)) - 1.0) * np.exp(-(dom - 1) / decay) * (dom <= span)
    payday = (rng.random((m, 1)) < 0.5) * (rng.uniform(1.2, 2.0, size=(m, 1)) - 1.0)
    mult = 1.0 + start_bump + payday * ((dom == 15) | (dom == 16))
    return mult / mult.mean(axis=1, keepdims=True)


def _intermittent(rng: np.random.Generator, m: int, days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sales, expected sales and case pack of Croston-like slow movers."""
    chance = 1.0 / rng.uniform(3.0, 15.0, size=(m, 1))  # a demand day with this chance: geometric gaps
    packed = rng.random(m) < 0.4
    pack = np.where(packed, rng.choice(PACK_SIZES, size=m), 1)[:, None]
    median = np.where(
        packed[:, None], pack * rng.uniform(1.0, 3.0, size=(m, 1)), rng.uniform(1.5, 12.0, (m, 1))
    )
    mu, sigma = np.log(median), rng.uniform(0.4, 1.0, size=(m, 1))

    def size(raw: np.ndarray, pack: np.ndarray) -> np.ndarray:  # units of a demand: whole packs, at least one
        return pack * np.maximum(1.0, np.ceil(raw / pack))

    y = np.zeros((m, days))
    sku, day = np.nonzero(rng.random((m, days)) < chance)  # sizes are drawn for demand days only
    y[sku, day] = size(rng.lognormal(mu[sku, 0], sigma[sku, 0]), pack[sku, 0])
    # Expected size: the rounding has no closed form, so integrate over a fine grid of standard normal z.
    z = np.linspace(-6.0, 6.0, 481)[None, :]
    weight = np.exp(-0.5 * z**2)
    mean_size = (size(np.exp(mu + sigma * z), pack) * weight).sum(axis=1) / weight.sum()
    rate = np.broadcast_to(chance * mean_size[:, None], (m, days)).copy()
    return y, rate, pack[:, 0]


def _promotions(rng: np.random.Generator, m: int, cal: Dates) -> np.ndarray:
    """(m, days) multiplier: flyer promotions on a fixed cadence and weekday, each followed by a dip."""
    days = len(cal.weekday)
    t = np.arange(days)[None, :]
    period = 7 * rng.integers(6, 9, size=(m, 1))
    first_weekday = (rng.integers(0, 7, size=(m, 1)) - cal.weekday[0]) % 7  # first day on the flyer weekday
    first = first_weekday + 7 * rng.integers(0, period // 7)
    since = (t - first) % period  # days since the latest promotion began
    cycle = (t - first + period) // period  # which promotion; varies the lift a little
    lift = rng.uniform(1.5, 3.0, size=(m, 1)) * rng.uniform(0.85, 1.15, size=(m, days // 42 + 3))
    length = rng.integers(5, 11, size=(m, 1))
    dip_days = rng.integers(5, 15, size=(m, 1))
    depth = rng.uniform(0.5, 0.85, size=(m, 1))
    recovering = depth + (1.0 - depth) * (since - length) / dip_days
    return np.where(
        since < length,
        np.take_along_axis(lift, cycle, axis=1),
        np.where(since < length + dip_days, recovering, 1.0),
    )


def _regime(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) multiplier: one abrupt shift, x1.3-2.5 up or x0.4-0.77 down, in the last year."""
    up = rng.random(m) < 0.5
    log_factor = np.where(
        up, rng.uniform(np.log(1.3), np.log(2.5), m), rng.uniform(np.log(0.4), -np.log(1.3), m)
    )
    late = rng.random(m) < 0.3
    back = np.where(late, rng.integers(1, 61, size=m), rng.integers(61, 366, size=m))
    at = np.clip(days - back, 1, days - 1)[:, None]
    return np.where(np.arange(days)[None, :] >= at, np.exp(log_factor)[:, None], 1.0)


def _stock_outs(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) bool in stock: 1 + Poisson(days / 150) stock-outs (at most 8) of 3-20 days each."""
    t = np.arange(days)[None, :]
    count = np.minimum(1 + rng.poisson(days / 150, size=m), 8)
    in_stock = np.ones((m, days), dtype=bool)
    for k in range(8):  # stock-outs, not series
        length = rng.integers(3, 21, size=m)
        begin = rng.integers(0, np.maximum(days - length, 1))
        in_stock &= ~((k < count)[:, None] & (t >= begin[:, None]) & (t < (begin + length)[:, None]))
    return in_stock


def _launch(rng: np.random.Generator, m: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(m, days) multiplier, zero before launch, and the launch day 60-200 days before the end."""
    start = np.maximum(days - rng.integers(60, 201, size=m), 1)
    age = np.arange(days)[None, :] - start[:, None]
    interest = rng.uniform(0.5, 2.5, size=(m, 1)) * np.exp(
        -np.maximum(age, 0) / rng.uniform(5.0, 30.0, (m, 1))
    )
    return np.where(age >= 0, 1.0 + interest, 0.0), start


def unseen_demand(
    skus: int = 10_000,
    days: int = 730,
    seed: int = UNSEEN_SEED,
    end: date = DEFAULT_END,
    mix: tuple[float, ...] = MIX,
) -> UnseenDemand:
    """``skus`` series of ``days`` days ending on ``end``; ``mix``: the expected share of each segment."""
    seeds = np.random.SeedSequence([_STREAM, seed]).spawn(len(SEGMENTS) + 1)
    shares = np.asarray(mix, dtype=float)
    segment = np.random.default_rng(seeds[0]).choice(len(SEGMENTS), size=skus, p=shares / shares.sum())
    rng = {name: np.random.default_rng(s) for name, s in zip(SEGMENTS, seeds[1:], strict=True)}
    rows = {name: np.flatnonzero(segment == k) for k, name in enumerate(SEGMENTS)}
    cal = dates_ending(days, end)
    y = np.zeros((skus, days))
    rate = np.zeros((skus, days))
    in_stock = np.ones((skus, days), dtype=bool)
    start = np.zeros(skus, dtype=int)
    pack = np.ones(skus, dtype=int)

    def moving(name: str, median: float, drift: float) -> tuple[np.random.Generator, int, np.ndarray]:
        """The segment's stream, size and base rate: level x weekday profile x drift."""
        r, m = rng[name], rows[name].size
        return (
            r,
            m,
            _level(r, m, median, 0.8) * _week(r, m, cal, 0.4, 1.2) * _drift(r, m, days, 0.3 * drift, drift),
        )

    r, m, base = moving("steady", 20.0, 0.015)
    rate[rows["steady"]] = base
    r, m, base = moving("trending", 10.0, 0.004)
    rate[rows["trending"]] = base * _trend(r, m, days)
    r, m = rng["monthly"], rows["monthly"].size
    rate[rows["monthly"]] = _level(r, m, 8.0, 0.7) * _drift(r, m, days, 0.002, 0.008) * _month_days(r, m, cal)
    s = rows["intermittent"]
    y[s], rate[s], pack[s] = _intermittent(rng["intermittent"], s.size, days)
    r, m, base = moving("promo", 15.0, 0.006)
    rate[rows["promo"]] = base * _promotions(r, m, cal)
    r, m, base = moving("regime", 12.0, 0.005)
    rate[rows["regime"]] = base * _regime(r, m, days)
    r, m, base = moving("censored", 15.0, 0.008)
    in_stock[rows["censored"]] = _stock_outs(r, m, days)
    rate[rows["censored"]] = base * in_stock[rows["censored"]]
    r, m, base = moving("new", 10.0, 0.01)
    launch, start[rows["new"]] = _launch(r, m, days)
    rate[rows["new"]] = base * launch

    # Overdispersion per segment: launches and day-of-month buying are the noisiest, trends the least.
    for name, low, high in (
        ("steady", 3.0, 20.0),
        ("trending", 5.0, 30.0),
        ("monthly", 3.0, 12.0),
        ("promo", 3.0, 15.0),
        ("regime", 4.0, 20.0),
        ("censored", 4.0, 20.0),
        ("new", 2.0, 8.0),
    ):
        y[rows[name]] = _gamma_poisson(rng[name], rate[rows[name]], low, high)
    return UnseenDemand(y=y, segment=segment, start=start, rate=rate, in_stock=in_stock, pack=pack)

"""Generator C: fresh synthetic daily demand for the final judgement of the forecast engine.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before the
final judgement run (``bench/forecast.py --generator c``, run once by the engine's owner). No model family,
parameter grid, choice rule or interval formula may be chosen or kept because of figures from it; changing this
module to suit the engine is tuning too. Generator A (``forecasting.synthetic``) is the tune set; generator B
(``forecasting.synthetic_heldout``) has been looked at during engine work; C is the set nobody has seen.

It is designed independently of A and B, on a real calendar ending at ``end`` (no closure days), and draws from
its own random stream, one child stream per segment:

- ``seasonal``: summer goods (peak mid-July) or winter goods (peak early January). Each SKU has an in-season
  plateau with logistic shoulders over an off-season floor, a strength per season (a hot summer, a mild winter),
  a weather index shared by all seasonal SKUs (summer goods up, winter goods down) and a weekend-heavy weekday
  profile. Demand is compound Poisson: orders arrive as Poisson counts, each of 1 + Binomial(k, p) units.
- ``b2b_packs``: sold in packs of 6, 12 or 24 to 1-5 business customers. Each customer orders on a fixed working
  day every week or every other week, on time, one or two days late or not at all, a number of packs around its
  own usual quantity; some customers join or leave part-way. Every day's demand is a multiple of the pack.
- ``lumpy``: slow movers: a trickle of single units plus a few large project orders a year on working days,
  log-normal in size (median 8-120 units).
- ``stockout``: retail movers whose sales are censored to zero for 3-14 days several times (every few months),
  after which part of the lost demand (20-70 %) is caught up over the next 1-4 days.
- ``price_step``: retail movers with one or two permanent price changes: demand steps by
  ``(1 + change) ** -elasticity``; half the price rises are preceded by a few days of buying ahead.
- ``fast``: ordinary retail movers: a weekday profile peaking on Saturday (a quarter closed on Sundays), a lift on
  the first days of each month, a level that wanders as a slow AR(1) in logs, and Poisson-lognormal counts.

``fast``, ``stockout`` and ``price_step`` share that retail process, at different typical levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

SEGMENTS: tuple[str, ...] = ("seasonal", "b2b_packs", "lumpy", "stockout", "price_step", "fast")
MIX: tuple[float, ...] = (0.18, 0.14, 0.16, 0.12, 0.10, 0.30)
"""Expected share of each of ``SEGMENTS``."""
PACK_SIZES: tuple[int, ...] = (6, 12, 24)
DEFAULT_SEED = 40_961
DEFAULT_END = date(2025, 9, 21)
_STREAM = 0xC5E1  # keys the random stream, so equal seed numbers never replay generator A's or B's draws

_RETAIL_WEEK = np.array([0.88, 0.84, 0.9, 0.98, 1.16, 1.38, 0.86])  # Monday first; raised to a per-SKU power
_WEEKEND_WEEK = np.array([0.78, 0.8, 0.84, 0.92, 1.12, 1.62, 1.34])
_YEAR = 365.25


@dataclass(frozen=True)
class FreshDemand:
    y: np.ndarray  # (n, days) units per day
    segment: np.ndarray  # (n,) index into ``names``
    start: np.ndarray  # (n,) first listed day; always 0 here (every SKU is listed for the whole window)
    rate: np.ndarray  # (n, days) expected demand given the drawn events (stock-outs, price steps, customers)
    pack: np.ndarray  # (n,) pack size every daily quantity is a multiple of; 1 outside ``b2b_packs``
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class Days:
    """Per day of the window, oldest first."""

    weekday: np.ndarray  # (days,) 0 = Monday
    day_of_month: np.ndarray  # (days,) 1-31
    year_day: np.ndarray  # (days,) 0 = 1 January
    ordinal: np.ndarray  # (days,) proleptic Gregorian ordinal; day 1 is a Monday


def days_ending(days: int, end: date = DEFAULT_END) -> Days:
    ordinal = end.toordinal() - days + 1 + np.arange(days)
    dates = [end - timedelta(days=days - 1 - i) for i in range(days)]  # one per day, not per series
    day_of_month = np.array([d.day for d in dates])
    year_day = np.array([d.timetuple().tm_yday - 1 for d in dates])
    return Days((ordinal - 1) % 7, day_of_month, year_day, ordinal)


def _week(rng: np.random.Generator, m: int, template: np.ndarray, low: float, high: float) -> np.ndarray:
    """(m, 7) weekday weights with mean 1: ``template`` raised to a per-SKU strength in [low, high)."""
    weights = template[None, :] ** rng.uniform(low, high, size=(m, 1))
    return np.asarray(weights / weights.mean(axis=1, keepdims=True))


def _ar1(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) stationary AR(1) log-level, shifted so that its exponential has mean 1."""
    phi = rng.uniform(0.97, 0.995, size=m)
    spread = rng.uniform(0.05, 0.3, size=m)  # stationary standard deviation
    shocks = rng.normal(0.0, 1.0, size=(m, days)) * (spread * np.sqrt(1.0 - phi**2))[:, None]
    x = np.empty((m, days))
    x[:, 0] = rng.normal(0.0, 1.0, size=m) * spread
    for t in range(1, days):  # a loop over days, not series
        x[:, t] = phi * x[:, t - 1] + shocks[:, t]
    return x - (spread**2 / 2)[:, None]


def _poisson_lognormal(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Poisson counts around ``rate`` times mean-one log-normal day noise of a per-series spread."""
    sigma = rng.uniform(0.05, 0.3, size=(rate.shape[0], 1))
    noise = np.exp(sigma * rng.normal(0.0, 1.0, size=rate.shape) - sigma**2 / 2)
    return rng.poisson(rate * noise).astype(float)


def _retail(rng: np.random.Generator, m: int, cal: Days, median: float) -> np.ndarray:
    """(m, days) expected units of retail movers: level x weekday x month start x wandering level."""
    level = rng.lognormal(np.log(median), 0.75, size=(m, 1))
    week = _week(rng, m, _RETAIL_WEEK, 0.2, 1.0)
    week[rng.random(m) < 0.25, 6] = 0.0  # shipped to shops that are closed on Sundays
    week /= week.mean(axis=1, keepdims=True)
    first_days = rng.integers(1, 5, size=(m, 1))
    lift = rng.uniform(0.05, 0.5, size=(m, 1))
    month_start = np.where(cal.day_of_month[None, :] <= first_days, 1.0 + lift, 1.0)
    return np.asarray(level * week[:, cal.weekday] * month_start * np.exp(_ar1(rng, m, cal.ordinal.size)))


def _seasonal(rng: np.random.Generator, m: int, cal: Days) -> tuple[np.ndarray, np.ndarray]:
    """(m, days) counts and expected demand of summer and winter goods."""
    days = cal.ordinal.size
    winter = rng.random(m) < 0.45
    peak = np.where(winter, 5.0, 196.0) + rng.normal(0.0, 12.0, size=m)  # day of year
    half = rng.uniform(45.0, 110.0, size=(m, 1))  # half the season's length, days
    edge = rng.uniform(5.0, 20.0, size=(m, 1))  # shoulder width, days
    floor = rng.uniform(0.02, 0.3, size=(m, 1))
    offset = (cal.year_day[None, :] - peak[:, None] + _YEAR / 2) % _YEAR - _YEAR / 2  # days from nearest peak
    season = floor + (1.0 - floor) / (1.0 + np.exp((np.abs(offset) - half) / edge))
    which = cal.ordinal[None, :] - offset  # near-constant over one season: the nearest peak's date
    which = np.clip(np.round((which - which[:, :1]) / _YEAR).astype(int), 0, days // 365 + 2)
    strength = rng.lognormal(0.0, 0.25, size=(m, days // 365 + 3))
    weather = np.zeros(days)  # one index for all seasonal SKUs: warm spells > 0
    shocks = rng.normal(0.0, 0.25 * np.sqrt(1.0 - 0.8**2), size=days)
    weather[0] = rng.normal(0.0, 0.25)
    for t in range(1, days):
        weather[t] = 0.8 * weather[t - 1] + shocks[t]
    beta = rng.uniform(0.3, 1.0, size=(m, 1)) * np.where(winter, -1.0, 1.0)[:, None]
    heat = np.exp(beta * weather[None, :] - (0.25 * beta) ** 2 / 2)
    week = _week(rng, m, _WEEKEND_WEEK, 0.3, 1.2)[:, cal.weekday]
    at_peak = rng.lognormal(np.log(5.0), 0.8, size=(m, 1))  # orders a day in season
    orders = at_peak * season * np.take_along_axis(strength, which, axis=1) * heat * week
    extra = rng.integers(1, 6, size=(m, 1))  # each order is 1 + Binomial(extra, p) units
    p = rng.uniform(0.1, 0.6, size=(m, 1))
    count = rng.poisson(orders)
    y = count + rng.binomial(count * extra, np.broadcast_to(p, count.shape))
    return y.astype(float), orders * (1.0 + extra * p)


def _b2b(rng: np.random.Generator, m: int, cal: Days) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m, days) counts and expected demand of pack goods bought by a few customers, and each SKU's pack."""
    days = cal.ordinal.size
    pack = rng.choice(PACK_SIZES, size=m, p=(0.45, 0.35, 0.2))
    customers = rng.integers(1, 6, size=m)
    owner = np.repeat(np.arange(m), customers)
    c = owner.size
    fortnightly = rng.random(c) < 0.4
    due_day = rng.integers(0, 5, size=c)  # Monday to Friday
    due_week = rng.integers(0, 2, size=c)
    week_no = (cal.ordinal - 1) // 7
    due = (cal.weekday[None, :] == due_day[:, None]) & (
        ~fortnightly[:, None] | (week_no[None, :] % 2 == due_week[:, None])
    )
    join = np.where(rng.random(c) < 0.15, rng.integers(0, days, size=c), 0)
    leave = np.where(rng.random(c) < 0.15, rng.integers(0, days, size=c), days)
    first = np.r_[0, np.cumsum(customers)[:-1]]
    join[first], leave[first] = 0, days  # every SKU keeps at least one customer throughout
    t = np.arange(days)[None, :]
    due &= (t >= join[:, None]) & (t < leave[:, None])
    on_time = rng.uniform(0.65, 0.9, size=c)
    skip = rng.uniform(0.02, 0.08, size=c)
    chance = np.stack([on_time, (1.0 - on_time - skip) * 2 / 3, (1.0 - on_time - skip) / 3])  # 0-2 days late
    usual = rng.integers(1, 5, size=c) * np.where(pack[owner] == 6, 2, 1)  # packs per order, on average
    packs = 1 + rng.binomial(2 * (usual[:, None] - 1), 0.5, size=(c, days))
    draw = rng.random((c, days))
    bounds = np.cumsum(chance, axis=0)
    late = np.where(draw < bounds[0][:, None], 0, np.where(draw < bounds[1][:, None], 1, 2))
    late = np.where(draw < bounds[2][:, None], late, -1)  # -1: the order was skipped
    units = np.zeros((c, days))
    expected = np.zeros((c, days))
    size = (usual * pack[owner]).astype(float)
    for d in range(3):  # days late, not series
        placed = np.where(due & (late == d), packs, 0)[:, : days - d]
        units[:, d:] += placed * pack[owner][:, None]
        expected[:, d:] += due[:, : days - d] * (chance[d] * size)[:, None]
    y = np.zeros((m, days))
    rate = np.zeros((m, days))
    np.add.at(y, owner, units)
    np.add.at(rate, owner, expected)
    return y, rate, pack


def _lumpy(rng: np.random.Generator, m: int, cal: Days) -> tuple[np.ndarray, np.ndarray]:
    """(m, days) counts and expected demand of slow movers with occasional large orders."""
    days = cal.ordinal.size
    trickle = rng.uniform(0.01, 0.2, size=(m, 1))  # single units a day
    working = (cal.weekday < 5)[None, :]
    p_big = rng.uniform(2.0, 15.0, size=(m, 1)) / (_YEAR * 5 / 7)  # 2-15 large orders a year
    median = np.exp(rng.uniform(np.log(8.0), np.log(120.0), size=(m, 1)))
    spread = rng.uniform(0.3, 0.9, size=(m, 1))
    big = (rng.random((m, days)) < p_big) & working
    size = np.maximum(np.round(median * np.exp(spread * rng.normal(0.0, 1.0, size=(m, days)))), 5.0)
    y = rng.poisson(np.broadcast_to(trickle, (m, days))) + big * size
    return y.astype(float), trickle + working * p_big * median * np.exp(spread**2 / 2)


def _stockouts(
    rng: np.random.Generator, latent: np.ndarray, rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Censor ``latent`` counts to zero for 3-14 days every few months, then catch part of the loss up."""
    m, days = latent.shape
    slots = days // 40 + 2
    length = rng.integers(3, 15, size=(m, slots))
    span = rng.integers(1, 5, size=(m, slots))  # catch-up days
    gap = 20 + rng.exponential(90.0, size=(m, slots)).astype(int)
    gap[:, 0] = rng.integers(
        0, max(1, min(180, days - 20)), size=m
    )  # one outage at least, ending in the window
    begin = np.cumsum(gap + np.c_[np.zeros((m, 1), dtype=int), (length + span)[:, :-1]], axis=1)
    share = rng.uniform(0.2, 0.7, size=(m, 1))  # of the lost demand, caught up afterwards
    row = np.repeat(np.arange(m), slots)
    begin, length, span = begin.ravel(), length.ravel(), span.ravel()
    lost = np.zeros(row.size, dtype=np.int64)
    lost_rate = np.zeros(row.size)
    y, expected = latent.copy(), rate.copy()
    for d in range(14):  # offsets into an outage, not series
        col = begin + d
        on = (col < days) & (d < length)
        lost[on] += latent[row[on], col[on]].astype(np.int64)
        lost_rate[on] += rate[row[on], col[on]]
        y[row[on], col[on]] = 0.0
        expected[row[on], col[on]] = 0.0
    owed = rng.binomial(lost, share[row, 0])
    owed_rate = lost_rate * share[row, 0]
    for j in range(4):  # catch-up days, not series
        col = begin + length + j
        on = (col < days) & (j < span)
        last = j == span - 1
        take = np.where(last, owed, rng.binomial(owed, 0.55))
        part = np.where(last, 1.0, 0.55) * 0.45**j
        y[row[on], col[on]] += take[on]
        expected[row[on], col[on]] += owed_rate[on] * part[on]
        owed = owed - take
    return y, expected


def _price_steps(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) multiplier: one or two permanent price changes, with buying ahead before some rises."""
    t = np.arange(days)[None, :]
    elasticity = rng.uniform(0.6, 2.5, size=m)
    lo = min(30, days // 4)
    mult = np.ones((m, days))
    second = rng.random(m) < 0.3
    for step in range(2):  # price changes, not series
        at = rng.integers(lo, max(lo + 1, days - 10), size=m)
        rise = rng.random(m) < 0.55
        change = rng.uniform(0.05, 0.3, size=m) * np.where(rise, 1.0, -1.0)
        factor = (1.0 + change) ** -elasticity
        applies = np.ones(m, dtype=bool) if step == 0 else second
        mult *= np.where(applies[:, None] & (t >= at[:, None]), factor[:, None], 1.0)
        ahead = applies & rise & (rng.random(m) < 0.5)
        before = rng.integers(3, 8, size=m)
        window = ahead[:, None] & (t < at[:, None]) & (t >= (at - before)[:, None])
        mult *= np.where(window, rng.uniform(1.2, 1.7, size=(m, 1)), 1.0)
    return mult


def fresh_demand(
    n: int, days: int, seed: int = DEFAULT_SEED, end: date = DEFAULT_END, mix: tuple[float, ...] = MIX
) -> FreshDemand:
    """``n`` series of ``days`` days ending on ``end``; ``mix`` gives the expected share of each segment."""
    streams = [
        np.random.default_rng(s) for s in np.random.SeedSequence([_STREAM, seed]).spawn(len(SEGMENTS) + 1)
    ]
    shares = np.asarray(mix, dtype=float)
    segment = streams[0].choice(len(SEGMENTS), size=n, p=shares / shares.sum())
    cal = days_ending(days, end)
    y = np.zeros((n, days))
    rate = np.zeros((n, days))
    pack = np.ones(n, dtype=int)
    rows = {name: np.flatnonzero(segment == k) for k, name in enumerate(SEGMENTS)}
    rng = dict(zip(SEGMENTS, streams[1:], strict=True))

    s = rows["seasonal"]
    y[s], rate[s] = _seasonal(rng["seasonal"], s.size, cal)
    s = rows["b2b_packs"]
    y[s], rate[s], pack[s] = _b2b(rng["b2b_packs"], s.size, cal)
    s = rows["lumpy"]
    y[s], rate[s] = _lumpy(rng["lumpy"], s.size, cal)
    s = rows["stockout"]
    base = _retail(rng["stockout"], s.size, cal, median=12.0)
    y[s], rate[s] = _stockouts(rng["stockout"], _poisson_lognormal(rng["stockout"], base), base)
    s = rows["price_step"]
    rate[s] = _retail(rng["price_step"], s.size, cal, median=15.0) * _price_steps(
        rng["price_step"], s.size, days
    )
    y[s] = _poisson_lognormal(rng["price_step"], rate[s])
    s = rows["fast"]
    rate[s] = _retail(rng["fast"], s.size, cal, median=20.0)
    y[s] = _poisson_lognormal(rng["fast"], rate[s])
    return FreshDemand(y=y, segment=segment, start=np.zeros(n, dtype=int), rate=rate, pack=pack)

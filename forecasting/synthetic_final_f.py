"""Generator F: held-out synthetic daily demand, looked at once, with the engine of commit 60a5e1b: not a clean
judge of the forecast engine any more (generator G, ``forecasting.synthetic_judge_g``, is the unseen one).

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before the
final judgement run (``bench/forecast.py --generator f``). No model family, parameter grid, choice rule or
interval formula may be chosen or kept because of figures from it; changing this module to suit the engine
is tuning too. Generators A-E have all been looked at during engine work; F was written after them, without
running the engine on it, from its own random stream (one child stream per segment), on a real calendar
ending at ``end``. Unlike A-E, where each segment shows mostly one effect, F layers its effects as a
distribution centre's mix does: every item ships on a 7-day retail, 6-day or 5-day trade week (hard zeros on
closed days, per-item weekday weights); promotions and mild yearly curves fall on more than one segment, and
stock-outs (zero runs, no catch-up) on 15 % of the ``regular``, ``seasonal``, ``trend`` and ``promo`` items;
a DC-wide busy/quiet day factor (AR(1) in logs, per-item loading) moves all movers together; and counts are
negative binomial with variance μ (1 + e) + μ² / k, order lumpiness plus busy and quiet days, so small
movers are lumpy and large ones swing in proportion.

- ``regular``: movers at 1-500 a day (log-normal level); 40 % with a mild yearly curve (5-30 %), a quarter
  with 1-3 promotions a year.
- ``slow``: orders on 1-40 % of open days; sizes 1 + negative binomial, or for 35 % whole case packs of 4, 5,
  10 or 25.
- ``seasonal``: a strong yearly season (summer, winter, spring or pre-Christmas, which stops dead after
  24 December), a von Mises bump 4-20x above the off-season, its strength varying by year.
- ``trend``: steady exponential growth or decline (log rate 0.25-1.0 a year), 40 % flattening out (tanh).
- ``promo``: promotions 4-9 times a year on the chain's flyer day (Monday or Thursday), 4-14 days at about
  2x, then a dip; 40 % with a mild yearly curve.
- ``short``: listed 14-300 days before the end (``start``); demand fills in over days to weeks, and 40 % open
  with a pipeline-fill surge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

SEGMENTS: tuple[str, ...] = ("regular", "slow", "seasonal", "trend", "promo", "short")
MIX: tuple[float, ...] = (0.36, 0.26, 0.10, 0.10, 0.10, 0.08)
"""Expected share of each of ``SEGMENTS``."""
WEEKS: tuple[str, ...] = ("7-day", "6-day", "5-day")
PACK_SIZES: tuple[int, ...] = (4, 5, 10, 25)
F_SEED = 58_111
DEFAULT_END = date(2026, 4, 30)  # a Thursday
_STREAM = 0xF17A  # keys the random stream, so equal seed numbers never replay generator A's to E's draws
_YEAR = 365.25

# Monday first, one row per ``WEEKS``: retail peaks on Saturday; a 6-day trade counter ships nothing on
# Sunday and little on Saturday; a 5-day trade account ships nothing at weekends. Jittered per item.
_PROFILES = np.array(
    [
        [0.85, 0.8, 0.85, 0.95, 1.15, 1.35, 1.05],
        [1.15, 1.05, 1.0, 1.05, 1.1, 0.65, 0.0],
        [1.1, 1.0, 1.0, 1.0, 0.9, 0.0, 0.0],
    ]
)
# Season centres (day of year) and a name for each: summer, winter, spring/garden, pre-Christmas.
_SEASONS = np.array([190.0, 15.0, 120.0, 338.0])
_CHRISTMAS = 3
_DC_VAR = 0.06**2 / (1 - 0.6**2)  # stationary variance of the DC-wide log day factor


@dataclass(frozen=True)
class FinalFDemand:
    y: np.ndarray  # (n, days) units sold per day, whole numbers
    segment: np.ndarray  # (n,) index into ``names``
    start: np.ndarray  # (n,) first listed day; > 0 for ``short`` only
    rate: np.ndarray  # (n, days) expected sales given the drawn events (promotions, stock-outs, DC days)
    week: np.ndarray  # (n,) index into ``WEEKS``
    pack: np.ndarray  # (n,) case pack every daily quantity is a multiple of; 1 unless a packed slow mover
    promo: np.ndarray  # (n, days) bool: on promotion
    in_stock: np.ndarray  # (n, days) bool: False on a stock-out day (no sales, no expected sales)
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class Days:
    """Per day of the window, oldest first."""

    weekday: np.ndarray  # (days,) 0 = Monday
    year_day: np.ndarray  # (days,) 0 = 1 January
    epoch: np.ndarray  # (days,) days since 1 January 1970


def days_ending(days: int, end: date = DEFAULT_END) -> Days:
    day = np.datetime64(end, "D") - np.arange(days - 1, -1, -1)
    epoch = day.astype(np.int64)
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    return Days((epoch + 3) % 7, year_day, epoch)  # 1970-01-01 was a Thursday


def _week(rng: np.random.Generator, m: int, cal: Days, p: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Each item's week type, drawn with shares ``p``, and its (m, days) weekday multiplier (mean 1 a week)."""
    kind = rng.choice(len(WEEKS), size=m, p=p)
    w = _PROFILES[kind] * rng.lognormal(0.0, 0.12, size=(m, 7))
    return kind, (7.0 * w / w.sum(axis=1, keepdims=True))[:, cal.weekday]


def _level(
    rng: np.random.Generator, m: int, median: float, sigma: float, low: float, high: float
) -> np.ndarray:
    """(m, 1) log-normal level, truncated to [low, high] by redrawing."""
    level = rng.lognormal(np.log(median), sigma, size=m)
    bad = np.flatnonzero((level < low) | (level > high))
    while bad.size:
        level[bad] = rng.lognormal(np.log(median), sigma, size=bad.size)
        bad = bad[(level[bad] < low) | (level[bad] > high)]
    return level[:, None]


def _mild_year(rng: np.random.Generator, m: int, cal: Days, share: float) -> np.ndarray:
    """(m, days): 1 + a cos(phase), a 5-30 % for ``share`` of items, peak on a uniform day of the year."""
    a = (rng.random((m, 1)) < share) * rng.uniform(0.05, 0.3, size=(m, 1))
    peak = 2 * np.pi * rng.random((m, 1))
    day = 2 * np.pi * cal.epoch[None, :] / _YEAR
    # cos(day - peak) expanded: two outer products instead of a cosine per item and day.
    return np.asarray(1.0 + a * np.cos(peak) * np.cos(day) + a * np.sin(peak) * np.sin(day))


def _season(rng: np.random.Generator, m: int, cal: Days) -> np.ndarray:
    """(m, days), about 1 at the peak: a von Mises bump over a floor 4-20x lower, strength drawn per year."""
    kind = rng.integers(0, len(_SEASONS), size=m)
    centre = (_SEASONS[kind] + rng.normal(0.0, 8.0, size=m))[:, None]
    x = (cal.epoch[None, :] - centre) / _YEAR  # years since the season's peak in 1970
    occurrence = np.rint(x).astype(np.int64)
    kappa = rng.uniform(1.5, 6.0, size=(m, 1))  # higher: a shorter season
    bump = np.exp(kappa * (np.cos(2 * np.pi * x) - 1.0))
    years = rng.lognormal(0.0, 0.2, size=(m, int(occurrence.max() - occurrence.min()) + 1))
    bump = np.minimum(bump * np.take_along_axis(years, occurrence - occurrence.min(), axis=1), 1.5)
    floor = 1.0 / np.exp(rng.uniform(np.log(4.0), np.log(20.0), size=(m, 1)))
    after_christmas = (kind == _CHRISTMAS)[:, None] & ((cal.year_day >= 358) | (cal.year_day < 10))[None, :]
    return np.asarray(floor + (1.0 - floor) * np.where(after_christmas, 0.0, bump))


def _trend(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) exponential growth or decline through 1 at mid-window; 40 % flatten out (tanh)."""
    g = rng.choice([-1.0, 1.0], size=(m, 1)) * rng.uniform(0.25, 1.0, size=(m, 1)) / _YEAR  # log rate a day
    t = np.arange(days)[None, :] - 0.5 * days
    tau = rng.uniform(120.0, 400.0, size=(m, 1))
    return np.exp(g * np.where(rng.random((m, 1)) < 0.4, tau * np.tanh(t / tau), t))


def _runs(m: int, days: int, begin: np.ndarray, end: np.ndarray, value: np.ndarray) -> np.ndarray:
    """(m, days) sum over k of ``value[:, k]`` on days ``begin[:, k]`` to ``end[:, k] - 1`` (clipped)."""
    diff = np.zeros((m, days + 1))
    rows = np.broadcast_to(np.arange(m)[:, None], begin.shape)
    np.add.at(diff, (rows, np.clip(begin, 0, days)), value)
    np.add.at(diff, (rows, np.clip(end, 0, days)), -value)
    return np.cumsum(diff[:, :days], axis=1)


def _promotions(
    rng: np.random.Generator, m: int, cal: Days, per_year: tuple[float, float], share: float
) -> tuple[np.ndarray, np.ndarray]:
    """(m, days) multiplier and promotion days: for ``share`` of items, ``per_year`` promotions a year at
    irregular gaps (starts at least 29 days apart), each starting on the item's flyer day (Monday or Thursday), 4-14
    days at a log-normal lift around 2x, then 3-10 days at 60-95 % while buyers use up what they stocked."""
    days = cal.weekday.size
    k = int(days / 35) + 2
    mean_gap = _YEAR / rng.uniform(*per_year, size=(m, 1))
    gaps = 35.0 + rng.exponential(
        np.maximum(mean_gap - 35.0, 1.0), size=(m, k)
    )  # so no dip meets a promotion
    begin = (np.cumsum(gaps, axis=1) - rng.uniform(0.0, 1.0, (m, 1)) * gaps[:, :1]).astype(np.int64)
    flyer = rng.choice([0, 3], size=(m, 1))
    begin -= (cal.weekday[0] + begin - flyer) % 7  # back to the flyer day
    begin = np.where(rng.random((m, 1)) < share, begin, days)  # days: never
    end = begin + rng.choice([4, 7, 10, 14], size=(m, k))
    lift = np.log(rng.lognormal(np.log(2.0), 0.35, size=(m, k)).clip(1.2, 6.0))
    dip_end = end + rng.integers(3, 11, size=(m, k))
    dip = np.log(rng.uniform(0.6, 0.95, size=(m, k)))
    log_mult = _runs(m, days, begin, end, lift) + _runs(m, days, end, dip_end, dip)
    return np.exp(log_mult), _runs(m, days, begin, end, np.ones((m, k))) > 0.5


def _stock_outs(rng: np.random.Generator, m: int, days: int, share: float) -> np.ndarray:
    """(m, days) bool in stock: for ``share`` of items, 1-4 stock-outs a year (at most 10), each lasting
    a geometric number of days (mean 6, at most 35); sales stop and nothing is caught up afterwards."""
    count = np.minimum(rng.poisson(rng.uniform(1.0, 4.0, size=m) * days / _YEAR), 10)
    count = np.where(rng.random(m) < share, np.maximum(count, 1), 0)
    begin = rng.integers(0, days, size=(m, 10))
    begin = np.where(np.arange(10)[None, :] < count[:, None], begin, days)
    end = begin + np.minimum(rng.geometric(1.0 / 6.0, size=(m, 10)), 35)
    return _runs(m, days, begin, end, np.ones((m, 10))) < 0.5


def _common(rng: np.random.Generator, days: int) -> np.ndarray:
    """(days,) the DC-wide busy/quiet day: an AR(1) in logs, phi 0.6, stationary sd 0.075."""
    shock = rng.normal(0.0, 0.06, size=days)
    c = np.zeros(days)
    for d in range(days):  # one series for the whole DC, not one per item
        c[d] = 0.6 * c[d - 1] * (d > 0) + shock[d]
    return c


def _counts(rng: np.random.Generator, rate: np.ndarray, shape: tuple[float, float]) -> np.ndarray:
    """Negative binomial counts with mean ``rate`` = μ and variance μ (1 + e) + μ² / k. The μ e term is order
    lumpiness (customers order several units at once; e 0.1-8 a SKU, log-uniform), the μ² / k term busy and
    quiet days (k per SKU, log-uniform in ``shape``; lower: noisier), so small movers are lumpy and large ones
    swing in proportion. One gamma-Poisson draw per day matches both moments of orders-times-sizes."""
    m = len(rate)
    extra = np.exp(rng.uniform(np.log(0.1), np.log(8.0), size=(m, 1)))
    k = np.exp(rng.uniform(np.log(shape[0]), np.log(shape[1]), size=(m, 1)))
    scale = rate / k + extra  # gamma(μ / scale, scale): mean μ, variance μ scale; shape 0 where μ is 0
    return rng.poisson(rng.gamma(rate / scale, scale)).astype(float)


def _slow(rng: np.random.Generator, m: int, week: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sales, expected sales and case pack of slow movers: Poisson orders at 1-40 % a day on open days,
    sizes 1 + negative binomial, in whole packs for 35 %."""
    chance = np.exp(rng.uniform(np.log(0.01), np.log(0.4), size=(m, 1))) * week
    packed = rng.random(m) < 0.35
    pack = np.where(packed, rng.choice(PACK_SIZES, size=m), 1)
    mean = np.exp(
        np.where(packed, rng.uniform(np.log(0.05), np.log(1.5), m), rng.uniform(np.log(0.1), np.log(4.0), m))
    )
    r = rng.uniform(0.5, 3.0, size=m)
    n = rng.poisson(chance).astype(float)
    sku, day = np.nonzero(n)
    n[sku, day] += rng.poisson(rng.gamma(n[sku, day] * r[sku], mean[sku] / r[sku]))
    return n * pack[:, None], chance * ((1.0 + mean) * pack)[:, None], pack


def final_f_demand(
    skus: int = 10_000,
    days: int = 730,
    seed: int = F_SEED,
    end: date = DEFAULT_END,
    mix: tuple[float, ...] = MIX,
) -> FinalFDemand:
    """``skus`` series of ``days`` days ending on ``end``; ``mix``: the expected share of each segment."""
    seeds = np.random.SeedSequence([_STREAM, seed]).spawn(len(SEGMENTS) + 1)
    shares = np.asarray(mix, dtype=float)
    head = np.random.default_rng(seeds[0])
    segment = head.choice(len(SEGMENTS), size=skus, p=shares / shares.sum())
    rng = {name: np.random.default_rng(s) for name, s in zip(SEGMENTS, seeds[1:], strict=True)}
    rows = {name: np.flatnonzero(segment == k) for k, name in enumerate(SEGMENTS)}
    cal = days_ending(days, end)
    t = np.arange(days)[None, :]
    y = np.zeros((skus, days))
    rate = np.zeros((skus, days))
    week = np.zeros(skus, dtype=int)
    pack = np.ones(skus, dtype=int)
    promo = np.zeros((skus, days), dtype=bool)
    in_stock = np.ones((skus, days), dtype=bool)
    start = np.zeros(skus, dtype=int)
    dc = _common(head, days)  # one DC, so one day factor; each item's loading on it is its own
    load = head.uniform(0.0, 1.5, size=(skus, 1))

    def base(
        name: str, p: tuple[float, ...], level: tuple[float, float, float, float]
    ) -> tuple[np.random.Generator, int, np.ndarray]:
        """The segment's stream, size and base rate: log-normal level (median, sigma, low, high) x week x DC day
        factor, mean 1 (``p``: the shares of ``WEEKS``)."""
        r, i = rng[name], rows[name]
        scale = _level(r, i.size, *level)
        week[i], w = _week(r, i.size, cal, p)
        return r, i.size, scale * w * np.exp(load[i] * dc - 0.5 * load[i] ** 2 * _DC_VAR)

    def overlays(
        name: str, r: np.random.Generator, m: int, promo_share: float, out_share: float
    ) -> np.ndarray:
        i = rows[name]
        mult, promo[i] = _promotions(r, m, cal, (1.0, 3.0) if name != "promo" else (4.0, 9.0), promo_share)
        in_stock[i] = _stock_outs(r, m, days, out_share)
        return np.asarray(mult * in_stock[i])

    r, m, b = base("regular", (0.35, 0.25, 0.4), (10.0, 1.5, 1.0, 500.0))
    rate[rows["regular"]] = b * _mild_year(r, m, cal, 0.4) * overlays("regular", r, m, 0.25, 0.15)
    r, i = rng["slow"], rows["slow"]
    week[i], w = _week(r, i.size, cal, (0.25, 0.25, 0.5))
    y[i], rate[i], pack[i] = _slow(r, i.size, w)
    r, m, b = base("seasonal", (0.6, 0.25, 0.15), (40.0, 1.0, 3.0, 500.0))  # peak-season level
    rate[rows["seasonal"]] = b * _season(r, m, cal) * overlays("seasonal", r, m, 0.0, 0.15)
    r, m, b = base("trend", (0.35, 0.25, 0.4), (15.0, 1.2, 1.0, 500.0))  # mid-window level
    rate[rows["trend"]] = b * _trend(r, m, days) * overlays("trend", r, m, 0.0, 0.15)
    r, m, b = base("promo", (0.7, 0.2, 0.1), (20.0, 1.0, 2.0, 500.0))
    rate[rows["promo"]] = b * _mild_year(r, m, cal, 0.4) * overlays("promo", r, m, 1.0, 0.15)
    i = rows["short"]
    r, m, b = base("short", (0.4, 0.25, 0.35), (6.0, 1.2, 0.2, 300.0))
    start[i] = np.clip(days - r.integers(14, 301, size=m), 1, max(days - 1, 1))
    age = t - start[i, None]
    ramp = 1.0 - np.exp(-(age + 1) / r.uniform(2.0, 21.0, size=(m, 1)))
    fill = (r.random((m, 1)) < 0.4) * r.uniform(1.0, 4.0, size=(m, 1)) * np.exp(-np.maximum(age, 0) / 5.0)
    rate[i] = b * np.where(age >= 0, ramp + fill, 0.0)

    # Overdispersion of the daily factor per segment (log-uniform gamma shape): new items are the noisiest.
    for name, shape in (
        ("regular", (4.0, 60.0)),
        ("seasonal", (3.0, 30.0)),
        ("trend", (4.0, 60.0)),
        ("promo", (3.0, 30.0)),
        ("short", (2.0, 15.0)),
    ):
        y[rows[name]] = _counts(rng[name], rate[rows[name]], shape)
    return FinalFDemand(
        y=y, segment=segment, start=start, rate=rate, week=week, pack=pack, promo=promo, in_stock=in_stock
    )

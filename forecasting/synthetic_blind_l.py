"""Generator L: unseen synthetic daily demand of a convenience-store chain's DC, a blind judge of the engine.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before the
final judgement run it exists for (``bench/forecast.py --generator l``). No model family, parameter grid,
choice rule or interval formula may be chosen or kept because of figures from it; changing this module to suit
the engine is tuning too. Generators A-K had all been read when L was written, without running or reading the
engine and without computing any forecast on its data, from its own random stream, on a real calendar ending
at ``end``.

L is the distribution centre of a Japanese convenience-store chain in the Tokyo suburbs, shipping to about
600 stores what they order each day. Chilled and fresh lines ship every day of the year; ambient lines
(``grocery``, ``slow``, 40 % of ``fad``, and ``magazine``) not on Sundays nor on 1-2 January
(``Calendar.ambient``), the shipment before carrying the closed days' store orders.
Its calendar is Japan's (``public_holidays``): the sixteen national holidays under the present law (the
Happy Monday ones on their Mondays, the equinoxes from the Sun's longitude), a Sunday holiday's substitute on
the next day that is not a holiday, and a citizens' holiday on a day between two (22 September 2026). Each
item sells through a blend of office-district stores (its own share, beta-distributed, mean about 0.4) and
neighbourhood stores (``OFFICE``, ``HOME``): offices sell on working days (Saturday 0.45x, Sunday 0.32x), and
holidays and the long breaks (New Year, 29 December - 3 January, and Obon, 13-16 August) sell as Sundays;
neighbourhood stores peak on Friday to Sunday and sell 1.08x on weekday holidays, less at New Year and Obon as
Tokyo empties, 1.15x on New Year's Eve. Each item's blend times its own log-normal weekday factors (sd 0.05)
has a mean of 1 over the window (``event`` and ``magazine`` keep their own dates instead). Weather
(``weather``, shared, its own stream): Tokyo temperatures on a yearly curve plus an AR(1) anomaly, rain from a
wet-or-dry Markov chain with the rainy season, and about 1.8 typhoons a year from late July to October. The
store count (``chain``, shared by every item) grows 1-4 % a year, and on one day between 30 % and 70 % into
the window the DC takes over stores from a closing neighbour: everything steps up 6-12 % for good. The
calendar, the events' dates, the weather and the store count are in ``forecasting.synthetic_blind_l_calendar``. The window ends on Sunday 18 October 2026 (``DEFAULT_END``)
unless told otherwise. Counts are Poisson-lognormal (each day's rate times a log-normal of mean 1, each
item's sd uniform in its segment's range), except ``slow`` items, compound Poisson.

- ``daily``: fresh foods (rice balls 35 %, bread 25 %, noodles and boxed meals 25 %, salads 15 %), median
  about 25 a day (log-normal sd 0.8), a log-linear trend (-0.15 to +0.15 a year), sd 0.08-0.3; rain keeps
  shoppers in (each item 3-15 % less on wet days), a typhoon day sells 0.5x, and rice balls and bread 1.3x
  on the two days before one. The chain's sale weeks (about 5 a year, each from a Tuesday for 7 days, on one
  category; 70 % of its items take part) lift sales 1.3-2x (each item times a log-normal, sd 0.15); fresh food
  cannot be bought ahead, so no dip follows.
- ``grocery``: ambient drinks (50 %: exp(b (0.6 T + 0.4 T7 - 17 °C)) of the day's and the trailing week's
  temperature, b 0.02-0.06, over its mean in the window), stockpile lines (30 %: water, instant noodles,
  retort food: 2-4x on the two days before a typhoon, 0.5x on the day, 0.75x for 4 days after) and snacks
  (20 %), median about 12 (sd 0.9), a log-linear trend (-0.1 to +0.15 a year), sd 0.05-0.25, 2-10 % less on
  wet days, 0.6x on typhoon days for drinks and snacks. Makers raise prices on 1 April or 1 October (about 0.8 rises a year an
  item, at most 2): 5-20 % at an elasticity of 0.5-1.5, a lasting step down. 12 % of items hit one supplier
  shortage of 7-35 days in which only 0-40 % of each day's orders are shipped (censored sales).
- ``hot``: hot-counter lines, listed only in their season, zero off it: oden (40 %, from about 25 August to
  about 30 April), steamed buns (35 %, about 10 September to 15 April) and hot canned drinks (25 %, about 1
  October to 30 April); each year's dates are the chain's (+-10 days at the start, +-15 at the end). Median
  about 6 in season (sd 0.7), sd 0.1-0.3, exp(-b (T - 15 °C)) on the trailing week's temperature (b 0.06-0.14,
  at most 5x); on each season's first day stores are stocked (2-4x the item's level on top), and oden has one
  or two sales a season (7 days at 1.8-2.5x for every oden item). 20 % are new this season (``start``: the
  latest season's first day in the window).
- ``fad``: new products, launched on Tuesdays (the chain's new-product day), from 150 days before the window
  to 7 days before its end (``start``; zero before it), 40 % ambient. On the launch day stores are stocked
  (2-5x the peak on top); then the rate falls from a peak of about 15 (sd 0.9) to a plateau of 10-50 % of it
  (time constant 5-30 days). 55 % are delisted after 4-20 weeks (zero from a Tuesday on; those due within
  the window's first 14 days stay instead), 30 % stay,
  and 15 % are hits: word of mouth adds a hump of 1-3x the peak at 7-21 days, and the maker cannot keep up,
  so shipments are capped at 0.6-1x the peak for 14-42 days after launch (censored sales). sd 0.1-0.35.
- ``event``: pre-order and gift goods of one event each, zero on every other day (``event_days``): Setsubun
  rolls (20 %, the eve of Risshun from the Sun's longitude), Christmas cakes (20 %) and chicken (10 %),
  New Year osechi boxes (10 %), eel on the Doyo days of the Ox (15 %; a second Ox day sells 0.35x), Valentine
  chocolates (10 %, the last two weeks), Mother's Day gifts (5 %), Hinamatsuri food (5 %), Halloween sweets
  (5 %, through October). About 120 units an event (sd 1.0; each year times a log-normal, sd 0.25), spread
  over each event's few days as ``KERNELS`` says; sd 0.1-0.2. Segment mean about 98.5 % zero days.
- ``magazine``: weekly (55 %, on the title's weekday, Monday to Friday) and monthly (45 %, on its day of the
  month) magazines and manga, about 50 copies an issue (sd 1.0), log growth -0.35 to -0.02 a year, each issue
  times a log-normal (sd 0.2), 12 % of issues with a gift appendix (1.5-2.5x); top-up orders of 5-15 % on the
  next day magazines ship and a third of that on the one after. A release on a Sunday, a holiday or 1-2 January comes
  the day before that is none. Weekly titles skip the issues of Golden Week (30 April - 6 May), Obon (12-18
  August) and New Year (29 December - 5 January), the issue before being a double one (1.3x); December
  monthlies sell 1.4x. 6 % of titles stop for good from a day in the last three quarters. sd 0.05-0.15.
- ``slow``: the ambient long tail (stationery, cosmetics, batteries, household goods): store orders are
  Poisson at 0.015-0.5 a day (log-uniform, times the week and the store count), each of one inner pack (1 unit
  for 70 % of items, else 3, 5, 6 or 10). 18 % are rain goods (umbrellas, ponchos): 0.008-0.06 orders a day,
  times 1 + u on rain after a dry day (u 5-15) plus 1.5 on any wet day. 35 % are dying out (-1.2 to -0.3 a
  year in logs, the rest -0.1 to +0.1), 8 % are discontinued from a day in the second half, and 6 % were
  listed 60-400 days before the end (``start``; a Saturday when that falls on a Sunday, as Saturday ships its
  orders). Segment mean about 89 % zero days (Sundays and 1-2 January included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from forecasting.synthetic_blind_l_calendar import (
    DEFAULT_END,
    Calendar,
    Weather,
    calendar,
    chain,
    event_days,
    seasons,
    weather,
)

SEGMENTS = ("daily", "grocery", "hot", "fad", "event", "magazine", "slow")
MIX: tuple[float, ...] = (0.20, 0.16, 0.07, 0.15, 0.05, 0.07, 0.30)
"""Expected share of each of ``SEGMENTS``."""
EVENTS = ("ehomaki", "cake", "chicken", "osechi", "eel", "valentine", "mothers_day", "hina", "halloween")
EVENT_MIX = (0.2, 0.2, 0.1, 0.1, 0.15, 0.1, 0.05, 0.05, 0.05)
"""Share of each of ``EVENTS`` among ``event`` items."""
KERNELS: dict[str, tuple[int, tuple[float, ...]]] = {
    "ehomaki": (-2, (0.03, 0.07, 0.9)),
    "cake": (-2, (0.05, 0.2, 0.5, 0.25)),
    "chicken": (-1, (0.15, 0.55, 0.3)),
    "osechi": (-1, (0.3, 0.7)),
    "eel": (-1, (0.12, 0.8, 0.08)),
    "valentine": (-13, (*(float(k) for k in range(1, 13)), 30.0, 40.0)),
    "mothers_day": (-2, (0.15, 0.35, 0.5)),
    "hina": (-2, (0.15, 0.3, 0.55)),
    "halloween": (-30, tuple(1.0 + k / 10.0 for k in range(31))),
}
"""Each event's sales by day: the first day's offset from the event day and weights (scaled to sum to 1)."""
L_SEED = 83_659
_STREAM = 0x2C5D  # keys the random stream, so equal seed numbers never replay generator A's to K's draws
_YEAR = 365.25


@dataclass(frozen=True)
class BlindLDemand:
    y: np.ndarray  # (n, days) units shipped per day, oldest first, whole numbers
    start: np.ndarray  # (n,) first listed day; > 0 for new products, new hot lines and new slow lines only
    segment: np.ndarray  # (n,) index into ``names``
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class _World:
    """What every item shares: the calendar, the weather and the store count."""

    cal: Calendar
    wx: Weather
    stores: np.ndarray  # (days,)
    end: date

    @property
    def days(self) -> int:
        return int(self.cal.day.size)


def _week(rng: np.random.Generator, m: int, cal: Calendar) -> np.ndarray:
    """(m, days) each item's blend of office and neighbourhood stores' days, a mean of 1 over the window."""
    office = rng.beta(1.5, 2.2, size=(m, 1))
    own = rng.lognormal(0.0, 0.05, size=(m, 7))[:, cal.weekday]
    f = (office * cal.office + (1.0 - office) * cal.home) * own
    return np.asarray(f / f.mean(axis=1, keepdims=True))


def _trend(rng: np.random.Generator, m: int, days: int, lo: float, hi: float) -> np.ndarray:
    slope = rng.uniform(lo, hi, size=(m, 1)) / _YEAR
    return np.asarray(np.exp(slope * (np.arange(days) - days / 2.0)))


def _ship(rate: np.ndarray, cal: Calendar) -> np.ndarray:
    """Ambient lines: each shipping day carries its own orders and those of the closed days after it."""
    c = np.cumsum(np.pad(rate, ((0, 0), (1, 0))), axis=1)
    ship = np.flatnonzero(cal.ambient)
    out = np.zeros_like(rate)
    out[:, ship] = c[:, np.r_[ship[1:], cal.ambient.size]] - c[:, ship]
    return out


def _listed(shipped: np.ndarray, start: np.ndarray) -> np.ndarray:
    """First listed days: ``start``, or the shipping day before it when that carries its first orders."""
    first = np.where((shipped > 0).any(axis=1), np.argmax(shipped > 0, axis=1), start)
    return np.asarray(np.where(start > 0, np.minimum(start, first), 0))


def _counts(rng: np.random.Generator, rate: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Poisson-lognormal counts: each day's rate times a log-normal of mean 1 (each row's sd in lo-hi)."""
    sd = rng.uniform(lo, hi, size=(rate.shape[0], 1))
    z = rng.standard_normal(rate.shape)
    return rng.poisson(np.maximum(rate, 0.0) * np.exp(sd * z - sd * sd / 2.0)).astype(float)


def _daily(rng: np.random.Generator, m: int, w: _World) -> np.ndarray:
    cal, wx, days = w.cal, w.wx, w.days
    rate = rng.lognormal(np.log(25.0), 0.8, size=(m, 1)) * _week(rng, m, cal)
    rate *= _trend(rng, m, days, -0.15, 0.15) * (1.0 - rng.uniform(0.03, 0.15, size=(m, 1)) * wx.wet)
    category = rng.choice(4, p=[0.35, 0.25, 0.25, 0.15], size=m)
    eve = (wx.until >= 1) & (wx.until <= 2)
    rate *= np.where(wx.typhoon, 0.5, np.where(eve & (category[:, None] < 2), 1.3, 1.0))
    for _ in range(int(rng.poisson(5.0 * days / 365.0))):  # the chain's sale weeks
        s = int(rng.integers(-6, days))
        s += (1 - int(cal.weekday[0]) - s) % 7  # the Tuesday on or after
        target, lift = rng.integers(0, 4), rng.uniform(1.3, 2.0)
        part = np.flatnonzero((category == target) & (rng.random(m) < 0.7))
        jitter = rng.lognormal(0.0, 0.15, size=(part.size, 1))
        rate[part, max(s, 0) : s + 7] *= np.maximum(lift * jitter, 1.0)
    return _counts(rng, rate * w.stores, 0.08, 0.3)


def _grocery(rng: np.random.Generator, m: int, w: _World) -> np.ndarray:
    cal, wx, days = w.cal, w.wx, w.days
    rate = rng.lognormal(np.log(12.0), 0.9, size=(m, 1)) * _week(rng, m, cal)
    rate *= _trend(rng, m, days, -0.1, 0.15) * (1.0 - rng.uniform(0.02, 0.1, size=(m, 1)) * wx.wet)
    kind = rng.choice(3, p=[0.5, 0.3, 0.2], size=(m, 1))  # drinks, stockpile lines, snacks
    heat = np.exp(rng.uniform(0.02, 0.06, size=(m, 1)) * (0.6 * wx.temp + 0.4 * wx.warm - 17.0))
    heat /= heat.mean(axis=1, keepdims=True)
    eve = (wx.until >= 1) & (wx.until <= 2)
    after = (wx.since >= 1) & (wx.since <= 4)
    stock = np.where(eve, 1.0 + rng.uniform(1.0, 3.0, size=(m, 1)), np.where(after, 0.75, 1.0))
    rate *= np.where(kind == 0, heat, 1.0) * np.where(kind == 1, stock, 1.0)
    rate *= np.where(wx.typhoon, np.where(kind == 1, 0.5, 0.6), 1.0)
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    firsts = np.flatnonzero((cal.day == cal.day.astype("datetime64[M]")) & ((month == 4) | (month == 10)))
    if firsts.size:  # makers' price rises: a lasting step down, no buying ahead at a convenience store
        rises = np.minimum(rng.poisson(0.8 * days / 365.0, size=m), 2)
        for k in range(2):
            on = np.flatnonzero(rises > k)
            at = rng.choice(firsts, size=(on.size, 1))
            step = (1.0 + rng.uniform(0.05, 0.2, size=(on.size, 1))) ** -rng.uniform(
                0.5, 1.5, size=(on.size, 1)
            )
            rate[on] *= np.where(np.arange(days) >= at, step, 1.0)
    y = _counts(rng, _ship(rate * w.stores, cal), 0.05, 0.25)
    short = np.flatnonzero(rng.random(m) < 0.12)  # supplier shortages: only part of each day's orders ship
    first = rng.integers(0, days, size=short.size)
    length = rng.integers(7, 36, size=short.size)
    fill = rng.uniform(0.0, 0.4, size=short.size)
    for r, a, n, f in zip(short, first, length, fill, strict=True):
        y[r, a : a + n] = rng.binomial(y[r, a : a + n].astype(np.int64), f)
    return y


def _hot(rng: np.random.Generator, m: int, w: _World) -> tuple[np.ndarray, np.ndarray]:
    cal, days = w.cal, w.days
    season = seasons(rng, cal, w.end)
    family = rng.choice(3, p=[0.4, 0.35, 0.25], size=m)
    level = rng.lognormal(np.log(6.0), 0.7, size=(m, 1))
    cold = np.minimum(np.exp(-rng.uniform(0.06, 0.14, size=(m, 1)) * (w.wx.warm - 15.0)), 5.0)
    rate = level * _week(rng, m, cal) * cold * season[family]
    opened = season & ~np.pad(season, ((0, 0), (1, 0)))[:, :-1]
    opened[:, 0] = False  # a season open on the first day was opened before the window
    rate += level * rng.uniform(2.0, 4.0, size=(m, 1)) * opened[family]  # stores stocked for the season
    sale = np.ones(days)
    runs = np.flatnonzero(np.diff(np.r_[0, season[0].astype(int), 0]))
    for s, e in zip(runs[0::2], runs[1::2], strict=True):  # oden sales, for every oden item
        for _ in range(1 + int(rng.random() < 0.5)):
            a = int(rng.integers(s + 7, max(e - 14, s + 8)))
            sale[a : min(a + 7, e)] *= rng.uniform(1.8, 2.5)
    rate[family == 0] *= sale
    latest = np.array([np.flatnonzero(o)[-1] if o.any() else 0 for o in opened])
    start = np.where((rng.random(m) < 0.2) & (latest[family] > 0), latest[family], 0)
    rate[np.arange(days)[None, :] < start[:, None]] = 0.0
    return _counts(rng, rate * w.stores, 0.1, 0.3), start


def _fad(rng: np.random.Generator, m: int, w: _World) -> tuple[np.ndarray, np.ndarray]:
    cal, days = w.cal, w.days
    launch = rng.integers(-150, max(days - 7, -149), size=(m, 1))
    launch += (1 - int(cal.weekday[0]) - launch) % 7  # the Tuesday on or after
    t = np.arange(days)[None, :]
    a = np.maximum(t - launch, 0)
    peak = rng.lognormal(np.log(15.0), 0.9, size=(m, 1))
    floor, tau = rng.uniform(0.1, 0.5, size=(m, 1)), rng.uniform(5.0, 30.0, size=(m, 1))
    fate = rng.choice(3, p=[0.55, 0.3, 0.15], size=(m, 1))  # delisted, stays, a hit
    x = a / rng.uniform(7.0, 21.0, size=(m, 1))
    hump = np.where(fate == 2, rng.uniform(1.0, 3.0, size=(m, 1)) * x * x * np.exp(2.0 * (1.0 - x)), 0.0)
    rate = peak * (floor + (1.0 - floor) * np.exp(-a / tau) + hump) * (t >= launch)
    rate *= _week(rng, m, cal) * (1.0 - rng.uniform(0.0, 0.1, size=(m, 1)) * w.wx.wet)
    rate += peak * rng.uniform(2.0, 5.0, size=(m, 1)) * (t == launch)  # stores stocked on launch day
    delist = launch + 7 * rng.integers(4, 21, size=(m, 1))
    rate[(fate == 0) & (delist >= 14) & (t >= delist)] = 0.0  # those gone within 14 days stay instead
    ambient = rng.random(m) < 0.4
    rate *= w.stores
    rate[ambient] = _ship(rate[ambient], cal)
    y = _counts(rng, rate, 0.1, 0.35)
    cap = np.maximum(np.floor(rng.uniform(0.6, 1.0, size=(m, 1)) * peak), 1.0)
    capped = (fate == 2) & (t > launch) & (t - launch <= rng.integers(14, 43, size=(m, 1)))
    return np.where(capped, np.minimum(y, cap), y), _listed(rate, np.maximum(launch[:, 0], 0))


def _event(rng: np.random.Generator, m: int, w: _World) -> np.ndarray:
    cal, days = w.cal, w.days
    kind = rng.choice(len(EVENTS), p=EVENT_MIX, size=m)
    level = rng.lognormal(np.log(120.0), 1.0, size=(m, 1))
    rate = np.zeros((m, days))
    first = int(cal.day[0].astype("datetime64[Y]").astype(int)) + 1970
    for k, name in enumerate(EVENTS):
        offset, weights = KERNELS[name]
        share = np.asarray(weights) / sum(weights)
        shapes = []
        for y in range(first, w.end.year + 2):
            for j, d in enumerate(event_days(y)[name]):  # a second Ox day sells 0.35x
                at = (
                    int((np.datetime64(d, "D") - cal.day[0]).astype(np.int64))
                    + offset
                    + np.arange(share.size)
                )
                inside = (at >= 0) & (at < days)
                if inside.any():
                    shapes.append(np.zeros(days))
                    shapes[-1][at[inside]] = share[inside] * (0.35 if j else 1.0)
        rows = np.flatnonzero(kind == k)
        if shapes and rows.size:
            yearly = rng.lognormal(0.0, 0.25, size=(rows.size, len(shapes)))
            rate[rows] = level[rows] * (yearly @ np.asarray(shapes))
    return _counts(rng, rate * w.stores, 0.1, 0.2)


def _magazine(rng: np.random.Generator, m: int, w: _World) -> np.ndarray:
    cal, days = w.cal, w.days
    weekly = rng.random((m, 1)) < 0.55
    weekday = rng.choice(5, p=[0.3, 0.1, 0.2, 0.3, 0.1], size=(m, 1))
    dom = rng.choice(np.array([5, 7, 10, 15, 17, 20, 23, 25, 28]), size=(m, 1))
    month = cal.day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of = (cal.day - cal.day.astype("datetime64[M]")).astype(np.int64) + 1
    merged = (
        ((month == 4) & (day_of >= 30))
        | ((month == 5) & (day_of <= 6))
        | ((month == 8) & (day_of >= 12) & (day_of <= 18))
        | ((month == 12) & (day_of >= 29))
        | ((month == 1) & (day_of <= 5))
    )
    double = np.r_[merged[7:], np.zeros(min(7, days), dtype=bool)] & ~merged  # next week's issue skipped
    nominal = np.where(weekly, (cal.weekday == weekday) & ~merged, day_of == dom)
    size = np.where(weekly, np.where(double, 1.3, 1.0), np.where(month == 12, 1.4, 1.0))
    idx = np.arange(days)
    sale_day = cal.ambient & ~cal.holiday  # magazines go on sale only on these days
    prev = np.maximum.accumulate(np.where(sale_day, idx, -1))
    nxt = np.r_[np.minimum.accumulate(np.where(sale_day, idx, days)[::-1])[::-1], days, days]
    r, c = np.nonzero(nominal)
    on = prev[c]
    r, c, on = r[on >= 0], c[on >= 0], on[on >= 0]
    vol = rng.lognormal(np.log(50.0), 1.0, size=m)
    decline = rng.uniform(-0.35, -0.02, size=m) / _YEAR
    issue = vol[r] * np.exp(decline[r] * (c - days / 2.0)) * size[r, c] * rng.lognormal(0.0, 0.2, size=r.size)
    issue *= np.where(rng.random(r.size) < 0.12, rng.uniform(1.5, 2.5, size=r.size), 1.0)  # gift appendix
    top = rng.uniform(0.05, 0.15, size=m)[r] * issue
    second = nxt[on + 1]
    rate = np.zeros((m, days + 2))  # the last two columns catch top-ups beyond the window
    np.add.at(rate, (r, on), issue)
    np.add.at(rate, (r, second), top)
    np.add.at(rate, (r, nxt[np.minimum(second + 1, days + 1)]), top / 3.0)
    rate = rate[:, :days] * w.stores
    stop = rng.integers(days // 4, max(days, days // 4 + 1), size=(m, 1))
    rate[(rng.random((m, 1)) < 0.06) & (idx >= stop)] = 0.0  # titles that stop for good
    return _counts(rng, rate, 0.05, 0.15)


def _slow(rng: np.random.Generator, m: int, w: _World) -> tuple[np.ndarray, np.ndarray]:
    cal, wx, days = w.cal, w.wx, w.days
    rain = rng.random((m, 1)) < 0.18
    lam = np.exp(
        np.where(
            rain,
            rng.uniform(np.log(0.008), np.log(0.06), size=(m, 1)),
            rng.uniform(np.log(0.015), np.log(0.5), size=(m, 1)),
        )
    )
    lam = lam * np.where(rain, 1.0 + rng.uniform(5.0, 15.0, size=(m, 1)) * wx.onset + 1.5 * wx.wet, 1.0)
    dying = rng.random((m, 1)) < 0.35
    slope = np.where(dying, rng.uniform(-1.2, -0.3, size=(m, 1)), rng.uniform(-0.1, 0.1, size=(m, 1)))
    t = np.arange(days)[None, :]
    lam = lam * _week(rng, m, cal) * np.exp(slope / _YEAR * (t - days / 2.0)) * w.stores
    stop = rng.integers(days // 2, max(days, days // 2 + 1), size=(m, 1))
    lam[(rng.random((m, 1)) < 0.08) & (t >= stop)] = 0.0  # discontinued
    late = np.clip(rng.integers(days - 400, days - 59, size=m), 1, max(days - 1, 1))
    start = np.where(rng.random(m) < 0.06, late, 0)
    start = np.minimum(start, days - 1)
    lam[t < start[:, None]] = 0.0
    pack = np.where(rng.random(m) < 0.7, 1.0, rng.choice(np.array([3.0, 5.0, 6.0, 10.0]), size=m))
    shipped = _ship(lam, cal)
    return pack[:, None] * rng.poisson(shipped), _listed(shipped, start)


def blind_l_demand(
    skus: int = 10_000,
    days: int = 730,
    seed: int = L_SEED,
    end: date = DEFAULT_END,
    mix: tuple[float, ...] = MIX,
) -> BlindLDemand:
    """``skus`` series of ``days`` (at least 1) days ending on ``end``; ``mix``: each segment's expected share."""
    # A child stream per segment, so that a segment's draws depend only on its own size.
    head, *streams = (
        np.random.default_rng(s) for s in np.random.SeedSequence([_STREAM, seed]).spawn(1 + len(SEGMENTS))
    )
    stores = chain(head, days)  # drawn first, so the store count does not depend on ``skus`` or ``mix``
    shares = np.asarray(mix, dtype=float)
    segment = head.choice(len(SEGMENTS), size=skus, p=shares / shares.sum())
    world = _World(calendar(days, end), weather(days, seed, end), stores, end)
    y = np.zeros((skus, days))
    start = np.zeros(skus, dtype=np.int64)
    rows = [np.flatnonzero(segment == k) for k in range(len(SEGMENTS))]
    for k, plain in ((0, _daily), (1, _grocery), (4, _event), (5, _magazine)):
        y[rows[k]] = plain(streams[k], rows[k].size, world)
    for k, listed in ((2, _hot), (3, _fad), (6, _slow)):  # these also say when each item was first listed
        y[rows[k]], start[rows[k]] = listed(streams[k], rows[k].size, world)
    return BlindLDemand(y=y, start=start, segment=segment)

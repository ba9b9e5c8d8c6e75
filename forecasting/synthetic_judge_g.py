"""Generator G: the unseen synthetic daily demand of a wholesaler, the next final judge of the forecast engine.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before the
final judgement run (``bench/forecast.py --generator g``). No model family, parameter grid, choice rule or
interval formula may be chosen or kept because of figures from it; changing this module to suit the engine
is tuning too. Generators A-F had all been looked at when G was written, without running the engine on it,
from its own random stream, on a real calendar ending at ``end``.

A-F draw each item's daily rate and then counts around it. G is a spare-parts (MRO) and food-service
wholesaler whose demand is built from orders: each item has a few key accounts that order on their own
cadence (weekly or fortnightly on a weekday, or monthly on a day of the month), a day early or late now and
then, sometimes not at all, in sizes that cluster at 1/2x, 1x and 2x the account's usual number of packs;
on top, walk-in trade: Poisson visits buying 1, 2, 5 or 10 packs. 45 % of items go through the trade
counter, shut at weekends (orders due then slide to Monday); the rest are open every day. 15 % of accounts
are schools and canteens that order nothing in their breaks, and 4 % of the accounts of ``accounts``,
``counter``, ``seasonal`` and ``repriced`` items are won or lost part-way. The price list is revised every 1 February and
1 August: most items move a few per cent (a small step in demand), repriced items once by 15-35 %. Every
daily quantity is a whole number of the item's selling pack.

- ``accounts``: 1-6 key accounts plus light walk-in trade.
- ``counter``: spare parts sold mostly over the counter (0 or 1 account), sparse.
- ``churn``: as ``accounts``, but the biggest account (2-4x the others) is won or lost part-way.
- ``seasonal``: a yearly season (summer, winter or autumn) of 40-90 days either side of the peak at 2-6x the
  off-season: accounts order less often and less, walk-in trade thins out.
- ``repriced``: as ``accounts``, with one price-list change of 15-35 % up or down, demand elasticity 1-2.5.
- ``new``: listed 30-300 days before the end (``start``); accounts take it up one by one, walk-in ramps up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

SEGMENTS: tuple[str, ...] = ("accounts", "counter", "churn", "seasonal", "repriced", "new")
MIX: tuple[float, ...] = (0.34, 0.28, 0.12, 0.10, 0.08, 0.08)
"""Expected share of each of ``SEGMENTS``."""
CADENCES: tuple[str, ...] = ("weekly", "fortnightly", "monthly")
SEASONS: tuple[str, ...] = ("summer", "winter", "autumn")
PACKS: tuple[int, ...] = (1, 4, 6, 10, 12, 24)
WALK_IN_SIZES: tuple[int, ...] = (1, 2, 5, 10)  # packs a walk-in customer buys
G_SEED = 36_473
DEFAULT_END = date(2026, 6, 12)  # a Friday
_STREAM = 0x6A71  # keys the random stream, so equal seed numbers never replay generator A's to F's draws
_YEAR = 365.25
_PEAKS = np.array([196.0, 20.0, 290.0])  # day of year of each of ``SEASONS``' peak
_REVISIONS = ((2, 1), (8, 1))  # (month, day) of the price-list revisions
_BREAKS = ((0, 4), (95, 109), (201, 246), (354, 366))  # school and canteen breaks, days of the year
_WALK_P = np.array([0.55, 0.25, 0.14, 0.06])
_JITTER = np.array([-1, 0, 1])
_JITTER_P = np.array([0.1, 0.75, 0.15])  # an account's order a day early, on time, a day late
_SLIDE = np.tile(
    [0, 0, 0, 0, 0, 2, 1], 3
)  # days to slide, Monday to Sunday: a shut weekend's orders to Monday
_WEEK = np.array(
    [[1.0, 1.0, 1.0, 1.0, 1.1, 1.3, 0.6], [1.05, 1.0, 1.0, 1.0, 0.95, 0.0, 0.0]]  # open 7 days; shut weekends
)


@dataclass(frozen=True)
class Accounts:
    """The key accounts, one row per account, and their orders, one row per order."""

    item: np.ndarray  # (c,) the SKU it buys
    cadence: np.ndarray  # (c,) index into ``CADENCES``
    usual: np.ndarray  # (c,) usual order in packs
    on: np.ndarray  # (c,) first day it may order
    off: np.ndarray  # (c,) first day it no longer orders (``days``: never stops)
    institutional: np.ndarray  # (c,) bool: a school or canteen, nothing ordered in its breaks
    order_account: np.ndarray  # (o,) index into the rows above
    order_day: np.ndarray  # (o,)
    order_qty: np.ndarray  # (o,) units, a whole number of packs


@dataclass(frozen=True)
class JudgeGDemand:
    y: np.ndarray  # (n, days) units sold per day, whole numbers
    segment: np.ndarray  # (n,) index into ``names``
    start: np.ndarray  # (n,) first listed day; > 0 for ``new`` only
    rate: np.ndarray  # (n, days) expected sales given the drawn accounts, churn, seasons and prices
    pack: np.ndarray  # (n,) selling pack: every daily quantity is a multiple of it
    weekend_closed: np.ndarray  # (n,) bool: trade-counter item, nothing sold on Saturday and Sunday
    season: np.ndarray  # (n,) index into ``SEASONS``; -1 for none
    step: np.ndarray  # (n,) log demand step at ``step_day`` (repriced items; 0 for others)
    step_day: np.ndarray  # (n,) the price-list revision of the step; -1 for none
    accounts: Accounts
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class Calendar:
    weekday: np.ndarray  # (days,) 0 = Monday
    year_day: np.ndarray  # (days,) 0 = 1 January
    month_start: np.ndarray  # (months,) day index of the first of each month touching the window (<= 0 first)
    revision: np.ndarray  # (r,) day indices of the price-list revisions inside the window, ascending


def calendar(days: int, end: date = DEFAULT_END) -> Calendar:
    last = np.datetime64(end, "D")
    first = last - (days - 1)
    day = first + np.arange(days)
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    months = np.arange(first.astype("datetime64[M]"), last.astype("datetime64[M]") + 1)
    month_start = (months.astype("datetime64[D]") - first).astype(np.int64)
    years = range(first.astype("datetime64[Y]").astype(int) + 1970, end.year + 1)
    rev = [(np.datetime64(date(y, m, d), "D") - first).astype(int) for y in years for m, d in _REVISIONS]
    revision = np.array(sorted(r for r in rev if 0 < r < days), dtype=np.int64)
    return Calendar((day.astype(np.int64) + 3) % 7, year_day, month_start, revision)  # 1970-01-01: Thursday


def _season(rng: np.random.Generator, m: int, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """Kind and (m, days) factor, 1 at the peak: a raised cosine 40-90 days either side of the peak over a
    floor 2-6x lower."""
    kind = rng.integers(0, len(SEASONS), size=m)
    peak = (_PEAKS[kind] + rng.normal(0.0, 10.0, size=m))[:, None]
    dist = np.abs((cal.year_day[None, :] - peak + _YEAR / 2) % _YEAR - _YEAR / 2)  # days from the peak
    half = rng.uniform(40.0, 90.0, size=(m, 1))
    floor = 1.0 / rng.uniform(2.0, 6.0, size=(m, 1))
    return kind, floor + (1.0 - floor) * 0.5 * (1.0 + np.cos(np.pi * np.minimum(dist / half, 1.0)))


def _price(
    rng: np.random.Generator, segment: np.ndarray, cal: Calendar, days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Demand factor of the price list, as (n, r + 1) factors per list and (days,) the list in force each day,
    and the repriced items' log step and its day. Ordinary revisions raise prices 3 % +- 2 % at elasticity
    0.3-1.2; a repriced item's one big change is 15-35 % either way at elasticity 1-2.5."""
    n, r = segment.size, cal.revision.size
    log_step = -rng.normal(0.03, 0.02, size=(n, r)) * rng.uniform(0.3, 1.2, size=(n, 1))
    big = (segment == SEGMENTS.index("repriced")) & (r > 0)
    which = rng.integers(0, max(r, 1), size=n)
    change = rng.choice([-1.0, 1.0], size=n) * rng.uniform(0.15, 0.35, size=n) * rng.uniform(1.0, 2.5, size=n)
    step = np.where(big, change, 0.0)
    if r:
        log_step[big, which[big]] = step[big]
    level = np.concatenate([np.zeros((n, 1)), np.cumsum(log_step, axis=1)], axis=1)
    period = np.searchsorted(cal.revision, np.arange(days), side="right")  # revisions in force each day
    step_day = np.where(big, cal.revision[np.minimum(which, r - 1)] if r else -1, -1)
    return np.exp(level), period, step, step_day


def _accounts(
    rng: np.random.Generator, segment: np.ndarray, start: np.ndarray, days: int
) -> tuple[np.ndarray, ...]:
    """Per account: item, cadence, usual packs, on, off, institutional."""
    seg = dict(zip(SEGMENTS, range(len(SEGMENTS)), strict=True))
    count = np.where(
        segment == seg["counter"], rng.random(segment.size) < 0.3, 1 + rng.binomial(5, 0.45, segment.size)
    )
    count = np.where(segment == seg["churn"], 2 + rng.binomial(4, 0.4, segment.size), count)
    item = np.repeat(np.arange(segment.size), count)
    c = item.size
    first = np.r_[True, item[1:] != item[:-1]]  # each item's first account: the big one on churn items
    cadence = rng.choice(len(CADENCES), size=c, p=[0.4, 0.3, 0.3])
    usual = np.clip(np.rint(rng.lognormal(np.log(2.5), 0.8, size=c)), 1, 60)
    churn = first & (segment[item] == seg["churn"])
    usual = np.where(churn, np.rint(usual * rng.uniform(2.0, 4.0, size=c)), usual)
    on, off = np.zeros(c, dtype=np.int64), np.full(c, days, dtype=np.int64)
    when = rng.integers(min(60, days // 4), max(days - 40, days // 2), size=c)
    won = rng.random(c) < 0.45
    rare = (rng.random(c) < 0.04) & ~np.isin(segment[item], [seg["churn"], seg["new"]])
    on = np.where((churn | rare) & won, when, on)
    off = np.where((churn | rare) & ~won, when, off)
    new = segment[item] == seg["new"]
    on = np.where(new, start[item] + np.rint(rng.exponential(25.0, size=c)).astype(np.int64), on)
    return item, cadence, usual, on, off, rng.random(c) < 0.15


def _schedule(rng: np.random.Generator, cadence: np.ndarray, cal: Calendar, days: int) -> np.ndarray:
    """(c, k) due days: weekly or fortnightly on a weekday (mostly Monday to Friday), or monthly on a day of
    the month (40 % on the 1st); days >= ``days`` are padding."""
    c, k = cadence.size, days // 7 + 2
    weekday = rng.choice(7, size=c, p=[0.26, 0.2, 0.2, 0.18, 0.12, 0.03, 0.01])
    period = np.where(cadence == 0, 7, 14)
    first = (weekday - cal.weekday[0]) % 7 + 7 * (rng.random(c) < 0.5) * (cadence == 1)
    due = first[:, None] + period[:, None] * np.arange(k)[None, :]
    dom = np.where(rng.random(c) < 0.4, 1, rng.integers(1, 29, size=c))
    months = np.full(k, days, dtype=np.int64)
    months[: min(k, cal.month_start.size)] = cal.month_start[:k]
    monthly = months[None, :] + dom[:, None] - 1
    return np.where((cadence == 2)[:, None], np.where(monthly < 0, days, monthly), due)


def judge_g_demand(
    skus: int = 10_000,
    days: int = 730,
    seed: int = G_SEED,
    end: date = DEFAULT_END,
    mix: tuple[float, ...] = MIX,
) -> JudgeGDemand:
    """``skus`` series of ``days`` days ending on ``end``; ``mix``: the expected share of each segment."""
    head, items, book, walk = (
        np.random.default_rng(s) for s in np.random.SeedSequence([_STREAM, seed]).spawn(4)
    )
    shares = np.asarray(mix, dtype=float)
    segment = head.choice(len(SEGMENTS), size=skus, p=shares / shares.sum())
    cal = calendar(days, end)
    is_ = {name: segment == k for k, name in enumerate(SEGMENTS)}

    counter = is_["counter"]
    pack = np.where(counter, items.choice([1, 1, 1, 2, 5, 10], size=skus), items.choice(PACKS, size=skus))
    closed = items.random(skus) < 0.45
    start = np.where(is_["new"], np.clip(days - items.integers(30, 301, size=skus), 1, max(days - 30, 1)), 0)
    kind = np.full(skus, -1)
    kind[is_["seasonal"]], season = _season(items, int(is_["seasonal"].sum()), cal)
    srow = np.cumsum(is_["seasonal"]) - 1  # row in ``season`` of a seasonal item
    lists, in_force, step, step_day = _price(items, segment, cal, days)

    item, cadence, usual, on, off, inst = _accounts(book, segment, start, days)
    skip = book.uniform(0.02, 0.15, size=item.size)
    half = book.uniform(0.0, 0.1, size=item.size)
    double = book.uniform(0.05, 0.25, size=item.size)
    due = _schedule(book, cadence, cal, days)
    acc, due = np.nonzero(due <= days)[0], due[due <= days]  # one entry per order due; padding dropped
    sku = item[acc]
    # Whether each day falls in the schools' and canteens' breaks; padded, for orders slid past the end.
    brk = np.r_[
        np.any([(cal.year_day >= lo) & (cal.year_day < hi) for lo, hi in _BREAKS], axis=0), [False] * 8
    ]
    e_on, e_off, e_inst, e_closed = on[acc], off[acc], inst[acc], closed[sku]  # e_: one per order due
    e_usual, e_skip, e_half, e_double = usual[acc], skip[acc], half[acc], double[acc]
    e_season = np.flatnonzero(kind[sku] >= 0)
    e_srow = srow[sku[e_season]]

    weekday = (cal.weekday[0] + due) % 7

    # Accounts size an order for the day it is due: seasons act half through how often they order, half
    # through how much; prices through how much.
    d = due.clip(0, days - 1)
    often = np.ones(due.size)
    often[e_season] = np.sqrt(season[e_srow, d[e_season]])
    chance = (1.0 - e_skip) * often
    size = e_usual * often * lists.ravel()[sku * lists.shape[1] + in_force[d]]

    def land(shift: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        """Flat (SKU, day) index each order lands on, and whether it is kept: inside the window and the
        account's life, not in a break."""
        day = due + shift + e_closed * _SLIDE[weekday + shift + 7]
        keep = (day >= 0) & (day < days) & (day >= e_on) & (day < e_off)
        keep &= ~(e_inst & brk[day.clip(0, days + 7)])
        return sku * days + day, keep

    # Expected sales of the accounts: exact over timing (early, on time, late) and size clusters.
    mean = (1.0 - e_half - e_double) * np.maximum(1.0, np.rint(size))
    mean += e_half * np.maximum(1.0, np.rint(0.5 * size)) + e_double * np.maximum(1.0, np.rint(2.0 * size))
    mean *= chance * pack[sku]
    cells, weights = [], []
    for shift, p in zip(_JITTER, _JITTER_P, strict=True):
        cell, keep = land(int(shift))
        cells.append(cell[keep])
        weights.append(p * mean[keep])
    # The orders themselves: each lands early, on time or late, as drawn, or is skipped.
    cell, keep = land(_JITTER[np.searchsorted(np.cumsum(_JITTER_P), book.random(due.size), "right")])
    u = book.random(due.size)
    m = np.where(u < e_half, 0.5, np.where(u < e_half + e_double, 2.0, 1.0))
    keep &= book.random(due.size) < chance
    acc, order_cell = acc[keep], cell[keep]
    order_qty = np.maximum(1.0, np.rint(m * size))[keep] * pack[sku[keep]]

    # Walk-in trade: Poisson visits on open days, each buying 1, 2, 5 or 10 packs.
    visits = np.exp(walk.uniform(np.log(np.where(counter, 0.02, 0.05)), np.log(np.where(counter, 1.2, 2.0))))
    # One gather builds the (n, days) visit rate: visits x price list in force x weekday.
    table = (lists * visits[:, None])[:, :, None] * _WEEK[closed.astype(int)][:, None, :]
    lam = table.reshape(skus, -1)[:, in_force * 7 + cal.weekday]
    lam[is_["seasonal"]] *= season
    age = np.arange(days)[None, :] - start[is_["new"], None]
    tau = walk.uniform(5.0, 30.0, size=(age.shape[0], 1))  # days for word of a new item to get round
    lam[is_["new"]] *= np.where(age >= 0, 1.0 - np.exp(-(age + 1) / tau), 0.0)
    n = walk.poisson(lam).ravel()
    hit = np.flatnonzero(n)
    visit = np.repeat(hit, n[hit])  # one entry per visit: the flat (SKU, day) it falls on
    del n
    bought = np.asarray(WALK_IN_SIZES)[np.searchsorted(np.cumsum(_WALK_P), walk.random(visit.size), "right")]
    y = np.bincount(
        np.concatenate([order_cell, visit]),
        weights=np.concatenate([order_qty, bought * pack[visit // days]]),
        minlength=skus * days,
    )
    rate = lam
    rate *= float(_WALK_P @ np.array(WALK_IN_SIZES)) * pack[:, None]
    rate += np.bincount(
        np.concatenate(cells), weights=np.concatenate(weights), minlength=skus * days
    ).reshape(skus, days)
    order_day = order_cell % days
    return JudgeGDemand(
        y=y.reshape(skus, days),
        segment=segment,
        start=start,
        rate=rate,
        pack=pack,
        weekend_closed=closed,
        season=kind,
        step=step,
        step_day=step_day,
        accounts=Accounts(item, cadence, usual, on, off, inst, acc, order_day, order_qty),
    )

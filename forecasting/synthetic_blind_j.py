"""Generator J: unseen synthetic daily demand of a builders' merchant, a blind judge of the forecast engine.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before the
final judgement run it exists for (``bench/forecast.py --generator j``). No model family, parameter grid,
choice rule or interval formula may be chosen or kept because of figures from it; changing this module to suit
the engine is tuning too. Generators A-I had all been read when J was written, without running or reading the
engine and without computing any forecast on its data, from its own random stream, on a real calendar ending
at ``end``.

J is a Sydney builders' merchant: a trade yard selling timber, cement, plasterboard, bricks, roofing, tools
and garden lines to building contractors and to home owners, open every day but Christmas Day and Good Friday
(``shut``: nothing sells) and from 1 pm on Anzac Day (everything 0.5x). Its calendar is New South Wales's
(``public_holidays``): New Year's Day (a weekend one adds the Monday after), Australia Day (a weekend one
moves to the Monday after), Good Friday to Easter Monday, Anzac Day (never substituted), the King's Birthday
(second Monday of June), Labour Day (first Monday of October), Christmas and Boxing Day (a weekend one adds
the next weekday not yet a holiday). Each item has a week of seven weights (``WEEKS``, times its own
log-normal factors, sd 0.1, scaled to a mean of 1 over Monday-Saturday): public holidays sell as Sundays.
Trade weeks peak on Monday, Saturday is about 0.4x and Sunday 0.08x; do-it-yourself (DIY) weeks peak on
Saturday and Sunday. The medians below are of items' levels: the mean Monday-to-Saturday rate before the
calendar, weather and events. Builders' calendar (trade weeks: ``trade``, ``pricerise`` and 60 % of
``range``): the industry's rostered days off (RDOs: every fourth Monday from ``RDO_ANCHOR``, on the Tuesday
when the Monday is a public holiday, none in the shutdown) sell 0.35x; the Christmas shutdown, from the
Saturday on or before 21 December to the Sunday before the second Monday of January, 0.2x, and the 14 days
before it 1.2x (finishing jobs). DIY lines sell 1.25x over the summer holidays, 26 December to 26 January.
Rain (``weather``, shared by every item) stops sites and gardens: a wet-or-dry Markov chain (a dry day turns
wet with chance 0.12 + 0.06 cos, highest in mid-March; a wet day stays wet with chance 0.5; about 19 % of days
wet), each wet day bringing 5 mm plus an exponential amount (mean 14 + 8 cos mm, highest at the end of
January); a storm is a day of 50 mm or more (about 4 a year, three quarters of them from December to March).
On wet days trade-week lines sell 1 - e (their own e, 0.15-0.5), and the first dry working day (Monday to
Friday, not a holiday) after one or more wet working days 1 + e (work caught up); DIY lines sell 1 - e on wet
days (e 0.4-0.7) and catch nothing up. Counts are gamma-Poisson (negative binomial, each item's shape
log-uniform in its segment's range) around each item's expected rate, except ``project`` items, built from
builders' deliveries and counter sales.

- ``trade``: core trade lines (framing timber, cement, plasterboard, fixings), trade week, median about 20
  units a day, a log-linear trend (log growth -0.15 to +0.15 a year), steady counts (shape 4-30).
- ``project``: bulk lines delivered to building sites (bricks, roof sheets, reinforcing mesh): each item sees
  3-12 projects a year (those begun up to 150 days before the window included); a project takes 2-6 drops,
  5-25 days apart, each about the project's own size (the item's usual 20-300 units times a log-normal, sd
  0.5; each drop times a gamma, shape 6) in whole packs of the item (1, 10 or 50 units; 30/40/30 %). Drops
  come on delivery days only (Monday to Friday, dry, not a holiday, an RDO or in the shutdown): one due on
  another day comes the next delivery day. On top, counter sales of 1-5 units on open Monday-to-Saturday
  non-holiday days, on each with the item's chance of 0.05-0.5 (log-uniform). Most items have 60-92 % zero
  days (segment mean about 78 %).
- ``garden``: landscaping and garden lines (turf, mulch, soil, irrigation), DIY week, median about 6, a
  southern-hemisphere season peaking around 24 October (each item within 15 days), 2-5x from trough to peak on
  a log-cosine (a mean of 1 over the year), noisy counts (shape 3-15).
- ``tools``: power tools, ladders and safety gear, median about 3, a tools week (Saturday busiest, Sunday 0.7x
  of a weekday), the trend of ``trade``, shape 2-8. Contractors buy before the financial year ends on 30 June:
  through June the item's rate rises as 1 + (L - 1) (day of June / 30)², L 1.8-3.5, and 1-21 July sell 0.7x.
  Half are giftable: the Monday to Sunday ending on Father's Day (first Sunday of September) 1.5-2.5x, and
  1-24 December 1.3x.
- ``storm``: storm and wet-weather lines (tarpaulins, sandbags, roof sealant, pumps), median about 0.6 a day,
  a flat week, lumpy counts (shape 1-3; about 57 % zero days), 1.3x on every wet day, and a surge from each
  storm day on: A (rain / 50 mm) exp(-d / tau) on top of 1 (A 3-12 and tau 1-4 days the item's own, d days
  since the storm; surges add up).
- ``pricerise``: trade lines of about 40 items a supplier, trade week and weather, median about 10, the trend
  of ``trade``, shape 4-30. Each supplier announces a list-price rise every year on the 1st of February, March
  or April, and with chance 0.6 a second on the 1st of August, September or October (``price_rises``):
  contractors buy ahead for the 7-21 days before (1.4-2.5x), then buy less, a dip from the day itself
  recovering linearly over 14-42 days, meant to pay back 60-100 % of the extra but never more than 0.9 deep;
  each rise lowers the level for good by 2-8 %. Each item follows its supplier's multiplier to its own power,
  0.7-1.2.
- ``range``: lines newly ranged 45-360 days before the end (``start``; zero before it), 60 % on a trade week
  and weather (and the builders' calendar), 40 % on a DIY week (and the summer holidays), median about 8,
  taken up as 1 - exp(-(age + 1) / tau), tau 7-60 days, shape 3-15.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from forecasting.calendars import easter as easter_sunday

SEGMENTS: tuple[str, ...] = ("trade", "project", "garden", "tools", "storm", "pricerise", "range")
MIX: tuple[float, ...] = (0.28, 0.18, 0.12, 0.10, 0.08, 0.14, 0.10)
"""Expected share of each of ``SEGMENTS``."""
WEEKS = np.array(
    [
        [1.15, 1.1, 1.05, 1.0, 0.9, 0.4, 0.08],  # trade
        [0.8, 0.75, 0.75, 0.8, 1.0, 2.2, 1.9],  # DIY
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.3, 0.7],  # tools
        [1.0] * 7,  # flat
    ]
)
"""Week weights, Monday to Sunday, before each item's own factors."""
J_SEED = 27_583
DEFAULT_END = date(2027, 5, 29)  # a Saturday
RDO_ANCHOR = date(2026, 2, 2)  # a Monday: the building industry's rostered days off are every fourth Monday
_STREAM = 0xA7B3  # keys the random stream, so equal seed numbers never replay generator A's to I's draws
_RAIN = 0x5EA  # keys the weather's own stream
_YEAR = 365.25
_MEDIAN = np.array([20.0, 0.0, 6.0, 3.0, 0.6, 10.0, 8.0])  # median level of each segment, units a day
_SHAPE = np.array([[4, 1, 3, 2, 1, 4, 3], [30, 1, 15, 8, 3, 30, 15]])  # negative binomial shape range
_STYLE = np.array([0, 0, 1, 2, 3, 0, 0])  # each segment's week (``range``: 40 % DIY)


@dataclass(frozen=True)
class BlindJDemand:
    y: np.ndarray  # (n, days) units sold per day, oldest first, whole numbers
    start: np.ndarray  # (n,) first ranged day; > 0 for ``range`` only
    segment: np.ndarray  # (n,) index into ``names``
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class Calendar:
    day: np.ndarray  # (days,) datetime64[D]
    weekday: np.ndarray  # (days,) 0 = Monday
    year_day: np.ndarray  # (days,) 0 = 1 January
    holiday: np.ndarray  # (days,) bool: a NSW public holiday (``public_holidays``)
    shut: np.ndarray  # (days,) bool: Christmas Day or Good Friday, nothing sells
    anzac: np.ndarray  # (days,) bool: Anzac Day, open from 1 pm
    week: np.ndarray  # (days,) index into the week weights: the weekday, 6 on public holidays
    working: np.ndarray  # (days,) bool: Monday to Friday, not a holiday
    rdo: np.ndarray  # (days,) bool: the building industry's rostered day off
    shutdown: np.ndarray  # (days,) bool: the building industry's Christmas shutdown
    rush: np.ndarray  # (days,) bool: the 14 days before the shutdown
    summer: np.ndarray  # (days,) bool: 26 December to 26 January


def _monday(year: int, month: int, n: int) -> date:
    """The ``n``-th Monday of the month."""
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def public_holidays(year: int) -> dict[str, date]:
    """New South Wales's public holidays of ``year`` (the bank holiday, for banks only, left out)."""
    easter = easter_sunday(year)
    out = {"new_year": date(year, 1, 1)}
    if out["new_year"].weekday() >= 5:
        out["new_year_extra"] = _monday(year, 1, 1)
    australia = date(year, 1, 26)
    out["australia"] = australia + timedelta(
        days=(7 - australia.weekday()) % 7 if australia.weekday() >= 5 else 0
    )
    for name, shift in (
        ("good_friday", -2),
        ("easter_saturday", -1),
        ("easter_sunday", 0),
        ("easter_monday", 1),
    ):
        out[name] = easter + timedelta(days=shift)
    out |= {"anzac": date(year, 4, 25), "kings_birthday": _monday(year, 6, 2), "labour": _monday(year, 10, 1)}
    out |= {"christmas": date(year, 12, 25), "boxing": date(year, 12, 26)}
    for name in ("christmas", "boxing"):
        if out[name].weekday() >= 5:
            d = out[name]
            while d.weekday() >= 5 or d in out.values():
                d += timedelta(days=1)
            out[f"{name}_extra"] = d
    return out


def _month_day(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Month (0 = January) and day of the month (from 1) of each of ``day``."""
    first = day.astype("datetime64[M]")
    return first.astype(np.int64) % 12, (day - first.astype("datetime64[D]")).astype(np.int64) + 1


def calendar(days: int, end: date = DEFAULT_END) -> Calendar:
    """The yard's calendar of the ``days`` days ending on ``end``, worked out with 40 days either side so that
    shutdowns and rostered days off just outside the window count."""
    pad = 40
    day = np.datetime64(end, "D") + pad - (days + 2 * pad - 1) + np.arange(days + 2 * pad)
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    years = range(int(day[0].astype("datetime64[Y]").astype(int)) + 1970 - 1, end.year + 2)
    nsw = [public_holidays(y) for y in years]
    holiday = np.isin(day, np.array([d for h in nsw for d in h.values()], dtype="datetime64[D]"))
    shut = np.isin(
        day, np.array([h[k] for h in nsw for k in ("christmas", "good_friday")], dtype="datetime64[D]")
    )
    anzac = np.isin(day, np.array([h["anzac"] for h in nsw], dtype="datetime64[D]"))
    shutdown = np.zeros(day.size, dtype=bool)
    rush = np.zeros(day.size, dtype=bool)
    for y in years:
        first = date(y, 12, 21) - timedelta(days=(date(y, 12, 21).weekday() - 5) % 7)  # a Saturday
        back = np.datetime64(_monday(y + 1, 1, 2), "D")
        shutdown |= (day >= np.datetime64(first, "D")) & (day < back)
        rush |= (day >= np.datetime64(first, "D") - 14) & (day < np.datetime64(first, "D"))
    rdo = ((day - np.datetime64(RDO_ANCHOR, "D")).astype(np.int64) % 28 == 0) & ~shutdown
    rdo = (rdo & ~holiday) | np.r_[False, (rdo & holiday)[:-1]]  # a holiday Monday's RDO on the Tuesday
    month, dom = _month_day(day)
    summer = ((month == 11) & (dom >= 26)) | ((month == 0) & (dom <= 26))
    working = (weekday < 5) & ~holiday
    w = slice(pad, pad + days)
    week = np.where(holiday, 6, weekday)
    return Calendar(
        day[w], weekday[w], year_day[w], holiday[w], shut[w], anzac[w], week[w], working[w], rdo[w],
        shutdown[w], rush[w], summer[w],
    )  # fmt: skip


def weather(days: int, seed: int = J_SEED, end: date = DEFAULT_END) -> np.ndarray:
    """(days,) mm of rain each day ending on ``end``: 0 on dry days, 5 or more on wet ones; its own stream."""
    rng = np.random.default_rng([_STREAM, seed, _RAIN])
    pad = 60
    day = np.datetime64(end, "D") - (days + pad - 1) + np.arange(days + pad)
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    turns = 0.12 + 0.06 * np.cos(2 * np.pi * (year_day - 74) / _YEAR)  # dry to wet, highest mid-March
    u = rng.random(day.size)
    wet = np.empty(day.size, dtype=bool)
    wet[0] = u[0] < 0.2
    for d in range(1, day.size):
        wet[d] = u[d] < (0.5 if wet[d - 1] else turns[d])
    mean = 14.0 + 8.0 * np.cos(2 * np.pi * (year_day - 30) / _YEAR)  # mm over 5, highest end of January
    rain = np.where(wet, 5.0 + rng.exponential(mean), 0.0)
    return np.asarray(rain[pad:])


def price_rises(rng: np.random.Generator, groups: int, cal: Calendar) -> np.ndarray:
    """(groups, days) multiplier: suppliers' announced price rises with the buying ahead before them, the
    dip after, and the lower level for good."""
    days = cal.day.size
    y0 = int(cal.day[0].astype("datetime64[Y]").astype(int)) + 1970
    t = np.arange(days)
    mult = np.ones((groups, days))
    for g in range(groups):
        for year in range(y0 - 1, y0 + days // 365 + 2):
            months = [int(rng.integers(2, 5))] + ([int(rng.integers(8, 11))] if rng.random() < 0.6 else [])
            for month in months:
                on = int((np.datetime64(date(year, month, 1), "D") - cal.day[0]).astype(np.int64))
                ahead, lift, back = int(rng.integers(7, 22)), rng.uniform(1.4, 2.5), int(rng.integers(14, 43))
                depth = min(2.0 * rng.uniform(0.6, 1.0) * (lift - 1.0) * ahead / (back + 1.0), 0.9)
                step = 1.0 - rng.uniform(0.02, 0.08)
                into = t - on
                mult[g] *= np.where((into >= -ahead) & (into < 0), lift, 1.0)
                mult[g] *= np.where((into >= 0) & (into < back), 1.0 - depth * (1.0 - into / back), 1.0)
                mult[g] *= np.where(into >= 0, step, 1.0)
    return mult


def _projects(rng: np.random.Generator, m: int, cal: Calendar, wet: np.ndarray) -> np.ndarray:
    """(m, days) units: building projects' drops on delivery days, plus small counter sales."""
    days, lead = cal.day.size, 150
    item = np.repeat(np.arange(m), rng.poisson(rng.uniform(3.0, 12.0, m) * (days + lead) / 365.0))
    p = item.size
    gaps = rng.integers(5, 26, size=(p, 6))
    gaps[:, 0] = 0
    due = rng.integers(-lead, days, size=(p, 1)) + np.cumsum(gaps, axis=1)
    pack = rng.choice(np.array([1.0, 10.0, 50.0]), p=[0.3, 0.4, 0.3], size=m)[item, None]
    size = np.exp(rng.uniform(np.log(20.0), np.log(300.0), m))[item] * rng.lognormal(0.0, 0.5, p)
    qty = np.maximum(np.rint(size[:, None] * rng.gamma(6.0, 1.0 / 6.0, size=(p, 6)) / pack), 1.0) * pack
    deliver = cal.working & ~wet & ~cal.rdo & ~cal.shutdown & ~cal.shut
    next_day = np.minimum.accumulate(np.where(deliver, np.arange(days), days)[::-1])[::-1]
    land = next_day[due.clip(0, days - 1)]
    keep = (np.arange(6) < rng.integers(2, 7, size=(p, 1))) & (due >= 0) & (due < days) & (land < days)
    y = np.bincount((item[:, None] * days + land)[keep], weights=qty[keep], minlength=m * days).reshape(
        m, days
    )
    counter = (cal.weekday < 6) & ~cal.holiday & ~cal.shut
    chance = np.exp(rng.uniform(np.log(0.05), np.log(0.5), size=(m, 1)))
    y += (rng.random((m, days)) < chance) * counter * rng.integers(1, 6, size=(m, days))
    return np.asarray(y)


def blind_j_demand(
    skus: int = 10_000,
    days: int = 730,
    seed: int = J_SEED,
    end: date = DEFAULT_END,
    mix: tuple[float, ...] = MIX,
) -> BlindJDemand:
    """``skus`` series of ``days`` days ending on ``end``; ``mix``: the expected share of each segment."""
    head, items, events, noise = (
        np.random.default_rng(s) for s in np.random.SeedSequence([_STREAM, seed]).spawn(4)
    )
    shares = np.asarray(mix, dtype=float)
    segment = head.choice(len(SEGMENTS), size=skus, p=shares / shares.sum())
    cal = calendar(days, end)
    rain = weather(days, seed, end)
    wet = rain > 0
    is_ = {name: segment == k for k, name in enumerate(SEGMENTS)}
    n = {name: int(rows.sum()) for name, rows in is_.items()}
    t = np.arange(days, dtype=float)[None, :]

    # Every item: level, its own week (public holidays as Sundays), Anzac Day's afternoon, closures, trend.
    style = _STYLE[segment]
    style[is_["range"]] = np.where(items.random(n["range"]) < 0.4, 1, 0)
    level = _MEDIAN[segment] * items.lognormal(0.0, 0.5, size=skus)
    week = WEEKS[style] * items.lognormal(0.0, 0.1, size=(skus, 7))
    week /= week[:, :6].mean(axis=1, keepdims=True)
    rate = level[:, None] * week[:, cal.week] * np.where(cal.anzac, 0.5, 1.0) * ~cal.shut
    trended = is_["trade"] | is_["tools"] | is_["pricerise"]
    slope = items.uniform(-0.15, 0.15, size=(int(trended.sum()), 1)) / _YEAR  # log growth a day
    rate[trended] *= np.exp(slope * (t - days / 2.0))

    # Trade weeks: the builders' calendar and the rain, with work caught up on the first dry working day.
    trade = style == 0
    rate[trade] *= (
        np.where(cal.rdo, 0.35, 1.0) * np.where(cal.shutdown, 0.2, 1.0) * np.where(cal.rush, 1.2, 1.0)
    )
    idx = np.arange(days)
    last = np.maximum.accumulate(np.where(cal.working, idx, -1))  # the latest working day so far
    before = np.r_[-1, last[:-1]]  # the working day before each day
    catch = cal.working & ~wet & (before >= 0) & wet[before.clip(0)]
    e = items.uniform(0.15, 0.5, size=(int(trade.sum()), 1))
    rate[trade] *= np.where(wet, 1.0 - e, 1.0) * np.where(catch, 1.0 + e, 1.0)
    diy = style == 1
    e = items.uniform(0.4, 0.7, size=(int(diy.sum()), 1))
    rate[diy] *= np.where(wet, 1.0 - e, 1.0) * np.where(cal.summer, 1.25, 1.0)

    # Garden: a southern-hemisphere season peaking in late October.
    g = n["garden"]
    peak = 296.0 + events.uniform(-15.0, 15.0, size=(g, 1))
    a = np.log(events.uniform(2.0, 5.0, size=(g, 1))) / 2.0
    season = np.exp(a * np.cos(2 * np.pi * (cal.year_day - peak) / _YEAR))
    rate[is_["garden"]] *= season / np.i0(a)  # a mean of 1 over the year

    # Tools: the end of the financial year, and gifts.
    m = n["tools"]
    month, dom = _month_day(cal.day)
    lift = events.uniform(1.8, 3.5, size=(m, 1))
    tools = np.where(month == 5, 1.0 + (lift - 1.0) * (dom / 30.0) ** 2, 1.0) * np.where(
        (month == 6) & (dom <= 21), 0.7, 1.0
    )
    fathers = (month == 8) & (cal.weekday == 6) & (dom <= 7)
    father_week = np.convolve(fathers.astype(float), np.ones(7))[6:][:days] > 0  # Monday to the Sunday
    gift = events.random((m, 1)) < 0.5
    tools *= np.where(gift & father_week, events.uniform(1.5, 2.5, size=(m, 1)), 1.0)
    tools *= np.where(gift & (month == 11) & (dom <= 24), 1.3, 1.0)
    rate[is_["tools"]] *= tools

    # Storm lines: 1.3x when wet and a decaying surge from each storm.
    s = n["storm"]
    keep = np.exp(-1.0 / events.uniform(1.0, 4.0, size=s))
    amp = events.uniform(3.0, 12.0, size=s)
    push = np.where(rain >= 50.0, rain / 50.0, 0.0)
    surge = np.zeros((s, days))
    now = np.zeros(s)
    for d in range(days):
        now = now * keep + amp * push[d]
        surge[:, d] = now
    rate[is_["storm"]] *= (1.0 + surge) * np.where(wet, 1.3, 1.0)

    # Price rises: suppliers of about 40 items each.
    groups = max(1, round(n["pricerise"] / 40))
    path = price_rises(events, groups, cal)
    supplier = events.integers(0, groups, size=n["pricerise"])
    rate[is_["pricerise"]] *= path[supplier] ** events.uniform(0.7, 1.2, size=(n["pricerise"], 1))

    # Range: newly ranged lines, taken up exponentially.
    start = np.zeros(skus, dtype=np.int64)
    start[is_["range"]] = np.clip(days - events.integers(45, 361, size=n["range"]), 1, max(days - 45, 1))
    age = t - start[is_["range"], None]
    tau = events.uniform(7.0, 60.0, size=(n["range"], 1))
    rate[is_["range"]] *= np.where(age >= 0, 1.0 - np.exp(-(age + 1.0) / tau), 0.0)

    lo, hi = np.log(_SHAPE[:, segment])
    k = np.exp(noise.uniform(lo, hi))[:, None]
    y = noise.poisson(noise.gamma(k, np.maximum(rate, 0.0) / k)).astype(float)
    y[is_["project"]] = _projects(events, n["project"], cal, wet)
    return BlindJDemand(y=y, start=start, segment=segment)

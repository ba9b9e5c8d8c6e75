"""Generator K: unseen synthetic daily demand of a car parts wholesaler, a blind judge of the forecast engine.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before the
final judgement run it exists for (``bench/forecast.py --generator k``). No model family, parameter grid,
choice rule or interval formula may be chosen or kept because of figures from it; changing this module to suit
the engine is tuning too. Generators A-J had all been read when K was written, without running or reading the
engine and without computing any forecast on its data, from its own random stream, on a real calendar ending
at ``end``.

K is an automotive aftermarket parts distributor near Munich supplying independent workshops, workshop chains
and a trade counter. It ships Monday to Saturday (Saturday a morning only); nothing sells on Sundays and on
Bavaria's public holidays (``public_holidays``: New Year, Epiphany, Good Friday, Easter Monday, 1 May,
Ascension, Whit Monday, Corpus Christi, the Assumption, German Unity Day, All Saints', Christmas Day and St
Stephen's Day; never substituted). Christmas Eve and New Year's Eve (``half``) sell 0.4x, bridge days
(``bridge``: a Monday before a Tuesday holiday, a Friday after a Thursday one; workshops close) 0.55x, and
27-30 December (``between``) 0.65x. Workshop weeks peak on Monday (Saturday about 0.35x of a weekday); counter
weeks (``battery``, ``climate``) on Friday and Saturday. Each item's week is ``WEEKS`` times its own
log-normal factors (sd 0.1), scaled to a mean of 1 over Monday-Saturday; the medians below are of items'
levels, that mean before the calendar and the weather. Weather (``weather``, shared by every item, from its
own stream): a daily mean temperature on a yearly curve (0 °C in mid-January, 19 °C in mid-July) plus an AR(1)
anomaly (0.8 from one day to the next, sd about 4 °C, a little larger in winter) plus cold snaps (``snap``:
about 2 a winter, mostly December to February, 3-9 days 5-11 °C colder, in a day or two, easing over 2-5
days). The calendar, the weather, the battery failures and the changeover triggers are in
``forecasting.synthetic_blind_k_calendar``; the window ends on Saturday 20 March 2027 (``DEFAULT_END``) unless
told otherwise. Counts are gamma-Poisson (negative binomial, each item's shape log-uniform in its segment's
range) around each item's expected rate, except ``slow`` and ``workshop`` items.

- ``service``: fast movers (oil and air filters, brake pads, oil, bulbs), workshop week, median about 12 a
  day, a log-linear trend (-0.1 to +0.12 a year), shape 5-40. 30 % of items run out of stock 2 times a year on
  average for 2-12 days: sales are zero while demand goes on, and are not caught up. 8 % are parts for a new
  model, first listed 30 days into the window or later (``start``; zero before it), taken up as the model's
  vehicle park grows: ((age + 1) / T) ** p up to 1, T 120-540 days, p 0.7-1.5.
- ``battery``: batteries, starters and glow plugs, counter week, median about 4 (the mean over the year),
  shape 3-15. They sell as the weak batteries of the vehicle park fail (``battery_failures``): a pool of weak
  batteries refills slowly (ageing) and drains at a hazard that grows below 4 °C, so the first hard frost of a
  winter brings the biggest surge and later cold snaps less. Each item follows the failures 0-2 days late with
  its own weight of 0.45-0.85 (the rest is steady replacement).
- ``tyre``: winter tyres (40 %), summer tyres (35 %) and changeover consumables (25 %: valves, wheel bolts,
  balancing weights), off season about 0.5 a day, shape 2-8, tyres in whole sets (4, 2 or 1; 60/25/15 %). The
  law asks for winter tyres in wintry conditions, and motorists change over "from O to O" (October to Easter):
  the autumn rush begins when the 3-day mean temperature first falls to 3 °C on or after 1 October (15
  November at the latest), the spring one when the 5-day mean first reaches 9 °C on or after Easter Tuesday
  and 15 March (30 April at the latest), so its timing moves with each year's weather. A rush starts 3 days
  before its trigger, peaks 5-10 (autumn) or 7-14 (spring) days after it and fades over about four weeks; its
  height differs by year (log-normal, sd 0.25). Winter tyres rise to 5-15x their off-season rate in autumn,
  summer tyres 4-10x in spring, consumables 2-5x in both; each item 0-4 days late.
- ``climate``: winter care (55 %: screen wash, de-icer, antifreeze, ice scrapers) and summer care (45 %: air
  conditioning refills, coolant, insect remover), counter week, median about 2, shape 3-15. The rate moves
  with the item's trailing 7-day mean temperature (0-3 days late), exp(-+b (T - 8 °C)), b 0.04-0.09 a degree
  (a mean of 1 over the weather's years); winter care also surges at each autumn's first frost (the first day
  from 15 September with a mean below 0 °C: 1 + B exp(-d / tau), B 1-3, tau 2-5 days), summer care sells 1.5x
  on hot days (mean above 24 °C).
- ``supersede``: part numbers superseded by new ones, in pairs, in order: each old number (``start`` 0) is the
  row just before its new number (``start`` > 0: the first day of the change; zero before it); an odd last row
  is an old number withdrawn without a successor in the range. From a day between an eighth of the window and
  30 days before the end, over 14-42 days, the pair's demand (workshop week, median about 3, the trend of
  ``service``) moves from the old number to the new one on a smooth step: the old fades to zero, the new rises
  from zero. Shape 2-10.
- ``slow``: the long tail (parts for older and rarer vehicles): each open day a demand with the item's chance
  of 0.006-0.2 (log-uniform, times its workshop week and the calendar), of 1 unit (80 %) or 2, or always 2 for
  parts sold in pairs (25 % of items: brake discs, shock absorbers). The vehicle park behind it ages out (log
  growth -0.35 to +0.05 a year); 12 % are new-model parts taken up as in ``service``. Most items have over 95
  % zero days (segment mean about 95 %).
- ``workshop``: consumables that workshop chains buy on a replenishment cycle, 1-4 chain accounts an item.
  Each account's workshops use about 1.2 units a day (log-normal, sd 0.6; workshop week, a mild yearly wave,
  +-15 %) and it orders weekly (60 %) or fortnightly on its own weekday, Monday to Friday (a holiday's order
  comes the next open day), whole packs of the item (4, 6, 10, 12, 20 or 25): whatever it has used since its
  last order, rounded down to packs (the rest carried over); 3-10 % of orders are skipped and caught up by the
  next. On top, counter sales of 1-2 units on 2-15 % of open days.
- ``campaign``: parts hit by recalls and fleet campaigns, workshop week, median about 1.5, shape 3-12: each
  item has 1-3 campaigns (the first certain, then about 0.3 a year, from 60 days before the window), each
  starting on a Monday, a plateau of 3-9 weeks at 3-8x the base rate, then back to it over 7 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from forecasting.synthetic_blind_k_calendar import (
    DEFAULT_END,
    PAD,
    battery_failures,
    calendar,
    changeover_days,
    temperature,
    trailing,
)

SEGMENTS = ("service", "battery", "tyre", "climate", "supersede", "slow", "workshop", "campaign")
MIX: tuple[float, ...] = (0.22, 0.08, 0.10, 0.08, 0.08, 0.26, 0.10, 0.08)
"""Expected share of each of ``SEGMENTS``."""
WEEKS = np.array(
    [
        [1.2, 1.1, 1.05, 1.0, 0.95, 0.35, 0.0],  # workshop: Monday busiest, Saturday a morning only
        [1.0, 0.95, 0.95, 1.0, 1.1, 1.3, 0.0],  # counter: Friday and Saturday busiest
    ]
)
"""Week weights, Monday to Sunday, before each item's own factors."""
K_SEED = 48_317
_STREAM = 0xB6E4  # keys the random stream, so equal seed numbers never replay generator A's to J's draws
_YEAR = 365.25
_MEDIAN = np.array([12.0, 4.0, 0.5, 2.0, 3.0, 0.0, 0.0, 1.5])  # median level of each segment, units a day
_SHAPE = np.array([[5, 3, 2, 3, 2, 1, 1, 3], [40, 15, 8, 15, 10, 1, 1, 12]])  # negative binomial shape range
_STYLE = np.array([0, 1, 0, 1, 0, 0, 0, 0])  # each segment's week


@dataclass(frozen=True)
class BlindKDemand:
    y: np.ndarray  # (n, days) units sold per day, oldest first, whole numbers
    start: np.ndarray  # (n,) first listed day; > 0 for new-model parts and new part numbers only
    segment: np.ndarray  # (n,) index into ``names``
    names: tuple[str, ...] = SEGMENTS


def _rush(rng: np.random.Generator, n: int, triggers: list[int], peak: tuple[int, int]) -> np.ndarray:
    """(n,) a changeover rush curve from each trigger: 3 days early, a peak of about 1 (times a yearly
    log-normal), fading over about four weeks."""
    t = np.arange(n, dtype=float)
    out = np.zeros(n)
    for s in triggers:
        xp = rng.uniform(*peak) + 3.0
        x = np.maximum(t - s + 3.0, 0.0) / xp
        out += rng.lognormal(0.0, 0.25) * x**2 * np.exp(2.0 * (1.0 - x))
    return out


def _ramp(rng: np.random.Generator, m: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """New-model parts: (m,) first listed days and (m, days) take-up ((age + 1) / T) ** p up to 1."""
    start = np.clip(rng.integers(30, max(days - 30, 31), size=m), 1, max(days - 1, 1))
    age = np.arange(days)[None, :] - start[:, None]
    grow = ((age + 1.0).clip(0.0) / rng.uniform(120.0, 540.0, size=(m, 1))) ** rng.uniform(
        0.7, 1.5, size=(m, 1)
    )
    return start, np.where(age >= 0, np.minimum(grow, 1.0), 0.0)


def _workshop(rng: np.random.Generator, m: int, days: int, end: date, week: np.ndarray) -> np.ndarray:
    """(m, days) units: workshop chains' replenishment orders in whole packs, plus counter sales."""
    if m == 0:
        return np.zeros((0, days))
    lead = 42  # days before the window, so that the first orders in it carry only their cycle's use
    cal = calendar(days + lead, end)
    n = days + lead
    accounts = rng.integers(1, 5, size=m)
    item = np.repeat(np.arange(m), accounts)
    a = item.size
    pack = rng.choice(np.array([4.0, 6.0, 10.0, 12.0, 20.0, 25.0]), size=m)[item, None]
    wave = 1.0 + 0.15 * np.cos(
        2 * np.pi * (cal.year_day[None, :] - rng.uniform(0, _YEAR, size=(m, 1))) / _YEAR
    )
    use = rng.lognormal(np.log(1.2), 0.6, size=(a, 1)) * week[item][:, cal.weekday] * cal.factor * wave[item]
    used = np.cumsum(rng.poisson(use), axis=1) + rng.uniform(0.0, 1.0, size=(a, 1)) * pack
    fortnight = rng.random((a, 1)) < 0.4
    parity = (cal.day.astype(np.int64) // 7) % 2
    due = (cal.weekday == rng.integers(0, 5, size=(a, 1))) & (
        ~fortnight | (parity == rng.integers(0, 2, (a, 1)))
    )
    next_open = np.minimum.accumulate(np.where(cal.shipping, np.arange(n), n)[::-1])[::-1]
    rows, cols = np.nonzero(due & (rng.random((a, n)) >= rng.uniform(0.03, 0.1, size=(a, 1))))
    land = next_open[cols]
    order = np.zeros((a, n), dtype=bool)
    order[rows[land < n], land[land < n]] = True
    ordered = np.maximum.accumulate(np.where(order, pack * np.floor(used / pack), 0.0), axis=1)
    orders = np.diff(ordered, axis=1, prepend=0.0)
    y = np.add.reduceat(orders, np.r_[0, np.cumsum(accounts)[:-1]], axis=0)
    chance = rng.uniform(0.02, 0.15, size=(m, 1)) * cal.shipping
    y += (rng.random((m, n)) < chance) * rng.integers(1, 3, size=(m, n))
    return np.asarray(y[:, lead:])


def blind_k_demand(
    skus: int = 10_000,
    days: int = 730,
    seed: int = K_SEED,
    end: date = DEFAULT_END,
    mix: tuple[float, ...] = MIX,
) -> BlindKDemand:
    """``skus`` series of ``days`` days ending on ``end``; ``mix``: the expected share of each segment."""
    head, items, events, noise = (
        np.random.default_rng(s) for s in np.random.SeedSequence([_STREAM, seed]).spawn(4)
    )
    shares = np.asarray(mix, dtype=float)
    segment = head.choice(len(SEGMENTS), size=skus, p=shares / shares.sum())
    cal = calendar(days, end)
    temp, _ = temperature(days, seed, end)
    is_ = {name: segment == k for k, name in enumerate(SEGMENTS)}
    n = {name: int(rows.sum()) for name, rows in is_.items()}
    t = np.arange(days, dtype=float)[None, :]
    start = np.zeros(skus, dtype=np.int64)

    # Every item: level, its own week, the calendar; trends for service and supersede.
    week = WEEKS[_STYLE[segment]] * items.lognormal(0.0, 0.1, size=(skus, 7))
    week /= week[:, :6].mean(axis=1, keepdims=True)
    level = _MEDIAN[segment] * items.lognormal(0.0, 0.5, size=skus)
    rate = level[:, None] * week[:, cal.weekday] * cal.factor
    trended = is_["service"] | is_["supersede"]
    slope = items.uniform(-0.1, 0.12, size=(int(trended.sum()), 1)) / _YEAR
    rate[trended] *= np.exp(slope * (t - days / 2.0))

    # Service: new-model parts taken up as their vehicle park grows.
    service = np.flatnonzero(is_["service"])
    new = service[items.random(service.size) < 0.08]
    start[new], ramp = _ramp(items, new.size, days)
    rate[new] *= ramp

    # Batteries: the vehicle park's weak batteries failing in the cold, each item 0-2 days late.
    fail = battery_failures(temp)
    b = n["battery"]
    lag = events.integers(0, 3, size=(b, 1))
    w = events.uniform(0.45, 0.85, size=(b, 1))
    rate[is_["battery"]] *= 1.0 - w + w * fail[PAD + np.arange(days)[None, :] - lag]

    # Tyres: autumn and spring changeover rushes, triggered by the weather.
    autumn_days, spring_days = changeover_days(temp, end)
    autumn = _rush(events, temp.size, autumn_days, (5, 10))
    spring = _rush(events, temp.size, spring_days, (7, 14))
    m = n["tyre"]
    kind = events.choice(3, p=[0.4, 0.35, 0.25], size=m)
    lift = np.select(
        [kind == 0, kind == 1],
        [events.uniform(4.0, 14.0, m), events.uniform(3.0, 9.0, m)],
        events.uniform(1.0, 4.0, m),
    )[:, None]
    at = PAD + np.arange(days)[None, :] - events.integers(0, 5, size=(m, 1))
    rush = np.where(kind[:, None] == 0, autumn[at], 0.0) + np.where(kind[:, None] == 1, spring[at], 0.0)
    rush += np.where(kind[:, None] == 2, autumn[at] + spring[at], 0.0)
    rate[is_["tyre"]] *= 1.0 + lift * rush
    sets = np.where(kind == 2, 1.0, events.choice(np.array([4.0, 2.0, 1.0]), p=[0.6, 0.25, 0.15], size=m))

    # Climate care: the week's temperature, the first frost, hot days.
    c = n["climate"]
    summer = events.random((c, 1)) < 0.45
    warm = trailing(temp, 7)
    near = warm[PAD + np.arange(days)[None, :] - events.integers(0, 4, size=(c, 1))]
    slope = np.where(summer, 1.0, -1.0) * events.uniform(0.04, 0.09, size=(c, 1))
    norm = np.exp(slope * (warm[None, :] - 8.0)).mean(axis=1, keepdims=True)
    frost = np.zeros(temp.size)
    first = np.datetime64(end, "D") - (temp.size - 1)
    for y in range(int(first.astype("datetime64[Y]").astype(int)) + 1970, end.year + 1):
        lo = int((np.datetime64(date(y, 9, 15), "D") - first).astype(np.int64))
        hit = np.flatnonzero(temp[max(lo, 0) :] < 0.0) + max(lo, 0)
        if lo >= 0 and hit.size:
            frost[hit[0]] = 1.0
    tau = events.uniform(2.0, 5.0, size=(c, 1))
    since = np.arange(temp.size) - np.maximum.accumulate(np.where(frost > 0, np.arange(temp.size), -10_000))
    burst = events.uniform(1.0, 3.0, size=(c, 1)) * np.exp(-since[PAD:][None, :] / tau)
    hot = temp[PAD:][None, :] > 24.0
    rate[is_["climate"]] *= (
        np.exp(slope * (near - 8.0)) / norm * np.where(summer, np.where(hot, 1.5, 1.0), 1.0 + burst)
    )

    # Supersession: each pair's demand moves from the old number to the new one.
    rows = np.flatnonzero(is_["supersede"])
    old, new = rows[0::2], rows[1::2]
    lo = days // 8
    t0 = np.clip(events.integers(lo, max(days - 30, lo + 1), size=(old.size, 1)), 1, max(days - 1, 1))
    step = np.clip((t - t0 + 1.0) / events.uniform(14.0, 42.0, size=(old.size, 1)), 0.0, 1.0)
    step = step * step * (3.0 - 2.0 * step)
    rate[new] = rate[old[: new.size]] * step[: new.size]
    rate[old] *= 1.0 - step
    start[new] = t0[: new.size, 0]

    # Campaigns: plateaus at several times the base rate, each from a Monday.
    m = n["campaign"]
    count = np.minimum(1 + events.poisson(0.3 * (days + 60) / 365.0, size=m), 3)
    begin = events.integers(-60, max(days, 1), size=(m, 3, 1))
    begin += (7 - (cal.weekday[0] + begin) % 7) % 7  # the Monday on or after
    length = events.integers(21, 64, size=(m, 3, 1))
    into = t[None, :, :] - begin
    shape = np.clip(1.0 - (into - length) / 7.0, 0.0, 1.0) * (into >= 0)
    height = events.uniform(3.0, 8.0, size=(m, 3, 1)) - 1.0
    rate[is_["campaign"]] *= 1.0 + (
        height * shape * (np.arange(3)[None, :, None] < count[:, None, None])
    ).sum(axis=1)

    lo_k, hi_k = np.log(_SHAPE[:, segment])
    k = np.exp(noise.uniform(lo_k, hi_k))[:, None]
    y = noise.poisson(noise.gamma(k, np.maximum(rate, 0.0) / k)).astype(float)
    y[is_["tyre"]] *= sets[:, None]

    # Service stock-outs: no sales for 2-12 days while demand goes on.
    service_rows = np.flatnonzero(is_["service"])
    hit = service_rows[events.random(service_rows.size) < 0.3]
    episodes = events.poisson(2.0 * days / 365.0, size=hit.size)
    who = np.repeat(np.arange(hit.size), episodes)
    first_out = events.integers(0, max(days, 1), size=who.size)
    last_out = np.minimum(first_out + events.integers(2, 13, size=who.size), days)
    edges = np.zeros((hit.size, days + 1))
    np.add.at(edges, (who, first_out), 1.0)
    np.add.at(edges, (who, last_out), -1.0)
    y[hit] *= np.cumsum(edges, axis=1)[:, :days] <= 0

    # Slow movers: rare demand days of 1-2 units, or pairs.
    s = n["slow"]
    chance = np.exp(events.uniform(np.log(0.006), np.log(0.2), size=(s, 1)))
    chance = chance * week[is_["slow"]][:, cal.weekday] * cal.factor
    chance *= np.exp(events.uniform(-0.35, 0.05, size=(s, 1)) / _YEAR * (t - days / 2.0))
    slow = np.flatnonzero(is_["slow"])
    fresh = events.random(s) < 0.12
    start[slow[fresh]], ramp = _ramp(events, int(fresh.sum()), days)
    chance[fresh] *= ramp
    pairs = events.random((s, 1)) < 0.25
    size = np.where(pairs, 2.0, 1.0 + (noise.random((s, days)) < 0.2))
    y[slow] = (noise.random((s, days)) < np.minimum(chance, 1.0)) * size

    y[is_["workshop"]] = _workshop(events, n["workshop"], days, end, week[is_["workshop"]])
    return BlindKDemand(y=y, start=start, segment=segment)

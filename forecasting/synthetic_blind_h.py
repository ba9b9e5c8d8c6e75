"""Generator H: unseen synthetic daily demand of a pharmacy wholesaler, a blind judge of the forecast engine.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before the
final judgement run it exists for (``bench/forecast.py --generator h``). No model family, parameter grid,
choice rule or interval formula may be chosen or kept because of figures from it; changing this module to suit
the engine is tuning too. Generators A-G had all been read when H was written, without running the engine on
it or computing any forecast on its data, from its own random stream, on a real calendar ending at ``end``.

H is a pharmacy wholesaler's distribution centre delivering to community pharmacies. It ships Monday to
Saturday and is shut on Sundays, on England-and-Wales bank holidays (Easter from the Gregorian computus,
weekend holidays substituted to the next free weekday) and on Christmas Day, Boxing Day and New Year's Day:
nothing ships then, the last weekday before a holiday sells about 1.5x and the open day after it 1.3x.
Repeat prescriptions are issued early before Christmas (14-23 December 1.2x) and few just after it (27-31
December 0.7x). Each item has its own Monday-heavy weekday profile with a half-day Saturday, and 60 % of items
see buying-group month-end loading (the last two open days of a month up 5-30 %, the first two down by half
as much). Counts are gamma-Poisson (negative binomial) around each item's expected rate, except ``specialty``
items, which are built from patients' repeat orders.

- ``chronic``: repeat-prescription medicines (statins, antihypertensives, inhalers): steady movers, median
  about 10 packs a day, a slow log-linear trend (-15 % to +15 % a year) and a mild winter lift (0-8 %).
- ``specialty``: specialist medicines dispensed to named patients (1-20 per item, 4-13 on average): each
  patient re-orders every 28, 56 or 84 days, a couple of days early or late (the drift carries on), now and
  then not at all or a double supply, in their own usual number of packs (1-6); a quarter of patients start
  part-way and a quarter stop; orders due on a closed day come the open day before. On top, rare one-off acute
  scripts. Most items have 70-93 % zero days (segment mean about 83 %, Sundays and holidays included).
- ``seasonal``: over-the-counter lines of a season, 2.5-8x at the peak. 60 % are cold-and-flu remedies
  following a broad winter curve plus a flu wave shared by all of them, whose peak (around 5 January,
  +- 18 days), width and height differ each winter, each item lagging it by up to a week; 40 % are hay-fever
  remedies following the grass-pollen season (around 10 June, different each year), moved day by day by a
  shared pollen-weather index (AR(1) in logs).
- ``deal``: OTC lines on unannounced manufacturer deals (3-6 a year, 5-14 days at 1.8-4x): pharmacies buy
  ahead, so a dip of 7-28 days follows, recovering linearly, that pays back 30-70 % of the extra volume.
- ``switch``: one lasting level shift part-way (after the first quarter, at least 30 days before the end):
  55 % are brands losing to a generic's entry (down to 10-50 %, eased in over 5-30 days), 45 % are lines won
  from a competitor's shortage or a chain's new supply contract (1.5-3.5x within 1-10 days).
- ``launch``: new lines listed 60-400 days before the end (``start``; zero before it), taken up by pharmacies
  along a Bass diffusion curve, each new stockist also buying 2-10 days of opening stock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from forecasting.calendars import easter as easter_sunday

SEGMENTS: tuple[str, ...] = ("chronic", "specialty", "seasonal", "deal", "switch", "launch")
MIX: tuple[float, ...] = (0.34, 0.24, 0.12, 0.12, 0.10, 0.08)
"""Expected share of each of ``SEGMENTS``."""
H_SEED = 61_837
DEFAULT_END = date(2026, 10, 30)  # a Friday
_STREAM = 0x8B1D  # keys the random stream, so equal seed numbers never replay generator A's to G's draws
_YEAR = 365.25
_MEDIAN = np.array([10.0, 0.0, 2.0, 5.0, 8.0, 4.0])  # median level of each segment, packs a day
_WEEK = np.array([1.3, 1.05, 1.0, 1.0, 1.1, 0.5, 0.0])  # Monday to Sunday; shut on Sundays
_CYCLES = np.array([28, 56, 84])  # days a repeat prescription lasts
_USUAL = np.array([1, 1, 1, 2, 2, 3, 4, 6])  # packs a specialty patient usually takes


@dataclass(frozen=True)
class BlindHDemand:
    y: np.ndarray  # (n, days) packs shipped per day, oldest first, whole numbers
    start: np.ndarray  # (n,) first listed day; > 0 for ``launch`` only
    segment: np.ndarray  # (n,) index into ``names``
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class Calendar:
    day: np.ndarray  # (days,) datetime64[D]
    weekday: np.ndarray  # (days,) 0 = Monday
    year_day: np.ndarray  # (days,) 0 = 1 January
    holiday: np.ndarray  # (days,) bool: shut for a holiday (``closures``)
    closed: np.ndarray  # (days,) bool: a Sunday or a holiday, nothing ships
    factor: np.ndarray  # (days,) DC-wide factor: 0 when closed, lifts around closures and at Christmas
    month_end: np.ndarray  # (days,) bool: the last two open days of a month
    month_start: np.ndarray  # (days,) bool: the first two open days of a month


def closures(year: int) -> list[date]:
    """Days of ``year`` the DC is shut besides Sundays: England and Wales bank holidays (no one-off royal
    occasions), and Christmas Day, Boxing Day and New Year's Day themselves when they fall on a Saturday."""
    easter, may31 = easter_sunday(year), date(year, 5, 31)
    fixed = [date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)]
    bank: list[date] = []
    for d in fixed:
        while d.weekday() >= 5 or d in bank:  # weekend holidays move to the next free weekday
            d += timedelta(days=1)
        bank.append(d)
    first_may = date(year, 5, 1) + timedelta(days=(7 - date(year, 5, 1).weekday()) % 7)
    last_aug = date(year, 8, 31) - timedelta(days=date(year, 8, 31).weekday())
    moving = [easter - timedelta(days=2), easter + timedelta(days=1), first_may]
    return sorted({*fixed, *bank, *moving, may31 - timedelta(days=may31.weekday()), last_aug})


def calendar(days: int, end: date = DEFAULT_END) -> Calendar:
    """The DC's calendar of the ``days`` days ending on ``end``, worked out on whole months around them so
    that closures and month ends just outside the window count."""
    pad = 40
    last = np.datetime64(end, "D") + pad
    day = last - (days + 2 * pad - 1) + np.arange(days + 2 * pad)
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    years = range(int(day[0].astype("datetime64[Y]").astype(int)) + 1970, end.year + 2)
    holiday = np.isin(day, np.array([h for y in years for h in closures(y)], dtype="datetime64[D]"))
    closed = holiday | (weekday == 6)
    factor = np.where(closed, 0.0, 1.0)
    month = day.astype("datetime64[M]").astype(np.int64)
    dec = month % 12 == 11
    dom = year_day - (day.astype("datetime64[M]") - day.astype("datetime64[Y]")).astype(np.int64)
    factor[dec & (dom >= 13) & (dom <= 22)] *= 1.2  # 14-23 December: scripts issued before the break
    factor[dec & (dom >= 26)] *= 0.7  # 27-31 December: little is prescribed
    idx = np.arange(day.size)
    # Pharmacies stock up on the last weekday before a holiday (a Saturday is only half a day) and catch up
    # on the first open day after it; once per run of closed days.
    prev_weekday = np.maximum.accumulate(np.where(closed | (weekday == 5), -1, idx))
    next_open = np.minimum.accumulate(np.where(closed, day.size, idx)[::-1])[::-1]
    h = np.flatnonzero(holiday)
    before, after = np.unique(prev_weekday[h]), np.unique(next_open[h])
    factor[before[before >= 0]] *= 1.5
    factor[after[after < day.size]] *= 1.3
    rank = np.cumsum(~closed)  # open days so far
    within = rank - np.r_[0, rank][np.searchsorted(month, month)]  # open days so far this month
    total = np.bincount(month - month[0], weights=(~closed).astype(float))[month - month[0]]
    month_end = ~closed & (within > total - 2)
    month_start = ~closed & (within <= 2)
    w = slice(pad, pad + days)
    return Calendar(
        day[w], weekday[w], year_day[w], holiday[w], closed[w], factor[w], month_end[w], month_start[w]
    )


def _waves(rng: np.random.Generator, cal: Calendar, month: int, day: int, jitter: float) -> np.ndarray:
    """(years, 3): peak day index, width (sd, days) and height of a wave for each year near the window."""
    y0 = int(cal.day[0].astype("datetime64[Y]").astype(int)) + 1970
    years = np.arange(y0 - 1, y0 + cal.day.size // 365 + 3)
    peak = np.array([np.datetime64(date(int(y), month, day), "D") for y in years]) - cal.day[0]
    peak = peak.astype(float) + rng.normal(0.0, jitter, size=years.size)
    return np.stack([peak, rng.uniform(12.0, 28.0, years.size), rng.lognormal(0.0, 0.35, years.size)], axis=1)


def _seasonal(rng: np.random.Generator, m: int, cal: Calendar) -> np.ndarray:
    """(m, days) multiplier, 1 off-season, 2.5-8x at a typical peak: cold-and-flu or hay-fever lines."""
    days = cal.day.size
    flu = rng.random(m) < 0.6
    winter, pollen = _waves(rng, cal, 1, 5, 18.0), _waves(rng, cal, 6, 10, 8.0)
    # Shared pollen weather: an AR(1) in logs, stationary sd 0.4, with mean factor 1.
    shock = rng.normal(0.0, 0.4 * np.sqrt(1 - 0.75**2), size=days)
    weather = np.empty(days)
    weather[0] = rng.normal(0.0, 0.4)
    for d in range(1, days):
        weather[d] = 0.75 * weather[d - 1] + shock[d]
    lag = np.where(flu, rng.uniform(-7.0, 7.0, m), rng.uniform(-4.0, 4.0, m))[:, None, None]
    wave = np.where(flu[:, None, None, None], winter[None, None], pollen[None, None])  # (m, 1, years, 3)
    t = np.arange(days, dtype=float)[None, :, None] - lag
    z = (t - wave[..., 0]) / wave[..., 1]
    shape = (wave[..., 2] * np.exp(-0.5 * z * z)).sum(axis=2)  # (m, days)
    broad = ((1.0 + np.cos(2 * np.pi * (cal.year_day - 20) / _YEAR)) / 2.0) ** 2  # colds: autumn to spring
    shape = np.where(flu[:, None], 0.35 * broad + 0.65 * shape, shape * np.exp(weather - 0.08))
    return 1.0 + (rng.uniform(2.5, 8.0, size=(m, 1)) - 1.0) * shape


def deal_lift(rng: np.random.Generator, m: int, days: int) -> np.ndarray:
    """(m, days) multiplier: deals at 1.8-4x, then a linearly recovering dip paying back 30-70 % of extra."""
    per_year = rng.uniform(3.0, 6.0, size=(m, 1))
    k = days // 45 + 2
    gap = 45.0 + rng.exponential(np.maximum(365.0 / per_year - 45.0, 5.0), size=(m, k))  # never overlapping
    begin = np.cumsum(gap, axis=1) - rng.uniform(0.0, 45.0, size=(m, 1)) - 45.0
    length = rng.integers(5, 15, size=(m, k))
    lift = rng.uniform(1.8, 4.0, size=(m, k))
    dip = rng.integers(7, 29, size=(m, k))
    depth = np.minimum(2.0 * rng.uniform(0.3, 0.7, (m, k)) * (lift - 1.0) * length / (dip + 1.0), 0.85)
    t = np.arange(days)[None, :]
    mult = np.ones((m, days))
    for j in range(k):
        s = np.rint(begin[:, j : j + 1])
        into = t - s - length[:, j : j + 1]  # days since the deal ended
        mult = np.where((t >= s) & (into < 0), lift[:, j : j + 1], mult)
        after = (into >= 0) & (into < dip[:, j : j + 1])
        mult = np.where(after, mult * (1.0 - depth[:, j : j + 1] * (1.0 - into / dip[:, j : j + 1])), mult)
    return mult


def _specialty(rng: np.random.Generator, m: int, cal: Calendar) -> np.ndarray:
    """(m, days) packs: patients' repeat orders on their cycle plus rare one-off acute scripts."""
    days = cal.day.size
    patients = np.minimum(1 + rng.poisson(rng.uniform(3.0, 12.0, size=m)), 20)
    item = np.repeat(np.arange(m), patients)
    p = item.size
    cycle = _CYCLES[rng.choice(3, size=p, p=[0.7, 0.2, 0.1])]
    k = days // 28 + 2
    gaps = cycle[:, None] + np.rint(rng.normal(0.0, 2.0, size=(p, k)))  # early or late; the drift carries on
    due = (rng.integers(0, cycle)[:, None] + np.cumsum(gaps, axis=1) - gaps[:, :1]).astype(np.int64)
    on = np.where(rng.random(p) < 0.25, rng.integers(0, days, size=p), 0)
    off = np.where(rng.random(p) < 0.25, on + rng.integers(1, days + 1, size=p), days)
    qty = _USUAL[rng.integers(0, _USUAL.size, size=p)][:, None] * np.where(rng.random((p, k)) < 0.05, 2, 1)
    keep = (due < days) & (due >= on[:, None]) & (due < off[:, None])
    keep &= rng.random((p, k)) >= rng.uniform(0.02, 0.1, size=(p, 1))  # an order missed now and then
    prev_open = np.maximum.accumulate(np.where(cal.closed, -1, np.arange(days)))
    land = prev_open[due.clip(0, days - 1)]  # due on a closed day: ordered the open day before
    keep &= land >= 0
    cells = (item[:, None] * days + land)[keep]
    y = np.bincount(cells, weights=qty[keep], minlength=m * days).reshape(m, days)
    acute = np.exp(rng.uniform(np.log(0.003), np.log(0.05), size=(m, 1)))
    y += (rng.random((m, days)) < acute) * ~cal.closed * rng.geometric(0.55, size=(m, days))
    return y


def blind_h_demand(
    skus: int = 10_000,
    days: int = 730,
    seed: int = H_SEED,
    end: date = DEFAULT_END,
    mix: tuple[float, ...] = MIX,
) -> BlindHDemand:
    """``skus`` series of ``days`` days ending on ``end``; ``mix``: the expected share of each segment."""
    head, items, shapes, noise = (
        np.random.default_rng(s) for s in np.random.SeedSequence([_STREAM, seed]).spawn(4)
    )
    shares = np.asarray(mix, dtype=float)
    segment = head.choice(len(SEGMENTS), size=skus, p=shares / shares.sum())
    cal = calendar(days, end)
    is_ = {name: segment == k for k, name in enumerate(SEGMENTS)}
    t = np.arange(days, dtype=float)[None, :]

    # What every item shares: level, weekday profile, month-end loading, trend, the DC calendar.
    level = _MEDIAN[segment] * items.lognormal(0.0, 1.0, size=skus)
    week = _WEEK * np.exp(items.normal(0.0, 0.12, size=(skus, 7)))
    week *= 7.0 / week.sum(axis=1, keepdims=True)  # a week's volume is 7 days of the level
    loading = np.where(items.random(skus) < 0.6, items.uniform(0.05, 0.3, skus), 0.0)[:, None]
    slope = items.uniform(-0.15, 0.15, size=(skus, 1)) / _YEAR  # log growth a day
    winter = items.uniform(0.0, 0.08, size=(skus, 1)) * np.cos(2 * np.pi * (cal.year_day - 15) / _YEAR)
    rate = level[:, None] * week[:, cal.weekday] * cal.factor * np.exp(slope * (t - days / 2.0))
    rate *= 1.0 + loading * cal.month_end - 0.5 * loading * cal.month_start
    rate[is_["chronic"]] *= 1.0 + winter[is_["chronic"]]

    rate[is_["seasonal"]] *= _seasonal(shapes, int(is_["seasonal"].sum()), cal)
    rate[is_["deal"]] *= deal_lift(shapes, int(is_["deal"].sum()), days)

    # Switch: a lasting level shift, eased in exponentially.
    sw = int(is_["switch"].sum())
    when = shapes.integers(days // 4, max(days - 30, days // 4 + 1), size=(sw, 1))
    down = shapes.random((sw, 1)) < 0.55
    ratio = np.where(down, shapes.uniform(0.1, 0.5, (sw, 1)), shapes.uniform(1.5, 3.5, (sw, 1)))
    tau = np.where(down, shapes.uniform(5.0, 30.0, (sw, 1)), shapes.uniform(1.0, 10.0, (sw, 1)))
    since = np.maximum(t - when, 0.0)
    rate[is_["switch"]] *= np.where(t < when, 1.0, ratio + (1.0 - ratio) * np.exp(-since / tau))

    # Launch: Bass diffusion of stockists F(a) with opening stock bought as each one takes the line up.
    la = int(is_["launch"].sum())
    start = np.zeros(skus, dtype=np.int64)
    # At least 60 days of history; in a window of 60 days or fewer, launches are seen from day 0.
    listed = np.maximum(days - shapes.integers(60, 401, size=la), 1)
    start[is_["launch"]] = np.minimum(listed, max(days - 60, 0))
    p, q = shapes.uniform(0.003, 0.02, (la, 1)), shapes.uniform(0.02, 0.12, (la, 1))
    age = t - start[is_["launch"], None] + 1.0

    def bass(a: np.ndarray) -> np.ndarray:
        e = np.exp(-(p + q) * np.maximum(a, 0.0))
        return np.asarray((1.0 - e) / (1.0 + q / p * e))

    taken = bass(age) + shapes.uniform(2.0, 10.0, (la, 1)) * (bass(age) - bass(age - 1.0))
    rate[is_["launch"]] *= np.where(age > 0, taken, 0.0)

    # Negative binomial counts: per-item shape, steadier for chronic lines.
    k = np.exp(
        np.where(is_["chronic"], noise.uniform(np.log(4), np.log(40), skus), noise.uniform(0.7, 2.7, skus))
    )
    lam = noise.gamma(k[:, None], np.maximum(rate, 0.0) / k[:, None])
    y = noise.poisson(lam).astype(float)
    y[is_["specialty"]] = _specialty(shapes, int(is_["specialty"].sum()), cal)
    return BlindHDemand(y=y, start=start, segment=segment)

"""Generator I: unseen synthetic daily demand of a food distributor, a blind judge of the forecast engine.

NOBODY MAY TUNE THE ENGINE ON THIS GENERATOR, and nobody may look at the engine's accuracy on it before the
final judgement run it exists for (``bench/forecast.py --generator i``). No model family, parameter grid,
choice rule or interval formula may be chosen or kept because of figures from it; changing this module to suit
the engine is tuning too. Generators A-H had all been read when I was written, without running the engine on
it or computing any forecast on its data, from its own random stream, on a real calendar ending at ``end``.

I is a US food-service and grocery distributor delivering chilled and ambient lines, in cases, to restaurants,
hotels, hospitals, schools and small grocers over ten customer routes (``ROUTES``), each run on fixed
weekdays: Monday to Friday, Monday to Saturday, twice or three times a week, or once a week. An order covers
the days until the route's next run, so a Monday-and-Thursday route ships 3 days' worth on Mondays and 4 on
Thursdays. Each item is carried on its own subset of the routes (each route with the item's chance of
0.15-0.9, at least one), its volume spread over them in a Dirichlet mix (concentration 0.2-2), so weekday
profiles are spiky, differ per item, and are hard zeros on days none of its routes runs. Routes differ over
the year on a cosine: two resort routes are busier in summer (+20-60 % in mid-July, as much quieter in
mid-January), a campus route quieter in summer (-30-50 %, as much busier in mid-January), the rest within a
few per cent. Nothing ships on Sundays nor on the six holidays the DC shuts for (New Year's
Day, Memorial Day, Independence Day, Labor Day, Thanksgiving, Christmas; both the actual and the observed
day): each route's delivery then runs on the open day before, or on the next open day when the day before is
closed too (a Monday holiday's on the Tuesday). On the other five US federal holidays (observed days) the DC
runs but schools and offices are shut: 0.85x. The Monday to Wednesday before Thanksgiving sell 1.2x, 15-23
December 1.1x, 26 December to 10 January 0.85x (``bulk`` follows none of these factors nor the route
seasons: its accounts' orders alone set it). Every item but ``bulk`` has a gentle log-linear trend (log
growth -0.2 to +0.2 a year). Counts are cases, gamma-Poisson (negative binomial) around each item's expected
rate, except ``bulk`` items, built from accounts' orders.

- ``staple``: ambient and frozen staples (oil, flour, fries, paper goods): steady movers, median about 25
  cases a day before the route pattern, steady counts (negative binomial shape 5-50).
- ``fresh``: short-life chilled lines (produce, dairy, salads, soups), median about 12 cases a day, moved day
  by day by a temperature index shared by all of them: a yearly curve (2 °C in mid-January, 24 °C in
  mid-July) plus an AR(1) daily anomaly (sd 4 °C, 0.8 from one day to the next). 45 % are summer lines
  (salads, berries, ice cream) selling 20-60 % more per 10 °C warmer, 25 % winter lines (soups, root
  vegetables) as much less, the rest nearly flat (within 5 % per 10 °C). Customers cut their orders after
  throwing stock away, 3-8 times a year per item, for 3-10 days at the item's own 0.3-0.7x. Counts are
  noisier (shape 2-10).
- ``menu``: lines on restaurant menus, median about 8: groups of about 25 items (one menu concept's
  ingredients) share a level that switches on a Monday every 4-12 weeks between two or three of the regimes
  on the menu (1x), off it (0.1-0.5x) and featured (1.6-2.5x), never staying in the same one; each item
  follows its group's level to its own power of 0.7-1.2.
- ``bulk``: bought by 1-4 large accounts (caterers, institutions): each account orders every 7-21 days (its
  own cadence; each gap 0.7-1.3x of it, the drift carrying on), 20-200 cases as usual (gamma spread, shape 4;
  half the accounts order whole layers of 5 cases), and skips 2-12 % of its orders; orders due on a closed
  day come the next open day. On top, rare fill-in orders of 1-4 cases (0.5-4 % of open days). Most items
  have 75-95 % zero days (segment mean about 85 %, Sundays and holidays included).
- ``promo``: lines on the distributor's announced promotions, median about 10: 2-4 a year, each from a
  Monday, 7-21 days at 1.5-3x. Customers know them in advance: for 2-6 days before one they hold back
  (0.55-0.85x), and a dip of 7-21 days follows, recovering linearly, meant to pay back 20-60 % of the extra
  volume but never more than 85 % deep, so long, strong promotions pay back less (median about 30 %).
- ``new``: items listed 45-300 days before the end (``start``; zero before it), taken up along a logistic
  ramp (midpoint 10-60 days after listing, scale 4-20 days); 30 % of launches fail: 20-100 days after the
  midpoint they fade out exponentially (time constant 15-60 days) towards nothing.
- ``phaseout``: items being delisted: from 30-200 days before the end, demand decays as (1 - f)^p (p 0.5-2.5,
  f the share of that stretch gone) to 0-5 % of its level; 30 % are cut off for good in the last 0-14 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

SEGMENTS: tuple[str, ...] = ("staple", "fresh", "menu", "bulk", "promo", "new", "phaseout")
MIX: tuple[float, ...] = (0.30, 0.18, 0.14, 0.12, 0.10, 0.08, 0.08)
"""Expected share of each of ``SEGMENTS``."""
ROUTES: tuple[tuple[int, ...], ...] = (
    (0, 1, 2, 3, 4),
    (0, 1, 2, 3, 4, 5),
    (0, 3),
    (1, 4),
    (2, 5),
    (0, 2, 4),
    (1, 3, 5),
    (1, 4),
    (2,),
    (3,),
)
"""The weekdays (0 = Monday) each customer route is run on."""
SHUT: tuple[str, ...] = ("new_year", "memorial", "independence", "labor", "thanksgiving", "christmas")
"""The federal holidays the DC shuts for; it runs on the others."""
I_SEED = 52_919
DEFAULT_END = date(2027, 2, 27)  # a Saturday
_STREAM = 0x91F0  # keys the random stream, so equal seed numbers never replay generator A's to H's draws
_YEAR = 365.25
_MEDIAN = np.array([25.0, 12.0, 8.0, 0.0, 10.0, 8.0, 10.0])  # median level of each segment, cases a day
_SHAPE = np.array([[5, 2, 3, 1, 3, 2, 2], [50, 10, 20, 1, 20, 10, 10]])  # negative binomial shape range
_RESORT, _CAMPUS = [4, 8], [3]  # routes busier in summer, and quieter


@dataclass(frozen=True)
class BlindIDemand:
    y: np.ndarray  # (n, days) cases shipped per day, oldest first, whole numbers
    start: np.ndarray  # (n,) first listed day; > 0 for ``new`` only
    segment: np.ndarray  # (n,) index into ``names``
    names: tuple[str, ...] = SEGMENTS


@dataclass(frozen=True)
class Calendar:
    day: np.ndarray  # (days,) datetime64[D]
    weekday: np.ndarray  # (days,) 0 = Monday
    year_day: np.ndarray  # (days,) 0 = 1 January
    holiday: np.ndarray  # (days,) bool: shut for one of ``SHUT``
    closed: np.ndarray  # (days,) bool: a Sunday or a holiday, nothing ships
    factor: np.ndarray  # (days,) DC-wide factor: federal holidays it runs on, Thanksgiving week, Christmas
    route: np.ndarray  # (routes, days) days of demand each route's delivery covers, holidays' moved; 0 off


def _nth(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th ``weekday`` of the month (n = -1: the last)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def federal_holidays(year: int) -> dict[str, tuple[date, date]]:
    """The eleven US federal holidays of ``year``: name -> (day, day observed: a Saturday's on the Friday
    before, a Sunday's on the Monday after)."""
    fixed = {"new_year": (1, 1), "juneteenth": (6, 19), "independence": (7, 4), "veterans": (11, 11)}
    moving = {"mlk": (1, 3), "presidents": (2, 3), "memorial": (5, -1), "labor": (9, 1), "columbus": (10, 2)}
    out: dict[str, tuple[date, date]] = {}
    for name, (month, day) in (fixed | {"christmas": (12, 25)}).items():
        d = date(year, month, day)
        out[name] = (d, d + timedelta(days={5: -1, 6: 1}.get(d.weekday(), 0)))
    for name, (month, n) in moving.items():
        out[name] = (_nth(year, month, 0, n),) * 2
    out["thanksgiving"] = (_nth(year, 11, 3, 4),) * 2
    return out


def calendar(days: int, end: date = DEFAULT_END) -> Calendar:
    """The DC's calendar of the ``days`` days ending on ``end``, worked out with a fortnight either side so
    that deliveries moved by holidays just outside the window count."""
    pad = 14
    last = np.datetime64(end, "D") + pad
    day = last - (days + 2 * pad - 1) + np.arange(days + 2 * pad)
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    y0 = int(day[0].astype("datetime64[Y]").astype(int)) + 1970
    fed = [federal_holidays(y) for y in range(y0 - 1, y0 + day.size // 365 + 3)]
    shut = [d for f in fed for name in SHUT for d in f[name]]
    runs = [f[name][1] for f in fed for name in f if name not in SHUT]
    holiday = np.isin(day, np.array(shut, dtype="datetime64[D]"))
    closed = holiday | (weekday == 6)
    factor = np.where(np.isin(day, np.array(runs, dtype="datetime64[D]")), 0.85, 1.0)
    thanks = np.array([f["thanksgiving"][0] for f in fed], dtype="datetime64[D]")
    factor[np.isin(day, np.concatenate([thanks - 3, thanks - 2, thanks - 1]))] *= 1.2
    month = day.astype("datetime64[M]").astype(np.int64) % 12
    dom = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    factor[(month == 11) & (dom >= 15) & (dom <= 23)] *= 1.1
    factor[((month == 11) & (dom >= 26)) | ((month == 0) & (dom <= 10))] *= 0.85
    route = np.zeros((len(ROUTES), day.size))
    for r, run in enumerate(ROUTES):
        cover = np.zeros(7)
        for k, d in enumerate(run):  # days until the route's next run
            cover[d] = (run[(k + 1) % len(run)] - d - 1) % 7 + 1
        route[r] = cover[weekday]
    idx = np.arange(day.size)
    next_open = np.minimum.accumulate(np.where(closed, day.size - 1, idx)[::-1])[::-1]
    for h in np.flatnonzero(holiday):
        route[:, h - 1 if h > 0 and not closed[h - 1] else next_open[h]] += route[:, h]
    route[:, closed] = 0.0
    w = slice(pad, pad + days)
    return Calendar(day[w], weekday[w], year_day[w], holiday[w], closed[w], factor[w], route[:, w])


def promo_lift(rng: np.random.Generator, m: int, days: int, weekday0: int = 0) -> np.ndarray:
    """(m, days) multiplier: announced promotions (from a Monday; ``weekday0``: day 0's weekday) with the
    hold-back before them and the paid-back dip after."""
    per_year = rng.uniform(2.0, 4.0, size=(m, 1))
    k = days // 60 + 3
    gap = 60.0 + rng.exponential(np.maximum(365.0 / per_year - 60.0, 5.0), size=(m, k))  # never overlapping
    begin = np.rint(np.cumsum(gap, axis=1) - rng.uniform(0.0, 120.0, size=(m, 1)) - 60.0)
    begin -= (weekday0 + begin) % 7
    length, dip, hold = rng.integers(7, 22, (m, k)), rng.integers(7, 22, (m, k)), rng.integers(2, 7, (m, k))
    lift, held = rng.uniform(1.5, 3.0, (m, k)), rng.uniform(0.55, 0.85, (m, k))
    depth = np.minimum(2.0 * rng.uniform(0.2, 0.6, (m, k)) * (lift - 1.0) * length / (dip + 1.0), 0.85)
    t = np.arange(days)[None, :]
    mult = np.ones((m, days))
    for j in range(k):
        s, e, d = begin[:, j : j + 1], begin[:, j : j + 1] + length[:, j : j + 1], dip[:, j : j + 1]
        mult = np.where((t >= s - hold[:, j : j + 1]) & (t < s), held[:, j : j + 1], mult)
        mult = np.where((t >= s) & (t < e), lift[:, j : j + 1], mult)
        into = t - e  # days since the promotion ended
        mult = np.where((into >= 0) & (into < d), 1.0 - depth[:, j : j + 1] * (1.0 - into / d), mult)
    return mult


def _bulk(rng: np.random.Generator, m: int, cal: Calendar) -> np.ndarray:
    """(m, days) cases: large accounts' orders on their own irregular cadence, plus rare fill-in orders."""
    days = cal.day.size
    item = np.repeat(np.arange(m), 1 + rng.binomial(3, 0.35, size=m))
    a, k = item.size, days // 4 + 2
    cadence = rng.uniform(7.0, 21.0, size=(a, 1))
    gaps = np.maximum(np.rint(cadence * rng.uniform(0.7, 1.3, size=(a, k))), 4.0)
    due = (np.floor(rng.random((a, 1)) * cadence) + np.cumsum(gaps, axis=1) - gaps[:, :1]).astype(np.int64)
    layer = np.where(rng.random((a, 1)) < 0.5, 5.0, 1.0)
    usual = np.exp(rng.uniform(np.log(20.0), np.log(200.0), size=(a, 1)))
    qty = np.maximum(np.rint(usual * rng.gamma(4.0, 0.25, size=(a, k)) / layer), 1.0) * layer
    keep = (due < days) & (rng.random((a, k)) >= rng.uniform(0.02, 0.12, size=(a, 1)))
    next_open = np.minimum.accumulate(np.where(cal.closed, days, np.arange(days))[::-1])[::-1]
    land = next_open[due.clip(0, days - 1)]  # due on a closed day: delivered the next open day
    keep &= land < days
    y = np.bincount((item[:, None] * days + land)[keep], weights=qty[keep], minlength=m * days)
    y = y.reshape(m, days)
    fill = np.exp(rng.uniform(np.log(0.005), np.log(0.04), size=(m, 1)))
    y += (rng.random((m, days)) < fill) * ~cal.closed * rng.integers(1, 5, size=(m, days))
    return y


def blind_i_demand(
    skus: int = 10_000,
    days: int = 730,
    seed: int = I_SEED,
    end: date = DEFAULT_END,
    mix: tuple[float, ...] = MIX,
) -> BlindIDemand:
    """``skus`` series of ``days`` days ending on ``end``; ``mix``: the expected share of each segment."""
    head, items, shapes, noise = (
        np.random.default_rng(s) for s in np.random.SeedSequence([_STREAM, seed]).spawn(4)
    )
    shares = np.asarray(mix, dtype=float)
    segment = head.choice(len(SEGMENTS), size=skus, p=shares / shares.sum())
    cal = calendar(days, end)
    is_ = {name: segment == k for k, name in enumerate(SEGMENTS)}
    n = {name: int(rows.sum()) for name, rows in is_.items()}
    t = np.arange(days, dtype=float)[None, :]

    # What every item shares: level, its customers' spread over the routes, the routes' seasons, trend.
    level = _MEDIAN[segment] * items.lognormal(0.0, 0.5, size=skus)
    carried = items.random((skus, len(ROUTES))) < items.uniform(0.15, 0.9, size=(skus, 1))
    carried[np.arange(skus), items.integers(0, len(ROUTES), size=skus)] = True  # on one route at least
    spread = (items.gamma(items.uniform(0.2, 2.0, size=(skus, 1)), size=carried.shape) + 1e-12) * carried
    spread /= spread.sum(axis=1, keepdims=True)
    amp = items.normal(0.0, 0.04, size=len(ROUTES))
    amp[_RESORT] = items.uniform(0.2, 0.6, size=len(_RESORT))
    amp[_CAMPUS] = -items.uniform(0.3, 0.5, size=len(_CAMPUS))
    summer = np.cos(2 * np.pi * (cal.year_day - 196) / _YEAR)  # 1 in mid-July
    slope = items.uniform(-0.2, 0.2, size=(skus, 1)) / _YEAR  # log growth a day
    rate = spread @ (cal.route * (1.0 + amp[:, None] * summer)) * cal.factor
    rate *= level[:, None] * np.exp(slope * (t - days / 2.0))

    # Fresh: the shared temperature index, and cuts after waste.
    anomaly = np.empty(days)
    shock = shapes.normal(0.0, 4.0 * np.sqrt(1 - 0.8**2), size=days)
    anomaly[0] = shapes.normal(0.0, 4.0)
    for d in range(1, days):
        anomaly[d] = 0.8 * anomaly[d - 1] + shock[d]
    # Tens of degrees over the yearly mean, 13 °C: the curve (2 °C mid-January, 24 °C mid-July) and anomaly.
    warm = (anomaly - 11.0 * np.cos(2 * np.pi * (cal.year_day - 15) / _YEAR)) / 10.0
    kind = shapes.choice(3, size=(n["fresh"], 1), p=[0.45, 0.25, 0.3])  # summer, winter, flat lines
    per_10 = np.where(
        kind == 2, shapes.uniform(-0.05, 0.05, kind.shape), shapes.uniform(0.2, 0.6, kind.shape)
    )
    weather = (1.0 + per_10) ** np.where(kind == 1, -warm, warm)
    weather /= np.maximum(weather.mean(axis=1, keepdims=True), 1e-9)
    began = np.cumsum(
        shapes.random((n["fresh"], days)) < shapes.uniform(3.0, 8.0, (n["fresh"], 1)) / 365.0, 1
    )
    span = shapes.integers(3, 11, size=(n["fresh"], 1))
    before = np.take_along_axis(np.pad(began, ((0, 0), (11, 0))), np.arange(days)[None, :] - span + 11, 1)
    cut = np.where(began > before, shapes.uniform(0.3, 0.7, (n["fresh"], 1)), 1.0)
    rate[is_["fresh"]] *= weather * cut

    # Menu: each group's level switches regime on a Monday every 4-12 weeks.
    groups = max(1, round(n["menu"] / 25))
    path = np.ones((groups, days))
    for g in range(groups):
        regimes = np.array([1.0, shapes.uniform(0.1, 0.5), shapes.uniform(1.6, 2.5)])
        chosen = shapes.permutation(3)[: shapes.integers(2, 4)]
        change = np.cumsum(shapes.integers(28, 85, size=days // 28 + 2)) - shapes.integers(0, 85)
        change -= (cal.weekday[0] + change) % 7  # back to a Monday
        seq = np.cumsum(shapes.integers(1, chosen.size, size=change.size + 1)) + shapes.integers(0, 3)
        path[g] = regimes[chosen[seq[np.searchsorted(change, np.arange(days), side="right")] % chosen.size]]
    group = shapes.integers(0, groups, size=n["menu"])
    rate[is_["menu"]] *= path[group] ** shapes.uniform(0.7, 1.2, size=(n["menu"], 1))

    rate[is_["promo"]] *= promo_lift(shapes, n["promo"], days, int(cal.weekday[0]))

    # New: a logistic ramp from ``start``; failing launches fade out.
    start = np.zeros(skus, dtype=np.int64)
    start[is_["new"]] = np.clip(days - shapes.integers(45, 301, size=n["new"]), 1, max(days - 45, 1))
    age = t - start[is_["new"], None]
    mid, scale = shapes.uniform(10.0, 60.0, (n["new"], 1)), shapes.uniform(4.0, 20.0, (n["new"], 1))
    ramp = 1.0 / (1.0 + np.exp(-(age - mid) / scale))
    fade = mid + shapes.uniform(20.0, 100.0, (n["new"], 1))
    fails = shapes.random((n["new"], 1)) < 0.3
    ramp *= np.where(
        fails, np.exp(-np.maximum(age - fade, 0.0) / shapes.uniform(15.0, 60.0, fade.shape)), 1.0
    )
    rate[is_["new"]] *= np.where(age >= 0, ramp, 0.0)

    # Phase-out: decay over the last 30-200 days, some cut off for good near the end.
    po = n["phaseout"]
    t0 = np.maximum(days - shapes.integers(30, 201, size=(po, 1)), 0)
    f = np.clip((t - t0) / np.maximum(days - t0, 1), 0.0, 1.0)
    floor = shapes.uniform(0.0, 0.05, (po, 1))
    decay = floor + (1.0 - floor) * (1.0 - f) ** shapes.uniform(0.5, 2.5, (po, 1))
    gone = np.where(shapes.random((po, 1)) < 0.3, days - shapes.integers(0, 15, (po, 1)), days)
    rate[is_["phaseout"]] *= np.where(t < gone, decay, 0.0)

    # Negative binomial counts: per-item shape within the segment's range.
    lo, hi = np.log(_SHAPE[:, segment])
    k = np.exp(noise.uniform(lo, hi))[:, None]
    y = noise.poisson(noise.gamma(k, np.maximum(rate, 0.0) / k)).astype(float)
    y[is_["bulk"]] = _bulk(shapes, n["bulk"], cal)
    return BlindIDemand(y=y, start=start, segment=segment)

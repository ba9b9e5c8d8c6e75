"""Generator L's calendar, events and weather (``forecasting.synthetic_blind_l``: a blind judge of the engine).

Never tune the engine on these either: they are part of generator L. Japan's national holidays (substitute and
citizens' holidays included, the equinoxes from the Sun's longitude), the office-district and neighbourhood
day factors of a Tokyo convenience-store chain's distribution centre, its ambient shipping days, the dates of
the chain's pre-order events (Setsubun from the solar terms, the Doyo days of the Ox from the sexagenary day
cycle) and hot-counter seasons, the DC's store count, and the shared Tokyo weather: temperature, rain and
typhoons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DEFAULT_END = date(2026, 10, 18)  # a Sunday
PAD = 40  # days of weather simulated before the window, so trailing means and typhoon after-effects count
_AFTER = 5  # days of weather after the window, so stockpiling before a typhoon just beyond it counts
_STREAM = 0x2C5D  # generator L's stream key (``forecasting.synthetic_blind_l``)
_WEATHER = 0x1A7  # keys the weather's own stream
_YEAR = 365.25
_JST = 9.0 / 24.0
OFFICE = np.array([1.0, 1.03, 1.03, 1.0, 1.06, 0.45, 0.32])
"""Office-district stores' day factors, Monday to Sunday; holidays and the long breaks sell as Sundays."""
HOME = np.array([0.95, 0.94, 0.96, 0.97, 1.04, 1.12, 1.06])
"""Neighbourhood and roadside stores' day factors, Monday to Sunday; a weekday holiday sells 1.08."""


@dataclass(frozen=True)
class Calendar:
    day: np.ndarray  # (days,) datetime64[D]
    weekday: np.ndarray  # (days,) 0 = Monday
    year_day: np.ndarray  # (days,) 0 = 1 January
    holiday: np.ndarray  # (days,) bool: a national holiday (``public_holidays``)
    breaks: np.ndarray  # (days,) bool: New Year (29 December - 3 January) or Obon (13-16 August)
    ambient: np.ndarray  # (days,) bool: ambient goods ship (not Sundays, 1 or 2 January)
    office: np.ndarray  # (days,) office-district stores' day factor
    home: np.ndarray  # (days,) neighbourhood stores' day factor


@dataclass(frozen=True)
class Weather:
    temp: np.ndarray  # (days,) Tokyo daily mean temperature, °C
    warm: np.ndarray  # (days,) trailing 7-day mean temperature
    wet: np.ndarray  # (days,) bool: a rainy day
    onset: np.ndarray  # (days,) bool: rain after a dry day (people caught out without umbrellas)
    typhoon: np.ndarray  # (days,) bool: a typhoon passes over the Kanto plain
    until: np.ndarray  # (days,) days to the next typhoon (0 on one, 99 when none within 99 days)
    since: np.ndarray  # (days,) days since the last typhoon (0 on one, 99 when none within 99 days)


def _sun_longitude(jd: np.ndarray) -> np.ndarray:
    """Apparent ecliptic longitude of the Sun in degrees (low-precision formula, about 0.01 degrees)."""
    t = (jd - 2451545.0) / 36525.0
    mean = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    m = np.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    centre = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * np.sin(m)
        + (0.019993 - 0.000101 * t) * np.sin(2 * m)
        + 0.000289 * np.sin(3 * m)
    )
    return np.asarray(mean + centre - 0.00569 - 0.00478 * np.sin(np.radians(125.04 - 1934.136 * t)))


def solar_term(year: int, longitude: float) -> date:
    """The Japanese date in ``year`` on which the Sun reaches ``longitude`` (0: vernal equinox, 315: Risshun)."""
    first = date(year, 1, 1).toordinal()
    ordinal = np.arange(first, first + 367)
    lam = np.degrees(np.unwrap(np.radians(_sun_longitude(ordinal + 1721424.5 - _JST))))  # JST midnights
    target = longitude + 360.0 * np.ceil((lam[0] - longitude) / 360.0)
    return date.fromordinal(int(ordinal[np.flatnonzero(lam >= target)[0] - 1]))


def _monday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (nth - 1))


def public_holidays(year: int) -> dict[str, date]:
    """Japan's national holidays of ``year`` under the present law, with substitute holidays (a Sunday
    holiday moves to the next day that is not one) and citizens' holidays (a day between two holidays)."""
    base = {
        "new_year": date(year, 1, 1),
        "coming_of_age": _monday(year, 1, 2),
        "foundation": date(year, 2, 11),
        "emperor": date(year, 2, 23),
        "vernal_equinox": solar_term(year, 0.0),
        "showa": date(year, 4, 29),
        "constitution": date(year, 5, 3),
        "greenery": date(year, 5, 4),
        "children": date(year, 5, 5),
        "marine": _monday(year, 7, 3),
        "mountain": date(year, 8, 11),
        "respect_for_aged": _monday(year, 9, 3),
        "autumnal_equinox": solar_term(year, 180.0),
        "sports": _monday(year, 10, 2),
        "culture": date(year, 11, 3),
        "labour_thanksgiving": date(year, 11, 23),
    }
    days = set(base.values())
    out = dict(base)
    for name, d in base.items():
        between = d + timedelta(days=1)
        if d + timedelta(days=2) in days and between not in days:
            out[f"citizens_after_{name}"] = between
    taken = set(out.values())
    for name, d in base.items():
        if d.weekday() == 6:
            sub = d + timedelta(days=1)
            while sub in taken:
                sub += timedelta(days=1)
            out[f"substitute_{name}"] = sub
            taken.add(sub)
    return out


def ox_days(year: int) -> list[date]:
    """The Doyo days of the Ox of ``year``'s summer (eel day): Ox days (the 2nd of the 12 earthly branches)
    from the Sun's longitude 117 degrees to the day before Risshu (135 degrees)."""
    first, last = solar_term(year, 117.0), solar_term(year, 135.0)
    return [
        first + timedelta(days=k) for k in range((last - first).days) if (first.toordinal() + k) % 12 == 11
    ]


def event_days(year: int) -> dict[str, list[date]]:
    """The chain's pre-order and gift events of ``year``, each a list of days (the Ox days may be two)."""
    may = date(year, 5, 1)
    return {
        "ehomaki": [solar_term(year, 315.0) - timedelta(days=1)],  # Setsubun, the eve of Risshun
        "valentine": [date(year, 2, 14)],
        "hina": [date(year, 3, 3)],
        "mothers_day": [may + timedelta(days=(6 - may.weekday()) % 7 + 7)],  # second Sunday of May
        "eel": ox_days(year),
        "halloween": [date(year, 10, 31)],
        "cake": [date(year, 12, 24)],
        "chicken": [date(year, 12, 24)],
        "osechi": [date(year, 12, 31)],
    }


def _days(days: int, end: date) -> np.ndarray:
    return np.datetime64(end, "D") - (days - 1) + np.arange(days)


def _parts(day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weekday (0 = Monday), day of year (0-based), month (1-12) and day of month of ``day``."""
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    month = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return weekday, year_day, month, dom


def calendar(days: int, end: date = DEFAULT_END) -> Calendar:
    """The distribution centre's calendar of the ``days`` days ending on ``end``."""
    day = _days(days, end)
    weekday, year_day, month, dom = _parts(day)
    years = range(int(day[0].astype("datetime64[Y]").astype(int)) + 1970, end.year + 1)
    holiday = np.isin(
        day, np.array([d for y in years for d in public_holidays(y).values()], dtype="datetime64[D]")
    )
    new_year = ((month == 12) & (dom >= 29)) | ((month == 1) & (dom <= 3))
    obon = (month == 8) & (dom >= 13) & (dom <= 16)
    breaks = new_year | obon
    ambient = (weekday != 6) & ~((month == 1) & (dom <= 2))
    off = holiday | breaks | (weekday >= 5)
    office = np.where(off, OFFICE[6], OFFICE[weekday])
    office[(weekday == 5) & ~holiday & ~breaks] = OFFICE[5]
    # Working days on which many office workers take leave: inside Golden Week, the last working day of the
    # year, and the days around Obon.
    gw = ((month == 4) & (dom >= 30)) | ((month == 5) & (dom <= 2))
    office = np.where(~off & gw, 0.75, office)
    office = np.where(~off & (month == 12) & (dom == 28), 0.85, office)
    near_obon = (month == 8) & (((dom >= 10) & (dom <= 12)) | ((dom >= 17) & (dom <= 19)))
    office = np.where(~off & near_obon, 0.85, office)
    home = np.where(holiday & (weekday < 5), 1.08, HOME[weekday])
    home = np.where((month == 1) & (dom <= 3), 0.85, home)  # Tokyo empties as people go home
    home = np.where((month == 12) & ((dom == 29) | (dom == 30)), 0.95, home)
    home = np.where((month == 12) & (dom == 31), 1.15, home)
    home = np.where(obon, 0.9, home)
    return Calendar(day, weekday, year_day, holiday, breaks, ambient, office, home)


def chain(rng: np.random.Generator, days: int) -> np.ndarray:
    """(days,) the store count over the first day's: 1-4 % growth a year and one takeover of 6-12 %."""
    t = np.arange(days)
    lo = int(0.3 * days)
    jump = int(rng.integers(lo, max(int(0.7 * days), lo + 1)))
    growth = np.exp(rng.uniform(0.01, 0.04) * t / _YEAR)
    return np.asarray(growth * (1.0 + rng.uniform(0.06, 0.12) * (t >= jump)))


def seasons(rng: np.random.Generator, cal: Calendar, end: date) -> np.ndarray:
    """(3, days) bool: each hot family's listing seasons (oden, steamed buns, hot drinks), the chain's dates."""
    opens, closes = ((8, 25), (9, 10), (10, 1)), ((4, 30), (4, 15), (4, 30))
    out = np.zeros((3, cal.day.size), dtype=bool)
    first = int(cal.day[0].astype("datetime64[Y]").astype(int)) + 1970
    for y in range(first - 1, end.year + 1):
        for f in range(3):
            lo = np.datetime64(date(y, *opens[f]), "D") + int(rng.integers(-10, 11))
            hi = np.datetime64(date(y + 1, *closes[f]), "D") + int(rng.integers(-15, 16))
            out[f] |= (cal.day >= lo) & (cal.day <= hi)
    return out


def trailing(x: np.ndarray, w: int) -> np.ndarray:
    """Trailing ``w``-day means (shorter at the start)."""
    c = np.cumsum(np.r_[0.0, x])
    lo = np.maximum(np.arange(x.size) + 1 - w, 0)
    return np.asarray((c[1:] - c[lo]) / (np.arange(x.size) + 1 - lo))


def weather(days: int, seed: int, end: date = DEFAULT_END) -> Weather:
    """Tokyo's weather of the ``days`` days ending on ``end``, shared by every item; its own stream.

    Temperature: 5.4 °C in late January to 27.4 °C in late July on a cosine, plus an AR(1) anomaly (0.7 from
    day to day, sd about 2.5 °C). Rain: a wet-or-dry Markov chain, a dry day turning wet with chance 0.2 (0.45
    in the rainy season, 8 June - 19 July; 0.3 in September; 0.12 from December to February) and a wet day
    staying wet with chance 0.5 (0.65 in the rainy season). Typhoons: about 1.8 a year over Kanto, around 5
    September (sd 20 days, 20 July - 25 October), each a wet day."""
    rng = np.random.default_rng([_STREAM, seed, _WEATHER])
    n = PAD + days + _AFTER
    day = _days(n, end + timedelta(days=_AFTER))
    _, year_day, month, dom = _parts(day)
    shock = rng.normal(0.0, 1.8, n)
    anomaly = np.empty(n)
    now = rng.normal(0.0, 2.5)
    for d in range(n):
        now = 0.7 * now + shock[d]
        anomaly[d] = now
    temp = 16.4 - 11.0 * np.cos(2 * np.pi * (year_day - 24) / _YEAR) + anomaly
    tsuyu = ((month == 6) & (dom >= 8)) | ((month == 7) & (dom <= 19))
    start = np.select([tsuyu, month == 9, (month == 12) | (month <= 2)], [0.45, 0.3, 0.12], 0.2)
    stay = np.where(tsuyu, 0.65, 0.5)
    draw = rng.random(n)
    wet = np.empty(n, dtype=bool)
    state = bool(rng.random() < 0.3)
    for d in range(n):
        state = bool(draw[d] < (stay[d] if state else start[d]))
        wet[d] = state
    typhoon = np.zeros(n, dtype=bool)
    first = int(day[0].astype("datetime64[Y]").astype(int)) + 1970
    for y in range(first, end.year + 2):
        for _ in range(int(rng.poisson(1.8))):
            offset = int(np.clip(np.rint(rng.normal(0.0, 20.0)), -47, 50))
            hit = np.datetime64(date(y, 9, 5) + timedelta(days=offset), "D")
            typhoon |= day == hit
    wet |= typhoon
    onset = wet & ~np.r_[True, wet[:-1]]
    t = np.arange(n)
    last = np.maximum.accumulate(np.where(typhoon, t, -1000))
    nxt = np.minimum.accumulate(np.where(typhoon, t, 10_000)[::-1])[::-1]
    w = slice(PAD, PAD + days)
    return Weather(
        temp[w],
        trailing(temp, 7)[w],
        wet[w],
        onset[w],
        typhoon[w],
        np.minimum(nxt - t, 99)[w],
        np.minimum(t - last, 99)[w],
    )

"""Generator K's calendar and weather (``forecasting.synthetic_blind_k``: a blind judge of the engine).

Never tune the engine on these either: they are part of generator K. Bavaria's public holidays and the parts
distributor's shipping days, bridge days and Christmas week; the daily mean temperature shared by every item,
with its cold snaps; the vehicle park's battery failures; and each year's tyre-changeover triggers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from forecasting.calendars import easter as easter_sunday

DEFAULT_END = date(2027, 3, 20)  # a Saturday
PAD = 400  # days of weather before the window, so that pools, rushes and frosts before it count
_STREAM = 0xB6E4  # generator K's stream key (``forecasting.synthetic_blind_k``)
_WEATHER = 0x7E3  # keys the weather's own stream
_YEAR = 365.25


@dataclass(frozen=True)
class Calendar:
    day: np.ndarray  # (days,) datetime64[D]
    weekday: np.ndarray  # (days,) 0 = Monday
    year_day: np.ndarray  # (days,) 0 = 1 January
    holiday: np.ndarray  # (days,) bool: a Bavarian public holiday (``public_holidays``)
    shipping: np.ndarray  # (days,) bool: Monday to Saturday, not a holiday
    half: np.ndarray  # (days,) bool: Christmas Eve or New Year's Eve on a shipping day, 0.4x
    bridge: np.ndarray  # (days,) bool: a bridge day, 0.55x
    between: np.ndarray  # (days,) bool: 27-30 December on a shipping day, 0.65x
    factor: np.ndarray  # (days,) the calendar's multiplier: 0 when shut


@dataclass(frozen=True)
class Weather:
    temp: np.ndarray  # (days,) daily mean temperature, °C
    snap: np.ndarray  # (days,) bool: within a cold snap at (nearly) its full depth


def public_holidays(year: int) -> dict[str, date]:
    """Bavaria's public holidays of ``year`` (the Assumption as in Munich; Augsburg's Peace Festival not)."""
    easter = easter_sunday(year)
    out = {"new_year": date(year, 1, 1), "epiphany": date(year, 1, 6)}
    for name, shift in (
        ("good_friday", -2),
        ("easter_monday", 1),
        ("ascension", 39),
        ("whit_monday", 50),
        ("corpus_christi", 60),
    ):
        out[name] = easter + timedelta(days=shift)
    out |= {"labour": date(year, 5, 1), "assumption": date(year, 8, 15), "unity": date(year, 10, 3)}
    out |= {
        "all_saints": date(year, 11, 1),
        "christmas": date(year, 12, 25),
        "st_stephen": date(year, 12, 26),
    }
    return out


def calendar(days: int, end: date = DEFAULT_END) -> Calendar:
    """The distributor's calendar of the ``days`` days ending on ``end``."""
    day = np.datetime64(end, "D") - days + np.arange(days + 2)  # a day more either side, for bridge days
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    years = range(int(day[0].astype("datetime64[Y]").astype(int)) + 1970, end.year + 2)
    holiday = np.isin(
        day, np.array([d for y in years for d in public_holidays(y).values()], dtype="datetime64[D]")
    )
    shipping = (weekday < 6) & ~holiday
    month = day.astype("datetime64[M]").astype(np.int64) % 12
    dom = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    half = shipping & (month == 11) & ((dom == 24) | (dom == 31))
    between = shipping & (month == 11) & (dom >= 27) & (dom <= 30)
    after = np.r_[holiday[1:], False]  # tomorrow is a holiday
    before = np.r_[False, holiday[:-1]]  # yesterday was one
    bridge = shipping & (((weekday == 0) & after) | ((weekday == 4) & before))
    factor = np.select([~shipping, half, bridge, between], [0.0, 0.4, 0.55, 0.65], 1.0)
    w = slice(1, days + 1)
    return Calendar(
        day[w], weekday[w], year_day[w], holiday[w], shipping[w], half[w], bridge[w], between[w], factor[w]
    )


def temperature(
    days: int, seed: int, end: date = DEFAULT_END, pad: int = PAD
) -> tuple[np.ndarray, np.ndarray]:
    """(pad + days,) daily mean temperature and cold-snap days ending on ``end``; the weather's own stream."""
    rng = np.random.default_rng([_STREAM, seed, _WEATHER])
    n = pad + days
    day = np.datetime64(end, "D") - (n - 1) + np.arange(n)
    year_day = (day - day.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    winter = np.cos(2 * np.pi * (year_day - 15) / _YEAR)  # 1 in mid-January
    shock = rng.normal(0.0, 2.4, n) * (1.0 + 0.15 * winter)
    anomaly = np.empty(n)
    now = rng.normal(0.0, 4.0)
    for d in range(n):
        now = 0.8 * now + shock[d]
        anomaly[d] = now
    # Cold snaps: about 2 a winter, most from December to February.
    chance = np.where(winter > 0.75, 2.0 / 90.0, np.where(winter > 0.4, 0.4 / 60.0, 0.0))
    onsets = np.flatnonzero(rng.random(n) < chance)
    snap_temp, snap = np.zeros(n), np.zeros(n, dtype=bool)
    t = np.arange(n)
    for s in onsets:
        depth, fall = rng.uniform(5.0, 11.0), int(rng.integers(1, 3))
        hold, ease = int(rng.integers(3, 10)), int(rng.integers(2, 6))
        x = t - s
        shape = np.clip((x + 1) / fall, 0.0, 1.0) * np.clip(
            1.0 - (x - fall - hold + 1) / (ease + 1), 0.0, 1.0
        )
        snap_temp -= depth * np.where(x >= 0, shape, 0.0)
        snap |= (x >= fall - 1) & (x < fall + hold)
    temp = 9.5 - 9.5 * winter + anomaly + snap_temp
    return temp, snap


def weather(days: int, seed: int, end: date = DEFAULT_END) -> Weather:
    """The shared weather of the ``days`` days ending on ``end``, from generator K's ``seed``; own stream."""
    temp, snap = temperature(days, seed, end)
    return Weather(temp[PAD:], snap[PAD:])


def battery_failures(temp: np.ndarray) -> np.ndarray:
    """(len,) failures a day of the vehicle park's weak batteries, over their mean: a pool of weak batteries
    refills at 1.5 % of the rest a day and fails at a hazard of 0.002 + 0.008 a degree below 4 °C."""
    hazard = np.minimum(0.002 + 0.008 * np.maximum(4.0 - temp, 0.0), 0.5)
    out = np.empty(temp.size)
    pool = 0.8
    for d, h in enumerate(hazard):
        out[d] = pool * h
        pool += 0.015 * (1.0 - pool) - out[d]
    return np.asarray(out / out.mean())


def trailing(x: np.ndarray, w: int) -> np.ndarray:
    """Trailing ``w``-day means (shorter at the start)."""
    c = np.cumsum(np.r_[0.0, x])
    lo = np.maximum(np.arange(x.size) + 1 - w, 0)
    return np.asarray((c[1:] - c[lo]) / (np.arange(x.size) + 1 - lo))


def changeover_days(temp: np.ndarray, end: date = DEFAULT_END) -> tuple[list[int], list[int]]:
    """Indices into ``temp`` (ending on ``end``) of each autumn's and spring's tyre-changeover trigger."""
    n = temp.size
    first = np.datetime64(end, "D") - (n - 1)

    def at(d: date) -> int:
        return int((np.datetime64(d, "D") - first).astype(np.int64))

    cold, warm = trailing(temp, 3) <= 3.0, trailing(temp, 5) >= 9.0
    autumn: list[int] = []
    spring: list[int] = []
    for y in range(int(first.astype("datetime64[Y]").astype(int)) + 1970, end.year + 1):
        easter_tuesday = easter_sunday(y) + timedelta(days=2)
        for out, hit, lo, cap in (
            (autumn, cold, at(date(y, 10, 1)), at(date(y, 11, 15))),
            (spring, warm, at(max(easter_tuesday, date(y, 3, 15))), at(date(y, 4, 30))),
        ):
            if lo < 0 or lo >= n:
                continue
            found = np.flatnonzero(hit[lo : min(cap, n - 1) + 1])
            if found.size:
                out.append(lo + int(found[0]))
            elif cap < n:
                out.append(cap)
    return autumn, spring

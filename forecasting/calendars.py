"""Calendar arithmetic the synthetic generators share (each generator keeps its own holidays and random stream)."""

from __future__ import annotations

from datetime import date


def easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian computus)."""
    a, (b, c) = year % 19, divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    w = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * w) // 451
    return date(year, (h + w - 7 * m + 114) // 31, (h + w - 7 * m + 114) % 31 + 1)

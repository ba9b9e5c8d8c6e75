"""Numbers as callers say them and as replies speak them: ``say_number(40) == "forty"``, and ``numbers_in``
reads the figures a reply states ("four hundred forty five", "40", "fifty, five zero"), ignoring the words of
item names that contain numbers ("ibuprofen two hundred")."""

from __future__ import annotations

import re

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
UNIT_VALUE = {w: i for i, w in enumerate(UNITS)} | {"oh": 0, "a": 1}
TENS_VALUE = {w: 10 * i for i, w in enumerate(TENS) if w != "_"}


def say_number(n: int) -> str:
    """Words for 0 <= n < 1,000,000, without "and"."""
    if n < 20:
        return UNITS[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + UNITS[n % 10])
    if n < 1000:
        rest = n % 100
        return f"{UNITS[n // 100]} hundred" + ("" if rest == 0 else " " + say_number(rest))
    rest = n % 1000
    return f"{say_number(n // 1000)} thousand" + ("" if rest == 0 else " " + say_number(rest))


def say_digits(digits: str) -> str:
    return " ".join(UNITS[int(d)] for d in digits if d.isdigit())


PRONOUN_ONE = re.compile(
    r"\b(which|the|that|this|each|every|any|no|first|second|third|last|other|another) one\b"
)
""""one" as a pronoun ("Which one?", "the first one"): no figure."""


def _strip(text: str, names: list[str]) -> str:
    marked = re.sub(r"[,.;:?!]+", " | ", text.lower())  # punctuation ends a number: "forty, four zero"
    marked = PRONOUN_ONE.sub(r"\1 |", marked)
    out = " " + " ".join(re.sub(r"[^a-z0-9| ]+", " ", marked).split()) + " "
    for name in sorted(names, key=len, reverse=True):
        plain = " ".join(re.sub(r"[^a-z0-9 ]+", " ", name.lower()).split())
        if plain:
            out = out.replace(f" {plain} ", " | ")
    return out


def numbers_in(text: str, names: list[str] | None = None) -> list[int]:
    """Every number stated in ``text`` (words or digits), after removing ``names`` (item names). A run of bare
    single digits ("four zero") also yields each digit; compounds are read greedily ("two hundred forty one")."""
    tokens = _strip(text, names or []).split()
    found: list[int] = []
    current: int | None = None
    last: str = ""  # "unit", "teen", "tens", "hundred", "thousand"

    def flush() -> None:
        nonlocal current, last
        if current is not None:
            found.append(current)
        current, last = None, ""

    for tok in tokens:
        if tok.isdigit():
            flush()
            found.append(int(tok))
            continue
        if tok == "a" and current is None:
            continue  # "a hundred" is handled when "hundred" comes
        if tok in UNIT_VALUE and tok != "a":
            v = UNIT_VALUE[tok]
            kind = "unit" if v < 10 else "teen"
            if current is None or last in ("unit", "teen") or (last == "tens" and kind == "teen"):
                flush()
                current = v
            else:
                current += v
            last = kind
        elif tok in TENS_VALUE:
            if current is None or last in ("unit", "teen", "tens"):
                flush()
                current = TENS_VALUE[tok]
            else:
                current += TENS_VALUE[tok]
            last = "tens"
        elif tok == "hundred":
            current = (current or 1) * 100
            last = "hundred"
        elif tok == "thousand":
            current = (current or 1) * 1000
            last = "thousand"
        else:
            flush()
    flush()
    return found

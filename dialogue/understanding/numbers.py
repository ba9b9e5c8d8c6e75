"""Spoken numbers, both ways: words as a recognizer writes them → values, and values → words for speech.

Parsing works on a list of lower-case tokens and understands the ways people say quantities on a warehouse
floor: "one twenty" (120), "a hundred and twenty", "one two zero" (digit by digit), "twelve hundred", "a dozen",
"two and a half", "1,200". Read-backs say numbers that have homophones ("fifteen"/"fifty") digit by digit too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS: dict[str, int] = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
DIGIT_WORDS: dict[str, int] = {w: v for w, v in UNITS.items() if v < 10}
NUMBER_WORDS = frozenset(UNITS) | frozenset(TENS) | frozenset(SCALES) | {"dozen"}
MEASURES = frozenset({
    "inch", "inches", "foot", "feet", "ft", "gallon", "gallons", "volt", "volts", "watt", "watts", "amp", "amps",
    "gauge", "mm", "millimeter", "millimeters", "cm", "meter", "meters", "metre", "metres", "liter", "liters",
    "litre", "litres", "ounce", "ounces", "oz", "pound", "pounds", "lb", "lbs", "ply", "mil", "micron", "percent",
    "ml", "milliliter", "milliliters", "millilitre", "millilitres", "mg", "milligram", "milligrams", "gram",
    "grams", "kg", "cc", "mcg",
})  # fmt: skip
"""Measures that follow a figure in a name or a request ("ten mil", "twenty two inch")."""

_WORDS_1_19 = [k for k, v in sorted(UNITS.items(), key=lambda kv: kv[1]) if k != "oh"]
_WORDS_TENS = {v: k for k, v in TENS.items() if k != "fourty"}
_DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_NUMERIC = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class SpokenNumber:
    """A number found in tokens ``[start, end)``. ``digits`` is set when it was said digit by digit (or as
    a plain digit string), so check digits keep their leading zeros."""

    value: float
    start: int
    end: int
    digits: str | None = None

    @property
    def as_int(self) -> int | None:
        return int(self.value) if float(self.value).is_integer() else None

    @property
    def digit_string(self) -> str:
        """What was said as a string of digits: "four seven" and "forty seven" both give "47"."""
        if self.digits is not None:
            return self.digits
        whole = self.as_int
        return str(whole) if whole is not None else str(self.value)


# --- parsing -------------------------------------------------------------------------------------------


def _under_100(tokens: list[str], i: int) -> tuple[int, int] | None:
    """ "seven" | "seventeen" | "seventy" | "seventy seven" → (value, next index)."""
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok in UNITS and tok != "oh":
        return UNITS[tok], i + 1
    if tok in TENS:
        value = TENS[tok]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if nxt in UNITS and 1 <= UNITS[nxt] <= 9 and nxt != "oh":
            return value + UNITS[nxt], i + 2
        return value, i + 1
    return None


def _under_1000(tokens: list[str], i: int) -> tuple[int, int, bool] | None:
    """[n|a] hundred [and] [n] | n → (value, next, used_scale). ``n hundred`` allows 10-99 ("twelve hundred")."""
    if i < len(tokens) and tokens[i] == "a" and i + 1 < len(tokens) and tokens[i + 1] == "hundred":
        head: tuple[int, int] | None = (1, i + 1)
    else:
        head = _under_100(tokens, i)
    if head is None:
        return None
    value, j = head
    if j < len(tokens) and tokens[j] == "hundred" and value >= 1:
        value *= 100
        j += 1
        k = j + 1 if j < len(tokens) and tokens[j] == "and" else j
        tail = _under_100(tokens, k)
        if tail is not None and tail[0] >= 1:
            return value + tail[0], tail[1], True
        return value, j, True
    return value, j, False


def _cardinal(tokens: list[str], i: int) -> tuple[int, int, bool] | None:
    """Full cardinal up to the millions → (value, next, used_scale)."""
    if (
        i < len(tokens)
        and tokens[i] == "a"
        and i + 1 < len(tokens)
        and tokens[i + 1] in ("thousand", "million")
    ):
        first: tuple[int, int, bool] | None = (1, i + 1, False)
    else:
        first = _under_1000(tokens, i)
    if first is None:
        return None
    total, j, used = first
    for scale_word in ("million", "thousand"):
        if j < len(tokens) and tokens[j] == scale_word:
            scale = SCALES[scale_word]
            if total >= scale:  # "two thousand thousand" is not a number people say
                break
            total *= scale
            j += 1
            used = True
            k = j + 1 if j < len(tokens) and tokens[j] == "and" else j
            rest = _under_1000(tokens, k)
            if rest is not None and rest[0] >= 1:
                total += rest[0]
                j = rest[1]
    return total, j, used


def _digit_run(tokens: list[str], i: int) -> tuple[str, int]:
    j = i
    out = []
    while j < len(tokens) and tokens[j] in DIGIT_WORDS:
        out.append(str(DIGIT_WORDS[tokens[j]]))
        j += 1
    return "".join(out), j


def parse_at(tokens: list[str], i: int) -> SpokenNumber | None:
    """The number that starts at ``tokens[i]``, or None."""
    tok = tokens[i] if i < len(tokens) else ""
    if _NUMERIC.match(tok):
        value: float = float(tok) if "." in tok else int(tok)
        result = SpokenNumber(value, i, i + 1, digits=tok if "." not in tok else None)
        return _suffixes(tokens, result)
    if tok == "half" and tokens[i + 1 : i + 3] == ["a", "dozen"]:
        return SpokenNumber(6, i, i + 3)
    if tok == "a" and i + 1 < len(tokens) and tokens[i + 1] == "dozen":
        return _suffixes(tokens, SpokenNumber(12, i, i + 2))
    run, j = _digit_run(tokens, i)
    nxt = tokens[j] if j < len(tokens) else ""
    if len(run) >= 2 and nxt not in SCALES and nxt not in TENS and not (nxt in UNITS and nxt != "oh"):
        # "one two zero", "oh four seven": digit by digit
        return SpokenNumber(int(run), i, j, digits=run)
    parsed = _cardinal(tokens, i)
    if parsed is None:
        return None
    value_i, j, used_scale = parsed
    if not used_scale and 1 <= value_i <= 99:
        # Paired form: "one twenty" = 120, "twelve fifty" = 1250, "one oh five" = 105.
        if j + 1 < len(tokens) and tokens[j] == "oh" and tokens[j + 1] in DIGIT_WORDS:
            value_i = value_i * 100 + DIGIT_WORDS[tokens[j + 1]]
            j += 2
        else:
            tail = _under_100(tokens, j)
            if tail is not None and 10 <= tail[0] <= 99:
                value_i = value_i * 100 + tail[0]
                j = tail[1]
    return _suffixes(tokens, SpokenNumber(value_i, i, j))


def _suffixes(tokens: list[str], num: SpokenNumber) -> SpokenNumber:
    """ "two dozen", "two and a half", "twelve and a half dozen" is not handled (nobody says it)."""
    j = num.end
    value = num.value
    digits = num.digits
    if tokens[j : j + 3] == ["and", "a", "half"]:
        value += 0.5
        j += 3
        digits = None
    if j < len(tokens) and tokens[j] in ("dozen", "dozens"):
        value *= 12
        j += 1
        digits = None
    if j == num.end:
        return num
    return SpokenNumber(value, num.start, j, digits=digits)


def tokenize(text: str) -> list[str]:
    """Lower case words; "1,200" → "1200"; hyphens split ("twenty-five" → "twenty five")."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text.lower())
    return re.findall(r"\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)?", text)


def parse_number(text: str) -> float | None:
    """The value when ``text`` is nothing but one number ("one twenty", "a dozen"), else None."""
    tokens = tokenize(text)
    if not tokens:
        return None
    found = parse_at(tokens, 0)
    if found is None or found.end != len(tokens):
        return None
    return found.value


def find_numbers(tokens: list[str], blocked: frozenset[int] = frozenset()) -> list[SpokenNumber]:
    """Every number in ``tokens``, left to right, skipping token positions in ``blocked`` (item names)."""
    found: list[SpokenNumber] = []
    i = 0
    while i < len(tokens):
        if i in blocked:
            i += 1
            continue
        stop = next((k for k in range(i, len(tokens)) if k in blocked), len(tokens))
        num = parse_at(tokens[:stop], i)  # a number ends where a protected name begins
        if num is not None:
            found.append(num)
            i = num.end
        else:
            i += 1
    return found


# --- words for speech ----------------------------------------------------------------------------------


def _words_under_1000(n: int) -> list[str]:
    out: list[str] = []
    if n >= 100:
        out += [_WORDS_1_19[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        out.append(_WORDS_TENS[n - n % 10])
        if n % 10:
            out.append(_WORDS_1_19[n % 10])
    elif n > 0:
        out.append(_WORDS_1_19[n])
    return out


def to_words(n: int) -> str:
    """Cardinal words for TTS: 120 → "one hundred twenty", 0 → "zero"."""
    if n < 0:
        return "minus " + to_words(-n)
    if n == 0:
        return "zero"
    out: list[str] = []
    for scale, word in ((1_000_000, "million"), (1000, "thousand")):
        if n >= scale:
            out += [*_words_under_1000(n // scale), word]
            n %= scale
    out += _words_under_1000(n)
    return " ".join(out)


def quantity_words(value: float) -> str:
    """Words for a quantity that may have a half: 2.5 → "two and a half"."""
    whole = int(value)
    if value - whole >= 0.5:
        return (
            ("a half" if whole == 0 else to_words(whole) + " and a half")
            if value - whole == 0.5
            else f"{value:g}"
        )
    return to_words(whole)


def digits_words(digits: str) -> str:
    """ "120" → "one two zero"."""
    return " ".join(_DIGIT_NAMES[int(c)] for c in digits if c.isdigit())


def has_homophone(n: int) -> bool:
    """True when a group of the number ends in 13-19 or has a tens word from thirty up: "fifteen"/"fifty",
    "thirteen"/"thirty" sound alike on a noisy floor, so the read-back adds the digits."""
    n = abs(n)
    while n:
        rest = n % 100
        if 13 <= rest <= 19 or rest >= 30:
            return True
        n //= 1000
    return False


def read_back(n: int) -> tuple[str, str]:
    """(spoken words, digit-by-digit part or "") for a read-back: 15 → ("fifteen", "one five")."""
    words = to_words(n)
    return words, (digits_words(str(n)) if has_homophone(n) else "")


def fit_repeat(digits: str, length: int) -> str:
    """``digits`` fitted to ``length`` when Whisper wrote the digits more than once: the whole string said again
    ("five seven five seven", the last copy perhaps cut short) is kept once, and one repeat too many of a doubled
    digit ("eight eight" → "eight eight eight") is dropped when one run alone can lose it. Check digits are of
    one length, so the fitted string is the only one a bin could hold; anything else is left unchanged."""
    if length < 1 or len(digits) <= length:
        return digits
    head = digits[:length]
    if digits == (head * (len(digits) // length + 1))[: len(digits)]:
        return head
    if len(digits) != length + 1:
        return digits
    runs = [m.start() for m in re.finditer(r"(\d)\1+", digits)]
    return digits[: runs[0]] + digits[runs[0] + 1 :] if len(runs) == 1 else digits


DIGIT_SOUNDALIKES: dict[str, int] = {"free": 3, "tree": 3, "for": 4, "fore": 4, "to": 2, "too": 2, "ate": 8,
                                     "won": 1, "sex": 6, "fife": 5, "nein": 9}  # fmt: skip
"""Words a recognizer writes for a digit said after a tens word ("twenty free" for "twenty three")."""


def with_soundalike(quantity: float, word: str) -> float | None:
    """``quantity`` with the digit ``word`` may have been ("twenty" + "free" → 23), or None."""
    digit = DIGIT_SOUNDALIKES.get(word)
    if digit is None or not float(quantity).is_integer() or int(quantity) % 100 not in range(20, 100, 10):
        return None
    return float(quantity + digit)

"""Understanding: one utterance → an intent and its slots. Deterministic, no I/O, a few hundred µs a turn.

The text is tokenised, numbers are found (except inside product names such as "nine volt batteries" or a
measure like "twenty five foot"), bins and sites are lifted out, and what is left becomes a template such as
``order # %case of pallet wrap``. Ordered patterns over that template pick the intent; the ``item`` group is
mapped back to the words that were said and resolved against the catalogue later, by the policy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from dialogue.understanding.analytic import PastPeriod, analytic_reading, cut_past
from dialogue.understanding.numbers import (
    DIGIT_WORDS,
    MEASURES,
    UNITS,
    SpokenNumber,
    find_numbers,
    tokenize,
)
from dialogue.understanding.resolve import CatalogueIndex
from dialogue.understanding.rules import RULES, is_command_intent

Unit = Literal["each", "case", "pallet"]
Part = Literal["quantity", "item", "action"]
Unsure = Literal["quantity", "item", "action", "answer"]
"""A slot the recognizer was unsure of; ``answer``: the utterance as a whole (a short answer such as "yes")."""

_CONTRACTIONS = {
    "what's": "what is", "where's": "where is", "how's": "how is", "that's": "that is", "it's": "it is",
    "there's": "there is", "who's": "who is", "when's": "when is", "i'm": "i am", "we're": "we are",
    "we've": "we have", "i've": "i have", "let's": "let us", "don't": "do not", "doesn't": "does not",
    "didn't": "did not", "isn't": "is not", "aren't": "are not", "i'd": "i would", "we'd": "we would",
    "what're": "what are", "they're": "they are", "gonna": "going to", "wanna": "want to", "gotta": "got to",
}  # fmt: skip
_FILLERS = frozenset({"um", "uh", "er", "erm", "hmm", "ah", "uhm", "mm"})
_LEAD = (
    "please", "ok", "okay", "so", "and", "hey", "right", "well", "alright", "now", "also", "then",
    "can you", "could you", "would you", "will you", "can i", "could i", "may i", "i want to", "i would like to",
    "i need to", "we need to", "i wanna", "let us", "go ahead and", "tell me", "i want", "i need",
    "i would like", "just", "quickly", "assistant", "computer",
)  # fmt: skip
_TRAIL = ("please", "thanks", "thank you", "for me", "now", "right now", "if you can", "quickly", "mate", "ok")  # fmt: skip
_UNIT_WORDS: dict[str, Unit] = {
    "case": "case", "cases": "case", "box": "case", "boxes": "case", "carton": "case", "cartons": "case",
    "pack": "case", "packs": "case", "pallet": "pallet", "pallets": "pallet", "each": "each", "unit": "each",
    "units": "each", "piece": "each", "pieces": "each", "pcs": "each", "items": "each", "eaches": "each",
}  # fmt: skip
_STRONG_UNITS = frozenset({"cases", "units", "pieces", "pcs", "each", "eaches", "items"})
_UNIT_ONLY = _STRONG_UNITS | {
    "case",
    "unit",
    "piece",
}  # never the name of goods ("boxes" and "pallets" may be)
_BIN_WORDS = frozenset({"bin", "location", "slot", "bay"})
_SITE_PREPS = frozenset({"at", "in", "for", "from", "to"})
_SITE_NOUNS = frozenset({"site", "warehouse", "annex", "building", "store", "depot"})
_PERIOD = re.compile(
    r"(?:\b(?:over|in|for|during|within) )?(?:the )?\b(?:next|coming|this|following) (?:# )?"
    r"(?P<span>days?|weeks?|months?|quarters?|years?)\b|\b(?:in|over|for) # (?P<span2>days?|weeks?|months?)\b"
)
_SPAN_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 90, "year": 365}


@dataclass(frozen=True)
class Slots:
    item_text: str | None = None
    quantity: float | None = None
    unit: Unit | None = None
    case_size: int | None = None
    site: str | None = None
    bin: str | None = None
    digits: str | None = None
    period_days: int | None = None
    supplier_text: str | None = None
    unit_word: str | None = None
    """The word said for a case or pallet ("boxes", "cartons") when no item was named: it may name the item
    ("order a hundred boxes"), which the policy decides from the catalogue and the item in context."""
    unsure: frozenset[Unsure] = frozenset()
    """Slots the recognizer was unsure of (set by the policy from its confidence; empty for typed turns)."""
    alt_quantity: float | None = None
    """For an unsure quantity, the figure it is most easily confused with ("fifty" for "fifteen")."""
    category: str | None = None
    """The catalogue category an analytic question names ("cleaning supplies" → ``cleaning``)."""
    past_days: int | None = None
    """A past period said in days or weeks ("the last two weeks"), for sales history."""
    past_months: int | None = None
    """A past period said in months, quarters or years ("the last six months"), for sales history."""

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v for k, v in self.__dict__.items() if v is not None and k not in ("unsure", "alt_quantity")
        }


@dataclass(frozen=True)
class Understanding:
    intent: str
    slots: Slots = field(default_factory=Slots)
    text: str = ""
    template: str = ""
    tokens: tuple[str, ...] = ()
    """The normalised tokens the slots were read from."""
    parts: Mapping[Part, tuple[int, ...]] = field(default_factory=dict)
    """Which ``tokens`` said the quantity, the item and the action (the carrier words of the pattern), so the
    recognizer's confidence in each can be told."""


@dataclass
class _Work:
    """The template being built: each template token keeps the original token span it stands for."""

    toks: list[str]
    spans: list[tuple[int, int]]
    numbers: dict[int, SpokenNumber]  # template index → number
    units: dict[int, Unit]


def _expand(text: str) -> list[str]:
    out: list[str] = []
    for tok in tokenize(text.replace("’", "'")):
        if tok in _FILLERS:
            continue
        expanded = _CONTRACTIONS.get(tok)
        if expanded:
            out.extend(expanded.split())
        elif tok.endswith("'s"):
            out.append(tok[:-2])
        else:
            out.append(tok.replace("'", ""))
    return out


def normal_tokens(text: str) -> list[str]:
    """The tokens ``understand`` reads ``text`` as (fillers dropped, contractions expanded)."""
    return _expand(text)


def _measure_blocked(tokens: list[str]) -> set[int]:
    """Numbers that measure an item ("twenty five foot", "size ten", "33 gallon") are not quantities."""
    blocked: set[int] = set()
    for k, tok in enumerate(tokens):
        if tok in MEASURES and k > 0:
            j = k - 1
            if tokens[j].isdigit() or tokens[j] in UNITS or tokens[j] in ("hundred",):
                blocked.add(j)
                if j > 0 and tokens[j] in UNITS and UNITS[tokens[j]] < 10 and tokens[j - 1] in _TENS_SET:
                    blocked.add(j - 1)
                if tokens[j] == "hundred" and j > 0:
                    blocked.add(j - 1)
            elif tokens[j] in _TENS_SET:
                blocked.add(j)
        if tok == "size" and k + 1 < len(tokens):
            blocked.add(k + 1)
            if k + 2 < len(tokens) and tokens[k + 2] in UNITS:
                blocked.add(k + 2)
    return blocked


_TENS_SET = frozenset({"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"})


def _lift_bins(tokens: list[str]) -> tuple[dict[int, int], str | None]:
    """Finds "bin b zero seven three" / "bin a3"; returns {start: end} to replace with ``@`` and the code."""
    for i, tok in enumerate(tokens):
        if tok not in _BIN_WORDS:
            continue
        j = i + 1
        code: list[str] = []
        while j < len(tokens) and len(code) < 8:
            t = tokens[j]
            if t.isdigit():
                code.append(t)
            elif t in DIGIT_WORDS:
                code.append(str(DIGIT_WORDS[t]))
            elif len(t) == 1 and t.isalpha():
                code.append(t.upper())
            elif t in ("dash", "hyphen"):
                pass
            else:
                break
            j += 1
        if code and any(c.isdigit() for c in "".join(code)):
            return {i: j}, "".join(code)
    return {}, None


def _lift_site(
    tokens: list[str], phrases: Sequence[tuple[tuple[str, ...], str]]
) -> tuple[set[int], str | None]:
    """A site said by id or by its spoken name ("at east", "in the east annex", "north warehouse"): the token
    positions to lift out (with "at the" before it) and the site id. A one-word id needs a preposition or
    "the" before it or a site noun after it, since "main" alone may be an ordinary word; a name of several words
    stands on its own."""
    for i in range(len(tokens)):
        for said, site in phrases:  # longest first
            start, end = i, i + len(said)
            if tuple(tokens[start:end]) != said:
                continue
            if end < len(tokens) and tokens[end] in _SITE_NOUNS:
                end += 1
            elif len(said) == 1 and not (start > 0 and tokens[start - 1] in _SITE_PREPS | {"the"}):
                continue
            if start > 0 and tokens[start - 1] == "the":
                start -= 1
            if start > 0 and tokens[start - 1] in _SITE_PREPS:
                start -= 1
            return set(range(start, end)), site
    return set(), None


def _build(tokens: list[str], index: CatalogueIndex) -> tuple[_Work, str | None, str | None]:
    blocked = set(index.protected(tokens)) | _measure_blocked(tokens)
    bins, bin_code = _lift_bins(tokens)
    site_toks, site = _lift_site(tokens, index.site_phrases)
    for start, end in bins.items():
        blocked.update(range(start, end))
    blocked |= site_toks
    numbers = {n.start: n for n in find_numbers(tokens, frozenset(blocked))}
    work = _Work([], [], {}, {})
    i = 0
    while i < len(tokens):
        if i in bins:
            work.toks.append("@")
            work.spans.append((i, bins[i]))
            i = bins[i]
        elif i in site_toks:
            i += 1
        elif i in numbers:
            num = numbers[i]
            work.numbers[len(work.toks)] = num
            work.toks.append("#")
            work.spans.append((num.start, num.end))
            i = num.end
            unit = _UNIT_WORDS.get(tokens[i]) if i < len(tokens) else None
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if unit and (nxt in (None, "of") or tokens[i] in _STRONG_UNITS or nxt in ("from", "in", "at")):
                work.units[len(work.toks)] = unit
                work.toks.append("%" + unit)
                work.spans.append((i, i + 1))
                i += 1
        else:
            work.toks.append(tokens[i])
            work.spans.append((i, i + 1))
            i += 1
    return work, bin_code, site


def _trim(work: _Work) -> list[int]:
    """Template positions left after leading politeness ("could you please") and trailing ("thanks")."""
    lo, hi = 0, len(work.toks)
    changed = True
    while changed and lo < hi:
        changed = False
        for phrase in _LEAD:
            words = phrase.split()
            if work.toks[lo : lo + len(words)] == words and lo + len(words) < hi:
                lo += len(words)
                changed = True
        for phrase in _TRAIL:
            words = phrase.split()
            if hi - len(words) > lo and work.toks[hi - len(words) : hi] == words:
                hi -= len(words)
                changed = True
    return list(range(lo, hi))


def _cut_period(work: _Work, kept: list[int]) -> tuple[list[int], int | None]:
    """Drops "next month" / "in the next # days" from the template; returns what is left and the days."""
    template = " ".join(work.toks[k] for k in kept)
    m = _PERIOD.search(template)
    if not m:
        return kept, None
    span = (m.group("span") or m.group("span2")).rstrip("s")
    days = _SPAN_DAYS[span]
    first = len(template[: m.start()].split())
    count = len(m.group(0).split())
    for k in kept[first : first + count]:
        if k in work.numbers:
            days = int(work.numbers[k].value * days)
    return kept[:first] + kept[first + count :], days


def understand(text: str, index: CatalogueIndex) -> Understanding:
    tokens = _expand(text)
    if not tokens:
        return Understanding("silence", text=text)
    work, bin_code, site = _build(tokens, index)
    kept = _trim(work)
    kept_np, period_days = _cut_period(work, kept)
    kept_np, past = cut_past(work.toks, {k: n.value for k, n in work.numbers.items()}, kept_np)
    template = " ".join(work.toks[k] for k in kept_np)
    for intent, pattern in RULES:
        m = pattern.fullmatch(template)
        if m is not None:
            u = _slots(intent, m, work, kept_np, tokens, text, bin_code, site, period_days)
            return _analytic(u, index, period_days, past)
    return _fallback(text, tokens, work, kept_np, index, bin_code, site)


def _positions(m: re.Match[str], group: str, kept: list[int]) -> list[int]:
    """Work indices covered by a named group of a template match."""
    if group not in m.re.groupindex or m.group(group) is None:
        return []
    first = len(m.string[: m.start(group)].split())
    return kept[first : first + len(m.group(group).split())]


def _slots(
    intent: str, m: re.Match[str], work: _Work, kept: list[int], tokens: list[str], text: str,
    bin_code: str | None, site: str | None, period_days: int | None,
) -> Understanding:  # fmt: skip
    words: list[str] = []
    for k in _positions(m, "item", kept):
        if work.toks[k] != "@" and not work.toks[k].startswith("%"):
            a, b = work.spans[k]
            words.extend(tokens[a:b])
    q_pos = _positions(m, "q", kept)
    quantity = work.numbers.get(q_pos[0]) if q_pos else None
    unit_pos = _positions(m, "unit", kept)
    unit = work.units.get(unit_pos[0]) if unit_pos else None
    cs_pos = _positions(m, "cs", kept)
    case_size = work.numbers[cs_pos[0]].as_int if cs_pos else None
    supplier = m.group("sup") if "sup" in m.re.groupindex else None
    said_unit = tokens[work.spans[unit_pos[0]][0]] if unit_pos else None
    item_pos = set(_positions(m, "item", kept))
    other = item_pos | set(_positions(m, "sup", kept))
    parts: dict[Part, tuple[int, ...]] = {
        "quantity": tuple(range(*work.spans[q_pos[0]])) if q_pos else (),
        "item": tuple(
            t for k in sorted(item_pos) for t in range(*work.spans[k]) if work.toks[k][0] not in "@%"
        ),
        "action": tuple(work.spans[k][0] for k in kept if k not in other and work.toks[k][0] not in "#@%"),
    }
    slots = Slots(
        item_text=" ".join(words) or None,
        quantity=quantity.value if quantity else None,
        unit=unit,
        case_size=case_size,
        site=site,
        bin=bin_code,
        digits=quantity.digit_string if quantity else None,
        period_days=period_days if intent in _PERIOD_INTENTS else None,
        supplier_text=supplier.replace(" from ", "", 1).strip() if supplier else None,
        unit_word=said_unit if said_unit not in (None, *_UNIT_ONLY) and not words else None,
    )
    return Understanding(intent, slots, text=text, template=m.string, tokens=tuple(tokens), parts=parts)


_PERIOD_INTENTS = frozenset({"forecast", "forecast_total", "stockout_risk"})


def _analytic(
    u: Understanding, index: CatalogueIndex, period: int | None, past: PastPeriod | None
) -> Understanding:
    categories = {p.category for p in index.products.values()}
    intent, changes = analytic_reading(u.intent, u.slots.item_text, categories, period, past)
    if intent == u.intent and not changes:
        return u
    return replace(u, intent=intent, slots=replace(u.slots, **changes))


def _fallback(
    text: str, tokens: list[str], work: _Work, kept: list[int], index: CatalogueIndex, bin_code: str | None,
    site: str | None,
) -> Understanding:  # fmt: skip
    """No pattern: a bare item name ("nitrile gloves large?") is a stock question; anything else is unknown."""
    template = " ".join(work.toks[k] for k in kept)
    has_number = any(k in work.numbers for k in kept)
    phrase = " ".join(work.toks[k] for k in kept if work.toks[k] not in ("#", "@") and work.toks[k][0] != "%")
    if phrase and not has_number:
        res = index.resolve(phrase)
        if (res.kind == "match" and res.score >= 90) or (res.kind == "ambiguous" and res.score >= 92):
            item = tuple(work.spans[k][0] for k in kept if work.toks[k] not in ("#", "@"))
            slots = Slots(item_text=phrase, site=site, bin=bin_code)
            return Understanding("item", slots, text, template, tuple(tokens), {"item": item})
    return Understanding("unknown", Slots(site=site, bin=bin_code), text, template, tuple(tokens))


__all__ = ["Part", "Slots", "Understanding", "Unsure", "is_command_intent", "normal_tokens", "understand"]

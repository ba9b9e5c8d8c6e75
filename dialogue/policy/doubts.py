"""Which slots of a recognized utterance are unsure, and the figure an unsure quantity is most easily confused
with (the first half of confidence-aware confirmation; ``confirm`` asks the questions).

Each word of the recognized utterance carries a confidence (``HeardWords``); a slot (the quantity, the item, the
action word) is unsure when one of its words is below ``PolicyConfig.unsure_word_confidence``, and every slot is
when the whole utterance is below ``unsure_utterance_confidence`` (the only test when the engine gives no
per-word figures). A short answer ("yes", "pick", "fifteen") is as sure as its least sure word. Typed, DTMF and
NLX turns carry no figures and are certain.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from dialogue.contract import HeardWords
from dialogue.policy.state import PolicyConfig
from dialogue.understanding.nlu import Understanding, Unsure, normal_tokens
from dialogue.understanding.numbers import TENS, UNITS, find_numbers, tokenize

# Words of a pattern's carrier that say nothing about which write it is ("we", "the", "of"): their confidence
# does not make the action unsure.
_FUNCTION_WORDS = frozenset({
    "we", "i", "you", "the", "a", "an", "of", "for", "is", "are", "was", "were", "to", "at", "in", "on", "from",
    "some", "more", "just", "have", "has", "had", "it", "that", "them", "those", "this", "these", "please", "me",
    "us", "our", "my", "and", "then", "so", "now", "there", "another", "extra", "today", "can", "could", "will",
})  # fmt: skip
_SHORT = 3
"""An utterance of at most this many words is an answer, as sure as its least sure word."""
_TY_PARTNER = frozenset({4, 6, 7, 8, 9})
"""Single figures whose "-ty" form sounds alike on a noisy floor: four/forty, six/sixty ... nine/ninety."""


def _token_confidence(tokens: Sequence[str], heard: HeardWords) -> list[float]:
    """The confidence of each of ``tokens``, aligned with the recognizer's words (a word the normalising split
    or expanded gives each part its figure; a token not found takes the utterance's)."""
    flat: list[tuple[str, float]] = [(t, c) for w, c in heard.words for t in normal_tokens(w)]
    out = [heard.confidence] * len(tokens)
    matcher = SequenceMatcher(None, [t for t, _ in flat], list(tokens), autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            out[block.b + k] = flat[block.a + k][1]
    return out


def confusable(value: float, words: Sequence[tuple[str, float]], floor: float) -> float | None:
    """The figure an unsure quantity is most easily confused with, or None: a doubtful trailing unit after a
    tens word ("fifty eight" → fifty), teen/ty ("fifteen" ↔ "fifty", "one thirty" ↔ "one thirteen"), a single
    figure and its "-ty" ("eight" ↔ "eighty"). Said digit by digit ("one five") a figure has no partner."""
    if not float(value).is_integer() or not words:
        return None
    n = int(value)
    toks = [w for w, _ in words]
    last, last_conf = words[-1]
    if len(toks) >= 2 and last in UNITS and 1 <= UNITS[last] <= 9 and toks[-2] in TENS and last_conf < floor:
        return float(n - UNITS[last])
    spoken_as_word = any(t in TENS or (t in UNITS and UNITS[t] >= 13) or t.isdigit() for t in toks)
    rest = n % 100
    if spoken_as_word and 13 <= rest <= 19:
        return float(n - rest + (rest - 10) * 10)
    if spoken_as_word and rest >= 30 and rest % 10 == 0:
        return float(n - rest + rest // 10 + 10)
    if n in _TY_PARTNER and len(toks) == 1:
        return float(n * 10)
    return None


def rival_heard(heard: HeardWords, quantity: float) -> float | None:
    """The figure the recognizer weighed as the likeliest rival of ``quantity`` (``HeardWords.alternative``),
    or None."""
    if not heard.alternative:
        return None
    said = " ".join(w for w, _ in heard.words)
    mine = {n.value for n in find_numbers(tokenize(said))} | {quantity}
    theirs = [n.value for n in find_numbers(tokenize(heard.alternative)) if n.value not in mine]
    return theirs[0] if len(theirs) == 1 else None


def unsure_slots(u: Understanding, heard: HeardWords | None, config: PolicyConfig) -> Understanding:
    """``u`` with ``slots.unsure`` (and a confusable figure for an unsure quantity) from ``heard``."""
    if heard is None or not u.tokens:
        return u
    conf = _token_confidence(u.tokens, heard)
    # without per-word figures only the utterance's own threshold applies: an engine's whole-utterance score
    # is on another scale than a word's posterior
    floor = config.unsure_word_confidence if heard.words else 0.0
    low = heard.confidence < config.unsure_utterance_confidence
    unsure: set[Unsure] = set()
    for part, positions in u.parts.items():
        if part == "action":
            positions = tuple(i for i in positions if u.tokens[i] not in _FUNCTION_WORDS)
        if positions and (low or min(conf[i] for i in positions) < floor):
            unsure.add(part)
    if low or ((len(u.tokens) <= _SHORT or u.intent in ("yes", "no")) and min(conf) < floor):
        unsure.add("answer")
    alt = None
    quantity = u.slots.quantity
    both = written_with_rival([u.tokens[i] for i in u.parts.get("quantity", ())])
    if both is not None:
        # "sixty sixteen": the figure and its teen/ty rival, written side by side (not six thousand sixteen)
        quantity, alt = both
        unsure.add("quantity")
    elif "quantity" in unsure and quantity is not None:
        said = [(u.tokens[i], conf[i]) for i in u.parts.get("quantity", ())]
        alt = rival_heard(heard, quantity) or confusable(quantity, said, floor)
    return replace(u, slots=replace(u.slots, quantity=quantity, unsure=frozenset(unsure), alt_quantity=alt))


def written_with_rival(words: Sequence[str]) -> tuple[float, float] | None:
    """(figure, rival) when a heard figure is two words that are each other's teen/ty partner ("sixty
    sixteen", "fourteen forty"): the recognizer wrote a figure and the one it sounds like; or a figure and "ten"
    ("six ten", read as 610), which is also how a "-ty" said with a clear t is heard (held-out seed 167: en-sc
    "sixty bow ties" heard "six ten", surer than 0.99, and 610 were ordered). None otherwise."""
    if len(words) != 2 or not all(w in UNITS or w in TENS for w in words):
        return None
    first, second = (UNITS[w] if w in UNITS else TENS[w] for w in words)
    if words[1] == "ten" and first in _TY_PARTNER:
        return (float(first * 100 + 10), float(first * 10))
    return (float(first), float(second)) if teen_and_ty(first, second) else None


def teen_and_ty(a: float, b: float) -> bool:
    """``a`` and ``b`` differ only as a teen and its "-ty" (16 and 60, 114 and 140): the figures most often
    misheard for each other."""
    if not (float(a).is_integer() and float(b).is_integer()) or int(a) // 100 != int(b) // 100:
        return False
    teen, ty = sorted((int(a) % 100, int(b) % 100))
    return 13 <= teen <= 19 and ty == (teen - 10) * 10


def tens_lost(a: float, b: float) -> bool:
    """``a`` and ``b`` differ only by a tens word one of them lost after "hundred" (133 heard "one hundred three",
    291 heard "two hundred and one"): a recognizer drops the short word the same way each time it is said."""
    if not (float(a).is_integer() and float(b).is_integer()) or int(a) // 100 != int(b) // 100 or a < 100:
        return False
    short, full = sorted((int(a) % 100, int(b) % 100))
    return 1 <= short <= 9 and full >= 20 and full % 10 == short


def tens_beside(a: float, b: float) -> bool:
    """``a`` and ``b`` differ only in a tens word and the tens word beside it (35 and 45, 130 and 140): "thirty" and
    "forty" differ in their first sound only, and a voice that says "th" as "t" is heard "forty" each time (held-out
    seed 181: "thirty" heard "forty" at the request, then "three zero" three times at "four zero, or one four?")."""
    if not (float(a).is_integer() and float(b).is_integer()) or int(a) // 100 != int(b) // 100:
        return False
    low, high = sorted((int(a) % 100, int(b) % 100))
    return low >= 20 and high - low == 10


def unit_lost(a: float, b: float) -> bool:
    """``a`` and ``b`` differ only by a unit one of them lost after its tens word (49 heard "forty", held-out
    seed 191: "forty nine" heard "fourteen", then "four nine" at "one four, or four zero?" was never taken)."""
    if not (float(a).is_integer() and float(b).is_integer()) or int(a) // 100 != int(b) // 100:
        return False
    short, full = sorted((int(a) % 100, int(b) % 100))
    return short >= 20 and short % 10 == 0 and full // 10 == short // 10 and full != short


def lost_tens_shape(figure: float) -> bool:
    """A figure of hundreds and a unit alone ("one hundred three"): what a figure that lost its tens word sounds
    like, so hearing it twice proves no more than a teen heard twice."""
    return float(figure).is_integer() and figure >= 100 and 1 <= int(figure) % 100 <= 9


def agrees(figure: float, heard: Collection[float]) -> bool:
    """Whether ``figure`` is one of the figures ``heard`` before, the teen/ty partner of one, one with the tens
    word it lost, one with the tens word beside it, or one with the unit it lost: digit by digit ("six zero", "one
    three three", "three zero", "four nine") is how such a doubt is settled, so the partner of a hearing agrees
    with it."""
    return figure in heard or any(
        teen_and_ty(figure, h) or tens_lost(figure, h) or tens_beside(figure, h) or unit_lost(figure, h)
        for h in heard
    )


__all__ = [
    "agrees",
    "confusable",
    "lost_tens_shape",
    "rival_heard",
    "teen_and_ty",
    "tens_beside",
    "tens_lost",
    "unit_lost",
    "unsure_slots",
    "written_with_rival",
]

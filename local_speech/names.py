"""Names weighed on the audio: an answer to "Which item?" or "A or B?" that is none of the names it may be.

Whisper tiny hears some voices' names as other words ("butter pats" → "water packs", "pita rounds" → "peter
o's") even when the prompt lists them, and the n best rarely hold the name. Scored on the same audio (forced,
as the figures are: ``WhisperDecoder.score``), the name often stands out. So the names the answer may be (the
names offered, or the catalogue's nearest by sound to what was heard) and what Whisper wrote are scored; a name is
taken when it leads every other name by ``margin`` nats and is within ``within`` nats of what Whisper wrote (a
clear "cancel" or an item the catalogue lacks stays itself: it is far likelier than any name), and is spelt at least
somewhat like what Whisper wrote. The thresholds were set on the tune set (food service, its espeak-ng voices).
The likeness bar came after a held-out draw (seed 47) showed garbage ("one two three three three three three",
which scores low itself) replaced by an offered name that merely beat the other offered name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from local_speech.heard import Heard

Score = Callable[[Sequence[str]], list[float]]
"""The log-likelihood of each text as the transcript of the utterance's audio."""


@dataclass(frozen=True)
class NameOptions:
    within: float = 6.0
    """Nats the best name may be less likely than what Whisper wrote."""
    margin: float = 3.0
    """Nats the best name must lead the next by."""
    min_likeness: float = 45.0
    """How alike (``fuzz.ratio``, 0-100) the name taken and what Whisper wrote must be spelt: a name is a mended
    mishearing ("water packs" → "butter pats"), never a replacement for words that share nothing with it (a
    repeated "one two three three" is not "horn relays" because the other offered name scored worse)."""
    nearest: int = 5
    """Catalogue names (the nearest by sound to what was heard) weighed at an item prompt, and beside the names a
    choice of items offered (the caller may answer with another item: "Did you mean hoodies?" "Headlight
    bulbs.")."""
    choice_confidence: float = 0.9
    """Confidence of a name taken at a choice (the names the dialogue offered)."""
    item_confidence: float = 0.7
    """Confidence of any other catalogue name taken (at an item prompt, or at a choice of items)."""


def weigh_names(
    heard: Heard, written: str, names: Sequence[tuple[str, float]], score: Score, options: NameOptions
) -> Heard:
    """``heard``, or the name of ``names`` that the audio clearly prefers, taken as sure as its entry says
    (``written``: Whisper's own transcript, its repeats removed). Two names at least: one name alone has no rival
    to lead."""
    sure: dict[str, float] = {}
    for name, confidence in names:
        if name:
            sure.setdefault(name, confidence)  # the first entry of a name counts
    if not written or len(sure) < 2 or heard.text in sure:
        return heard
    ranked, mine = race(written, list(sure), score)
    (best, name), (second, _) = ranked[0], ranked[1]
    if best - second < options.margin or best < mine - options.within:
        return heard
    if fuzz.ratio(written, name) < options.min_likeness:
        return heard
    # As sure as its entry says whatever the lead: a lead of ``margin`` (3 nats) already makes the name 95 %
    # likelier than its rival, but the race is among the names only, and Whisper wrote something else.
    c = sure[name]
    return Heard(name, c, tuple((w, c) for w in name.split()), fitted=True)


def race(written: str, names: Sequence[str], score: Score) -> tuple[list[tuple[float, str]], float]:
    """``names`` scored on the audio, likeliest first, and the score of what Whisper wrote."""
    scores = score([f"{n}." for n in names] + [f"{written}."])
    mine = scores.pop()
    return sorted(zip(scores, names, strict=True), reverse=True), mine

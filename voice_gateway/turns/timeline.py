"""Text and audio of one reply side by side: sentence spans, and which characters were heard after so many
seconds of playout."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogue.understanding.numbers import NUMBER_WORDS

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_WORD = re.compile(r"\S+")
_FIGURE_WORDS = NUMBER_WORDS | {"point", "and"}


def split_sentences(text: str, start: int = 0, min_chars: int = 4) -> list[tuple[int, int]]:
    """Character spans ``[a, b)`` of the sentences of ``text[start:]`` (fragments shorter than ``min_chars``
    join a neighbour; "1.5" is not a sentence end because no space follows the dot)."""
    spans: list[tuple[int, int]] = []
    a = start
    for m in _SENTENCE_END.finditer(text, start):
        if len(text[a : m.start()].strip()) >= min_chars:
            spans.append((a, m.start()))
            a = m.end()
    rest = text[a:].strip()
    if spans and len(rest) < min_chars:  # a short tail ("Ok.") joins the sentence before it
        spans[-1] = (spans[-1][0], len(text.rstrip()))
    elif rest:
        spans.append((a, len(text.rstrip())))
    return spans


@dataclass
class _Sentence:
    chars: tuple[int, int]
    audio_start_s: float
    audio_s: float = 0.0
    complete: bool = False


class ReplyTimeline:
    """Where each sentence lies in the reply audio, to turn "seconds played" into "characters heard"."""

    def __init__(self, start_char: int = 0) -> None:
        self.start_char = start_char
        self._sentences: list[_Sentence] = []
        self.total_s = 0.0

    def begin(self, chars: tuple[int, int]) -> None:
        self._sentences.append(_Sentence(chars=chars, audio_start_s=self.total_s))

    def add(self, seconds: float) -> None:
        self._sentences[-1].audio_s += seconds
        self.total_s += seconds

    def end(self) -> None:
        self._sentences[-1].complete = True

    def heard_chars(self, played_s: float) -> int:
        """Characters heard after ``played_s`` of audio: whole sentences, plus a share of a sentence whose
        audio is complete (its words spread evenly); nothing of a sentence still being synthesised."""
        heard = self.start_char
        for s in self._sentences:
            if played_s >= s.audio_start_s + s.audio_s and s.complete:
                heard = s.chars[1]
                continue
            if s.complete and s.audio_s > 0 and played_s > s.audio_start_s:
                share = (played_s - s.audio_start_s) / s.audio_s
                heard = s.chars[0] + int((s.chars[1] - s.chars[0]) * share)
            break
        return heard

    def sentence_start(self, chars_heard: int) -> int:
        """The start of the sentence that ``chars_heard`` falls in (where to resume after a false barge-in)."""
        for s in self._sentences:
            if chars_heard < s.chars[1]:
                return s.chars[0]
        return self._sentences[-1].chars[1] if self._sentences else self.start_char


def _figure(word: str) -> bool:
    bare = word.strip(".,;:!?\"'()").lower()
    return bool(bare) and (bare in _FIGURE_WORDS or bare.replace(",", "").replace(".", "").isdigit())


def resume_point(text: str, spoken_s: float, chars_per_s: float) -> int:
    """Where a second engine picks ``text`` up after the first one said ``spoken_s`` of it and died: the start
    of the word that ``spoken_s`` (at ``chars_per_s``) falls in, moved back to the start of a figure it falls in,
    so "forty | seven" is said again whole by one voice rather than heard as "forty ... seven" or "seven".
    Callers pass a slow rate: a word said twice costs little, a word never heard can be a wrong number."""
    reached = int(max(0.0, spoken_s) * chars_per_s)
    words = list(_WORD.finditer(text))
    if not words or reached <= words[0].start():
        return 0
    if reached >= words[-1].end():
        return len(text)  # all of it was said (the rate is a slow estimate, so this is sure)
    i = max(k for k, w in enumerate(words) if w.start() <= reached)
    if reached >= words[i].end() and i + 1 < len(words):
        i += 1  # the estimate fell in the space after a word: the next word is the first unheard
    while i > 0 and _figure(words[i].group()) and _figure(words[i - 1].group()):
        i -= 1
    return words[i].start()

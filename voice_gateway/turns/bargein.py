"""Barge-in policy: pure functions of audio positions and transcripts, options as data."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class BargeInOptions:
    min_speech_s: float = 0.12
    """Speech since its onset before it interrupts playout (shorter speech is judged by its words)."""
    echo_guard_s: float = 0.0
    """Speech whose onset falls this soon after our playout starts is treated as our own echo (phone lines)."""
    command_phrases: tuple[str, ...] = ("stop", "cancel", "say again", "repeat", "wait", "pause")
    """Words that always interrupt playout, however short or late they are."""
    filler_words: tuple[str, ...] = ("uh", "um", "uhm", "er", "erm", "ah", "hmm", "mm", "mhm", "oh")
    """An utterance made only of these (or nothing recognisable) is not a real interruption."""
    resume_after_false_interruption: bool = True
    """After a barge-in that turns out to be a cough or "uh", say the cut sentence again and go on."""


_WORD = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def onset_may_interrupt(onset_at: float, playout_start_at: float | None, options: BargeInOptions) -> bool:
    """False for an onset inside the echo guard: the first moments of our own playout on a phone line."""
    if playout_start_at is None or onset_at < playout_start_at:
        return True  # before any audio was sent there is nothing to echo
    return onset_at >= playout_start_at + options.echo_guard_s


def should_barge_in(speech_s: float, onset_ok: bool, options: BargeInOptions) -> bool:
    return onset_ok and speech_s >= options.min_speech_s


def is_command(text: str, options: BargeInOptions) -> bool:
    said = " " + " ".join(words(text)) + " "
    return any(f" {phrase} " in said for phrase in options.command_phrases)


def is_false_interruption(text: str, options: BargeInOptions) -> bool:
    """Nothing recognisable, or only fillers."""
    return all(w in options.filler_words for w in words(text))

"""Speculative recognition: at a tentative end of speech (a short pause) recognise what was said so far, without
ending the turn, so a complete short answer ("yes", "twelve", "cancel") ends the turn without the full hang.

The recognizer streams no partial hypotheses, so the guess is an ordinary ``transcribe`` of the utterance so far
with the prompt's hints. A ``Speculator`` holds at most one guess per call:

- ``start`` at a ``TentativeEnd``: an early-end guess when the speech so far is short and the prompt allows an
  early end; otherwise a head start (the speech was long: its recognition starts in the pause, before the end
  silence is over);
- when an early-end guess comes back complete (``is_complete_answer``) ``on_complete`` is called and the session
  ends the turn if the caller is still in the same pause; the transcript is then the turn's (no second
  recognition);
- ``discard`` when the caller speaks again: the guess is cancelled (or its result dropped);
- ``take`` when the segment ends: the guess serves the turn if no speech came after it (same pause, same hints),
  else it is cancelled and the turn is recognised afresh. A guess that failed counts as the turn's first attempt
  (the worker then retries or falls back as for any failure: an engine out of capacity is not asked again).

Every guess runs as a task of the call session (``spawn``), so the session cancels it when the call closes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from dialogue.contract import RecognitionHints
from voice_gateway.clock import Clock
from voice_gateway.metrics import GatewayMetrics
from voice_gateway.speech.ports import SpeechError, SpeechRecognizer, Transcript, Utterance
from voice_gateway.turns.answers import is_complete_answer, may_end_early
from voice_gateway.turns.segmenter import SegmentEnd, TentativeEnd

log = logging.getLogger("voice_gateway.session")

GuessTask = asyncio.Task[Transcript | SpeechError]
"""A guess's transcript, or why the engine failed it (the turn's first recognition attempt)."""
Spawn = Callable[[Coroutine[Any, Any, Transcript | SpeechError], str], GuessTask]


@dataclass(frozen=True)
class Guess:
    """One speculative recognition: of the speech before the pause that began at ``speech_end_s``."""

    speech_end_s: float
    hints: RecognitionHints
    task: GuessTask
    may_end: bool = True
    """A complete answer may end the turn (else the guess is a head start only)."""

    def same_pause(self, speech_end_s: float, frame_s: float = 0.02) -> bool:
        return abs(self.speech_end_s - speech_end_s) < frame_s / 2


class Speculator:
    def __init__(
        self,
        recognizer: SpeechRecognizer,
        clock: Clock,
        spawn: Spawn,
        on_complete: Callable[[Guess], None],
        *,
        timeout_s: float,
        sample_rate: int = 16000,
        metrics: GatewayMetrics | None = None,
        session_id: str = "",
    ) -> None:
        self._asr = recognizer
        self._clock = clock
        self._spawn = spawn
        self._on_complete = on_complete
        self._timeout_s = timeout_s
        self._rate = sample_rate
        self._metrics = metrics
        self._session_id = session_id
        self._guess: Guess | None = None

    def start(self, tentative: TentativeEnd, hints: RecognitionHints) -> Guess | None:
        """Recognise the utterance so far: to end the turn early if it is a complete answer, or as a head start
        for a long utterance (none for a short one that no answer to this prompt can end early)."""
        self.discard()
        may_end = tentative.may_end and may_end_early(hints.expect)
        if not may_end and tentative.may_end:
            return None
        utterance = Utterance(tentative.pcm, self._rate)
        task = self._spawn(self._recognize(utterance, hints, tentative.speech_end_s), "speculative-asr")
        self._guess = Guess(tentative.speech_end_s, hints, task, may_end)
        return self._guess

    def discard(self) -> None:
        """The caller spoke again: the guess no longer describes the utterance."""
        guess, self._guess = self._guess, None
        if guess is not None:
            guess.task.cancel()
            self._count("discarded")

    def take(self, segment: SegmentEnd, hints: RecognitionHints) -> GuessTask | None:
        """The guess's task when it recognised this very utterance (nothing said since its pause, the same
        hints); otherwise the guess is discarded and None returned."""
        guess, self._guess = self._guess, None
        if guess is None:
            return None
        if segment.reason != "max_length" and guess.same_pause(segment.speech_end_s) and guess.hints == hints:
            self._count("ended_early" if segment.reason == "early" else "reused")
            return guess.task
        guess.task.cancel()
        self._count("discarded")
        return None

    async def _recognize(
        self, utterance: Utterance, hints: RecognitionHints, speech_end_s: float
    ) -> Transcript | SpeechError:
        t0 = self._clock.now()
        try:
            result = await self._clock.wait_for(self._asr.transcribe(utterance, hints), self._timeout_s)
        except Exception as exc:  # any failure: the worker's retry and fallback policy takes it from here
            log.info("speculative recognition failed: %r", exc, extra={"session_id": self._session_id})
            self._count("failed")
            return as_speech_error(exc)
        if self._metrics:
            self._metrics.recognition.labels(result.engine or self._asr.name).observe(self._clock.now() - t0)
        guess = self._guess
        if (
            guess is not None
            and guess.may_end
            and guess.same_pause(speech_end_s)
            and is_complete_answer(result.text, hints)
        ):
            self._on_complete(guess)
        return result

    def _count(self, outcome: str) -> None:
        """Outcomes of a guess: failed, then (or else) one of ended_early, reused, discarded."""
        if self._metrics:
            self._metrics.speculations.labels(outcome).inc()


def as_speech_error(exc: BaseException) -> SpeechError:
    if isinstance(exc, SpeechError):
        return exc
    if isinstance(exc, TimeoutError):
        return SpeechError("recognition timed out", retryable=True)
    return SpeechError(f"recognition failed: {exc!r}", retryable=False)

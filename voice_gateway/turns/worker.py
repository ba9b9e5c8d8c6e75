"""The turn worker of a call: recognition and dialogue steps, one work item at a time, in arrival order.

The session does everything that must happen within a frame (turn detection, barge-in, pacing); the worker
does what takes time (the recognizer, the dialogue) and tells the session what to say."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from dialogue.contract import AgentReply, Conversation, RecognitionHints, TurnSource
from voice_gateway import events as ev
from voice_gateway.metrics import GatewayMetrics, confirmation_outcome
from voice_gateway.playout import Clock
from voice_gateway.protocol import ErrorCode
from voice_gateway.speech.ports import SpeechError, SpeechRecognizer, Transcript, Utterance
from voice_gateway.turns.bargein import is_command, is_false_interruption
from voice_gateway.turns.options import SessionOptions
from voice_gateway.turns.segmenter import SegmentEnd

log = logging.getLogger("voice_gateway.session")
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
    during_playout: bool  # began while we spoke, without barging in (echo guard, too short)
    eos_at: float  # clock time the end of speech was detected
    sample_rate: int = 16000


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


class SessionControl(Protocol):
    """What the worker asks of its session."""

    @property
    def last_reply(self) -> AgentReply | None: ...

    @property
    def speaking(self) -> bool: ...

    def say(
        self,
        reply: AgentReply,
        *,
        eos_at: float | None = None,
        resume_at: int | None = None,
        source: str = "",
    ) -> None: ...

    def interrupt(self, reason: str) -> Interruption | None: ...

    def emit(self, event: ev.SessionEvent) -> None: ...

    def report_error(
        self, code: str, message: str, *, fatal: bool = False, retryable: bool = False
    ) -> None: ...

    def spawn(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]: ...


class TurnWorker:
    def __init__(
        self,
        session: SessionControl,
        conversation: Conversation,
        recognizer: SpeechRecognizer,
        options: SessionOptions,
        clock: Clock,
        metrics: GatewayMetrics | None,
        session_id: str,
        fallback_recognizer: SpeechRecognizer | None = None,
    ) -> None:
        self._s = session
        self._conv = conversation
        self._asr = recognizer
        self._asr_fallback = fallback_recognizer
        self._o = options
        self._clock = clock
        self._metrics = metrics
        self._session_id = session_id
        self.inbox: asyncio.Queue[WorkItem] = asyncio.Queue()
        self.dialogue_task: asyncio.Task[Any] | None = None
        self.busy = False
        self.reprompts = 0  # re-prompts since the caller last said something
        self._apologies = 0

    @property
    def idle(self) -> bool:
        return not self.busy and self.inbox.empty()

    def put(self, item: WorkItem) -> None:
        self.inbox.put_nowait(item)

    async def run(self) -> None:
        while True:
            item = await self.inbox.get()
            self.busy = True
            try:
                await self._handle(item)
            except Exception as exc:
                log.exception("turn failed", extra={"session_id": self._session_id})
                self._s.report_error(ErrorCode.DIALOGUE_FAILED, f"{type(exc).__name__}: the turn failed")
                self._s.say(self._apology(), source="error")  # the call never goes silent
            finally:
                self.busy = False

    def _apology(self) -> AgentReply:
        self._apologies += 1
        awaiting = self._s.last_reply.awaiting if self._s.last_reply else RecognitionHints()
        return AgentReply(f"{self._session_id}-e{self._apologies}", self._o.apology_text, awaiting)

    async def _dialogue(self, coro: Coroutine[Any, Any, T]) -> T:
        """A dialogue call, shielded from the worker's cancellation so a hang-up cannot cut a write in half
        (``CallSession.aclose`` waits for ``dialogue_task``)."""
        task = self._s.spawn(coro, "dialogue")
        self.dialogue_task = task
        try:
            return await self._clock.wait_for(asyncio.shield(task), self._o.dialogue_timeout_s)
        except TimeoutError:
            task.cancel()
            raise
        finally:
            if task.done():
                self.dialogue_task = None

    async def _handle(self, item: WorkItem) -> None:
        if isinstance(item, Greet):
            self._s.say(await self._dialogue(self._conv.greet()), source="greet")
        elif isinstance(item, Notify):
            await self._notify(item.interruption)
        elif isinstance(item, NoInput):
            if self._metrics:
                self._metrics.reprompts.labels("no_input").inc()
            self._s.say(await self._dialogue(self._conv.no_input()), source="no_input")
        elif isinstance(item, Typed):
            if item.source == "dtmf":
                self._s.emit(ev.TranscriptReady(item.text, True, "dtmf"))
            await self._user_turn(item.text, item.source, None)
        else:
            await self._heard(item)

    async def _notify(self, cut: Interruption) -> None:
        await self._dialogue(self._conv.playback_interrupted(cut.reply.turn_id, cut.heard_chars))

    async def _heard(self, item: Heard) -> None:
        transcript = await self._recognize(item)
        text = transcript.text.strip() if transcript is not None else ""
        if text:
            self._s.emit(ev.TranscriptReady(text, True, transcript.engine if transcript else ""))
        cut = item.interruption
        barge = self._o.barge_in
        if cut is not None and barge.resume_after_false_interruption and is_false_interruption(text, barge):
            # A cough or an "uh" stopped us: say the cut sentence again and go on.
            if self._metrics:
                self._metrics.false_interruptions.inc()
            if not self._s.speaking and self._s.last_reply is cut.reply:
                self._s.say(cut.reply, resume_at=cut.resume_char, source="resume")
            else:
                await self._notify(cut)
            return
        if cut is None and item.during_playout:
            # Speech that began while we spoke but did not barge in: only a command word counts.
            if not self._s.speaking or not is_command(text, barge):
                self._s.emit(ev.TurnIgnored(text, item.segment.onset_s))
                return
            cut = self._s.interrupt("command")
        if cut is not None:
            await self._notify(cut)
        if not text:
            if self._metrics:
                self._metrics.reprompts.labels("not_understood").inc()
            reply = await self._dialogue(self._conv.not_understood())
            self._s.say(reply, eos_at=item.eos_at, source="speech")
            return
        await self._user_turn(text, "speech", item.eos_at, heard_read_back=cut is None)

    async def _user_turn(
        self, text: str, source: TurnSource, eos_at: float | None, heard_read_back: bool = True
    ) -> None:
        self.reprompts = 0
        asked = self._s.last_reply
        reply = await self._dialogue(self._conv.user_text(text, source))
        if (
            self._metrics
            and heard_read_back
            and asked is not None
            and asked.awaiting.expect == "yes_no"
            and asked.must_hear_chars is not None
        ):
            self._metrics.confirmation(confirmation_outcome(reply.intent))
        self._s.say(reply, eos_at=eos_at, source=source)

    async def _recognize(self, item: Heard) -> Transcript | None:
        """The transcript, after retrying a retryable failure and then trying the fallback engine; None when
        recognition failed."""
        utterance = Utterance(item.segment.pcm, item.sample_rate)
        engines = [self._asr] * (1 + self._o.recognize_retries)
        if self._asr_fallback is not None and self._asr_fallback is not self._asr:
            engines.append(self._asr_fallback)
        err = SpeechError("no recognizer")
        for attempt, engine in enumerate(engines):
            if attempt and engine is self._asr and not err.retryable:
                continue  # a non-retryable failure goes straight to the fallback
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
        self._s.report_error(ErrorCode.RECOGNITION_FAILED, err.message, retryable=err.retryable)
        return None

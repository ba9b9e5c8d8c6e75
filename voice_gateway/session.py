"""One call: turn detection, paced reply playout and barge-in, around a ``TurnWorker`` for recognition and
dialogue.

Transports push 20 ms frames of 16 kHz PCM16 (``push_frame``), typed text and keypad keys; the session emits
``events`` in order through its ``SessionOutput``. It starts and owns every task (writer, worker, speech,
speculative recognition, dialogue step, call deadline; ``CallTasks``) and ``aclose()`` ends them all. At a short
pause the ``Speculator`` recognises what was said so far; a complete answer ends the turn without the full hang.
A dialogue step that began is not cancelled by a hang-up: ``aclose()`` waits for it, so a confirmed write is
committed exactly once. The session is the worker's ``TurnPort``; each reaches the other only through that port
and the worker's ``put``/``no_input``/``idle``. What is said back plays through the session's ``ReplyVoice``
(``reply_voice``), which tells the session of each reply's start, end and cut through ``VoiceHooks``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from dialogue.contract import AgentReply, Conversation, RecognitionHints
from voice_gateway import events as ev
from voice_gateway.call_tasks import CallTasks
from voice_gateway.clock import Clock, LoopClock
from voice_gateway.events import SessionOutput
from voice_gateway.metrics import GatewayMetrics
from voice_gateway.options import SessionOptions
from voice_gateway.playout import Outbox
from voice_gateway.protocol import ErrorCode
from voice_gateway.reply_voice import ReplyVoice
from voice_gateway.speculation import Guess, Speculator
from voice_gateway.speech.ports import ClosableSynthesizer, SpeechRecognizer, SpeechSynthesizer
from voice_gateway.turns.bargein import BargeIn
from voice_gateway.turns.dtmf import DtmfCollector
from voice_gateway.turns.segmenter import SegmentEnd, Segmenter, SegmentStart, SpeechResumed, TentativeEnd
from voice_gateway.turns.vad import VoiceDetector, WebRtcVoiceDetector
from voice_gateway.worker import Greet, Heard, Interruption, Notify, TurnWorker, Typed

log = logging.getLogger("voice_gateway.session")
T = TypeVar("T")
INPUT_RATE = 16000


class CallSession:
    def __init__(
        self,
        session_id: str,
        conversation: Conversation,
        recognizer: SpeechRecognizer,
        synthesizer: SpeechSynthesizer,
        output: SessionOutput,
        *,
        options: SessionOptions | None = None,
        metrics: GatewayMetrics | None = None,
        clock: Clock | None = None,
        vad: VoiceDetector | None = None,
        fallback_synthesizer: SpeechSynthesizer | None = None,
        fallback_recognizer: SpeechRecognizer | None = None,
        channel: str = "voice",
        owns_synthesizer: bool = False,
    ) -> None:
        self.session_id = session_id
        self.channel = channel
        self.options = options or SessionOptions()
        self.close_reason: str | None = None
        self.closed = asyncio.Event()
        self.turns = 0
        self._conv = conversation
        self._tts = synthesizer
        self._owns_tts = owns_synthesizer  # made for this call: closed with it
        self._output = output
        self._metrics = metrics
        self._clock = clock or LoopClock()
        self._vad = vad or WebRtcVoiceDetector(INPUT_RATE, self.options.vad)
        self._seg = Segmenter(self.options.endpointing)
        self._dtmf = DtmfCollector(self.options.dtmf)
        self._barge = BargeIn(self.options.barge_in)
        self._outbox = Outbox(output.send, self._sent)
        self._tasks = CallTasks(session_id)  # every task of the call (see ``call_tasks``)
        self._voice = ReplyVoice(
            session_id, self.options, synthesizer, fallback_synthesizer, self._outbox, self._clock, metrics,
            self._tasks.spawn, output.confirms_playback, self,
        )  # fmt: skip
        self._worker = TurnWorker(
            self,
            conversation,
            recognizer,
            self.options,
            self._clock,
            metrics,
            session_id,
            fallback_recognizer,
        )
        self._spec = Speculator(
            recognizer,
            self._clock,
            self._tasks.spawn,
            self._end_early,
            timeout_s=self.options.recognize_timeout_s,
            sample_rate=INPUT_RATE,
            metrics=metrics,
            session_id=session_id,
        )
        self._pending_barge: Interruption | None = None
        self._segment_in_playout = False
        self._onset_at = 0.0  # clock time of the current speech onset
        self._idle_since: float | None = None
        self._closing = False
        self._started = False

    # -- lifecycle ------------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._started = True
        if self._metrics:
            self._metrics.sessions.labels(self.channel).inc()
            self._metrics.active_sessions.labels(self.channel).inc()
        self._tasks.spawn(self._outbox.run(), "writer")
        self._tasks.spawn(self._worker.run(), "worker")
        if self.options.max_call_s > 0:
            self._tasks.spawn(self._deadline(), "deadline")
        self.emit(ev.Ready(self.session_id))
        if self.options.greet:
            self._worker.put(Greet())

    async def aclose(self, reason: str = "closed") -> None:
        if self._closing:
            await self.closed.wait()
            return
        self._closing = True
        self.close_reason = self.close_reason or reason
        cut = self.interrupt("close")
        await self._tasks.wind_down(self.options.close_grace_s)
        if cut is not None:
            await self._quietly(self._conv.playback_interrupted(cut.reply.turn_id, cut.heard_chars))
        await self._quietly(self._conv.close())
        if self._owns_tts and isinstance(self._tts, ClosableSynthesizer):
            await self._quietly(self._tts.aclose())
        await self._tasks.cancel_all()
        if self._metrics and self._started:
            self._metrics.active_sessions.labels(self.channel).dec()
        with contextlib.suppress(Exception):  # the client is usually gone by now
            await self._output.send(ev.CallEnded(self.close_reason, {"turns": self.turns}))
        log.info("call ended", extra={"session_id": self.session_id, "reason": self.close_reason})
        self.closed.set()

    async def _quietly(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            await asyncio.wait_for(coro, self.options.close_grace_s)
        except Exception:
            log.exception("conversation call failed while closing", extra={"session_id": self.session_id})

    def run_dialogue(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """A dialogue step as a task of this call that ``aclose`` waits for (up to ``close_grace_s``)."""
        return self._tasks.dialogue(coro)

    async def _deadline(self) -> None:
        await self._clock.sleep(self.options.max_call_s)
        await self.end_call("max_call_length", ErrorCode.CALL_TOO_LONG, "the call reached its maximum length")

    async def end_call(self, reason: str, code: str | None = None, message: str = "") -> None:
        """Hang up once what is queued has been sent; the transport then calls ``aclose``."""
        if code is not None:
            self.report_error(code, message, fatal=True)
        self.close_reason = self.close_reason or reason
        await self._outbox.drained()
        await self._output.close(1000, reason)

    # -- input from the transport ---------------------------------------------------------------------------
    @property
    def position_s(self) -> float:
        """Seconds of caller audio received."""
        return self._seg.position_s

    def push_frame(self, frame: bytes) -> None:
        """One 20 ms frame of 16 kHz PCM16 caller audio."""
        if self._closing:
            return
        event = self._seg.process(frame, self._vad.is_speech(frame))
        if isinstance(event, SegmentStart):
            self._speech_started(event)
        elif isinstance(event, SegmentEnd):
            self._speech_stopped(event)
        elif isinstance(event, TentativeEnd):
            self._spec.start(event, self._awaiting())
        elif isinstance(event, SpeechResumed):
            self._spec.discard()
        playout = self._voice.playout
        if playout is not None:  # clock times, not audio positions: a client may send audio in bursts
            seg = self._seg
            action = self._barge.process(
                frame, seg.in_speech, seg.speech_s, self._onset_at, playout.started_at
            )
            if action == "cut":
                self._pending_barge = self.interrupt("speech")
            else:
                playout.hold(action == "hold")
        else:
            self._barge.listen(frame)
        self._tick(self._seg.position_s)

    def push_text(self, text: str) -> None:
        self._input_during_playout("typed")
        self._enqueue(Typed(text, "typed"))

    def push_dtmf(self, key: str) -> None:
        self._input_during_playout("dtmf")
        entry = self._dtmf.press(key, self.position_s, self._awaiting().expect)
        if entry:
            self._enqueue(Typed(entry, "dtmf"))

    def confirm_played(self, turn_id: str, played_s: float) -> None:
        """The client has played ``turn_id`` up to ``played_s`` (a Twilio mark came back)."""
        self._voice.confirm_played(turn_id, played_s)

    def report_error(self, code: str, message: str, *, fatal: bool = False, retryable: bool = False) -> None:
        if self._metrics:
            self._metrics.errors.labels(code).inc()
        self.emit(ev.ErrorRaised(code, message, fatal=fatal, retryable=retryable))

    def _input_during_playout(self, reason: str) -> None:
        cut = self.interrupt(reason)
        if cut is not None:
            self._enqueue(Notify(cut))
        self._idle_since = None

    def _speech_started(self, start: SegmentStart) -> None:
        self._idle_since = None
        self._segment_in_playout = self._voice.speaking
        self._barge.segment_started()
        self._onset_at = self._clock.now() - (self._seg.position_s - start.onset_s)
        self.emit(ev.SpeechStarted(start.onset_s))

    def _speech_stopped(self, seg: SegmentEnd) -> None:
        self.emit(ev.SpeechStopped(seg.end_s, seg.duration_s, seg.reason))
        cut, self._pending_barge = self._pending_barge, None
        in_playout = self._segment_in_playout and cut is None
        hints = self._awaiting()
        guess = self._spec.take(seg, hints)
        self._enqueue(
            Heard(seg, hints, cut, in_playout, self._clock.now(), INPUT_RATE, guess, self._barge.onset_ok)
        )

    def _end_early(self, guess: Guess) -> None:
        """A speculative transcript is a complete answer: end the turn now if the caller is still silent."""
        if self._closing or guess.hints != self._awaiting():
            return
        seg = self._seg.end_early(guess.speech_end_s)
        if seg is not None:
            self._speech_stopped(seg)

    def _tick(self, pos: float) -> None:
        entry = self._dtmf.tick(pos)
        if entry:
            self._enqueue(Typed(entry, "dtmf"))
        o = self.options
        if self._idle_since is None or o.no_input_s <= 0 or self._seg.in_speech:
            return
        if not self._worker.idle or self._voice.speaking:
            self._idle_since = pos
        elif pos - self._idle_since >= o.no_input_s:
            self._idle_since = None
            self._worker.no_input()

    def _enqueue(self, item: Greet | Heard | Typed | Notify) -> None:
        self._idle_since = None
        self._worker.put(item)

    def _awaiting(self) -> RecognitionHints:
        reply = self._voice.last_reply
        return reply.awaiting if reply is not None else RecognitionHints()

    # -- output ---------------------------------------------------------------------------------------------
    def emit(self, event: ev.SessionEvent) -> None:
        self._outbox.put(event)

    def _sent(self, event: ev.SessionEvent) -> None:
        self._voice.sent(event)

    # -- speaking (the worker's TurnPort; ``ReplyVoice`` plays) ------------------------------------------------
    @property
    def last_reply(self) -> AgentReply | None:
        return self._voice.last_reply

    @property
    def speaking(self) -> bool:
        return self._voice.speaking

    @property
    def caller_speaking(self) -> bool:
        return self._seg.in_speech

    def interrupt(self, reason: str) -> Interruption | None:
        """Stop the reply being played (see ``ReplyVoice.interrupt``)."""
        return self._voice.interrupt(reason, self._onset_at if reason == "speech" else None)

    def say(
        self,
        reply: AgentReply,
        *,
        eos_at: float | None = None,
        resume_at: int | None = None,
        source: str = "",
    ) -> None:
        """Speak ``reply``, cutting off any reply still playing (see ``ReplyVoice.say``); nothing once closing."""
        if self._closing:
            return
        self._voice.say(reply, eos_at=eos_at, resume_at=resume_at, source=source)

    # -- what the voice tells the session (``VoiceHooks``) ------------------------------------------------------
    def reply_started(self, reply: AgentReply, source: str) -> None:
        self._seg.set_expectation(reply.awaiting.expect)
        self.turns += 1
        if self._metrics:
            self._metrics.turns.labels(reply.intent or "none", source or "system").inc()

    def reply_finished(self, reply: AgentReply) -> None:
        self._idle_since = self._seg.position_s
        if reply.end_call:
            self._tasks.spawn(self.end_call("dialogue_end"), "hangup")

    def reply_cut(self, cut: Interruption) -> None:
        self._enqueue(Notify(cut))

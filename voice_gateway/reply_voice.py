"""The speaking half of a call: the reply playing, its pacing and synthesis, its interruption, what the caller
heard of it and its turn record. ``CallSession`` owns one and tells it what to say and when to stop; it tells the
session back through ``VoiceHooks`` (a new turn's reply, a reply played out, a reply cut by the next one)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from dialogue.contract import AgentReply
from voice_gateway import events as ev
from voice_gateway.clock import Clock
from voice_gateway.metrics import GatewayMetrics
from voice_gateway.options import SessionOptions
from voice_gateway.playout import Outbox, ReplyPlayout, Speech
from voice_gateway.protocol import ErrorCode
from voice_gateway.speech.ports import SpeechError, SpeechSynthesizer, SynthesisFormat
from voice_gateway.worker import Interruption

log = logging.getLogger("voice_gateway.session")
Spawn = Callable[[Coroutine[Any, Any, None], str], Any]
"""Starts a task of the call (``CallTasks.spawn``)."""


class VoiceHooks(Protocol):
    """What the voice tells the session."""

    def reply_started(self, reply: AgentReply, source: str) -> None:
        """A new turn's reply (not one said again from a cut sentence)."""

    def reply_finished(self, reply: AgentReply) -> None:
        """``reply`` was played to its end (or had nothing to say)."""

    def reply_cut(self, cut: Interruption) -> None:
        """A reply was cut off by the next one: the dialogue hears how much of it was heard."""

    def report_error(
        self, code: str, message: str, *, fatal: bool = False, retryable: bool = False
    ) -> None: ...


class ReplyVoice:
    """Plays one reply at a time through the ``Outbox``; holds the call's last reply."""

    def __init__(
        self,
        session_id: str,
        options: SessionOptions,
        synthesizer: SpeechSynthesizer,
        fallback: SpeechSynthesizer | None,
        outbox: Outbox,
        clock: Clock,
        metrics: GatewayMetrics | None,
        spawn: Spawn,
        confirms_playback: bool,
        hooks: VoiceHooks,
    ) -> None:
        self._session_id = session_id
        self._o = options
        self._tts = synthesizer
        self._fallback = fallback
        self._outbox = outbox
        self._clock = clock
        self._metrics = metrics
        self._spawn = spawn
        self._confirms = confirms_playback
        self._hooks = hooks
        self.last_reply: AgentReply | None = None
        self._speech: Speech | None = None
        self._clear_onsets: dict[str, float] = {}  # turn id -> onset of the speech that cut it

    @property
    def speaking(self) -> bool:
        return self._speech is not None

    @property
    def playout(self) -> ReplyPlayout | None:
        """The playout of the reply playing, if any (barge-in holds and judges against it)."""
        return self._speech.playout if self._speech is not None else None

    def confirm_played(self, turn_id: str, played_s: float) -> None:
        sp = self._speech
        if sp is not None and sp.reply.turn_id == turn_id:
            sp.playout.confirmed_s = max(sp.playout.confirmed_s or 0.0, played_s)

    def sent(self, event: ev.SessionEvent) -> None:
        """An event went out: a clear for a barge-in times the barge-in from its speech onset."""
        if isinstance(event, ev.Cleared) and self._metrics:
            onset = self._clear_onsets.pop(event.turn_id, None)
            if onset is not None:
                self._metrics.barge_in.observe(self._clock.now() - onset)

    def interrupt(self, reason: str, onset_at: float | None = None) -> Interruption | None:
        """Stop the reply being played: cancel synthesis and pacing, clear the client, note what was heard
        (``onset_at``: clock time of the caller's speech that cut it, timed until the client is cleared)."""
        sp, self._speech = self._speech, None
        if sp is None:
            return None
        played = sp.playout.played_s()
        if sp.task is not None:
            sp.task.cancel()
        if sp.playout.started:
            if onset_at is not None:
                self._clear_onsets[sp.reply.turn_id] = onset_at
            # Audio still queued here was counted as sent, but the client never got it.
            unsent_s = self._outbox.clear_turn(sp.reply.turn_id) / (2 * self._o.output_rate)
            if sp.playout.confirmed_s is None:
                played = max(0.0, played - unsent_s)
        heard = sp.playout.timeline.heard_chars(played)
        self._outbox.put(ev.PlaybackFinished(sp.reply.turn_id, played, True, heard, reason))
        if self._metrics:
            self._metrics.interruptions.labels(reason).inc()
            if sp.reply.must_hear_chars is not None and heard < sp.reply.must_hear_chars:
                self._metrics.confirmation("not_heard")
        self._log_turn(sp, played, heard, reason)
        return Interruption(sp.reply, heard, sp.playout.timeline.sentence_start(heard), reason)

    def say(
        self,
        reply: AgentReply,
        *,
        eos_at: float | None = None,
        resume_at: int | None = None,
        source: str = "",
    ) -> None:
        """Speak ``reply``, cutting off any reply still playing; with ``resume_at``, say it again from that
        character as the same turn (after a false interruption)."""
        cut = self.interrupt("reply")
        if cut is not None:
            self._hooks.reply_cut(cut)
        start_char = resume_at or 0
        if resume_at is None:
            self.last_reply = reply
            self._hooks.reply_started(reply, source)
            if reply.text.strip():  # an empty reply (no greeting) has nothing to show or say
                cards = tuple(reply.cards)
                self._outbox.put(
                    ev.ReplyReady(reply.turn_id, reply.text, reply.awaiting, reply.intent, cards)
                )
        if not reply.text[start_char:].strip():
            self._hooks.reply_finished(reply)
            return
        playout = ReplyPlayout(
            reply.text,
            self._tts,
            SynthesisFormat("pcm", self._o.output_rate),
            self._clock,
            lambda frame, end_s: self._on_frame(sp, frame, end_s),
            start_char=start_char,
            options=self._o.playout,
            fallback=self._fallback,
            on_engine_error=self._synthesis_error,
        )
        if self._confirms:
            playout.confirmed_s = 0.0  # only what the client confirmed counts as played
        info: dict[str, Any] = {"turn_id": reply.turn_id, "intent": reply.intent, "source": source}
        sp = Speech(reply, playout, eos_at, info)
        self._speech = sp
        sp.task = self._spawn(self._speak(sp), f"speech-{reply.turn_id}")

    def _on_frame(self, sp: Speech, frame: bytes, end_s: float) -> None:
        if self._speech is not sp:
            return
        if sp.seq == 0:
            self._outbox.put(ev.AudioStarted(sp.reply.turn_id, self._o.output_rate))
            sp.first_audio(self._clock.now(), self._metrics)
        self._outbox.put(ev.AudioChunk(sp.reply.turn_id, frame, sp.seq, end_s))
        sp.seq += 1

    async def _speak(self, sp: Speech) -> None:
        failed = False
        try:
            await sp.playout.run()
        except SpeechError as exc:
            failed = True
            self._hooks.report_error(ErrorCode.SYNTHESIS_FAILED, exc.message, retryable=exc.retryable)
        if self._speech is not sp:
            return
        self._speech = None
        if sp.playout.started:
            self._outbox.put(ev.AudioEnded(sp.reply.turn_id))
        played = sp.playout.timeline.total_s
        heard = sp.playout.heard_chars() if failed else len(sp.reply.text)
        reason = "synthesis_failed" if failed else ""
        self._outbox.put(ev.PlaybackFinished(sp.reply.turn_id, played, failed, heard, reason))
        self._log_turn(sp, played, heard, reason)
        self._hooks.reply_finished(sp.reply)

    def _synthesis_error(self, err: SpeechError) -> None:
        log.warning(
            "synthesis failed: %s", err.message, extra={"session_id": self._session_id, "engine": err.engine}
        )

    def _log_turn(self, sp: Speech, played_s: float, heard: int, interrupted_by: str) -> None:
        sp.count_failover(self._metrics, self._tts.name)
        record = sp.record(played_s, heard, interrupted_by)
        log.info("turn", extra={"session_id": self._session_id, "turn": record})


__all__ = ["ReplyVoice", "VoiceHooks"]

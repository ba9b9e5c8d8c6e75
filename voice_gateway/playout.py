"""Reply playout: synthesis sentence by sentence, cut into 20 ms frames and paced at real time so the client
holds little buffered audio; tracks how much was played and therefore how much of the text was heard."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from dialogue.contract import AgentReply
from voice_gateway.audio import Reframer, frame_bytes
from voice_gateway.clock import Clock
from voice_gateway.events import AudioChunk, Cleared, SessionEvent
from voice_gateway.metrics import GatewayMetrics
from voice_gateway.speech.ports import SpeechError, SpeechSynthesizer, SynthesisFormat
from voice_gateway.turns.timeline import ReplyTimeline, resume_point, split_sentences


# -- pacing --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlayoutOptions:
    lead_s: float = 0.12
    """Audio kept queued at the client ahead of what it is playing."""
    tick_s: float = 0.04
    """Pacing granularity: frames are sent in bursts when the client's queue falls this far below the lead."""
    latency_s: float = 0.05
    """Assumed network + output latency, subtracted when estimating what was played."""
    synth_timeout_s: float = 8.0
    """Longest wait for the next synthesized chunk before the engine counts as failed."""
    synth_retries: int = 1
    """Retries of a sentence on a retryable error before the fallback engine takes over."""
    first_audio_deadline_s: float = 0.8
    """With a fallback engine: the longest silence a slow engine may cause before its first chunk of a sentence
    (counted from when the audio already queued runs out); past it the rest of the reply goes to the fallback."""
    resume_chars_per_s: float = 11.0
    """A slow estimate of speech rate (~14 characters a second at normal speed), to find where a fallback picks
    up a sentence the first engine died in: erring slow repeats a word rather than skipping one."""


class Pacer:
    """Sends frames no faster than real time plus a lead, in bursts (one wake-up per ``tick_s``, not per frame);
    estimates what the client has played."""

    def __init__(self, clock: Clock, frame_s: float, options: PlayoutOptions) -> None:
        self._clock = clock
        self._frame_s = frame_s
        self._o = options
        self.sent_s = 0.0
        self._play_end = 0.0  # estimated moment the client finishes what it has been sent
        self._filling = True

    async def wait_turn(self) -> None:
        queued = self._play_end - self._clock.now()
        if self._filling and queued < self._o.lead_s:
            return
        self._filling = False
        low = self._o.lead_s - self._o.tick_s
        if queued > low:
            await self._clock.sleep(queued - low)
        self._filling = True

    def sent(self) -> None:
        self._play_end = max(self._play_end, self._clock.now()) + self._frame_s
        self.sent_s += self._frame_s

    def queued_s(self) -> float:
        """Audio sent that the client has not played yet."""
        return max(0.0, self._play_end - self._clock.now())

    def played_s(self) -> float:
        return max(0.0, self.sent_s - self.queued_s() - self._o.latency_s)


class SynthesisTooSlow(SpeechError):
    """No first audio by the deadline (not retried: the fallback engine takes the turn)."""

    code = "synthesis_slow"


def _as_speech_error(exc: Exception) -> SpeechError:
    if isinstance(exc, TimeoutError):
        return SpeechError("synthesis timed out", retryable=True)
    return SpeechError(f"synthesis failed: {exc!r}", retryable=False)


# -- one reply -----------------------------------------------------------------------------------------------
FrameSink = Callable[[bytes, float], None]  # (frame, end position in the reply) -> None


class ReplyPlayout:
    """Synthesizes ``text[start_char:]`` sentence by sentence while pacing the frames out through ``emit``.

    ``run()`` returns when the last frame was sent; cancel its task to stop (the synthesis stream is closed,
    which makes a streaming engine cancel its task upstream)."""

    def __init__(
        self,
        text: str,
        synthesizer: SpeechSynthesizer,
        fmt: SynthesisFormat,
        clock: Clock,
        emit: FrameSink,
        *,
        start_char: int = 0,
        options: PlayoutOptions | None = None,
        fallback: SpeechSynthesizer | None = None,
        on_engine_error: Callable[[SpeechError], None] | None = None,
    ) -> None:
        self.text = text
        self.fmt = fmt
        self.options = options or PlayoutOptions()
        self.timeline = ReplyTimeline(start_char)
        self.frame_s = 0.02
        self._frame = frame_bytes(fmt.sample_rate)
        self._synth = synthesizer
        self._fallback = fallback
        self._clock = clock
        self._emit = emit
        self._on_error = on_engine_error
        self._pacer = Pacer(clock, self.frame_s, self.options)
        self.confirmed_s: float | None = None  # set when the client acknowledges playback (Twilio marks)
        self.started_at: float | None = None  # clock time of the first frame sent
        self.first_audio_s: float | None = None  # synthesis time to first audio
        self.engine = synthesizer.name
        self.failover: str | None = None
        """Why the fallback engine took over this reply: ``failed`` (before a sentence's audio), ``dropped``
        (in the middle of a sentence), ``slow`` (no first audio by the deadline)."""
        self._frames: asyncio.Queue[bytes | None] | None = None
        self._flowing = asyncio.Event()
        self._flowing.set()

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def held(self) -> bool:
        return not self._flowing.is_set()

    def hold(self, on: bool = True) -> None:
        """While held no new frame is sent; nothing is cleared, so the client plays the lead it holds (a hold
        shorter than that is never heard). ``hold(False)`` sends on, first refilling the lead."""
        if on:
            self._flowing.clear()
        else:
            self._flowing.set()

    def played_s(self) -> float:
        if self.confirmed_s is not None:
            return self.confirmed_s
        return self._pacer.played_s()

    def heard_chars(self) -> int:
        return self.timeline.heard_chars(self.played_s())

    async def run(self) -> None:
        frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._frames = frames
        t0 = self._clock.now()
        producer = asyncio.create_task(self._produce(frames))
        try:
            while True:
                frame = await frames.get()
                if frame is None:
                    break
                if self.started_at is None:
                    self.first_audio_s = self._clock.now() - t0
                await self._pacer.wait_turn()
                if not self._flowing.is_set():
                    await self._flowing.wait()
                if self.started_at is None:
                    self.started_at = self._clock.now()
                self._pacer.sent()
                self._emit(frame, self._pacer.sent_s)
            await producer  # re-raises a synthesis failure
        finally:
            if not producer.done():
                producer.cancel()
            await asyncio.gather(producer, return_exceptions=True)

    async def _produce(self, frames: asyncio.Queue[bytes | None]) -> None:
        reframer = Reframer(self._frame)
        try:
            for span in split_sentences(self.text, self.timeline.start_char):
                self.timeline.begin(span)
                await self._sentence(self.text[span[0] : span[1]], reframer, frames)
                self.timeline.end()
            last = reframer.flush()
            if last is not None:
                self.timeline.add(self.frame_s)
                frames.put_nowait(last)
        finally:
            frames.put_nowait(None)

    async def _sentence(self, text: str, reframer: Reframer, frames: asyncio.Queue[bytes | None]) -> None:
        attempts = 0
        said = 0  # characters of ``text`` an engine that then failed has said
        while True:
            spoken_s = 0.0
            try:
                async for frame in self._stream(text[said:], reframer):
                    spoken_s += self.frame_s
                    self.timeline.add(self.frame_s)
                    frames.put_nowait(frame)
                return
            except Exception as exc:  # a vendor failure of any kind: retry, then the fallback engine
                err = exc if isinstance(exc, SpeechError) else _as_speech_error(exc)
                err.engine = err.engine or self._synth.name
                if self._on_error is not None:
                    self._on_error(err)
                if not spoken_s and err.retryable and attempts < self.options.synth_retries:
                    attempts += 1
                    continue
                if self._fallback is None or self._synth is self._fallback:
                    raise err from exc
                if spoken_s:  # the rest of the sentence, from the first word the caller has not heard
                    said += resume_point(text[said:], spoken_s, self.options.resume_chars_per_s)
                reason = "slow" if isinstance(err, SynthesisTooSlow) else "dropped" if spoken_s else "failed"
                self.failover = self.failover or reason
                self._synth = self._fallback  # the rest of this reply goes through the local engine
                self.engine = self._fallback.name
                if said >= len(text):
                    return

    def _queued_s(self) -> float:
        """Audio made but not yet played: frames waiting here plus what the client holds."""
        waiting = self._frames.qsize() * self.frame_s if self._frames is not None else 0.0
        return waiting + self._pacer.queued_s()

    async def _stream(self, text: str, reframer: Reframer) -> AsyncIterator[bytes]:
        stream = self._synth.stream(text, self.fmt)
        first = self._fallback is not None and self._synth is not self._fallback
        try:
            while True:
                wait_s = self.options.synth_timeout_s
                if first:
                    wait_s = min(wait_s, self._queued_s() + self.options.first_audio_deadline_s)
                try:
                    chunk = await self._clock.wait_for(anext(stream), wait_s)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    if first:
                        raise SynthesisTooSlow(
                            f"no audio within {wait_s:.2f} s", engine=self._synth.name
                        ) from None
                    raise
                first = first and not chunk
                for frame in reframer.push(chunk):
                    yield frame
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()


@dataclass
class Speech:
    """Bookkeeping of the reply a session is playing (its task is owned by the session)."""

    reply: AgentReply
    playout: ReplyPlayout
    eos_at: float | None  # clock time the end of the caller's speech was detected, if a spoken turn
    log: dict[str, Any]  # the turn's record for the structured log
    seq: int = 0
    task: asyncio.Task[None] | None = None

    def first_audio(self, now: float, metrics: GatewayMetrics | None) -> None:
        """Record synthesis time to first audio and, for a spoken turn, end of speech → first audio."""
        first = self.playout.first_audio_s or 0.0
        self.log["synthesis_first_audio_s"] = round(first, 4)
        if self.eos_at is not None:
            self.log["reply_latency_s"] = round(now - self.eos_at, 4)
        if metrics:
            metrics.synthesis_first_audio.labels(self.playout.engine).observe(first)
            if self.eos_at is not None:
                metrics.reply_latency.observe(now - self.eos_at)

    def count_failover(self, metrics: GatewayMetrics | None, primary: str) -> None:
        """Count the reply as finished by the fallback synthesizer (``primary``: the engine that failed)."""
        if metrics and self.playout.failover is not None:
            metrics.fallbacks.labels("tts", primary).inc()
            metrics.synthesis_failovers.labels(self.playout.failover, primary).inc()

    def record(self, played_s: float, heard: int, interrupted_by: str) -> dict[str, Any]:
        """The turn's structured log record once playout ended."""
        return {
            **self.log,
            "played_s": round(played_s, 3),
            "heard_chars": heard,
            "chars": len(self.reply.text),
            "interrupted_by": interrupted_by or None,
            "tts_engine": self.playout.engine,
            "tts_failover": self.playout.failover,
            "awaiting": self.reply.awaiting.expect,
        }


# -- the ordered stream of events to the client ----------------------------------------------------------------
class Outbox:
    """Events to one client in order, written by one task (``run``). ``clear_turn`` drops the audio of a turn
    that is still queued here and queues ``Cleared`` so the client drops what it holds."""

    def __init__(
        self,
        send: Callable[[SessionEvent], Awaitable[None]],
        on_sent: Callable[[SessionEvent], None] | None = None,
    ) -> None:
        self._send = send
        self._on_sent = on_sent
        self._queue: deque[SessionEvent] = deque()
        self.max_merge = 10  # frames per chunk at most (200 ms)
        self._ready = asyncio.Event()
        self._empty = asyncio.Event()
        self._empty.set()

    def put(self, event: SessionEvent) -> None:
        self._queue.append(event)
        self._empty.clear()
        self._ready.set()

    def clear_turn(self, turn_id: str) -> int:
        """Bytes of audio dropped here (never sent: a slow client had not taken them yet)."""
        dropped = sum(len(e.pcm) for e in self._queue if isinstance(e, AudioChunk) and e.turn_id == turn_id)
        kept = [e for e in self._queue if not (isinstance(e, AudioChunk) and e.turn_id == turn_id)]
        self._queue.clear()
        self._queue.extend(kept)
        self.put(Cleared(turn_id))
        return dropped

    def _merge(self, first: AudioChunk) -> AudioChunk:
        """Frames of one turn that are queued together leave as one chunk (fewer, larger socket writes)."""
        parts, last = [first.pcm], first
        while len(parts) < self.max_merge and self._queue:
            nxt = self._queue[0]
            if not isinstance(nxt, AudioChunk) or nxt.turn_id != first.turn_id:
                break
            last = self._queue.popleft()  # type: ignore[assignment]
            parts.append(last.pcm)
        if last is first:
            return first
        return AudioChunk(first.turn_id, b"".join(parts), first.seq, last.end_s)

    async def drained(self) -> None:
        await self._empty.wait()

    async def run(self) -> None:
        while True:
            if not self._queue:
                self._empty.set()
                self._ready.clear()
                await self._ready.wait()
                continue
            event = self._queue.popleft()
            if isinstance(event, AudioChunk):
                event = self._merge(event)
            await self._send(event)
            if self._on_sent is not None:
                self._on_sent(event)

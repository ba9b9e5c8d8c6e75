"""A scripted call on ``/ws/voice`` over ``VoiceClient``: ``run_call`` plays spoken and typed turns as one call,
each reply waited out, with its audio and latencies (``python -m voice_gateway.call``); ``place_call`` is one
spoken turn (the benchmarks)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets

from voice_gateway import protocol as p
from voice_gateway.audio import frame_bytes, resample
from voice_gateway.client import FRAME_S, ServerItem, VoiceClient
from voice_gateway.turns.vad import WebRtcVoiceDetector

CALL_RATE = 16000  # what the page sends; every spoken turn is resampled to it, so one call can mix WAV rates


@dataclass(frozen=True)
class Spoken:
    """A turn spoken from a recording: mono PCM16 at ``rate``."""

    pcm: bytes
    rate: int
    label: str = ""


@dataclass(frozen=True)
class Typed:
    """A typed turn, sent as a ``text`` message on the same call."""

    text: str


CallTurn = Spoken | Typed


@dataclass
class CallResult:
    """One turn of a call: what was said or typed, what was heard, the reply and when things arrived."""

    transcript: str = ""
    reply: str = ""
    awaiting: str = ""
    reply_audio: bytearray = field(default_factory=bytearray)
    reply_rate: int = 16000
    errors: list[p.ErrorMessage] = field(default_factory=list)
    typed: str | None = None  # the text of a typed turn
    reply_turn_id: str | None = None
    finished: bool = False  # the reply's audio ended (``audio_end``, or ``clear``)
    # Client clock times (time.monotonic) of what happened, for latencies.
    speech_end_sent: float | None = None  # the last voiced frame left the client (typed: the text was sent)
    times: dict[str, float] = field(default_factory=dict)  # first arrival of each message type

    def latencies(self) -> dict[str, float]:
        t, out = self.times, {}
        origin = "text_sent" if self.typed is not None else "end_of_speech"
        if self.speech_end_sent is not None:
            for key in ("speech_stopped", "transcript", "reply", "first_audio"):
                if key in t:
                    out[f"{origin}_to_{key}_ms"] = 1000 * (t[key] - self.speech_end_sent)
        if "speech_stopped" in t and "first_audio" in t:
            out["endpoint_to_first_audio_ms"] = 1000 * (t["first_audio"] - t["speech_stopped"])
        if "transcript" in t and "speech_stopped" in t:
            out["recognition_ms"] = 1000 * (t["transcript"] - t["speech_stopped"])
        if "reply" in t and "transcript" in t:
            out["dialogue_ms"] = 1000 * (t["reply"] - t["transcript"])
        return out


@dataclass
class CallLog:
    """A call's turns as played (fewer than asked when the server ended the call), and the errors that came
    outside a turn (a refused token, before the first)."""

    turns: list[CallResult] = field(default_factory=list)
    errors: list[p.ErrorMessage] = field(default_factory=list)
    ended_by_server: bool = False

    @property
    def all_errors(self) -> list[p.ErrorMessage]:
        return self.errors + [e for t in self.turns for e in t.errors]


def last_voiced_s(pcm16k: bytes) -> float:
    """Where speech ends in the file (webrtcvad), so trailing silence in the WAV is not counted as waiting."""
    vad, size, last = WebRtcVoiceDetector(), frame_bytes(16000), 0.0
    for i in range(0, len(pcm16k) - size + 1, size):
        if vad.is_speech(pcm16k[i : i + size]):
            last = (i + size) / 2 / 16000
    return last


class _Listener:
    """What the reader of a call has seen: the turn being answered (None between turns) and whether other
    audio (a greeting, a re-prompt) is playing, which is waited out before a turn is spoken."""

    def __init__(self) -> None:
        self.current: CallResult | None = None
        self.playing = False
        self.closed = asyncio.Event()
        self.answered = asyncio.Event()
        self.errors: list[p.ErrorMessage] = []

    def begin(self, result: CallResult) -> None:
        self.current = result
        self.answered.clear()

    def take(self, item: ServerItem, now: float) -> None:
        result = self.current
        if isinstance(item, p.ErrorMessage):
            (result.errors if result is not None else self.errors).append(item)
            return
        if result is None or result.finished:
            if not isinstance(item, bytes):
                playing = self.playing or isinstance(item, p.AudioStartMessage)
                self.playing = playing and not isinstance(item, p.AudioEndMessage | p.ClearMessage)
            return
        if isinstance(item, bytes):
            if result.reply_turn_id is not None:
                result.times.setdefault("first_audio", now)
                result.reply_audio.extend(item)
            return
        result.times.setdefault(item.type, now)
        if isinstance(item, p.TranscriptMessage) and not result.transcript:
            result.transcript = item.text
        elif isinstance(item, p.ReplyMessage) and result.reply_turn_id is None:
            result.reply, result.awaiting = item.text, item.awaiting.expect
            result.reply_turn_id = item.turn_id
        elif isinstance(item, p.AudioStartMessage) and item.turn_id == result.reply_turn_id:
            result.reply_rate = item.sample_rate
        elif isinstance(item, p.AudioEndMessage | p.ClearMessage) and item.turn_id == result.reply_turn_id:
            result.finished = True
            self.answered.set()


async def run_call(
    url: str,
    turns: list[CallTurn],
    token: str | None,
    *,
    realtime: bool = True,
    timeout_s: float = 30.0,
    pause_s: float = 0.3,
    on_turn: Callable[[int, CallResult], None] | None = None,
) -> CallLog:
    """Play ``turns`` as one call on ``url``, each once the audio before it (a greeting, the reply to the turn
    before) has ended (``audio_end``) and ``pause_s`` more has passed, as a person waits for the end of what
    they hear. One result per turn played: fewer when the server ended the call. ``on_turn`` is called as each
    turn's reply ends.

    The microphone stays open: silence is sent between turns and while typed turns are answered. A greeting
    starting within 1.5 s is waited out first. Spoken turns go at real time (or as fast as the socket takes
    them). Raises ``TimeoutError`` when a reply has not finished within ``timeout_s`` of its turn."""
    quiet = bytes(frame_bytes(CALL_RATE))
    listener = _Listener()
    log = CallLog()

    async with await VoiceClient.connect(url, record=False) as client:

        async def receive() -> None:
            try:
                while True:
                    listener.take(await client.read(), client.last_arrival)
            except websockets.ConnectionClosed:
                log.ended_by_server = True
            finally:
                listener.closed.set()

        async def silence_until(done: asyncio.Event | None) -> None:
            while not listener.closed.is_set() and (listener.playing if done is None else not done.is_set()):
                await client.send_frames(quiet * 10, CALL_RATE)

        async def play(turn: CallTurn) -> CallResult:
            await silence_until(None)  # a greeting or a re-prompt still playing
            await client.send_frames(quiet * round(pause_s / FRAME_S), CALL_RATE)
            result = CallResult(typed=turn.text if isinstance(turn, Typed) else None)
            listener.begin(result)
            log.turns.append(result)
            if isinstance(turn, Typed):
                result.speech_end_sent = time.monotonic()
                await client.send_text(turn.text)
            else:
                pcm = resample(turn.pcm, turn.rate, CALL_RATE)
                t_start = time.monotonic()
                await client.send_frames(pcm, CALL_RATE, speed=1.0 if realtime else None)
                result.speech_end_sent = t_start + last_voiced_s(pcm) if realtime else time.monotonic()
            await silence_until(listener.answered)
            listener.current = None
            return result

        reader = asyncio.create_task(receive())
        try:
            await client.start(CALL_RATE, token=token)
            for _ in range(15):  # up to 1.5 s for a greeting to start
                if listener.playing or listener.closed.is_set():
                    break
                await client.send_frames(quiet * 5, CALL_RATE)
            for k, turn in enumerate(turns):
                async with asyncio.timeout(timeout_s):
                    result = await play(turn)
                if on_turn is not None:
                    on_turn(k, result)
                if listener.closed.is_set():
                    break
        except websockets.ConnectionClosed:
            # The server ended the call: let the reader take in what arrived before the close.
            await asyncio.wait({reader}, timeout=2.0)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
    log.errors.extend(listener.errors)
    return log


async def place_call(
    url: str,
    pcm: bytes,
    rate: int,
    token: str | None,
    *,
    realtime: bool = True,
    timeout_s: float = 30.0,
) -> CallResult:
    """One spoken turn (mono PCM16 at ``rate``) on a call of its own, and its reply (see ``run_call``)."""
    log = await run_call(url, [Spoken(pcm, rate)], token, realtime=realtime, timeout_s=timeout_s)
    result = log.turns[0] if log.turns else CallResult()
    result.errors[:0] = log.errors  # a refused token, say
    return result

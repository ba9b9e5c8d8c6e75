"""Tiny deterministic fakes for gateway tests: a manual clock, a scripted conversation, a recognizer that reads
a marker tone in the audio, a synthesizer that yields silence at a set pace, and a recording session output."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from dialogue.contract import AgentReply, RecognitionHints, TurnSource
from voice_gateway import events as ev
from voice_gateway.speech.ports import SpeechError, SynthesisFormat, Transcript, Utterance

T = TypeVar("T")
RATE = 16000


# -- audio -------------------------------------------------------------------------------------------------
def speech_like(seconds: float, f0: float = 150.0, rate: int = RATE, level: float = 0.3) -> bytes:
    """A voiced, speech-like buzz (a harmonic series on ``f0``) that webrtcvad classifies as speech; ``f0``
    doubles as a marker that ``FakeRecognizer`` reads back."""
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 12))
    wave = wave / np.max(np.abs(wave)) * level
    return (wave * 32767).astype("<i2").tobytes()


def silence(seconds: float, rate: int = RATE) -> bytes:
    return bytes(2 * int(seconds * rate))


def dominant_f0(pcm: bytes, rate: int) -> float:
    """The strongest frequency of the loudest half second (the marker tone's fundamental)."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    if x.size == 0:
        return 0.0
    win = min(x.size, rate // 2)
    csum = np.concatenate(([0.0], np.cumsum(x * x)))
    start = int(np.argmax(csum[win:] - csum[:-win]))
    seg = x[start : start + win] * np.hanning(win)
    spectrum = np.abs(np.fft.rfft(seg))
    freqs = np.fft.rfftfreq(win, 1 / rate)
    spectrum[freqs < 60] = 0
    return float(freqs[int(np.argmax(spectrum))])


# -- time --------------------------------------------------------------------------------------------------
class ManualClock:
    """Virtual time: ``sleep`` resolves only when a test advances the clock past its deadline."""

    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + seconds, next(self._seq), fut))
        await fut

    async def wait_for(self, aw: Awaitable[T], limit_s: float) -> T:
        task = asyncio.ensure_future(aw)
        timer = asyncio.ensure_future(self.sleep(limit_s))
        try:
            done, _ = await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if task in done:
            return task.result()
        raise TimeoutError

    async def advance(self, seconds: float) -> None:
        target = self.t + seconds
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target + 1e-9:
            deadline, _, fut = heapq.heappop(self._sleepers)
            self.t = max(self.t, deadline)
            if not fut.done():
                fut.set_result(None)
            await settle()
        self.t = target
        await settle()


async def eventually(condition: Callable[[], bool], within_s: float = 5.0) -> None:
    """Wait until ``condition()`` holds (state changed by another task or a server), or fail after a while."""
    async with asyncio.timeout(within_s):
        while not condition():  # noqa: ASYNC110 - polling state that offers no event to wait on
            await asyncio.sleep(0.005)


async def settle(rounds: int = 30) -> None:
    """Let every ready task run until the loop has nothing left to do at this instant."""
    for _ in range(rounds):
        await asyncio.sleep(0)


# -- the dialogue ------------------------------------------------------------------------------------------
READ_BACK = "Order {q} {item}, {spoken}. Shall I place it?"
SPOKEN = {"10": "one zero", "15": "one five", "50": "five zero"}


@dataclass
class FakeConversation:
    """Scripted replies, plus the one dialogue rule the gateway must respect: "order <q> <item>" is read back,
    and a "yes" commits it only if the read-back was heard up to its quantity."""

    replies: dict[str, str] = field(default_factory=dict)
    greeting: str = "Hello, how can I help?"
    delay_s: float = 0.0
    clock: ManualClock | None = None
    fail_on: frozenset[str] = frozenset()
    end_on: frozenset[str] = frozenset({"goodbye"})
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    _n: int = 0
    _pending: AgentReply | None = None
    _asked: bool = False

    def _reply(self, text: str, **kw: Any) -> AgentReply:
        self._n += 1
        return AgentReply(turn_id=f"t{self._n}", text=text, **kw)

    async def _wait(self) -> None:
        if self.delay_s > 0:
            await (self.clock.sleep(self.delay_s) if self.clock else asyncio.sleep(self.delay_s))

    async def greet(self) -> AgentReply:
        self.calls.append(("greet",))
        return self._reply(self.greeting)

    async def user_text(self, text: str, source: TurnSource = "speech") -> AgentReply:
        self.calls.append(("user_text", text, source))
        await self._wait()
        if text in self.fail_on:
            raise RuntimeError("scripted dialogue failure")
        words = text.lower().split()
        if words[:1] == ["order"] and len(words) >= 3:
            q, item = words[1], " ".join(words[2:])
            return self._read_back(q, item)
        if self._pending is not None and words[:1] == ["yes"]:
            pending, self._pending = self._pending, None
            if not self._asked:
                return self._read_back(*pending.slots["order"])
            self.writes.append(pending.slots["order"][1])
            return self._reply("Done, the order is placed.", intent="yes")
        if text.lower() == "reorder widgets":
            return self._reply(
                "How many should I order?", intent="ask_quantity", awaiting=RecognitionHints("quantity")
            )
        if source == "dtmf" and self._pending is None:
            return self._reply(f"You typed {text}.", intent="dtmf")
        if text.lower() in self.end_on:
            return self._reply("Goodbye.", intent="goodbye", end_call=True)
        return self._reply(self.replies.get(text.lower(), f"You said {text}."), intent="echo")

    def _read_back(self, q: str, item: str) -> AgentReply:
        spoken = SPOKEN.get(q, q)
        text = READ_BACK.format(q=q, item=item, spoken=spoken)
        reply = self._reply(
            text,
            intent="order",
            awaiting=RecognitionHints("yes_no"),
            must_hear_chars=text.index(spoken) + len(spoken),
            slots={"order": (q, item)},
        )
        self._pending, self._asked = reply, True
        return reply

    async def no_input(self) -> AgentReply:
        self.calls.append(("no_input",))
        return self._reply("Are you still there?")

    async def not_understood(self) -> AgentReply:
        self.calls.append(("not_understood",))
        return self._reply("Sorry, I did not catch that.")

    async def playback_interrupted(self, turn_id: str, heard_chars: int) -> None:
        self.calls.append(("playback_interrupted", turn_id, heard_chars))
        p = self._pending
        if p is not None and p.turn_id == turn_id and p.must_hear_chars is not None:
            self._asked = heard_chars >= p.must_hear_chars

    async def close(self) -> None:
        self.calls.append(("close",))


class FakeConversationFactory:
    def __init__(self, **kw: Any) -> None:
        self.kw = kw
        self.opened: list[tuple[str, str, str, str | None, FakeConversation]] = []

    def open(self, session_id: str, channel: str, actor: str, site: str | None = None) -> FakeConversation:
        conv = FakeConversation(**self.kw)
        self.opened.append((session_id, channel, actor, site, conv))
        return conv


# -- speech ------------------------------------------------------------------------------------------------
class FakeRecognizer:
    """Maps an utterance to text by its marker tone (``by_f0``), else by order (``script``); records what it
    received and the hints it was given."""

    name = "fake-asr"

    def __init__(
        self,
        by_f0: dict[int, str] | None = None,
        script: list[str] | None = None,
        latency_s: float = 0.0,
        clock: ManualClock | None = None,
        failures: int = 0,
        retryable: bool = True,
    ) -> None:
        self.by_f0 = by_f0 or {}
        self.script = list(script or [])
        self.latency_s = latency_s
        self.clock = clock
        self.failures = failures
        self.retryable = retryable
        self.received: list[tuple[Utterance, RecognitionHints]] = []

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        self.received.append((utterance, hints))
        if self.latency_s > 0:
            await (self.clock.sleep(self.latency_s) if self.clock else asyncio.sleep(self.latency_s))
        if self.failures > 0:
            self.failures -= 1
            raise SpeechError("scripted recognizer failure", retryable=self.retryable, engine=self.name)
        if self.by_f0:
            f0 = dominant_f0(utterance.pcm, utterance.sample_rate)
            key = min(self.by_f0, key=lambda k: abs(k - f0))
            text = self.by_f0[key] if abs(key - f0) < 12 else ""
        else:
            text = self.script.pop(0) if self.script else ""
        return Transcript(text=text, confidence=1.0, engine=self.name)


class FakeSynthesizer:
    """Yields silence: ``seconds_per_char`` of audio per character, in ``chunk_s`` chunks, one every
    ``pace_s`` (0: as fast as asked). Records texts and whether a stream was closed before its end."""

    def __init__(
        self,
        name: str = "fake-tts",
        seconds_per_char: float = 0.06,
        chunk_s: float = 0.1,
        pace_s: float = 0.0,
        first_chunk_s: float = 0.0,
        clock: ManualClock | None = None,
        fail: SpeechError | None = None,
        fail_after_chunks: int = 0,
    ) -> None:
        self.name = name
        self.seconds_per_char = seconds_per_char
        self.chunk_s = chunk_s
        self.pace_s = pace_s
        self.first_chunk_s = first_chunk_s
        self.clock = clock
        self.fail = fail
        self.fail_after_chunks = fail_after_chunks
        self.texts: list[str] = []
        self.cancelled: list[str] = []
        self.completed: list[str] = []

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            await (self.clock.sleep(seconds) if self.clock else asyncio.sleep(seconds))

    async def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]:
        self.texts.append(text)
        total = max(1, round(len(text) * self.seconds_per_char / self.chunk_s))
        chunk = bytes(2 * int(fmt.sample_rate * self.chunk_s))
        finished = False
        try:
            await self._sleep(self.first_chunk_s)
            for i in range(total):
                if self.fail is not None and i >= self.fail_after_chunks:
                    raise self.fail
                if i:
                    await self._sleep(self.pace_s)
                yield chunk
            finished = True
            self.completed.append(text)
        finally:
            if not finished:
                self.cancelled.append(text)


# -- the transport side ------------------------------------------------------------------------------------
class RecordingOutput:
    """A ``SessionOutput`` that records each event with the clock time it was sent."""

    def __init__(self, clock: ManualClock | None = None, confirms_playback: bool = False) -> None:
        self.clock = clock
        self.confirms_playback = confirms_playback
        self.sent: list[tuple[float, ev.SessionEvent]] = []
        self.closed: tuple[int, str] | None = None
        self.flowing = asyncio.Event()  # cleared: a slow client, audio sends block until set again
        self.flowing.set()

    async def send(self, event: ev.SessionEvent) -> None:
        if isinstance(event, ev.AudioChunk):
            await self.flowing.wait()
        self.sent.append((self.clock.now() if self.clock else 0.0, event))

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def kinds(self, *, audio: bool = False) -> list[str]:
        return [type(e).__name__ for _, e in self.sent if audio or not isinstance(e, ev.AudioChunk)]

    def of(self, kind: type[T]) -> list[T]:
        return [e for _, e in self.sent if isinstance(e, kind)]

    def at(self, kind: type[Any]) -> list[float]:
        return [t for t, e in self.sent if isinstance(e, kind)]

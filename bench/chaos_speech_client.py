"""A caller for the chaos bench's speech drills: one call on ``/ws/voice`` with a live microphone (20 ms frames at
real time, silence between questions), every server message kept with its arrival time, and the turns cut out
of them: what was heard (transcript), answered (reply), played (reply audio) and reported (error events).

    call = SpeechCall(svc.ws_url, svc.token)
    greeting = await call.open()
    turn = await call.ask(pcm16k)          # a question; returns when its reply audio ended (or timed out)
    await call.hang_up()
    call.dropped                            # the call ended before hang_up()"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets

from voice_gateway import protocol as p
from voice_gateway.client import VoiceClient
from voice_gateway.scripted_call import last_voiced_s

RATE = 16000
FRAME = 640  # bytes of a 20 ms frame of 16 kHz PCM16
FRAME_S = 0.02
TAIL_SILENCE_S = 1.5  # silence queued after a question (the mic sends silence anyway)


@dataclass
class Turn:
    """One exchange as the caller lived it; times are ``time.monotonic()`` on this host."""

    asked_at: float
    question_s: float = 0.0  # where speech ends in the question's audio (sent at real time from ``asked_at``)
    transcript: str = ""
    reply: str = ""
    intent: str | None = None
    turn_id: str = ""
    reply_at: float | None = None
    first_audio_at: float | None = None
    audio: bytearray = field(default_factory=bytearray)
    ended_by: str = ""  # "audio_end", "clear", "timeout", "closed", "no_reply"
    errors: list[str] = field(default_factory=list)  # error event codes during the turn

    @property
    def audio_s(self) -> float:
        return len(self.audio) / (2 * RATE)

    @property
    def reply_to_audio_s(self) -> float | None:
        if self.reply_at is None or self.first_audio_at is None:
            return None
        return self.first_audio_at - self.reply_at

    @property
    def answer_wait_s(self) -> float | None:
        """End of the question (as sent) → the ``reply`` event."""
        return None if self.reply_at is None else self.reply_at - self.asked_at - self.question_s

    @property
    def spoken(self) -> bool:
        """A reply came and its audio played to its end."""
        return bool(self.reply) and self.ended_by == "audio_end" and self.audio_s > 0

    def summary(self) -> str:
        errs = ",".join(self.errors) or "none"
        return f"{self.audio_s:.2f} s audio, ended by {self.ended_by}, errors {errs}"


class SpeechCall:
    """One call; ``open`` waits out the greeting, ``ask`` speaks one question and collects its reply."""

    def __init__(self, ws_url: str, token: str, *, session_id: str | None = None) -> None:
        self.url = f"{ws_url}/ws/voice"
        self.token = token
        self.session_id = session_id
        self.items: list[tuple[float, p.ServerMessage | bytes]] = []
        self.dropped = False
        self.closed_at: float | None = None
        self._client: VoiceClient | None = None
        self._queue: deque[bytes] = deque()
        self._arrived = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._hanging_up = False

    async def open(self, within_s: float = 30.0) -> Turn:
        """Connect, start, wait for ``ready``; the greeting (if any) as a turn, once its audio ended."""
        self._client = await VoiceClient.connect(self.url, record=False)
        await self._client.start(RATE, token=self.token, session_id=self.session_id)
        t0 = time.monotonic()
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._mic())]
        await self._wait(lambda: any(isinstance(m, p.ReadyMessage) for _, m in self.items), within_s)
        greeting = Turn(asked_at=t0)
        await self._collect(greeting, 0, within_s, quiet_s=1.5)
        return greeting

    async def ask(self, pcm: bytes, within_s: float = 30.0) -> Turn:
        """Speak ``pcm`` (16 kHz PCM16) and return the turn once its reply audio ended (or ``within_s``)."""
        start = len(self.items)
        turn = Turn(asked_at=time.monotonic(), question_s=last_voiced_s(pcm))
        frames = [pcm[i : i + FRAME] for i in range(0, len(pcm) - FRAME + 1, FRAME)]
        self._queue.extend(frames + [bytes(FRAME)] * int(TAIL_SILENCE_S / FRAME_S))
        await self._collect(turn, start, within_s, quiet_s=None)
        return turn

    async def hang_up(self) -> None:
        self._hanging_up = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.stop()
            with contextlib.suppress(Exception):
                await self._client.close()

    # -- collecting ------------------------------------------------------------------------------------------
    async def _collect(self, turn: Turn, start: int, within_s: float, quiet_s: float | None) -> None:
        """Fill ``turn`` from the items from ``start`` on until its reply audio ends. ``quiet_s``: a greeting
        may not come; give up after this long without a reply."""
        deadline = time.monotonic() + within_s
        while True:
            self._fill(turn, start)
            if turn.ended_by:
                return
            if self.closed_at is not None:
                turn.ended_by = "closed"
                return
            now = time.monotonic()
            if quiet_s is not None and not turn.reply and now > turn.asked_at + quiet_s:
                turn.ended_by = "no_reply"
                return
            if now >= deadline:
                turn.ended_by = "timeout"
                return
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(0.25, deadline - now))

    def _fill(self, turn: Turn, start: int) -> None:
        turn.audio.clear()
        turn.errors.clear()
        playing = False
        for t, item in self.items[start:]:
            if isinstance(item, bytes):
                if playing:
                    turn.audio.extend(item)
                    if turn.first_audio_at is None:
                        turn.first_audio_at = t
                continue
            if isinstance(item, p.ErrorMessage):
                turn.errors.append(item.code)
            elif isinstance(item, p.TranscriptMessage) and not turn.transcript:
                turn.transcript = item.text
            elif isinstance(item, p.ReplyMessage) and not turn.reply:
                turn.reply, turn.intent, turn.turn_id, turn.reply_at = item.text, item.intent, item.turn_id, t
            elif isinstance(item, p.AudioStartMessage) and item.turn_id == turn.turn_id:
                playing = True
            elif isinstance(item, p.AudioEndMessage | p.ClearMessage) and item.turn_id == turn.turn_id:
                turn.ended_by = item.type
                return

    async def _wait(self, done: Callable[[], bool], within_s: float) -> None:
        deadline = time.monotonic() + within_s
        while not done() and self.closed_at is None:
            if time.monotonic() >= deadline:
                raise TimeoutError("the call did not become ready")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), 0.25)

    # -- the two tasks of a call ---------------------------------------------------------------------------
    async def _read(self) -> None:
        assert self._client is not None
        try:
            while True:
                item = await self._client.read()
                self.items.append((self._client.last_arrival, item))
                self._arrived.set()
        except websockets.ConnectionClosed:
            self._ended()

    async def _mic(self) -> None:
        """A live microphone: queued speech, else silence, at real time."""
        assert self._client is not None
        t0, k = time.monotonic(), 0
        try:
            while True:
                frame = self._queue.popleft() if self._queue else bytes(FRAME)
                await self._client.send_audio(frame)
                k += 1
                await asyncio.sleep(max(0.0, t0 + k * FRAME_S - time.monotonic()))
        except websockets.ConnectionClosed:
            self._ended()

    def _ended(self) -> None:
        if self.closed_at is None:
            self.closed_at = time.monotonic()
            self.dropped = not self._hanging_up
        self._arrived.set()

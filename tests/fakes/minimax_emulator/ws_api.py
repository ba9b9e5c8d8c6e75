"""The WebSocket endpoints: ``/ws/v1/t2a_v2`` (one task_continue = one synthesis) and ``/ws/v1/t2a_v2_bidi``
(server-side sentence splitting, task_flush, task_cancel, 2205 back-pressure, idle close 2201)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from typing import Any

from tests.fakes.minimax_emulator import audio as tone
from tests.fakes.minimax_emulator.http_api import audio_params, extra_info, validate_t2a
from tests.fakes.minimax_emulator.server import WsConnection
from tests.fakes.minimax_emulator.state import EmulatorState, RecordedWs

_SENTENCE = re.compile(r"[^。！？…；!?.\n]*[。！？…；!?.\n]+")


class _Ended(Exception):
    """The server ended the connection (task_failed, idle close, drop)."""


class WsApi:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def __call__(self, ws: WsConnection) -> None:
        rec = RecordedWs(ws.path, ws.headers, conn=ws)
        self.state.ws_sessions.append(rec)
        if ws.path not in ("/ws/v1/t2a_v2", "/ws/v1/t2a_v2_bidi"):
            await ws.close(4004, "not found")
            return
        conv = _Conversation(self.state, ws, rec, bidi=ws.path.endswith("_bidi"))
        try:
            await conv.run()
        except _Ended:
            pass
        finally:
            rec.closed_by = rec.closed_by or "client"


class _Conversation:
    def __init__(self, state: EmulatorState, ws: WsConnection, rec: RecordedWs, *, bidi: bool) -> None:
        self.state, self.ws, self.rec, self.bidi = state, ws, rec, bidi
        self.session_id = state.new_id("sess-")
        self.trace = state.new_id("trace-")
        self.fmt, self.rate = "mp3", 32000
        self.buffer = ""
        self.last_text_at = time.monotonic()
        self.queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self.busy = False
        self.chunks_sent = 0
        self.drop = state.faults.take("drop", "ws")
        self.failure = state.faults.take("task_failed", "ws")

    async def send(self, event: str, **fields: Any) -> None:
        body = {"session_id": self.session_id, "event": event, "trace_id": self.trace, **fields}
        body.setdefault("base_resp", self.state.base_resp())
        await self.ws.send_text(json.dumps(body))

    async def fail(
        self, code: int, message: str | None = None, *, close: bool = True, why: str = "failed"
    ) -> None:
        await self.send("task_failed", base_resp=self.state.base_resp(code, message))
        if close:
            self.rec.closed_by = why
            await self.ws.close()
            raise _Ended

    async def recv(self, timeout_s: float) -> dict[str, Any] | None:
        raw = await self.ws.recv(max(0.01, timeout_s))
        if raw is None:
            return None
        try:
            event = json.loads(raw)
        except ValueError:
            event = {}
        event = event if isinstance(event, dict) else {}
        self.rec.events.append(event)
        return event

    def idle_left(self) -> float:
        return self.state.faults.idle_timeout_s - (time.monotonic() - self.ws.last_activity)

    async def run(self) -> None:
        if self.state.auth_error(self.ws.headers, self.ws.query) is not None:
            await self.fail(1004, "invalid api key")
        await self.send("connected_success", connect_id=self.session_id)
        start = await self._next_event()
        if start is None:
            return
        if start.get("event") != "task_start":
            await self.fail(2206, "illegal event order: task_start first")
        shot = self.state.faults.take("code", "ws")
        if shot:
            await self.fail(shot.code)
        problem = validate_t2a(start, websocket=True)
        if problem:
            await self.fail(2013, problem)
        self.fmt, self.rate = audio_params(start)
        if self.bidi and start.get("session_id"):
            self.session_id = str(start["session_id"])
        if self.state.faults.latency_s:
            await asyncio.sleep(self.state.faults.latency_s)
        await self.send("task_started")
        if self.bidi:
            await self._run_bidi()
        else:
            await self._run_oneshot()

    async def _next_event(self, timeout_s: float | None = None) -> dict[str, Any] | None:
        """The next client event, or None when the client closed; idles out with 2201."""
        while True:
            try:
                return await self.recv(timeout_s if timeout_s is not None else self.idle_left())
            except TimeoutError:
                if timeout_s is not None:
                    raise
                if self.idle_left() <= 0 and not self.busy and self.queue.empty():
                    await self.fail(2201, "connection idle timeout", why="idle")

    async def _run_oneshot(self) -> None:
        while (event := await self._next_event()) is not None:
            name = event.get("event")
            if name == "task_continue":
                text = str(event.get("text") or "")
                if len(text) >= 10_000:
                    await self.fail(2204, "text too long", close=False)
                elif text.strip():
                    await self.speak(text)
            elif name == "task_finish":
                await self.send("task_finished")
                self.rec.closed_by = "server"
                return
            else:
                await self.fail(2202, f"invalid event {name!r}")

    async def _run_bidi(self) -> None:
        worker = asyncio.create_task(self._work())
        try:
            while not worker.done():
                silence = self.state.faults.bidi_silence_flush_s
                wait = silence - (time.monotonic() - self.last_text_at) if self.buffer.strip() else None
                try:
                    event = await self._next_event(wait)
                except TimeoutError:
                    self._queue_text(self.buffer)  # a short silence flushes an unpunctuated tail
                    self.buffer = ""
                    continue
                if event is None:
                    return
                await self._on_bidi_event(event, worker)
                if event.get("event") == "task_cancel":
                    worker = asyncio.create_task(self._work())
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, _Ended):
                await worker

    async def _on_bidi_event(self, event: dict[str, Any], worker: asyncio.Task[None]) -> None:
        name = event.get("event")
        if name == "task_continue":
            text = str(event.get("text") or "")
            if self.state.faults.take("queue_full", "ws"):
                await self.fail(2205, "too much text queued, resend later", close=False)
            elif len(text) >= 10_000:
                await self.fail(2204, "task_continue text too long, skipped", close=False)
            elif text.strip():
                self.buffer += text
                self.last_text_at = time.monotonic()
                sentences = _SENTENCE.findall(self.buffer)
                self.buffer = self.buffer[sum(len(s) for s in sentences) :]
                for sentence in sentences:
                    self._queue_text(sentence)
        elif name in ("task_flush", "task_finish"):
            self._queue_text(self.buffer)
            self.buffer = ""
            self.queue.put_nowait(("flushed" if name == "task_flush" else "finished", ""))
        elif name == "task_cancel":
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, _Ended):
                await worker
            self.buffer, self.busy = "", False
            while not self.queue.empty():
                self.queue.get_nowait()
            await self.send("task_canceled")
        elif name == "task_start":
            await self.fail(2206, "one synthesis session per connection")
        else:
            await self.fail(2202, f"invalid event {name!r}")

    def _queue_text(self, text: str) -> None:
        if text.strip():
            self.queue.put_nowait(("say", text.strip()))

    async def _work(self) -> None:
        try:
            while True:
                kind, text = await self.queue.get()
                self.busy = True
                if kind == "say":
                    await self.send("sentence_start", data={"text": text})
                    await self.speak(text)
                    await self.send("sentence_end", data={"text": text})
                elif kind == "flushed":
                    await self.send("task_flushed")
                else:
                    await self.send("task_finished")
                    self.rec.closed_by = "server"
                    await self.ws.close()
                    self.ws.wake()
                    return
                self.busy = not self.queue.empty()
        except _Ended:
            self.ws.wake()

    async def speak(self, text: str) -> None:
        faults = self.state.faults
        slow = faults.take("slow_first", "ws")
        audio = tone.render(text, self.fmt, self.rate)
        pieces = tone.chunks(audio, self.fmt, self.rate)
        if faults.latency_s:
            await asyncio.sleep(faults.latency_s)
        for i, piece in enumerate(pieces):
            if self.drop and self.chunks_sent >= self.drop.after_chunks:
                self.rec.closed_by = "drop"
                self.ws.abort()
                raise _Ended
            if self.failure and self.chunks_sent >= self.failure.after_chunks:
                await self.fail(self.failure.code)
            if i == 0 and slow:
                await asyncio.sleep(slow.delay_s)
            elif i and faults.chunk_interval_s:
                await asyncio.sleep(faults.chunk_interval_s)
            last = i == len(pieces) - 1
            fields: dict[str, Any] = {"data": {"audio": piece.hex()}, "is_final": last}
            if last:
                fields["extra_info"] = extra_info(text, self.fmt, self.rate, len(audio))
            await self.send("task_continued", **fields)
            self.chunks_sent += 1

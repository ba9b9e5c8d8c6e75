"""T2A over the bidirectional WebSocket, ``/ws/v1/t2a_v2_bidi``: one connection per call, many utterances.

Per utterance the session sends ``task_continue`` then ``task_flush``; the utterance's audio ends with
``task_flushed``. Barge-in sends ``task_cancel``: the server drops queued text and in-flight synthesis and
answers ``task_canceled``; audio still in flight before that is discarded, and the session stays open for the
next utterance. A closed connection (idle close 2201, network loss) is reopened by the next utterance. A 2205
(too much text queued) is answered by backing off and resending the same text on the same connection.

A reader task owned by the session routes server events to the current utterance's inbox."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from minimax_client.config import MiniMaxConfig
from minimax_client.errors import CONNECTION_LOST, MiniMaxError, ServerError, error_for_code
from minimax_client.http_transport import policy_from
from minimax_client.models import AudioChunk, AudioSetting, ExtraInfo, VoiceSetting
from minimax_client.retry import RetryPlan
from minimax_client.tts_ws import (
    MAX_PIECE_CHARS,
    chunk_from_event,
    event_error,
    open_ws,
    parse_event,
    send_event,
    split_sentences,
    start_task,
    task_start_body,
)

BIDI_PATH = "/ws/v1/t2a_v2_bidi"
_NON_FATAL_CODES = frozenset({2204, 2205})  # the session stays open after these


@dataclass(frozen=True)
class _Flushed:
    pass


@dataclass(frozen=True)
class _Superseded:
    """The utterance was cancelled or the session closed; its stream ends quietly."""


_Item = AudioChunk | _Flushed | _Superseded | MiniMaxError


class _Utterance:
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[_Item] = asyncio.Queue()
        self.extras: list[ExtraInfo] = []
        self.piece = ""  # the text in flight (one piece at a time, so a 2205 names it unambiguously)
        self.skip_flushes = 0  # task_flushed events that answer the flush of a rejected (2205) piece


class BidiTtsSession:
    """A bidirectional T2A session whose voice and audio format are fixed at ``task_start``."""

    def __init__(
        self,
        config: MiniMaxConfig,
        *,
        voice: VoiceSetting,
        audio: AudioSetting,
        model: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self._config = config
        self._start_body = task_start_body(model, voice, audio, extra)
        self.audio = audio
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._current: _Utterance | None = None
        self._discarding = False  # task_cancel sent, task_canceled not yet seen
        self._canceled = asyncio.Event()
        self._lock = asyncio.Lock()
        self._closed = False
        self.session_id: str | None = None
        self.connects = 0  # how many connections this session has opened (reconnects show up here)

    @property
    def is_open(self) -> bool:
        return self._ws is not None and self._reader is not None and not self._reader.done()

    async def __aenter__(self) -> BidiTtsSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def connect(self) -> None:
        """Open the connection and start the task, unless already open."""
        async with self._lock:
            await self._ensure_open()

    def stream(self, text: str) -> AsyncGenerator[AudioChunk, None]:
        """Audio for ``text``; ends with a ``final`` chunk carrying summed ``extra_info``. Starting a new
        stream while one is running cancels the running one. Closing or cancelling the iterator before its
        end sends ``task_cancel``."""
        return self._stream(pack_pieces(text))

    async def cancel(self) -> None:
        """Barge-in: stop the current utterance and wait (briefly) until the server has dropped it."""
        async with self._lock:
            if self._current is not None:
                await self._abandon()
            await self._await_canceled()

    async def aclose(self) -> None:
        self._closed = True
        await self._drop_connection()

    async def _stream(self, pieces: list[str]) -> AsyncGenerator[AudioChunk, None]:
        if not pieces:
            raise error_for_code(2013, "text is empty")
        plan = RetryPlan(policy_from(self._config), time.monotonic())
        mine: _Utterance | None = None
        index = 0  # pieces whose audio has been flushed in full
        yielded = False
        try:
            while True:
                try:
                    mine = await self._begin()
                    while index < len(pieces):
                        await self._send_piece(mine, pieces[index])
                        async for chunk in self._receive(mine, plan):
                            yielded = True
                            yield chunk
                        if self._current is not mine:
                            return  # superseded by cancel() or a newer utterance
                        index += 1
                    self._current = None
                    yield _final_chunk(mine.extras)
                    return
                except MiniMaxError as exc:
                    delay = None if yielded else plan.next_delay(exc, time.monotonic())
                    if delay is None:
                        raise
                await asyncio.sleep(delay)
        finally:
            if mine is not None and self._current is mine:
                await self._abandon()  # cancelled, closed early or failed: stop the server's synthesis

    async def _receive(self, mine: _Utterance, plan: RetryPlan) -> AsyncGenerator[AudioChunk, None]:
        """Audio of one sent piece until its ``task_flushed``; a 2205 backs off and resends the piece."""
        while True:
            try:
                async with asyncio.timeout(self._config.read_timeout_s):
                    item = await mine.inbox.get()
            except TimeoutError as exc:
                raise ServerError(1001, "no audio within the read timeout", retryable=True) from exc
            if isinstance(item, _Flushed | _Superseded) or self._current is not mine:
                return  # once cancelled, not one more chunk, even if it was already queued
            if isinstance(item, MiniMaxError):
                if item.code == 2205:  # queue full: the same text, later, on the same connection
                    delay = plan.next_delay(item, time.monotonic())
                    if delay is None:
                        raise item
                    await asyncio.sleep(delay)
                    if self._current is not mine:
                        return  # superseded while backing off
                    await self._send_piece(mine, mine.piece)
                    continue
                raise item
            if item.extra is not None and item.final:
                mine.extras.append(item.extra)
            if item.audio:
                yield AudioChunk(item.audio, extra=item.extra, trace_id=item.trace_id)

    async def _begin(self) -> _Utterance:
        async with self._lock:
            if self._closed:
                raise error_for_code(CONNECTION_LOST, "session closed")
            if self._current is not None:
                await self._abandon()
            await self._await_canceled()
            await self._ensure_open()
            self._current = _Utterance()
            return self._current

    async def _send_piece(self, mine: _Utterance, piece: str) -> None:
        if self._ws is None or self._current is not mine:
            raise error_for_code(CONNECTION_LOST, "session closed")
        mine.piece = piece
        await send_event(self._ws, {"event": "task_continue", "text": piece})
        await send_event(self._ws, {"event": "task_flush"})

    async def _ensure_open(self) -> None:
        if self.is_open:
            return
        await self._drop_connection()
        ws = await open_ws(self._config, BIDI_PATH)
        try:
            started = await start_task(ws, self._start_body, self._config.read_timeout_s)
        except BaseException:
            await ws.close()
            raise
        self.session_id = started.get("session_id")
        self._ws = ws
        self.connects += 1
        self._discarding = False
        self._canceled.set()
        self._reader = asyncio.create_task(self._read_loop(ws), name="minimax-bidi-reader")

    async def _abandon(self) -> None:
        """Detach the current utterance and tell the server to drop it."""
        current, self._current = self._current, None
        if current is not None:
            current.inbox.put_nowait(_Superseded())
        if self._ws is None or not self.is_open:
            return
        self._discarding = True
        self._canceled.clear()
        try:
            async with asyncio.timeout(self._config.ws_cancel_timeout_s):
                await send_event(self._ws, {"event": "task_cancel"})
        except (MiniMaxError, TimeoutError):
            await self._drop_connection()  # cannot cancel: the next utterance starts on a new connection

    async def _await_canceled(self) -> None:
        if not self._discarding:
            return
        try:
            async with asyncio.timeout(self._config.ws_cancel_timeout_s):
                await self._canceled.wait()
        except TimeoutError:
            await self._drop_connection()

    async def _read_loop(self, ws: ClientConnection) -> None:
        failure: MiniMaxError | None = None
        try:
            async for raw in ws:
                event = parse_event(raw)
                failure = self._dispatch(event)
                if failure is not None:
                    break
        except ConnectionClosed as exc:
            failure = error_for_code(CONNECTION_LOST, f"WebSocket closed: {exc}")
        except MiniMaxError as exc:
            failure = exc
        finally:
            # The connection is finished: whoever waits must hear it now, not at its read timeout.
            if self._current is not None:
                self._current.inbox.put_nowait(
                    failure or error_for_code(CONNECTION_LOST, "WebSocket closed by the server")
                )
            self._discarding = False
            self._canceled.set()
            with contextlib.suppress(Exception):
                await ws.close()

    def _dispatch(self, event: dict[str, Any]) -> MiniMaxError | None:
        """Route one event; returns an error that ends the connection."""
        name = event.get("event")
        error = event_error(event)
        if error is not None and error.code not in _NON_FATAL_CODES:
            return error
        if self._discarding:
            if name == "task_canceled":
                self._discarding = False
                self._canceled.set()
            return None  # audio of the cancelled utterance still in flight
        current = self._current
        if current is None:
            return None
        if error is not None:
            if error.code == 2205:
                current.skip_flushes += 1  # the flush sent after the rejected text is still answered
            current.inbox.put_nowait(error)
        elif name == "task_continued":
            current.inbox.put_nowait(chunk_from_event(event))
        elif name == "task_flushed":
            if current.skip_flushes > 0:
                current.skip_flushes -= 1
            else:
                current.inbox.put_nowait(_Flushed())
        elif name == "task_finished":
            return error_for_code(CONNECTION_LOST, "task finished by the server")
        return None

    async def _drop_connection(self) -> None:
        ws, reader = self._ws, self._reader
        self._ws, self._reader = None, None
        if self._current is not None:
            self._current.inbox.put_nowait(_Superseded())
            self._current = None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        self._discarding = False
        self._canceled.set()


def pack_pieces(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[str]:
    """The text as few ``task_continue`` pieces as the length cap allows, cut at sentence ends; the server
    splits sentences itself, and each piece waits for the previous one's ``task_flushed``."""
    if not text.strip():
        return []
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    for sentence in split_sentences(text, max_chars):
        if pieces and len(pieces[-1]) + 1 + len(sentence) <= max_chars:
            pieces[-1] += " " + sentence
        else:
            pieces.append(sentence)
    return pieces


def _final_chunk(extras: list[ExtraInfo]) -> AudioChunk:
    if not extras:
        return AudioChunk(b"", final=True)
    first = extras[0]
    return AudioChunk(
        b"",
        final=True,
        extra=ExtraInfo(
            audio_length_ms=sum(e.audio_length_ms for e in extras),
            audio_sample_rate=first.audio_sample_rate,
            audio_size=sum(e.audio_size for e in extras),
            usage_characters=sum(e.usage_characters for e in extras),
            word_count=sum(e.word_count for e in extras),
            audio_format=first.audio_format,
            audio_channel=first.audio_channel,
            bitrate=first.bitrate,
        ),
    )

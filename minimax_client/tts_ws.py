"""T2A over WebSocket, ``/ws/v1/t2a_v2``: connected_success → task_start → task_started → (task_continue →
task_continued… is_final)* → task_finish → task_finished, then the server closes.

This endpoint synthesizes each ``task_continue`` on its own, so the text is sent a sentence at a time; a
connection dropped between sentences resumes at the next sentence on a new connection. It has no interrupt:
cancelling the stream closes the socket. The shared pieces (connect, event reading) serve the bidi session too."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncGenerator
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from minimax_client.config import MiniMaxConfig
from minimax_client.errors import (
    CONNECTION_LOST,
    HTTP_ERROR,
    MALFORMED_RESPONSE,
    MiniMaxError,
    ServerError,
    error_for_code,
)
from minimax_client.http_transport import decode_hex, policy_from
from minimax_client.models import AudioChunk, AudioSetting, ExtraInfo, VoiceSetting
from minimax_client.retry import RetryPlan

WS_PATH = "/ws/v1/t2a_v2"
MAX_PIECE_CHARS = 9_000  # one task_continue must stay under 10,000 characters
_SENTENCE_END = re.compile(r"(?<=[.!?;。！？；…])\s+|\n+")
_HTTP_STATUS_CODES = {401: 1004, 403: 1004, 429: 1002}


def split_sentences(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[str]:
    """Sentences (whitespace-trimmed, empties dropped), each cut to at most ``max_chars``."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        while len(sentence) > max_chars:
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces


def task_start_body(
    model: str, voice: VoiceSetting, audio: AudioSetting, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "event": "task_start",
        "model": model,
        "voice_setting": voice.wire(websocket=True),
        "audio_setting": audio.wire(),
        **{k: v for k, v in (extra or {}).items() if v is not None},
    }


async def open_ws(config: MiniMaxConfig, path: str) -> ClientConnection:
    """Connect with bearer auth and wait for ``connected_success``."""
    try:
        ws = await websockets.connect(
            config.ws_url(path),
            additional_headers=config.auth_headers(),
            open_timeout=config.connect_timeout_s,
            ping_interval=config.ws_ping_interval_s,
            ping_timeout=config.ws_ping_interval_s,
            close_timeout=1.0,
            max_size=None,  # one task_continued may carry seconds of hex audio
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        code = _HTTP_STATUS_CODES.get(status, 1000 if status >= 500 else HTTP_ERROR)
        raise error_for_code(code, f"WebSocket upgrade refused: HTTP {status}", http_status=status) from exc
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        raise error_for_code(CONNECTION_LOST, f"WebSocket connect failed: {exc!r}") from exc
    try:
        event = await recv_event(ws, config.connect_timeout_s)
        if event.get("event") != "connected_success":
            raise error_for_code(MALFORMED_RESPONSE, f"expected connected_success, got {event.get('event')}")
    except BaseException:
        await ws.close()
        raise
    return ws


async def start_task(ws: ClientConnection, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Send ``task_start`` and wait for ``task_started``; nothing else may be sent before it arrives."""
    await send_event(ws, body)
    event = await recv_event(ws, timeout_s)
    if event.get("event") != "task_started":
        raise error_for_code(MALFORMED_RESPONSE, f"expected task_started, got {event.get('event')}")
    return event


async def send_event(ws: ClientConnection, event: dict[str, Any]) -> None:
    try:
        await ws.send(json.dumps(event))
    except ConnectionClosed as exc:
        raise _closed_error(exc) from exc


async def recv_event(ws: ClientConnection, timeout_s: float | None) -> dict[str, Any]:
    """The next JSON event; ``task_failed`` and non-zero ``base_resp`` codes are raised as typed errors."""
    try:
        async with asyncio.timeout(timeout_s):
            raw = await ws.recv()
    except TimeoutError as exc:
        raise ServerError(1001, "no WebSocket event within the read timeout", retryable=True) from exc
    except ConnectionClosed as exc:
        raise _closed_error(exc) from exc
    event = parse_event(raw)
    raise_for_event(event)
    return event


def parse_event(raw: str | bytes) -> dict[str, Any]:
    try:
        event = json.loads(raw)
    except ValueError as exc:
        raise error_for_code(MALFORMED_RESPONSE, "WebSocket frame is not JSON") from exc
    if not isinstance(event, dict):
        raise error_for_code(MALFORMED_RESPONSE, "WebSocket event is not an object")
    return event


def event_error(event: dict[str, Any]) -> MiniMaxError | None:
    base = event.get("base_resp") or {}
    code = base.get("status_code", 0) if isinstance(base, dict) else 0
    if event.get("event") == "task_failed" or (isinstance(code, int) and code != 0):
        message = str(base.get("status_msg") or "task_failed") if isinstance(base, dict) else "task_failed"
        trace = event.get("trace_id")
        return error_for_code(code if isinstance(code, int) and code else 1000, message, trace_id=trace)
    return None


def raise_for_event(event: dict[str, Any]) -> None:
    error = event_error(event)
    if error is not None:
        raise error


def chunk_from_event(event: dict[str, Any]) -> AudioChunk:
    data = event.get("data") or {}
    trace_id = event.get("trace_id")
    return AudioChunk(
        audio=decode_hex(data.get("audio") if isinstance(data, dict) else None, trace_id),
        final=bool(event.get("is_final")),
        extra=ExtraInfo.parse(event.get("extra_info")),
        trace_id=trace_id,
    )


def _closed_error(exc: ConnectionClosed) -> MiniMaxError:
    reason = exc.rcvd.reason if exc.rcvd is not None else ""
    return error_for_code(
        CONNECTION_LOST, f"WebSocket closed ({exc.rcvd or 'no close frame'}) {reason}".strip()
    )


class TtsWebSocket:
    """One connection per synthesis on ``/ws/v1/t2a_v2``."""

    def __init__(self, config: MiniMaxConfig) -> None:
        self._config = config

    async def stream(
        self,
        text: str,
        *,
        voice: VoiceSetting,
        audio: AudioSetting,
        model: str,
        extra: dict[str, Any] | None = None,
    ) -> AsyncGenerator[AudioChunk, None]:
        sentences = split_sentences(text)
        if not sentences:
            raise error_for_code(2013, "text is empty")
        plan = RetryPlan(policy_from(self._config), time.monotonic())
        done = 0  # sentences whose audio reached the caller in full
        body = task_start_body(model, voice, audio, extra)
        while True:
            partial = False  # audio of an unfinished sentence was yielded: resuming would repeat it
            try:
                ws = await open_ws(self._config, WS_PATH)
                try:
                    await start_task(ws, body, self._config.read_timeout_s)
                    for sentence in sentences[done:]:
                        await send_event(ws, {"event": "task_continue", "text": sentence})
                        while True:
                            chunk = await recv_event(ws, self._config.read_timeout_s)
                            if chunk.get("event") != "task_continued":
                                continue
                            piece = chunk_from_event(chunk)
                            last = done == len(sentences) - 1 and piece.final
                            if piece.audio or last:
                                yield AudioChunk(
                                    piece.audio, final=last, extra=piece.extra, trace_id=piece.trace_id
                                )
                            if piece.final:
                                done, partial = done + 1, False
                                break
                            partial = partial or bool(piece.audio)
                    await send_event(ws, {"event": "task_finish"})
                    await _await_finished(ws, self._config.read_timeout_s)
                    return
                finally:
                    await ws.close()
            except MiniMaxError as exc:
                delay = None if partial else plan.next_delay(exc, time.monotonic())
                if delay is None:
                    raise
            await asyncio.sleep(delay)


async def _await_finished(ws: ClientConnection, timeout_s: float) -> None:
    """All audio is in; a missing ``task_finished`` (closed early) costs nothing, so it is not an error."""
    try:
        while (await recv_event(ws, timeout_s)).get("event") != "task_finished":
            pass
    except MiniMaxError as exc:
        if exc.code != CONNECTION_LOST:
            raise

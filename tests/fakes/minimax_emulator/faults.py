"""Faults to inject, set per test. One-shot faults are queued with a count and consumed by the next matching
request; ``latency_s`` and the flags apply until changed. ``reset()`` clears everything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Endpoint = Literal["any", "t2a", "asr", "voices", "ws"]


@dataclass
class _Shot:
    kind: str
    times: int
    code: int = 0
    after_chunks: int = 0
    delay_s: float = 0.0
    on: Endpoint = "any"


@dataclass
class Faults:
    latency_s: float = 0.0
    """Added before the server answers anything (HTTP headers, WebSocket events that answer the client)."""
    chunk_interval_s: float = 0.0
    """Pause between audio chunks of a stream (real-time pacing when > 0)."""
    ignore_exclude_aggregated: bool = False
    """Put the whole audio in the final SSE chunk even when the client asked to exclude it."""
    idle_timeout_s: float = 120.0
    """A WebSocket with no client event (pings count) for this long gets 2201 and is closed."""
    bidi_silence_flush_s: float = 0.3
    """Text left in the bidi buffer without a sentence end is synthesized after this much silence."""
    ws_unavailable: bool = False
    """Refuse WebSocket upgrades with HTTP 404 (an endpoint missing, a proxy that blocks WebSocket)."""
    _shots: list[_Shot] = field(default_factory=list)

    def reset(self) -> None:
        self.latency_s = 0.0
        self.chunk_interval_s = 0.0
        self.ignore_exclude_aggregated = False
        self.idle_timeout_s = 120.0
        self.bidi_silence_flush_s = 0.3
        self.ws_unavailable = False
        self._shots.clear()

    # --- one-shot faults --------------------------------------------------------------------------------
    def fail_next(self, code: int, *, times: int = 1, on: Endpoint = "any") -> None:
        """Answer the next request(s) with MiniMax error ``code``: ``base_resp`` with HTTP 200 on T2A and
        voices, the OpenAI-style body with its HTTP status on speech-to-text, ``task_failed`` at ``task_start``
        on a WebSocket."""
        self._shots.append(_Shot("code", times, code=code, on=on))

    def http_500(self, *, times: int = 1, on: Endpoint = "any") -> None:
        self._shots.append(_Shot("http500", times, on=on))

    def malformed_sse(self, *, times: int = 1, after_chunks: int = 0) -> None:
        """Send a ``data:`` line that is not JSON after ``after_chunks`` good chunks, then end the stream."""
        self._shots.append(_Shot("malformed", times, after_chunks=after_chunks, on="t2a"))

    def drop_ws(self, *, times: int = 1, after_chunks: int = 1) -> None:
        """Cut the next WebSocket's TCP connection (no close frame) once it has sent ``after_chunks`` audio
        chunks (counted over the connection, across sentences)."""
        self._shots.append(_Shot("drop", times, after_chunks=after_chunks, on="ws"))

    def drop_sse(self, *, times: int = 1, after_chunks: int = 1) -> None:
        """Cut an SSE response's TCP connection after ``after_chunks`` chunks."""
        self._shots.append(_Shot("drop", times, after_chunks=after_chunks, on="t2a"))

    def task_failed(self, code: int = 1000, *, times: int = 1, after_chunks: int = 1) -> None:
        """Send ``task_failed`` with ``code`` once the next WebSocket has sent ``after_chunks`` audio chunks
        (counted over the connection), then close."""
        self._shots.append(_Shot("task_failed", times, code=code, after_chunks=after_chunks, on="ws"))

    def queue_full(self, *, times: int = 1) -> None:
        """Reject the next bidi ``task_continue`` with 2205 (the session stays open)."""
        self._shots.append(_Shot("queue_full", times, on="ws"))

    def slow_first_chunk(self, delay_s: float, *, times: int = 1, on: Endpoint = "any") -> None:
        """Delay the first audio chunk of the next synthesis (HTTP or WebSocket) by ``delay_s``."""
        self._shots.append(_Shot("slow_first", times, delay_s=delay_s, on=on))

    # --- used by the emulator ---------------------------------------------------------------------------
    def take(self, kind: str, endpoint: Endpoint) -> _Shot | None:
        for shot in self._shots:
            if shot.kind == kind and shot.on in ("any", endpoint):
                shot.times -= 1
                if shot.times <= 0:
                    self._shots.remove(shot)
                return shot
        return None

    def pending(self) -> int:
        return sum(s.times for s in self._shots)

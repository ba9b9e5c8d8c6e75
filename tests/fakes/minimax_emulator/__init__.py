"""A MiniMax speech emulator on loopback: the real HTTP and WebSocket protocols of T2A (JSON, SSE, WebSocket,
bidirectional WebSocket), speech-to-text and voices, with faults injected on demand.

    async with MiniMaxEmulator() as emu:          # in the test's event loop
        config = MiniMaxConfig(api_key=emu.api_key, base_url=emu.base_url)
        emu.faults.fail_next(1002)                 # the next request is rate-limited
        ...

    with MiniMaxEmulator().in_thread() as emu:    # for synchronous code: its own loop in a thread
        ...

Synthesized audio is a 440 Hz tone whose length is proportional to the text (``render`` gives the exact bytes).
Speech-to-text validates the multipart WAV upload and answers ``asr_text`` or a transcript registered with
``expect_transcript``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.minimax_emulator import audio as _audio
from tests.fakes.minimax_emulator.faults import Faults
from tests.fakes.minimax_emulator.http_api import HttpApi
from tests.fakes.minimax_emulator.server import LoopbackServer
from tests.fakes.minimax_emulator.state import EmulatorState, RecordedRequest, RecordedWs
from tests.fakes.minimax_emulator.ws_api import WsApi

__all__ = ["Faults", "MiniMaxEmulator", "RecordedRequest", "RecordedWs"]


class MiniMaxEmulator:
    def __init__(self, *, api_key: str = "test-key", group_id: str | None = None, port: int = 0) -> None:
        self.state = EmulatorState(api_key=api_key, group_id=group_id)
        self._server = LoopbackServer(
            HttpApi(self.state), WsApi(self.state), ws_gate=self._ws_gate, port=port
        )
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    # --- what tests use ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("emulator not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_key(self) -> str:
        return self.state.api_key

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.state.requests

    @property
    def ws_sessions(self) -> list[RecordedWs]:
        return self.state.ws_sessions

    @property
    def asr_text(self) -> str:
        return self.state.asr_text

    @asr_text.setter
    def asr_text(self, text: str) -> None:
        self.state.asr_text = text

    def expect_transcript(self, audio: bytes, text: str) -> None:
        """Transcribe this WAV file (or these raw PCM frames) as ``text``."""
        self.state.expect_transcript(audio, text)

    @staticmethod
    def render(text: str, fmt: str = "pcm", sample_rate: int = 16000) -> bytes:
        """The exact audio the emulator synthesizes for ``text``."""
        return _audio.render(text, fmt, sample_rate)

    def reset(self) -> None:
        """Clear faults and recordings between tests that share one emulator."""
        self.state.faults.reset()
        self.state.requests.clear()
        self.state.ws_sessions.clear()
        self.state.transcripts.clear()
        self.state.asr_text = ""

    def _ws_gate(self, path: str) -> int | None:
        known = path in ("/ws/v1/t2a_v2", "/ws/v1/t2a_v2_bidi")
        return 404 if self.state.faults.ws_unavailable or not known else None

    # --- lifecycle --------------------------------------------------------------------------------------
    async def start(self) -> MiniMaxEmulator:
        self._port = await self._server.start()
        return self

    async def stop(self) -> None:
        await self._server.stop()

    async def __aenter__(self) -> MiniMaxEmulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @contextmanager
    def in_thread(self) -> Iterator[MiniMaxEmulator]:
        """Serve from a private event loop in a daemon thread, for synchronous callers."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        thread = threading.Thread(target=serve, name="minimax-emulator", daemon=True)
        thread.start()
        ready.wait(10)
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

"""``MiniMaxClient``: one object for T2A (HTTP, SSE, WebSocket, bidirectional WebSocket), speech-to-text and
voices, sharing one configuration and one HTTP connection pool."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, Literal

import httpx

from minimax_client.asr import ResponseFormat, SpeechToText
from minimax_client.config import MiniMaxConfig
from minimax_client.http_transport import HttpTransport
from minimax_client.models import (
    AudioChunk,
    AudioSetting,
    SynthesisResult,
    Transcription,
    Voice,
    VoiceSetting,
)
from minimax_client.tts_bidi import BidiTtsSession
from minimax_client.tts_http import TtsHttp
from minimax_client.tts_ws import TtsWebSocket
from minimax_client.voices import Voices, VoiceType

StreamTransport = Literal["sse", "ws"]


class MiniMaxClient:
    """Typed async MiniMax speech client. Use as ``async with MiniMaxClient(config) as client:``.

    Extra T2A fields (``language_boost``, ``pronunciation_dict``, ``voice_modify``...) pass through ``extra``
    keyword arguments unchanged."""

    def __init__(self, config: MiniMaxConfig, *, http_client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._http = HttpTransport(config, http_client)
        self._tts_http = TtsHttp(self._http)
        self._tts_ws = TtsWebSocket(config)
        self._asr = SpeechToText(self._http, config.asr_model)
        self._voices = Voices(self._http)

    async def __aenter__(self) -> MiniMaxClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def voice(self, voice_id: str | None = None, **settings: Any) -> VoiceSetting:
        return VoiceSetting(voice_id=voice_id or self.config.voice_id, **settings)

    async def synthesize(
        self,
        text: str,
        *,
        audio: AudioSetting | None = None,
        voice: VoiceSetting | None = None,
        model: str | None = None,
        **extra: Any,
    ) -> SynthesisResult:
        """Whole-utterance synthesis over HTTP."""
        return await self._tts_http.synthesize(
            text,
            voice=voice or self.voice(),
            audio=audio or AudioSetting(),
            model=model or self.config.tts_model,
            **extra,
        )

    def stream_speech(
        self,
        text: str,
        *,
        audio: AudioSetting | None = None,
        voice: VoiceSetting | None = None,
        model: str | None = None,
        transport: StreamTransport = "sse",
        **extra: Any,
    ) -> AsyncGenerator[AudioChunk, None]:
        """Audio chunks as they are synthesized, over HTTP SSE or the one-shot WebSocket. The last chunk has
        ``final`` set and carries ``extra_info``. Cancelling the iteration stops the stream promptly."""
        voice = voice or self.voice()
        audio = audio or AudioSetting()
        model = model or self.config.tts_model
        if transport == "ws":
            return self._tts_ws.stream(text, voice=voice, audio=audio, model=model, extra=extra)
        return self._tts_http.stream(text, voice=voice, audio=audio, model=model, **extra)

    def open_session(
        self,
        *,
        audio: AudioSetting | None = None,
        voice: VoiceSetting | None = None,
        model: str | None = None,
        **extra: Any,
    ) -> BidiTtsSession:
        """A bidirectional T2A session (one WebSocket for many utterances, ``cancel()`` for barge-in). It
        connects on first use or on ``async with``; close it with ``aclose()``."""
        return BidiTtsSession(
            self.config,
            voice=voice or self.voice(),
            audio=audio or AudioSetting(),
            model=model or self.config.tts_model,
            extra=extra,
        )

    async def transcribe(
        self,
        audio: bytes,
        *,
        filename: str = "utterance.wav",
        content_type: str = "audio/wav",
        language: str | None = None,
        response_format: ResponseFormat = "verbose_json",
    ) -> Transcription:
        return await self._asr.transcribe(
            audio,
            filename=filename,
            content_type=content_type,
            language=language,
            response_format=response_format,
        )

    async def list_voices(self, voice_type: VoiceType = "all") -> list[Voice]:
        return await self._voices.list(voice_type)

"""MiniMax behind the speech ports: ``MiniMaxRecognizer`` (utterance upload to speech-to-text) and
``MiniMaxSynthesizer`` (bidirectional WebSocket T2A, HTTP SSE as fallback).

The synthesizer keeps its bidi connections open between utterances and reuses them: one in use per running
stream, so an instance made per call (``for_call()``) holds one connection for the whole call, and one shared
by several calls never lets one call's barge-in cancel another's reply. Cancelling or closing a stream sends
``task_cancel`` on its connection, which stays open for the next reply. MiniMax errors leave as
``MiniMaxSpeechError`` (a ``SpeechError``) with the vendor's ``retryable`` verdict."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Literal

from dialogue.contract import RecognitionHints
from minimax_client import (
    AudioChunk,
    AudioSetting,
    BidiTtsSession,
    ConnectionLostError,
    MalformedResponseError,
    MiniMaxClient,
    MiniMaxError,
    ServerError,
    VoiceSetting,
)
from minimax_client.errors import HTTP_ERROR
from minimax_client.models import SUPPORTED_SAMPLE_RATES
from voice_gateway.audio import StreamResampler, wav_bytes
from voice_gateway.speech.ports import SpeechError, SynthesisFormat, Transcript, Utterance

log = logging.getLogger(__name__)
ENGINE = "minimax"
BIDI_COOLDOWN_S = 30.0  # after the bidi endpoint fails outright, use SSE for this long before trying again
MAX_IDLE_SESSIONS = 4


class MiniMaxSpeechError(SpeechError):
    code = "minimax_error"

    def __init__(
        self, message: str, *, retryable: bool, vendor_code: int, trace_id: str | None = None
    ) -> None:
        super().__init__(message, retryable=retryable, engine=ENGINE)
        self.vendor_code = vendor_code
        self.trace_id = trace_id


def speech_error(exc: MiniMaxError) -> MiniMaxSpeechError:
    return MiniMaxSpeechError(
        f"{exc.kind}: {exc.message}", retryable=exc.retryable, vendor_code=exc.code, trace_id=exc.trace_id
    )


class MiniMaxResting(MiniMaxSpeechError):
    """MiniMax failed a moment ago and is not asked again until its rest is over (the fallback engine serves)."""

    code = "minimax_resting"


@dataclass
class Rest:
    """After a failure MiniMax is left alone for ``seconds`` (0: never), so the turns after it go straight to the
    local engine instead of each paying for the failure again. One per service: every call's synthesizer shares
    it (``for_call``), so one call's failure spares the others."""

    seconds: float = 0.0
    until: float = 0.0

    def check(self, what: str) -> None:
        if time.monotonic() < self.until:
            raise MiniMaxResting(f"{what} is resting after a failure", retryable=False, vendor_code=0)

    def start(self, what: str, why: str) -> None:
        if self.seconds > 0:
            self.until = time.monotonic() + self.seconds
            log.warning("MiniMax %s failed (%s): the local engine serves for %.0f s", what, why, self.seconds)


class MiniMaxRecognizer:
    """Uploads each endpointed utterance as a WAV file. MiniMax takes no grammar or phrase list, so ``hints``
    cannot bias it; the dialogue's own checks apply to what comes back.

    With a fallback engine beside it a caller should not wait for MiniMax's retries: ``budget_s`` bounds one
    utterance (all the client's attempts), and after a failure MiniMax rests for ``rest_s`` (every utterance goes
    straight to the fallback) before it is tried again."""

    name = ENGINE

    def __init__(
        self,
        client: MiniMaxClient,
        *,
        language: str | None = "en",
        budget_s: float | None = None,
        rest_s: float = 0.0,
    ) -> None:
        self._client = client
        self._language = language
        self._budget_s = budget_s
        self._rest = Rest(rest_s)

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        duration = len(utterance.pcm) / (2 * utterance.sample_rate)
        if not utterance.pcm:
            return Transcript(text="", engine=ENGINE)
        self._rest.check("speech-to-text")
        try:
            async with asyncio.timeout(self._budget_s):
                result = await self._client.transcribe(
                    wav_bytes(utterance.pcm, utterance.sample_rate),
                    language=self._language,
                    response_format="verbose_json",
                )
        except MiniMaxError as exc:
            self._rest.start("speech-to-text", exc.kind)
            raise speech_error(exc) from exc
        except TimeoutError:
            self._rest.start("speech-to-text", "timeout")
            raise MiniMaxSpeechError(
                f"no transcript within {self._budget_s:g} s", retryable=True, vendor_code=0
            ) from None
        return Transcript(text=result.text, engine=ENGINE, duration_s=result.duration_s or duration)


@dataclass(frozen=True)
class SynthesisUsage:
    """What the last synthesis cost, for metrics."""

    characters: int
    audio_ms: int


@dataclass(frozen=True)
class _Plan:
    setting: AudioSetting
    out_rate: int  # the caller's rate; differs from setting.sample_rate when we resample
    wav: bool


def plan_format(fmt: SynthesisFormat) -> _Plan:
    """Our format as MiniMax ``audio_setting``. Rates MiniMax lacks are synthesized at the next one up and
    resampled; ``wav`` is PCM wrapped in one WAV file at the end (wav streaming is unconfirmed)."""
    if fmt.encoding == "pcmu_raw":
        if fmt.sample_rate != 8000:
            raise SpeechError("pcmu_raw is 8 kHz μ-law only", engine=ENGINE)
        return _Plan(AudioSetting(format="pcmu_raw", sample_rate=8000), 8000, wav=False)
    rate = next((r for r in SUPPORTED_SAMPLE_RATES if r >= fmt.sample_rate), SUPPORTED_SAMPLE_RATES[-1])
    if fmt.encoding == "mp3":
        return _Plan(AudioSetting.model_validate({"format": "mp3", "sample_rate": rate}), rate, wav=False)
    setting = AudioSetting.model_validate({"format": "pcm", "sample_rate": rate})
    return _Plan(setting, fmt.sample_rate, wav=fmt.encoding == "wav")


class MiniMaxSynthesizer:
    name = ENGINE

    def __init__(
        self,
        client: MiniMaxClient,
        *,
        transport: Literal["bidi", "sse"] = "bidi",
        voice: VoiceSetting | None = None,
        model: str | None = None,
        rest_s: float = 0.0,
        rest: Rest | None = None,
    ) -> None:
        self._client = client
        self._rest = rest or Rest(rest_s)
        self._transport = transport
        self._voice = voice or client.voice()
        self._model = model or client.config.tts_model
        self._idle: list[BidiTtsSession] = []
        self._busy: set[BidiTtsSession] = set()
        self._bidi_retry_at = 0.0
        self.last_usage: SynthesisUsage | None = None
        self.fallbacks = 0  # utterances that went to SSE because bidi failed

    def for_call(self) -> MiniMaxSynthesizer:
        """A synthesizer of its own for one call (its own connection), sharing the client."""
        return MiniMaxSynthesizer(
            self._client, transport=self._transport, voice=self._voice, model=self._model, rest=self._rest
        )

    def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]:
        return self._stream(text, fmt)

    async def cancel(self) -> None:
        """Barge-in: stop every running utterance of this synthesizer; its connections stay open."""
        for session in list(self._busy):
            await session.cancel()

    async def aclose(self) -> None:
        sessions, self._idle = [*self._idle, *self._busy], []
        self._busy.clear()
        for session in sessions:
            await session.aclose()

    async def _stream(self, text: str, fmt: SynthesisFormat) -> AsyncGenerator[bytes, None]:
        self._rest.check("text-to-speech")
        plan = plan_format(fmt)
        resampler = (
            StreamResampler(plan.setting.sample_rate, plan.out_rate) if plan.setting.format == "pcm" else None
        )
        whole = bytearray()
        try:
            async with aclosing(self._chunks(text, plan.setting)) as chunks:
                async for chunk in chunks:
                    if chunk.extra is not None:
                        self.last_usage = SynthesisUsage(
                            chunk.extra.usage_characters, chunk.extra.audio_length_ms
                        )
                    audio = resampler.push(chunk.audio) if resampler else chunk.audio
                    if plan.wav:
                        whole += audio
                    elif audio:
                        yield audio
        except MiniMaxError as exc:
            self._rest.start("text-to-speech", exc.kind)
            raise speech_error(exc) from exc
        tail = resampler.flush() if resampler else b""
        if plan.wav:
            yield wav_bytes(bytes(whole + tail), plan.out_rate)
        elif tail:
            yield tail

    async def _chunks(self, text: str, setting: AudioSetting) -> AsyncGenerator[AudioChunk, None]:
        if self._transport == "bidi" and time.monotonic() >= self._bidi_retry_at:
            session = self._checkout(setting)
            yielded = False
            try:
                async with aclosing(session.stream(text)) as chunks:
                    async for chunk in chunks:
                        yielded = yielded or bool(chunk.audio)
                        yield chunk
                return
            except MiniMaxError as exc:
                if yielded or not _bidi_unavailable(exc):
                    raise
                self._bidi_retry_at = time.monotonic() + BIDI_COOLDOWN_S
                self.fallbacks += 1
            finally:
                await self._checkin(session)
        async with aclosing(
            self._client.stream_speech(text, audio=setting, voice=self._voice, model=self._model)
        ) as chunks:
            async for chunk in chunks:
                yield chunk

    def _checkout(self, setting: AudioSetting) -> BidiTtsSession:
        for session in self._idle:
            if session.audio == setting:
                self._idle.remove(session)
                break
        else:
            session = self._client.open_session(audio=setting, voice=self._voice, model=self._model)
        self._busy.add(session)
        return session

    async def _checkin(self, session: BidiTtsSession) -> None:
        self._busy.discard(session)
        if len(self._idle) < MAX_IDLE_SESSIONS:
            self._idle.append(session)
        else:
            await session.aclose()


def _bidi_unavailable(exc: MiniMaxError) -> bool:
    """Failures SSE may not share (socket, WebSocket endpoint); account and input errors it would repeat."""
    return (
        isinstance(exc, ConnectionLostError | MalformedResponseError | ServerError) or exc.code == HTTP_ERROR
    )

"""Speech as a service for NLX voice flows that want the gateway's recognizer and synthesizer (MiniMax or the
local engine) instead of NLX's own: ``POST /api/voice/asr`` and ``POST /api/voice/tts``.

Callers authenticate with an API token or an NLX webhook token (``Authorization: Bearer`` or ``x-api-key``);
the engines and the token check come from the app's NLX runtime (``app.state.nlx``)."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from dialogue.contract import Expectation, RecognitionHints
from inventory_core.text import NoSurrogates
from nlx_webhooks.runtime import NlxRuntime, request_runtime
from voice_gateway.audio import mulaw_decode, mulaw_encode, read_wav, resample, wav_bytes
from voice_gateway.speech.ports import AudioFormat, SpeechError, SynthesisFormat, UnsupportedFormat, Utterance

router = APIRouter(prefix="/api/voice", tags=["voice middleware"])

RECOGNIZER_RATE = 16000  # the gateway's internal rate; every upload is brought to it
MAX_AUDIO_S = 60.0
Encoding = Literal["wav", "pcmu", "pcm16"]
_MEDIA = {"pcm": "audio/L16", "pcmu_raw": "audio/basic", "mp3": "audio/mpeg", "wav": "audio/wav"}
_CONTENT_ENCODING = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/basic": "pcmu",
    "audio/pcmu": "pcmu",
    "audio/x-mulaw": "pcmu",
    "audio/l16": "pcm16",
}


def _problem(code: int, error: str, message: str) -> HTTPException:
    return HTTPException(code, detail={"code": error, "message": message})


RuntimeDep = Annotated[NlxRuntime, Depends(request_runtime)]


def require_caller(request: Request, runtime: RuntimeDep) -> str:
    actor = runtime.auth.speech_caller(request.headers)
    if actor is None and runtime.auth.known(request.headers):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={"code": "forbidden", "message": "the voice middleware takes an API or NLX token"},
        )
    if actor is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail={"code": "unauthenticated", "message": "send Authorization: Bearer <token> or x-api-key"},
            headers={"WWW-Authenticate": "Bearer"},
        )
    return actor


CallerDep = Annotated[str, Depends(require_caller)]


class Recognized(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "how many zip knives are left",
                    "confidence": 0.91,
                    "duration": 1.84,
                    "engine": "local",
                }
            ]
        }
    )

    text: str = Field(description="Empty when nothing was recognised.")
    confidence: float | None = None
    duration: float = Field(description="Seconds of audio received.")
    engine: str = ""


class SpeakRequest(NoSurrogates):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "There are 42 zip knives at the main warehouse.",
                    "format": "wav",
                    "sample_rate": 16000,
                }
            ]
        },
    )

    text: str = Field(min_length=1, max_length=3000)
    format: AudioFormat = "pcm"
    sample_rate: int = Field(default=16000, ge=8000, le=48000)


async def _upload(request: Request) -> tuple[bytes, str | None, str | None]:
    """(audio bytes, declared encoding, declared rate) from a multipart ``file`` field or a raw body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise _problem(400, "missing_audio", "send the audio in a form field named 'file'")
        encoding, rate = form.get("encoding"), form.get("sample_rate")
        return (
            await upload.read(),
            encoding if isinstance(encoding, str) else _CONTENT_ENCODING.get(upload.content_type or ""),
            rate if isinstance(rate, str) else None,
        )
    return await request.body(), _CONTENT_ENCODING.get(content_type), None


def to_recognizer_pcm(data: bytes, encoding: str, sample_rate: int | None) -> bytes:
    """Mono pcm16 at the recognizer's rate. Raises HTTPException for audio it cannot read."""
    if encoding == "wav":
        try:
            audio = read_wav(data)
        except (wave.Error, ValueError, EOFError) as exc:
            raise _problem(415, "unsupported_audio", f"not a 16-bit PCM WAV file: {exc}") from exc
        pcm, rate = audio.pcm, audio.sample_rate
    elif encoding == "pcmu":
        if sample_rate not in (None, 8000):
            raise _problem(400, "invalid_rate", "raw μ-law is 8000 Hz")
        pcm, rate = mulaw_decode(data), 8000
    elif encoding == "pcm16":
        if sample_rate is None:
            raise _problem(400, "missing_rate", "raw PCM16 needs sample_rate")
        pcm, rate = data[: len(data) - len(data) % 2], sample_rate
    else:
        raise _problem(415, "unsupported_audio", "encoding must be wav, pcmu or pcm16")
    if len(pcm) / (2 * rate) > MAX_AUDIO_S:
        raise _problem(413, "audio_too_long", f"send at most {MAX_AUDIO_S:g} s of audio")
    return resample(pcm, rate, RECOGNIZER_RATE)


@router.post(
    "/asr", response_model=Recognized, summary="Transcribe one utterance (WAV, raw μ-law 8 kHz or PCM16)"
)
async def recognize(
    request: Request,
    runtime: RuntimeDep,
    _: CallerDep,
    encoding: Encoding | None = Query(default=None, description="Default: from Content-Type, else wav"),
    sample_rate: int | None = Query(default=None, ge=8000, le=48000, description="Required for raw pcm16"),
    expect: Expectation = Query(default="free", description="What the prompt expects, to bias recognition"),
    phrases: str | None = Query(
        default=None, max_length=2000, description="Comma-separated expected answers"
    ),
) -> Recognized:
    recognizer = runtime.recognizer
    if recognizer is None:
        raise _problem(404, "asr_unavailable", "this server has no speech recognizer configured")
    data, declared, form_rate = await _upload(request)
    if not data:
        raise _problem(400, "missing_audio", "the audio is empty")
    rate = sample_rate
    if rate is None and form_rate is not None:
        if not form_rate.isdigit():
            raise _problem(400, "invalid_rate", "sample_rate must be a whole number of hertz")
        rate = int(form_rate)
    chosen = encoding or declared or "wav"
    if chosen not in get_args(Encoding):
        raise _problem(415, "unsupported_audio", "encoding must be wav, pcmu or pcm16")
    pcm = to_recognizer_pcm(data, chosen, rate)
    wanted = tuple(p.strip().lower() for p in (phrases or "").split(",") if p.strip())
    try:
        transcript = await recognizer.transcribe(
            Utterance(pcm, RECOGNIZER_RATE), RecognitionHints(expect, wanted)
        )
    except SpeechError as exc:
        raise _problem(503 if exc.retryable else 502, exc.code, exc.message) from exc
    return Recognized(
        text=transcript.text,
        confidence=transcript.confidence,
        duration=round(len(pcm) / (2 * RECOGNIZER_RATE), 3),
        engine=transcript.engine or recognizer.name,
    )


async def _converted(pcm_chunks: AsyncIterator[bytes], fmt: SynthesisFormat) -> AsyncIterator[bytes]:
    """pcm16 (already at ``fmt.sample_rate``) as ``fmt``: for engines that only speak PCM."""
    if fmt.encoding == "wav":
        yield wav_bytes(b"".join([c async for c in pcm_chunks]), fmt.sample_rate)
        return
    odd = b""
    async for chunk in pcm_chunks:
        pcm = odd + chunk
        cut = len(pcm) - len(pcm) % 2
        odd = pcm[cut:]
        yield mulaw_encode(pcm[:cut])


async def _first(stream: AsyncIterator[bytes]) -> tuple[bytes, AsyncIterator[bytes]]:
    """The first chunk, pulled before the response starts, so an engine failure is still an HTTP error."""
    iterator = aiter(stream)
    try:
        first = await anext(iterator)
    except StopAsyncIteration:
        first = b""
    return first, iterator


async def _chain(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in rest:
        yield chunk


async def _speak(runtime: NlxRuntime, req: SpeakRequest) -> AsyncIterator[bytes]:
    synthesizer = runtime.synthesizer
    if synthesizer is None:
        raise _problem(404, "tts_unavailable", "this server has no speech synthesizer configured")
    fmt = SynthesisFormat(req.format, 8000 if req.format == "pcmu_raw" else req.sample_rate)
    try:
        first, rest = await _first(synthesizer.stream(req.text, fmt))
        return _chain(first, rest)
    except UnsupportedFormat as exc:
        if req.format not in ("pcmu_raw", "wav"):
            raise _problem(422, exc.code, f"{exc.message}; ask for pcm, pcmu_raw or wav") from exc
    except SpeechError as exc:
        raise _problem(503 if exc.retryable else 502, exc.code, exc.message) from exc
    # This engine cannot produce the container or codec itself: synthesize PCM and convert here.
    try:
        pcm = SynthesisFormat("pcm", fmt.sample_rate)
        first, rest = await _first(synthesizer.stream(req.text, pcm))
    except SpeechError as exc:
        raise _problem(503 if exc.retryable else 502, exc.code, exc.message) from exc
    return _converted(_chain(first, rest), fmt)


@router.post(
    "/tts",
    summary="Speak text: streamed pcm (16-bit LE), pcmu_raw (8 kHz μ-law), mp3 or wav",
    response_class=StreamingResponse,
    responses={200: {"content": {m: {} for m in _MEDIA.values()}}},
)
async def synthesize(req: SpeakRequest, runtime: RuntimeDep, _: CallerDep) -> StreamingResponse:
    stream = await _speak(runtime, req)
    rate = 8000 if req.format == "pcmu_raw" else req.sample_rate
    headers = {"X-Sample-Rate": str(rate), "Cache-Control": "no-store"}
    return StreamingResponse(stream, media_type=_MEDIA[req.format], headers=headers)

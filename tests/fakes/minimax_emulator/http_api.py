"""The HTTP endpoints: ``/v1/t2a_v2`` (JSON and SSE), ``/v1/speech_to_text`` (multipart), ``/v1/get_voice``."""

from __future__ import annotations

import asyncio
import io
import json
import wave
from typing import Any

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from tests.fakes.minimax_emulator import audio as tone
from tests.fakes.minimax_emulator.server import HttpRequest, HttpResponder
from tests.fakes.minimax_emulator.state import (
    ALL_FORMATS,
    EMULATED_FORMATS,
    ERROR_MESSAGES,
    SAMPLE_RATES,
    SYSTEM_VOICES,
    T2A_MODELS,
    EmulatorState,
    RecordedRequest,
)

ASR_LANGUAGES = frozenset(
    [
        "zh",
        "yue",
        "en",
        "ja",
        "ko",
        "th",
        "vi",
        "id",
        "ms",
        "fil",
        "ar",
        "tr",
        "fr",
        "de",
        "es",
        "it",
        "pt",
        "pl",
        "ru",
        "uk",
    ]
)
# OpenAI-style error bodies of speech-to-text: MiniMax code → (HTTP status, error type)
_ASR_ERRORS = {
    2013: (400, "bad_request_error"),
    1004: (401, "authorized_error"),
    1008: (402, "insufficient_balance_error"),
    1026: (422, "unprocessable_entity_error"),
    1002: (429, "rate_limit_error"),
    1000: (500, "server_error"),
}


def extra_info(text: str, fmt: str, sample_rate: int, size: int) -> dict[str, Any]:
    return {
        "audio_length": tone.audio_length_ms(text, fmt),
        "audio_sample_rate": 8000 if fmt == "pcmu_raw" else sample_rate,
        "audio_size": size,
        "bitrate": 128000,
        "word_count": len(text.split()),
        "invisible_character_ratio": 0,
        "usage_characters": len(text),
        "audio_format": fmt,
        "audio_channel": 1,
    }


def validate_t2a(body: dict[str, Any], *, websocket: bool = False) -> str | None:
    """Why a T2A request is invalid (2013), or None."""
    if body.get("model") not in T2A_MODELS:
        return f"invalid model {body.get('model')!r}"
    voice = body.get("voice_setting")
    if not isinstance(voice, dict) or not voice.get("voice_id"):
        return "voice_setting.voice_id is required"
    setting = body.get("audio_setting") or {}
    if setting.get("format", "mp3") not in ALL_FORMATS:
        return f"invalid format {setting.get('format')!r}"
    if setting.get("format", "mp3") not in EMULATED_FORMATS:
        return f"format {setting.get('format')} is not emulated"
    if setting.get("sample_rate", 32000) not in SAMPLE_RATES:
        return f"invalid sample_rate {setting.get('sample_rate')!r}"
    if not websocket:
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) >= 10_000:
            return "text must be 1..9999 characters"
        if body.get("output_format", "hex") != "hex":
            return "output_format url is not emulated"
    return None


def audio_params(body: dict[str, Any]) -> tuple[str, int]:
    setting = body.get("audio_setting") or {}
    return str(setting.get("format", "mp3")), int(setting.get("sample_rate", 32000))


class HttpApi:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def __call__(self, req: HttpRequest, resp: HttpResponder) -> None:
        routes = {"/v1/t2a_v2": self.t2a, "/v1/speech_to_text": self.asr, "/v1/get_voice": self.voices}
        route = routes.get(req.path)
        if route is None or req.method != "POST":
            await resp.send(404, b'{"detail":"not found"}')
            return
        await route(req, resp)

    async def _delay(self) -> None:
        if self.state.faults.latency_s:
            await asyncio.sleep(self.state.faults.latency_s)

    async def _json_error(self, resp: HttpResponder, code: int, message: str | None = None) -> None:
        trace = self.state.new_id("trace-")
        body = {"trace_id": trace, "base_resp": self.state.base_resp(code, message)}
        await resp.send(200, json.dumps(body).encode())  # MiniMax reports T2A errors with HTTP 200

    def _common_fault(self, req: HttpRequest, endpoint: Any) -> int | None:
        """Auth, then queued error codes: the MiniMax code to answer with, or None. -500 means HTTP 500."""
        auth = self.state.auth_error(req.headers, req.query)
        if auth is not None:
            return auth
        if self.state.faults.take("http500", endpoint):
            return -500
        shot = self.state.faults.take("code", endpoint)
        return shot.code if shot else None

    async def t2a(self, req: HttpRequest, resp: HttpResponder) -> None:
        try:
            body = json.loads(req.body)
        except ValueError:
            body = None
        self.state.requests.append(
            RecordedRequest(req.path, req.headers, json=body if isinstance(body, dict) else None)
        )
        fault = self._common_fault(req, "t2a")  # on arrival: a late handler must not take later faults
        streaming = isinstance(body, dict) and bool(body.get("stream")) and fault is None
        shots = tuple(
            self.state.faults.take(k, "t2a") if streaming else None
            for k in ("slow_first", "malformed", "drop")
        )
        await self._delay()
        if fault == -500:
            await resp.send(500, b"Internal Server Error", "text/plain")
            return
        if fault is not None:
            await self._json_error(resp, fault)
            return
        if not isinstance(body, dict):
            await self._json_error(resp, 2013, "body is not JSON")
            return
        problem = validate_t2a(body)
        if problem:
            await self._json_error(resp, 2013, problem)
            return
        text: str = body["text"]
        fmt, rate = audio_params(body)
        audio = tone.render(text, fmt, rate)
        trace = self.state.new_id("trace-")
        info = extra_info(text, fmt, rate, len(audio))
        if not body.get("stream"):
            reply = {
                "data": {"audio": audio.hex(), "status": 2},
                "extra_info": info,
                "trace_id": trace,
                "base_resp": self.state.base_resp(),
            }
            await resp.send(200, json.dumps(reply).encode())
            return
        await self._sse(body, audio, fmt, rate, info, trace, resp, shots)

    async def _sse(
        self,
        body: dict[str, Any],
        audio: bytes,
        fmt: str,
        rate: int,
        info: dict[str, Any],
        trace: str,
        resp: HttpResponder,
        shots: tuple[Any, ...],
    ) -> None:
        faults = self.state.faults
        slow, malformed, drop = shots
        await resp.start(200, "text/event-stream")
        ok = {"status_code": 0, "status_msg": ""}
        for i, chunk in enumerate(tone.chunks(audio, fmt, rate)):
            if malformed and i == malformed.after_chunks:
                await resp.write(b'data: {"data":{"audio":"00ff","status":1},"base_r\n\n')
                await resp.end()
                return
            if drop and i == drop.after_chunks:
                resp.abort()
                return
            if i == 0 and slow:
                await asyncio.sleep(slow.delay_s)
            elif i and faults.chunk_interval_s:
                await asyncio.sleep(faults.chunk_interval_s)
            event = {"data": {"audio": chunk.hex(), "status": 1}, "trace_id": trace, "base_resp": ok}
            await resp.write(b"data: " + json.dumps(event).encode() + b"\n\n")
        exclude = bool((body.get("stream_options") or {}).get("exclude_aggregated_audio"))
        final_audio = "" if exclude and not faults.ignore_exclude_aggregated else audio.hex()
        final = {
            "data": {"audio": final_audio, "status": 2},
            "extra_info": info,
            "trace_id": trace,
            "base_resp": self.state.base_resp(),
        }
        await resp.write(b"data: " + json.dumps(final).encode() + b"\n\n")
        await resp.end()

    async def _asr_error(
        self, resp: HttpResponder, code: int, message: str, status: int | None = None
    ) -> None:
        http_status, kind = _ASR_ERRORS.get(code, (500, "server_error"))
        status = status or http_status
        body = {
            "type": "error",
            "error": {"type": kind, "message": f"{message} ({code})", "http_code": str(status)},
            "request_id": self.state.new_id("req-"),
        }
        await resp.send(status, json.dumps(body).encode())

    async def asr(self, req: HttpRequest, resp: HttpResponder) -> None:
        form, file = await _parse_form(req)
        self.state.requests.append(RecordedRequest(req.path, req.headers, form=form, file=file))
        fault = self._common_fault(req, "asr")  # on arrival: a late handler must not take later faults
        await self._delay()
        if fault is not None:
            code = 1000 if fault == -500 else fault
            await self._asr_error(resp, code, ERROR_MESSAGES.get(code, "error"))
            return
        if form.get("model") != "asr-1.0":
            await self._asr_error(resp, 2013, f"invalid model {form.get('model')!r}")
            return
        if file is None:
            await self._asr_error(resp, 2013, "file is required")
            return
        if len(file) > 50 * 1024 * 1024:
            await self._asr_error(resp, 2013, "file too large", status=413)
            return
        language = req.headers.get("language", "")
        if language and language not in ASR_LANGUAGES:
            await self._asr_error(resp, 2013, f"unsupported language {language!r}")
            return
        try:
            with wave.open(io.BytesIO(file)) as wav:
                duration = wav.getnframes() / wav.getframerate()
                frames = wav.readframes(wav.getnframes())
        except (wave.Error, EOFError, ZeroDivisionError):
            await self._asr_error(resp, 2013, "unsupported audio format: not a WAV/AIFF/FLAC/MP3/OGG file")
            return
        if duration > 500:
            await self._asr_error(resp, 2013, "audio longer than 500 s")
            return
        text = self.state.transcript_for(frames)
        reply: dict[str, Any] = {
            "text": text,
            "duration": round(duration, 3),
            "trace_id": self.state.new_id("t-"),
        }
        response_format = form.get("response_format", "json")
        if response_format == "verbose_json":
            reply["n_speakers"] = 1
            reply["segments"] = [
                {"id": 0, "start": 0.0, "end": round(duration, 3), "speaker": "S1", "text": text}
            ]
        elif response_format != "json":
            await self._asr_error(resp, 2013, f"response_format {response_format} is not emulated")
            return
        await resp.send(200, json.dumps(reply).encode())

    async def voices(self, req: HttpRequest, resp: HttpResponder) -> None:
        body = json.loads(req.body or b"{}")
        self.state.requests.append(RecordedRequest(req.path, req.headers, json=body))
        fault = self._common_fault(req, "voices")  # on arrival: a late handler must not take later faults
        await self._delay()
        if fault == -500:
            await resp.send(500, b"Internal Server Error", "text/plain")
            return
        if fault is not None:
            await self._json_error(resp, fault)
            return
        voice_type = body.get("voice_type")
        if voice_type not in ("system", "voice_cloning", "voice_generation", "all"):
            await self._json_error(resp, 2013, "voice_type is required")
            return
        system = [
            {"voice_id": vid, "voice_name": name, "description": [f"{name}."], "created_time": "1970-01-01"}
            for vid, name in SYSTEM_VOICES
        ]
        reply = {
            "system_voice": system if voice_type in ("system", "all") else [],
            "voice_cloning": [],
            "voice_generation": [],
            "base_resp": self.state.base_resp(),
        }
        await resp.send(200, json.dumps(reply).encode())


async def _parse_form(req: HttpRequest) -> tuple[dict[str, str], bytes | None]:
    async def stream() -> Any:
        yield req.body

    try:
        form = await MultiPartParser(Headers(headers=req.headers), stream()).parse()
    except (MultiPartException, KeyError, ValueError):
        return {}, None
    fields: dict[str, str] = {}
    file: bytes | None = None
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            file = await value.read()
        else:
            fields[key] = value
    return fields, file

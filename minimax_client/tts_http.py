"""T2A v2 over HTTP: ``POST /v1/t2a_v2``, whole (hex in one JSON body) or streamed as SSE ``data:`` lines.

A stream is a run of ``status: 1`` chunks closed by one ``status: 2`` chunk that carries ``extra_info``. The
client asks the server to leave the aggregated audio out of that last chunk and drops it anyway if the server
sends it, so the speech is never played twice."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

from minimax_client.errors import CONNECTION_LOST, MALFORMED_RESPONSE, check_base_resp, error_for_code
from minimax_client.http_transport import HttpTransport, decode_hex
from minimax_client.models import AudioChunk, AudioSetting, ExtraInfo, SynthesisResult, VoiceSetting
from minimax_client.retry import RetryPlan, retry_call

T2A_PATH = "/v1/t2a_v2"
MAX_TEXT_CHARS = 10_000


def t2a_body(
    text: str, *, model: str, voice: VoiceSetting, audio: AudioSetting, stream: bool, **extra: Any
) -> dict[str, Any]:
    if not text.strip():
        raise error_for_code(2013, "text is empty")
    if len(text) >= MAX_TEXT_CHARS:
        raise error_for_code(2013, f"text must be shorter than {MAX_TEXT_CHARS} characters")
    body: dict[str, Any] = {
        "model": model,
        "text": text,
        "stream": stream,
        "voice_setting": voice.wire(),
        "audio_setting": audio.wire(),
        **{k: v for k, v in extra.items() if v is not None},
    }
    if stream:
        body["stream_options"] = {"exclude_aggregated_audio": True}
    else:
        body["output_format"] = "hex"
    return body


class TtsHttp:
    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    async def synthesize(
        self, text: str, *, voice: VoiceSetting, audio: AudioSetting, model: str, **extra: Any
    ) -> SynthesisResult:
        """Whole-utterance synthesis (one JSON response)."""
        body = t2a_body(text, model=model, voice=voice, audio=audio, stream=False, **extra)

        async def attempt(budget_s: float) -> SynthesisResult:
            reply = await self._http.post_json(T2A_PATH, body, budget_s=budget_s)
            trace_id = reply.get("trace_id")
            data = reply.get("data") or {}
            return SynthesisResult(
                audio=decode_hex(data.get("audio"), trace_id),
                extra=ExtraInfo.parse(reply.get("extra_info")),
                trace_id=trace_id,
            )

        return await retry_call(attempt, self._http.policy)

    async def stream(
        self, text: str, *, voice: VoiceSetting, audio: AudioSetting, model: str, **extra: Any
    ) -> AsyncGenerator[AudioChunk, None]:
        """Audio chunks as the SSE stream delivers them. Failures before the first chunk are retried within
        the deadline; a failure after audio has been yielded is raised (retrying would repeat speech)."""
        body = t2a_body(text, model=model, voice=voice, audio=audio, stream=True, **extra)
        plan = RetryPlan(self._http.policy, time.monotonic())
        while True:
            yielded = False
            try:
                async with aclosing(self._stream_once(body)) as chunks:
                    async for chunk in chunks:
                        yielded = yielded or bool(chunk.audio)
                        yield chunk
                return
            except Exception as exc:
                delay = None if yielded else plan.next_delay(exc, time.monotonic())
                if delay is None:
                    raise
            await asyncio.sleep(delay)

    async def _stream_once(self, body: dict[str, Any]) -> AsyncGenerator[AudioChunk, None]:
        played = bytearray()  # what the caller has had, to recognise an aggregated final chunk
        async with (
            self._http.stream_lines(T2A_PATH, body) as lines,
            aclosing(sse_payloads(lines)) as payloads,
        ):
            async for payload in payloads:
                check_base_resp(payload)
                trace_id = payload.get("trace_id")
                data = payload.get("data") or {}
                audio = decode_hex(data.get("audio"), trace_id)
                if data.get("status") == 2:
                    yield AudioChunk(
                        audio=_new_tail(bytes(played), audio),
                        final=True,
                        extra=ExtraInfo.parse(payload.get("extra_info")),
                        trace_id=trace_id,
                    )
                    return
                if audio:
                    played += audio
                    yield AudioChunk(audio=audio, trace_id=trace_id)
        raise error_for_code(CONNECTION_LOST, "stream ended before the final (status 2) chunk")


def _new_tail(played: bytes, final_audio: bytes) -> bytes:
    """The part of a final chunk's audio the caller has not had yet."""
    if not played:
        return final_audio  # nothing streamed before: the final chunk is the whole speech
    if final_audio.startswith(played):
        return final_audio[len(played) :]  # aggregated copy (plus a tail, if any)
    return final_audio


async def sse_payloads(lines: AsyncIterator[str]) -> AsyncGenerator[dict[str, Any], None]:
    """JSON objects from SSE ``data:`` fields; multi-line data is joined, comments and other fields skipped."""
    buffer: list[str] = []
    async for line in lines:
        if line.startswith("data:"):
            buffer.append(line[5:].removeprefix(" "))
            continue
        if line.strip() or not buffer:
            continue  # "event:", "id:", ":" comments, or a blank line with nothing pending
        payload = _parse("\n".join(buffer))
        buffer.clear()
        if payload is None:
            return
        yield payload
    if buffer:
        payload = _parse("\n".join(buffer))
        if payload is not None:
            yield payload


def _parse(data: str) -> dict[str, Any] | None:
    if data.strip() == "[DONE]":  # not documented; the official CLI checks for it defensively
        return None
    try:
        payload = json.loads(data)
    except ValueError as exc:
        raise error_for_code(MALFORMED_RESPONSE, f"bad SSE data: {data[:80]!r}") from exc
    if not isinstance(payload, dict):
        raise error_for_code(MALFORMED_RESPONSE, f"SSE data is not an object: {data[:80]!r}")
    return payload

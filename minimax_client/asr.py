"""Speech-to-text: ``POST /v1/speech_to_text`` (multipart upload of a whole file, model ``asr-1.0``).

There is no audio-in streaming: the caller endpoints the utterance and uploads it as WAV (raw PCM is refused).
Errors come OpenAI-style with real HTTP statuses; ``HttpTransport`` maps them to the same typed errors."""

from __future__ import annotations

from typing import Any, Literal

from minimax_client.errors import MALFORMED_RESPONSE, error_for_code
from minimax_client.http_transport import HttpTransport
from minimax_client.models import Transcription, TranscriptSegment
from minimax_client.retry import retry_call

ASR_PATH = "/v1/speech_to_text"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
ResponseFormat = Literal["json", "verbose_json"]


class SpeechToText:
    def __init__(self, transport: HttpTransport, model: str) -> None:
        self._http = transport
        self._model = model

    async def transcribe(
        self,
        audio: bytes,
        *,
        filename: str = "utterance.wav",
        content_type: str = "audio/wav",
        language: str | None = None,
        response_format: ResponseFormat = "verbose_json",
        timestamp_level: Literal["", "sentence", "word"] | None = None,
    ) -> Transcription:
        """Transcribe one audio file. ``language`` is a BCP-47 hint sent as a header (None: auto-detect)."""
        if not audio:
            raise error_for_code(2013, "audio is empty")
        if len(audio) > MAX_UPLOAD_BYTES:
            raise error_for_code(2013, "audio is larger than 50 MB")
        fields = {"model": self._model, "response_format": response_format}
        if timestamp_level and response_format == "verbose_json":
            fields["timestamp_level"] = timestamp_level
        headers = {"language": language} if language else {}

        async def attempt(budget_s: float) -> Transcription:
            body = await self._http.post_form(
                ASR_PATH,
                data=fields,
                files={"file": (filename, audio, content_type)},
                headers=headers,
                budget_s=budget_s,
            )
            return parse_transcription(body)

        return await retry_call(attempt, self._http.policy)


def parse_transcription(body: dict[str, Any]) -> Transcription:
    """Both documented shapes: ``json`` (text, duration) and ``verbose_json`` (+ segments, n_speakers)."""
    text = body.get("text")
    if not isinstance(text, str):
        raise error_for_code(MALFORMED_RESPONSE, "transcription has no text", trace_id=body.get("trace_id"))
    segments = tuple(
        TranscriptSegment(
            start_s=float(seg.get("start") or 0.0),
            end_s=float(seg.get("end") or 0.0),
            text=str(seg.get("text") or ""),
            speaker=str(seg["speaker"]) if seg.get("speaker") is not None else None,
        )
        for seg in body.get("segments") or ()
        if isinstance(seg, dict)
    )
    n_speakers = body.get("n_speakers")
    return Transcription(
        text=text.strip(),
        duration_s=float(body.get("duration") or 0.0),
        segments=segments,
        n_speakers=int(n_speakers) if isinstance(n_speakers, int) else None,
        trace_id=body.get("trace_id") or body.get("request_id"),
    )

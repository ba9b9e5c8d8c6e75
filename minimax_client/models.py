"""Request settings (pydantic, as sent on the wire) and results (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AudioFormatName = Literal["mp3", "pcm", "flac", "wav", "pcmu_raw", "pcmu_wav", "opus"]
SUPPORTED_SAMPLE_RATES: tuple[int, ...] = (8000, 16000, 22050, 24000, 32000, 44100)
STREAMABLE_FORMATS: frozenset[str] = frozenset(
    {"pcm", "pcmu_raw", "mp3"}
)  # wav/flac streaming is unconfirmed


class VoiceSetting(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    voice_id: str
    speed: float = Field(default=1.0, ge=0.5, le=2.0)
    vol: float = Field(default=1.0, gt=0, le=10)
    pitch: int = Field(default=0, ge=-12, le=12)
    emotion: str | None = None  # None: the model picks
    text_normalization: bool | None = None

    def wire(self, *, websocket: bool = False) -> dict[str, Any]:
        body = self.model_dump(exclude_none=True)
        if websocket and "text_normalization" in body:  # the WebSocket API names it differently
            body["english_normalization"] = body.pop("text_normalization")
        return body


class AudioSetting(BaseModel):
    """``pcm`` is 16-bit little-endian; ``pcmu_raw`` is G.711 μ-law at 8 kHz (phone calls)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: AudioFormatName = "pcm"
    sample_rate: Literal[8000, 16000, 22050, 24000, 32000, 44100] = 16000
    bitrate: Literal[32000, 64000, 128000, 256000] | None = None  # mp3 only
    channel: Literal[1, 2] = 1

    def wire(self) -> dict[str, Any]:
        body = self.model_dump(exclude_none=True)
        if self.format.startswith("pcmu"):
            body["sample_rate"] = 8000
        return body


@dataclass(frozen=True)
class ExtraInfo:
    """``extra_info`` of a finished synthesis: what it cost and how long the audio is."""

    audio_length_ms: int = 0
    audio_sample_rate: int = 0
    audio_size: int = 0
    usage_characters: int = 0
    word_count: int = 0
    audio_format: str = ""
    audio_channel: int = 1
    bitrate: int = 0

    @classmethod
    def parse(cls, raw: Any) -> ExtraInfo | None:
        if not isinstance(raw, dict) or not raw:
            return None

        def num(key: str) -> int:
            value = raw.get(key)
            return int(value) if isinstance(value, int | float) else 0

        return cls(
            audio_length_ms=num("audio_length"),
            audio_sample_rate=num("audio_sample_rate"),
            audio_size=num("audio_size"),
            usage_characters=num("usage_characters"),
            word_count=num("word_count"),
            audio_format=str(raw.get("audio_format") or ""),
            audio_channel=num("audio_channel") or 1,
            bitrate=num("bitrate"),
        )


@dataclass(frozen=True)
class AudioChunk:
    """A piece of synthesized audio, decoded from hex. The last chunk of a synthesis has ``final`` set and
    carries ``extra`` when the server sent it; its ``audio`` may be empty."""

    audio: bytes
    final: bool = False
    extra: ExtraInfo | None = None
    trace_id: str | None = None


@dataclass(frozen=True)
class SynthesisResult:
    audio: bytes
    extra: ExtraInfo | None
    trace_id: str | None


@dataclass(frozen=True)
class TranscriptSegment:
    start_s: float
    end_s: float
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Transcription:
    text: str
    duration_s: float
    segments: tuple[TranscriptSegment, ...] = ()
    n_speakers: int | None = None
    trace_id: str | None = None


VoiceKind = Literal["system", "voice_cloning", "voice_generation"]


@dataclass(frozen=True)
class Voice:
    voice_id: str
    kind: VoiceKind
    name: str = ""
    description: tuple[str, ...] = ()
    created_time: str = ""

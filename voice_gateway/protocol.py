"""Wire messages of ``/ws/voice`` (JSON text frames; audio travels in binary frames of PCM16 LE mono).

Client → server: ``start`` (first), ``stop``, ``text``; binary audio frames of any length after ``start``.
Server → client: ``ready``, ``speech_started``, ``speech_stopped``, ``transcript``, ``reply``, ``audio_start``,
binary reply audio, ``audio_end``, ``clear``, ``error``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from dialogue.contract import Expectation

PCM_ENCODING = "pcm_s16le"
# Input rates we resample from; anything else is refused with ``unsupported_audio``.
SUPPORTED_INPUT_RATES: frozenset[int] = frozenset({8000, 16000, 22050, 24000, 32000, 44100, 48000})


class _Client(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StartMessage(_Client):
    type: Literal["start"]
    sample_rate: int
    # Checked by the transport rather than by Literal types so a wrong value gets ``unsupported_audio``.
    encoding: str = PCM_ENCODING
    channels: int = 1
    token: str | None = Field(default=None, max_length=512)
    session_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    site: str | None = Field(default=None, max_length=64)


class StopMessage(_Client):
    type: Literal["stop"]


class TextMessage(_Client):
    type: Literal["text"]
    text: str = Field(min_length=1, max_length=1000)


ClientMessage = Annotated[StartMessage | StopMessage | TextMessage, Field(discriminator="type")]
client_message_adapter: TypeAdapter[StartMessage | StopMessage | TextMessage] = TypeAdapter(ClientMessage)


class _Server(BaseModel):
    model_config = ConfigDict(frozen=True)


class WireHints(BaseModel):
    """``RecognitionHints`` on the wire: what the next answer is expected to be."""

    expect: Expectation = "free"
    phrases: list[str] = Field(default_factory=list)


class ReadyMessage(_Server):
    type: Literal["ready"] = "ready"
    session_id: str


class SpeechStartedMessage(_Server):
    type: Literal["speech_started"] = "speech_started"


class SpeechStoppedMessage(_Server):
    type: Literal["speech_stopped"] = "speech_stopped"


class TranscriptMessage(_Server):
    type: Literal["transcript"] = "transcript"
    text: str
    final: bool = True


class ReplyMessage(_Server):
    type: Literal["reply"] = "reply"
    turn_id: str
    text: str
    awaiting: WireHints
    # Optional extras for the page (the protocol's required fields are the three above).
    intent: str | None = None
    cards: list[dict[str, Any]] = Field(default_factory=list)


class AudioStartMessage(_Server):
    type: Literal["audio_start"] = "audio_start"
    turn_id: str
    sample_rate: int
    encoding: str = PCM_ENCODING


class AudioEndMessage(_Server):
    type: Literal["audio_end"] = "audio_end"
    turn_id: str


class ClearMessage(_Server):
    type: Literal["clear"] = "clear"
    turn_id: str


class ErrorMessage(_Server):
    type: Literal["error"] = "error"
    code: str
    message: str


ServerMessage = Annotated[
    ReadyMessage
    | SpeechStartedMessage
    | SpeechStoppedMessage
    | TranscriptMessage
    | ReplyMessage
    | AudioStartMessage
    | AudioEndMessage
    | ClearMessage
    | ErrorMessage,
    Field(discriminator="type"),
]
server_message_adapter: TypeAdapter[
    ReadyMessage
    | SpeechStartedMessage
    | SpeechStoppedMessage
    | TranscriptMessage
    | ReplyMessage
    | AudioStartMessage
    | AudioEndMessage
    | ClearMessage
    | ErrorMessage
] = TypeAdapter(ServerMessage)


class ErrorCode:
    """``error.code`` values sent by the gateway."""

    BAD_JSON = "bad_json"  # a text frame that is not JSON
    BAD_MESSAGE = "bad_message"  # JSON that is not a known message or has invalid fields
    BAD_FRAME = "bad_frame"  # binary audio that is not whole 16-bit samples
    NOT_STARTED = "not_started"  # audio or text before ``start``
    ALREADY_STARTED = "already_started"
    UNSUPPORTED_AUDIO = "unsupported_audio"  # sample rate / encoding / channels we do not take
    MESSAGE_TOO_LARGE = "message_too_large"
    UNAUTHORIZED = "unauthorized"
    TOO_MANY_SESSIONS = "too_many_sessions"
    UNAVAILABLE = "unavailable"  # the service cannot take calls now (its shared store is down): try again
    CALL_TOO_LONG = "call_too_long"
    START_TIMEOUT = "start_timeout"
    RECOGNITION_FAILED = "recognition_failed"
    SYNTHESIS_FAILED = "synthesis_failed"
    DIALOGUE_FAILED = "dialogue_failed"
    INTERNAL = "internal"

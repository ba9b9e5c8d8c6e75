"""Typed async client for MiniMax speech: T2A over HTTP, SSE, WebSocket and the bidirectional WebSocket,
speech-to-text, and voices. Imports nothing else of this project."""

from minimax_client.client import MiniMaxClient, StreamTransport
from minimax_client.config import INTERNATIONAL_BASE_URL, MAINLAND_BASE_URL, MiniMaxConfig
from minimax_client.errors import (
    AuthError,
    ConnectionLostError,
    ContentRejectedError,
    InsufficientBalanceError,
    InvalidRequestError,
    MalformedResponseError,
    MiniMaxError,
    RateLimitError,
    ServerError,
)
from minimax_client.models import (
    AudioChunk,
    AudioSetting,
    ExtraInfo,
    SynthesisResult,
    Transcription,
    TranscriptSegment,
    Voice,
    VoiceSetting,
)
from minimax_client.retry import RetryPolicy
from minimax_client.tts_bidi import BidiTtsSession

__all__ = [
    "INTERNATIONAL_BASE_URL",
    "MAINLAND_BASE_URL",
    "AudioChunk",
    "AudioSetting",
    "AuthError",
    "BidiTtsSession",
    "ConnectionLostError",
    "ContentRejectedError",
    "ExtraInfo",
    "InsufficientBalanceError",
    "InvalidRequestError",
    "MalformedResponseError",
    "MiniMaxClient",
    "MiniMaxConfig",
    "MiniMaxError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "StreamTransport",
    "SynthesisResult",
    "TranscriptSegment",
    "Transcription",
    "Voice",
    "VoiceSetting",
]

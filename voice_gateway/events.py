"""What a call session emits, in order, to its transport (and to tests). Frozen values; the transport maps
them onto its wire protocol (``/ws/voice`` JSON + binary, or Twilio ``media``/``mark``/``clear``).

Times ``at_s`` are positions in the caller's audio stream (seconds of audio received), so a scripted test sees
the same values on every run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from dialogue.contract import RecognitionHints


@dataclass(frozen=True)
class Ready:
    session_id: str


@dataclass(frozen=True)
class SpeechStarted:
    at_s: float  # onset: the first voiced frame of the run that started speech


@dataclass(frozen=True)
class SpeechStopped:
    at_s: float
    duration_s: float
    reason: Literal["silence", "max_length", "early"] = "silence"
    """``early``: ended after a short pause because what was said was already a complete answer."""


@dataclass(frozen=True)
class TranscriptReady:
    text: str
    final: bool = True
    engine: str = ""


@dataclass(frozen=True)
class ReplyReady:
    turn_id: str
    text: str
    awaiting: RecognitionHints
    intent: str | None = None
    cards: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class AudioStarted:
    turn_id: str
    sample_rate: int


@dataclass(frozen=True)
class AudioChunk:
    """Reply audio (PCM16 LE mono at the session's output rate): one 20 ms frame as emitted, possibly several
    consecutive frames merged when they leave together."""

    turn_id: str
    pcm: bytes
    seq: int  # index of the (first) frame within the reply
    end_s: float  # audio position of the end of this chunk within the reply


@dataclass(frozen=True)
class AudioEnded:
    turn_id: str


@dataclass(frozen=True)
class Cleared:
    """Barge-in: the client must drop every queued frame of ``turn_id``."""

    turn_id: str


@dataclass(frozen=True)
class PlaybackFinished:
    turn_id: str
    played_s: float
    interrupted: bool
    heard_chars: int
    reason: str = ""  # why it was interrupted: speech, command, dtmf, typed, reply, close


@dataclass(frozen=True)
class TurnIgnored:
    """Speech during playout that neither barged in nor was a command (a cough, "uh"), or an utterance with no
    words heard that the caller followed with more speech at once."""

    text: str
    at_s: float


@dataclass(frozen=True)
class ErrorRaised:
    code: str
    message: str
    fatal: bool = False
    retryable: bool = False


@dataclass(frozen=True)
class CallEnded:
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


SessionEvent = (
    Ready
    | SpeechStarted
    | SpeechStopped
    | TranscriptReady
    | ReplyReady
    | AudioStarted
    | AudioChunk
    | AudioEnded
    | Cleared
    | PlaybackFinished
    | TurnIgnored
    | ErrorRaised
    | CallEnded
)


class SessionOutput(Protocol):
    """Where a session's events go: a transport's writer."""

    confirms_playback: bool
    """True when the client reports what it played (Twilio marks) and calls ``confirm_played``."""

    async def send(self, event: SessionEvent) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...

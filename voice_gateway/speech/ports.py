"""The small Protocols every speech engine sits behind (MiniMax, the local engine, test fakes).

Audio crossing these ports is mono 16-bit little-endian PCM unless a ``format`` says otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol, runtime_checkable

from dialogue.contract import RecognitionHints

AudioFormat = Literal["pcm", "pcmu_raw", "mp3", "wav"]


@dataclass(frozen=True)
class Utterance:
    """One endpointed utterance."""

    pcm: bytes
    sample_rate: int


@dataclass(frozen=True)
class Transcript:
    text: str  # empty when nothing in the grammar was heard: no transcript rather than a wrong one
    confidence: float | None = None
    engine: str = ""
    duration_s: float = 0.0
    words: tuple[tuple[str, float], ...] = ()
    """Each word of ``text`` with its confidence (0-1), when the engine gives them."""
    alternative: str = ""
    """The transcript with the likeliest rival of its figure, when the engine weighed one."""


@dataclass(frozen=True)
class SynthesisFormat:
    encoding: AudioFormat = "pcm"
    sample_rate: int = 16000


@dataclass(frozen=True)
class VocabularyItem:
    """A catalogue entry as the recognizer needs it."""

    sku: str
    name: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


class SpeechError(Exception):
    code: ClassVar[str] = "speech_error"

    def __init__(self, message: str, *, retryable: bool = False, engine: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.engine = engine


class UnsupportedFormat(SpeechError):
    """The engine cannot produce the requested audio format (espeak-ng and mp3): a caller error, not an outage."""

    code = "unsupported_format"


class SpeechRecognizer(Protocol):
    name: str

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript: ...


class SpeechSynthesizer(Protocol):
    name: str

    def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]:
        """Audio chunks in ``fmt`` as they are produced; stops promptly when the consumer is cancelled."""
        ...


@runtime_checkable
class ClosableSynthesizer(Protocol):
    """A synthesizer holding resources of its own (connections) until ``aclose``."""

    name: str

    def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class PerCallSynthesizer(Protocol):
    """A synthesizer that makes an instance of its own for each call (MiniMax: its own connection); the call
    closes that instance when it ends."""

    name: str

    def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]: ...

    def for_call(self) -> ClosableSynthesizer: ...


class VocabularyAware(Protocol):
    """Recognizers that compile the live catalogue into their grammar."""

    def set_vocabulary(self, items: Sequence[VocabularyItem], sites: Sequence[str] | None = None) -> None:
        """Compile ``items`` (and, when given, the site phrases) into the grammar."""
        ...


class RecognizerWithFallback:
    """``primary``, and ``fallback`` for an utterance the primary failed on: for callers of a recognizer that
    have no fallback of their own (the NLX voice middleware; call sessions do this per turn themselves)."""

    def __init__(self, primary: SpeechRecognizer, fallback: SpeechRecognizer) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        try:
            return await self.primary.transcribe(utterance, hints)
        except SpeechError:
            return await self.fallback.transcribe(utterance, hints)

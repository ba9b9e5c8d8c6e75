"""The gateway's adapters over the embedded engine (``local_speech``): ``LocalRecognizer`` is a
``SpeechRecognizer`` and ``VocabularyAware``, ``EspeakSynthesizer`` a ``SpeechSynthesizer``.

They translate the ports' values (``Utterance``, ``RecognitionHints``, ``VocabularyItem``, ``SynthesisFormat``)
into the engine's and back, encode μ-law, and turn engine errors into ``SpeechError``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from dialogue.contract import RecognitionHints
from local_speech.asr import GrammarRecognizer, LocalAsrOptions
from local_speech.errors import DeadlineExceeded, EspeakError, LocalSpeechError, RecognizerBusy
from local_speech.espeak import EspeakEngine, EspeakOptions
from local_speech.grammar import GrammarSet
from local_speech.types import Expectation, Recognition, VocabularyEntry
from voice_gateway.audio import mulaw_encode
from voice_gateway.speech.ports import (
    SpeechError,
    SynthesisFormat,
    Transcript,
    UnsupportedFormat,
    Utterance,
    VocabularyItem,
)

__all__ = [
    "EspeakFailed",
    "EspeakOptions",
    "EspeakSynthesizer",
    "LocalAsrOptions",
    "LocalRecognizer",
    "RecognitionDeadline",
    "RecognizerBusyError",
]


class EspeakFailed(SpeechError):
    """espeak-ng is missing, failed to start, or wrote no usable audio."""

    code = "espeak_failed"


class RecognizerBusyError(SpeechError):
    """Every local decoder was busy and its queue full: refused at once (retryable)."""

    code = "recognizer_busy"


class RecognitionDeadline(SpeechError):
    """The local engine gave up on the utterance at its deadline (retryable)."""

    code = "recognition_deadline"


def speech_error(exc: LocalSpeechError, engine: str) -> SpeechError:
    """The engine's error as the ports' ``SpeechError`` (keeping ``retryable``; busy and deadline keep their
    own ``code``)."""
    kind = SpeechError
    if isinstance(exc, RecognizerBusy):
        kind = RecognizerBusyError
    elif isinstance(exc, DeadlineExceeded):
        kind = RecognitionDeadline
    return kind(f"local recognizer failed: {exc}", retryable=exc.retryable, engine=engine)


def vocabulary_entries(items: Sequence[VocabularyItem]) -> list[VocabularyEntry]:
    return [VocabularyEntry(sku=i.sku, name=i.name, aliases=tuple(i.aliases)) for i in items]


def expectation(hints: RecognitionHints) -> Expectation:
    return Expectation(kind=hints.expect, phrases=tuple(hints.phrases))


class LocalRecognizer:
    """``SpeechRecognizer`` and ``VocabularyAware`` on pocketsphinx with per-prompt grammars
    (``local_speech.asr.GrammarRecognizer``: speech worker processes, a deadline and a length cap per utterance,
    a bounded queue). ``LocalAsrOptions(workers=N)`` sets the number of worker processes."""

    name = "local"

    def __init__(
        self,
        vocabulary: Sequence[VocabularyItem] = (),
        options: LocalAsrOptions | None = None,
        sites: Sequence[str] = (),
    ) -> None:
        self.engine = GrammarRecognizer(vocabulary_entries(vocabulary), options, sites)

    @property
    def options(self) -> LocalAsrOptions:
        return self.engine.options

    @property
    def grammars(self) -> GrammarSet:
        return self.engine.grammars

    def set_vocabulary(self, items: Sequence[VocabularyItem], sites: Sequence[str] | None = None) -> None:
        """Swap in grammars for a changed catalogue (and, when given, site phrases: ids and spoken names); each
        decoder recompiles before its next utterance."""
        self.engine.set_vocabulary(vocabulary_entries(items), sites)

    async def warm_up(self) -> None:
        """Build and compile every decoder now rather than on the first utterances."""
        await self.engine.warm_up()

    async def transcribe(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        try:
            heard = await self.engine.recognize(utterance.pcm, utterance.sample_rate, expectation(hints))
        except LocalSpeechError as exc:
            raise speech_error(exc, self.name) from exc
        return self._transcript(heard)

    def transcribe_sync(self, utterance: Utterance, hints: RecognitionHints) -> Transcript:
        """Blocking recognition (threads, benchmarks); ``transcribe`` runs the same in the engine's executor."""
        return self._transcript(
            self.engine.recognize_sync(utterance.pcm, utterance.sample_rate, expectation(hints))
        )

    def _transcript(self, heard: Recognition) -> Transcript:
        return Transcript(
            text=heard.text,
            confidence=heard.confidence,
            engine=self.name,
            duration_s=heard.duration_s,
            words=heard.words,
            alternative=heard.alternative,
        )

    def close(self) -> None:
        """Stop the engine's worker processes."""
        self.engine.close()


class EspeakSynthesizer:
    """``SpeechSynthesizer`` on espeak-ng (``local_speech.espeak.EspeakEngine``): raw PCM (``pcm``) or μ-law
    (``pcmu_raw``) at any sample rate."""

    name = "espeak"

    def __init__(self, options: EspeakOptions | None = None) -> None:
        self.engine = EspeakEngine(options)

    @property
    def options(self) -> EspeakOptions:
        return self.engine.options

    async def stream(self, text: str, fmt: SynthesisFormat) -> AsyncIterator[bytes]:
        if fmt.encoding not in ("pcm", "pcmu_raw"):
            raise UnsupportedFormat(f"espeak-ng cannot produce {fmt.encoding}", engine=self.name)
        try:
            # aclosing: closing or cancelling this stream closes the engine's at once, which kills espeak-ng
            async with contextlib.aclosing(self.engine.stream(text, fmt.sample_rate)) as chunks:
                async for pcm in chunks:
                    yield mulaw_encode(pcm) if fmt.encoding == "pcmu_raw" else pcm
        except EspeakError as exc:
            raise EspeakFailed(exc.message, retryable=exc.retryable, engine=self.name) from exc

"""The engine's errors: each carries a ``code`` and whether trying again may succeed (``retryable``)."""

from __future__ import annotations

from typing import ClassVar


class LocalSpeechError(Exception):
    code: ClassVar[str] = "local_speech_failed"

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class DecodeError(LocalSpeechError):
    """pocketsphinx failed to decode an utterance."""

    code = "decode_failed"


class EspeakError(LocalSpeechError):
    """espeak-ng is missing, failed to start, or wrote no usable audio."""

    code = "espeak_failed"


class RecognizerBusy(LocalSpeechError):
    """Every decoder is busy and the small queue in front of them is full: refused at once (try again)."""

    code = "recognizer_busy"

    def __init__(self, message: str = "every local decoder is busy", *, retryable: bool = True) -> None:
        super().__init__(message, retryable=retryable)


class DeadlineExceeded(LocalSpeechError):
    """An utterance was not decoded within its deadline (the worker decoding it is restarted)."""

    code = "recognition_deadline"

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message, retryable=retryable)

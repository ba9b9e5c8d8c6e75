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

"""Per-frame voice decision: webrtcvad (the ``webrtcvad-wheels`` package) with an energy floor."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Protocol

import webrtcvad

with warnings.catch_warnings():  # stdlib audioop warns on 3.11-3.12; audioop-lts provides it on 3.13+
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop


@dataclass(frozen=True)
class VadOptions:
    mode: int = 2
    """webrtcvad aggressiveness, 0 (lenient) to 3 (strict)."""
    floor_dbfs: float = -55.0
    """Frames quieter than this are unvoiced whatever webrtcvad says (its noise model adapts slowly)."""


class VoiceDetector(Protocol):
    def is_speech(self, frame: bytes) -> bool: ...


class WebRtcVoiceDetector:
    """One per call: webrtcvad keeps an adaptive noise model per instance."""

    def __init__(self, sample_rate: int = 16000, options: VadOptions | None = None) -> None:
        self.options = options or VadOptions()
        self._vad = webrtcvad.Vad(self.options.mode)
        self._rate = sample_rate
        self._floor_rms = 32768.0 * 10 ** (self.options.floor_dbfs / 20)

    def is_speech(self, frame: bytes) -> bool:
        if audioop.rms(frame, 2) < self._floor_rms:
            return False
        return bool(self._vad.is_speech(frame, self._rate))

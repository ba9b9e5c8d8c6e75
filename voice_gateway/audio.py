"""Audio helpers shared by the transports and the speech adapters: framing, μ-law, WAV, and (from the local
engine's ``local_speech.pcm``, their one home) pcm16 conversion and resampling.

PCM here is always mono, signed 16-bit little-endian (``pcm16``); μ-law is G.711 as phones and Twilio send it."""

from __future__ import annotations

import io
import warnings
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from local_speech.pcm import SAMPLE_WIDTH as SAMPLE_WIDTH
from local_speech.pcm import StreamResampler as StreamResampler
from local_speech.pcm import array_to_pcm16 as array_to_pcm16
from local_speech.pcm import pcm16_to_array as pcm16_to_array
from local_speech.pcm import resample as resample

with warnings.catch_warnings():  # stdlib audioop warns on 3.11-3.12; audioop-lts provides it on 3.13+
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

FRAME_MS = 20


def frame_bytes(sample_rate: int, frame_ms: int = FRAME_MS) -> int:
    """Bytes in one frame of pcm16 at ``sample_rate``."""
    return sample_rate * frame_ms // 1000 * SAMPLE_WIDTH


def duration_s(pcm: bytes, sample_rate: int) -> float:
    return len(pcm) / (SAMPLE_WIDTH * sample_rate)


def mulaw_encode(pcm: bytes) -> bytes:
    """G.711 μ-law bytes, one per pcm16 sample."""
    return audioop.lin2ulaw(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH], SAMPLE_WIDTH)


def mulaw_decode(ulaw: bytes) -> bytes:
    return audioop.ulaw2lin(ulaw, SAMPLE_WIDTH)


@dataclass(frozen=True)
class WavAudio:
    pcm: bytes
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return duration_s(self.pcm, self.sample_rate)


def read_wav(source: str | Path | bytes) -> WavAudio:
    """A 16-bit PCM WAV file (a path or its bytes) as mono pcm16; several channels are averaged."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    with handle, wave.open(handle, "rb") as w:
        if w.getsampwidth() != SAMPLE_WIDTH:
            raise ValueError(f"expected 16-bit PCM, got {8 * w.getsampwidth()}-bit")
        channels, rate = w.getnchannels(), w.getframerate()
        pcm = w.readframes(w.getnframes())
    if channels > 1:
        samples = pcm16_to_array(pcm).reshape(-1, channels).astype(np.int32).mean(axis=1)
        pcm = array_to_pcm16(np.rint(samples).astype(np.int16))
    return WavAudio(pcm=pcm, sample_rate=rate)


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    """A mono 16-bit WAV file holding ``pcm``."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
    return buf.getvalue()


def write_wav(path: str | Path, pcm: bytes, sample_rate: int) -> None:
    Path(path).write_bytes(wav_bytes(pcm, sample_rate))


class Reframer:
    """Cuts a stream of arbitrary-length byte chunks into frames of exactly ``size`` bytes (20 ms by default)."""

    def __init__(self, size: int) -> None:
        if size <= 0:
            raise ValueError("frame size must be positive")
        self.size = size
        self._buf = bytearray()

    @classmethod
    def for_rate(
        cls, sample_rate: int, frame_ms: int = FRAME_MS, bytes_per_sample: int = SAMPLE_WIDTH
    ) -> Reframer:
        """Frames of ``frame_ms`` at ``sample_rate`` (``bytes_per_sample=1`` for μ-law)."""
        return cls(sample_rate * frame_ms // 1000 * bytes_per_sample)

    @property
    def pending(self) -> int:
        """Bytes held back until a frame is complete."""
        return len(self._buf)

    def push(self, chunk: bytes) -> list[bytes]:
        """The whole frames now available."""
        self._buf.extend(chunk)
        count = len(self._buf) // self.size
        frames = [bytes(self._buf[i * self.size : (i + 1) * self.size]) for i in range(count)]
        del self._buf[: count * self.size]
        return frames

    def flush(self, pad: bytes = b"\x00") -> bytes | None:
        """The last partial frame padded to full size (with ``pad`` bytes; b"\\xff" is μ-law silence), or None."""
        if not self._buf:
            return None
        frame = bytes(self._buf) + pad * (self.size - len(self._buf))
        self._buf.clear()
        return frame[: self.size]

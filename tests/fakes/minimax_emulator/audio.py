"""Deterministic speech stand-in: a 440 Hz tone whose length is proportional to the text, in the requested
format. Tests can compute the exact bytes a synthesis must produce with ``render``."""

from __future__ import annotations

import audioop
import io
import math
import wave

import numpy as np

SECONDS_PER_CHAR = 0.03
MIN_SECONDS = 0.1
CHUNK_SECONDS = 0.1
_MP3_FRAME = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, 417 bytes


def duration_s(text: str) -> float:
    return max(MIN_SECONDS, len(text.strip()) * SECONDS_PER_CHAR)


def pcm16(text: str, sample_rate: int) -> bytes:
    n = round(duration_s(text) * sample_rate)
    t = np.arange(n) / sample_rate
    return (np.sin(2 * math.pi * 440.0 * t) * 8000).astype("<i2").tobytes()


def render(text: str, fmt: str, sample_rate: int) -> bytes:
    """The whole audio for ``text``: ``pcm`` 16-bit LE mono, ``pcmu_raw`` μ-law 8 kHz, ``wav``, ``mp3``."""
    if fmt == "pcm":
        return pcm16(text, sample_rate)
    if fmt == "pcmu_raw":
        return audioop.lin2ulaw(pcm16(text, 8000), 2)
    if fmt == "wav":
        return wav_bytes(pcm16(text, sample_rate), sample_rate)
    if fmt == "mp3":
        frames = max(1, int(duration_s(text) * 44100 / 1152))
        return _MP3_FRAME * frames
    raise ValueError(f"format {fmt} is not emulated")


def chunks(audio: bytes, fmt: str, sample_rate: int) -> list[bytes]:
    """Split as a streaming server would: about 100 ms a chunk, whole samples / frames."""
    if fmt == "mp3":
        size = len(_MP3_FRAME) * 4
    elif fmt == "pcmu_raw":
        size = int(8000 * CHUNK_SECONDS)
    else:
        size = int(sample_rate * CHUNK_SECONDS) * 2
    return [audio[i : i + size] for i in range(0, len(audio), size)] or [b""]


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def audio_length_ms(text: str, fmt: str) -> int:
    return round(duration_s(text) * 1000)

"""The PCM helpers the engine needs: mono, signed 16-bit little-endian (``pcm16``), resampled with soxr."""

from __future__ import annotations

import numpy as np
import soxr

SAMPLE_WIDTH = 2


def pcm16_to_array(pcm: bytes) -> np.ndarray:
    """int16 samples of ``pcm`` (an odd trailing byte is dropped)."""
    return np.frombuffer(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH], dtype="<i2")


def array_to_pcm16(samples: np.ndarray) -> bytes:
    """pcm16 from int16 samples, or from floats in [-1, 1] (clipped)."""
    if np.issubdtype(samples.dtype, np.floating):
        samples = np.clip(np.rint(samples * 32767.0), -32768, 32767)
    return np.asarray(samples, dtype="<i2").tobytes()


def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """pcm16 at ``from_rate`` as pcm16 at ``to_rate`` (one whole buffer; see ``StreamResampler`` for chunks)."""
    if from_rate == to_rate or not pcm:
        return pcm
    return array_to_pcm16(soxr.resample(pcm16_to_array(pcm), from_rate, to_rate))


class StreamResampler:
    """Resamples a stream of pcm16 chunks without clicks at chunk borders."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = (
            soxr.ResampleStream(from_rate, to_rate, 1, dtype="int16") if from_rate != to_rate else None
        )
        self._odd = b""

    def push(self, pcm: bytes, last: bool = False) -> bytes:
        pcm = self._odd + pcm
        cut = len(pcm) - len(pcm) % SAMPLE_WIDTH
        pcm, self._odd = pcm[:cut], pcm[cut:]
        if self._stream is None:
            return pcm
        return array_to_pcm16(self._stream.resample_chunk(pcm16_to_array(pcm), last=last))

    def flush(self) -> bytes:
        return self.push(b"", last=True)

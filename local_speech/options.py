"""The local recognizer's settings (``LocalAsrOptions``): which engine, how many speech workers, deadlines, queue
and utterance caps, and the pocketsphinx thresholds. Sent whole to each speech worker."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from local_speech.decoder import DECODER_CONFIG, RETRY_CONFIG
from local_speech.whisper import WhisperOptions
from local_speech.whisper_asr import FitOptions

# Longest audio decoded per prompt kind (longer utterances are trimmed to their first seconds): bounds the work
# one utterance can cost, whatever a caller streams. Kinds not listed take the ``free`` cap.
MAX_UTTERANCE_S: tuple[tuple[str, float], ...] = (
    ("yes_no", 4.0),
    ("quantity", 8.0),
    ("digits", 8.0),
    ("choice", 8.0),
    ("item", 12.0),
    ("free", 12.0),
)


def default_workers() -> int:
    return min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class LocalAsrOptions:
    engine: Literal["whisper", "grammar"] = "whisper"
    """``whisper``: Whisper's n best fitted to the prompt's grammar (``whisper_asr``); ``grammar``: pocketsphinx
    decoding against the prompt's grammar."""
    whisper: WhisperOptions = field(default_factory=WhisperOptions)
    fit: FitOptions = field(default_factory=FitOptions)
    second_opinion: bool = True
    """Whisper: ask pocketsphinx on the prompt's grammar about check digits, unsure choices and yes/no answers, and
    for its figure in a yes/no or quantity answer (weighed as a rival of Whisper's, ``figures``)."""
    workers: int = field(default_factory=default_workers)
    """Decoders (worker processes, or threads with ``isolation="thread"``): utterances decoded at the same
    time. Default: min(2, cpu count)."""
    isolation: Literal["process", "thread"] = "process"
    """``process``: decode in speech worker processes (the event loop never waits for pocketsphinx);
    ``thread``: in threads of this process (pocketsphinx holds the GIL: a long decode stalls the event loop)."""
    deadline_s: float = 5.0
    """Give up on an utterance this long after it was submitted (``DeadlineExceeded``, retryable); a worker still
    decoding it is killed and started again. Processes only."""
    queue_size: int = 2
    """Utterances that may wait for a busy worker; beyond that ``recognize`` refuses at once (``RecognizerBusy``,
    retryable). Processes only."""
    max_utterance_s: tuple[tuple[str, float], ...] = MAX_UTTERANCE_S
    """Per prompt kind: audio beyond this many seconds is not decoded (trimmed)."""
    worker_nice: int = 10
    """Niceness added to worker processes: when the cores are short, the service's event loop runs first."""
    worker_start_timeout_s: float = 120.0
    """How long a worker may take to start and compile a grammar version."""
    pad_s: float = 0.25
    """Silence added before and after the utterance, so that the first and last words are not clipped."""
    comfort_snr_db: float | None = 25.0
    """Raise a noise floor quieter than this many dB below the speech to that level (None: leave the audio)."""
    min_score_per_frame: float = -4.8
    """Reject a hypothesis whose acoustic log-likelihood per frame of speech (relative to the best senone of
    each frame) is below this: forced matches of out-of-grammar speech mostly score -5 to -7, correct
    matches around -2 to -4."""
    min_score_per_frame_narrowband: float = -5.3
    """The same for audio below 16 kHz (phone): without its upper band, correct matches score lower."""
    min_word_score_per_frame: float = -10.0
    """Reject a hypothesis when any one word scores below this per frame (a word forced onto other speech);
    correct words stay above -9.5."""
    fallback_to_free: bool = True
    """When the prompt's grammar rejects the utterance, try the full grammar before giving up."""
    choice_cache: int = 16
    """Choice grammars kept compiled per decoder."""
    decoder_config: tuple[tuple[str, object], ...] = DECODER_CONFIG
    """pocketsphinx settings (beam, lw, wip...)."""
    retry_config: tuple[tuple[str, object], ...] | None = RETRY_CONFIG
    """Settings changed for a second pass when the narrow beams pruned every sentence of the prompt's grammar
    (one shared decoder; None: no second pass)."""


__all__ = ["MAX_UTTERANCE_S", "LocalAsrOptions", "default_workers"]

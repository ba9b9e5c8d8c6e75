"""The local recognizer's settings (``LocalAsrOptions``): which engine, how many speech workers, deadlines, queue
and utterance caps, the pocketsphinx thresholds and how Whisper's transcripts are fitted to the prompt
(``FitOptions``). Sent whole to each speech worker."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from local_speech.decoder import DECODER_CONFIG, RETRY_CONFIG
from local_speech.whisper import WhisperOptions

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


@dataclass(frozen=True)
class FitOptions:
    """How ``whisper_asr`` fits Whisper's n best to the prompt's grammar, and when it drops a transcript."""

    max_cost_per_word: float = 0.2
    """A fit costing more than this per transcript word (plus ``max_cost_slack``) is refused."""
    max_cost_slack: float = 0.35
    max_cost_per_word_open: float = 0.1
    """``max_cost_per_word`` for an open request fitted to the whole grammar (only near misses are mended)."""
    max_word_cost: float = 0.5
    """A fit that substitutes or drops any one word dearer than this is refused (an unknown item stays itself)."""
    max_word_cost_open: float = 0.35
    """The same for an open request fitted to the whole grammar, which may not skip any word but a light one
    ("please", "the"): an open request is fitted only to mend a near miss ("save it again")."""
    max_name_cost_per_word: float = 0.25
    """A catalogue name fitted inside an open transcript may cost this much per word of the name at most."""
    fit_weight: float = 4.0
    """Log-likelihood (nats) one unit of fitting cost is worth when the n best are ranked."""
    no_item_cost: float = 0.35
    """What an open transcript with no catalogue name in it is charged when the n best are ranked."""
    max_words_per_s: float = 4.0
    """A transcript with more words than this per second of audio (plus two) is dropped."""
    prompt_chars: int = 400
    """Catalogue names in the prompt, at most (Whisper reads 223 tokens of prompt, and each costs time)."""
    max_lead_cost: float = 0.45
    max_lead_word_cost: float = 0.4
    """An open transcript's first words are mended to carrier words ("big" -> "pick") within these costs."""
    candidate_names: int = 12
    """Catalogue names (the nearest by sound) an open transcript's name span is fitted to."""
    second_pass_names: int = 8
    """Names in the prompt of the second pass (a catalogue larger than the prompt, no name heard)."""
    second_pass_confidence: float = 0.7
    """Ceiling on the confidence of a name heard only in the second pass."""
    min_posterior: float = 0.03
    """Hypotheses less likely than this are not fitted."""
    no_speech_max: float = 0.6
    """Drop the transcript when Whisper thinks the audio holds no speech this likely..."""
    no_speech_logprob: float = -0.8
    """...and its best transcript's mean token log-probability is below this."""
    min_mean_logprob: float = -2.2
    """Drop any transcript whose mean token log-probability is below this (noise read as words)."""
    invented_logprob: float = -0.35
    """Drop Whisper's phantom phrases ("thank you", "you") unless it is this sure of them."""
    likelihood_confidence: float = 1.5
    """An open transcript's confidence is at most this times its mean token probability."""


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


__all__ = ["MAX_UTTERANCE_S", "FitOptions", "LocalAsrOptions", "default_workers"]

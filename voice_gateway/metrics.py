"""Prometheus metrics of the voice gateway, on a registry of their own (one per gateway, so tests can build
many). The host app serves the registry (``app.http_metrics``: ``/metrics``) and adds its own metrics to it."""

from __future__ import annotations

from typing import get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from dialogue.contract import ConfirmationOutcome

# Seconds; dense below a second where the latency goals sit.
_LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.15,
    0.2,
    0.3,
    0.5,
    0.75,
    1.0,
    1.5,
    2.0,
    3.0,
    5.0,
    10.0,
)
_CONFIRMATION_OUTCOMES: tuple[str, ...] = get_args(ConfirmationOutcome)


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.reply_latency = Histogram(
            "voice_reply_latency_seconds",
            "End of speech detected to first reply audio sent.",
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.recognition = Histogram(
            "voice_recognition_seconds",
            "Speech recognition time per utterance.",
            ["engine"],
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.synthesis_first_audio = Histogram(
            "voice_synthesis_first_audio_seconds",
            "Synthesis request to its first audio.",
            ["engine"],
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.speculations = Counter(
            "voice_speculative_recognitions_total",
            "Recognitions at a tentative end of speech, by what became of them: ended_early (a complete answer "
            "ended the turn), reused (the turn ended at the full silence with no speech since), discarded "
            "(the caller spoke again), failed.",
            ["outcome"],
            registry=r,
        )
        self.barge_in = Histogram(
            "voice_barge_in_seconds",
            "Speech onset (first voiced frame received) to clear sent.",
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.turns = Counter(
            "voice_turns_total", "Dialogue turns by intent and source.", ["intent", "source"], registry=r
        )
        self.reprompts = Counter("voice_reprompts_total", "Re-prompts by reason.", ["reason"], registry=r)
        self.confirmations = Counter(
            "voice_confirmations_total",
            "Outcomes of read-backs awaiting a yes or no.",
            ["outcome"],
            registry=r,
        )
        self.interruptions = Counter(
            "voice_interruptions_total", "Replies cut off, by reason.", ["reason"], registry=r
        )
        self.false_interruptions = Counter(
            "voice_false_interruptions_total",
            "Barge-ins that turned out to be noise or a filler.",
            registry=r,
        )
        self.errors = Counter(
            "voice_errors_total", "Errors reported to callers, by code.", ["code"], registry=r
        )
        self.active_sessions = Gauge("voice_active_sessions", "Calls in progress.", ["channel"], registry=r)
        self.sessions = Counter("voice_sessions_total", "Calls started.", ["channel"], registry=r)
        self.fallbacks = Counter(
            "speech_fallbacks_total",
            "Turns served by the fallback speech engine because the primary failed (engine = the one that failed).",
            ["kind", "engine"],
            registry=r,
        )
        self.synthesis_failovers = Counter(
            "voice_synthesis_failovers_total",
            "Replies the fallback synthesizer finished, by why: failed (an error before a sentence's audio), "
            "dropped (the stream died mid-sentence; the rest is said from the first unheard word), slow (no first "
            "audio by the deadline).",
            ["reason", "engine"],
            registry=r,
        )

    def confirmation(self, outcome: ConfirmationOutcome) -> None:
        """Count what became of a read-back (as the dialogue decided, or ``not_heard`` when it was cut off)."""
        self.confirmations.labels(outcome if outcome in _CONFIRMATION_OUTCOMES else "other").inc()

"""Prometheus metrics of the voice gateway, on a registry of their own (one per app, so tests can build many),
and the ``/metrics`` route that exposes them."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

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
_CONFIRMATION_OUTCOMES = ("confirmed", "denied", "corrected", "cancelled", "not_heard", "other")


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

    def confirmation(self, outcome: str) -> None:
        self.confirmations.labels(outcome if outcome in _CONFIRMATION_OUTCOMES else "other").inc()


def confirmation_outcome(intent: str | None) -> str:
    """Bucket the dialogue's intent for the answer to a read-back (keeps the label set small)."""
    tokens = set(re.split(r"[^a-z]+", (intent or "").lower()))
    for keys, outcome in (
        ({"cancel", "cancelled", "stop"}, "cancelled"),
        ({"correction", "correct", "corrected"}, "corrected"),
        ({"no", "deny", "denied", "reject"}, "denied"),
        ({"yes", "confirm", "confirmed", "affirm"}, "confirmed"),
    ):
        if tokens & keys:
            return outcome
    return "other"


def gateway_metrics(state: object) -> GatewayMetrics:
    """The app's gateway metrics: ``services.metrics`` when it is a GatewayMetrics, else one made for this app."""
    services = getattr(state, "services", None)
    metrics = getattr(services, "metrics", None)
    if isinstance(metrics, GatewayMetrics):
        return metrics
    own = getattr(state, "gateway_metrics", None)
    if not isinstance(own, GatewayMetrics):
        own = GatewayMetrics()
        setattr(state, "gateway_metrics", own)  # noqa: B010 - starlette State takes attributes
    return own


router = APIRouter(tags=["system"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(gateway_metrics(request.app.state).registry), media_type=CONTENT_TYPE_LATEST
    )

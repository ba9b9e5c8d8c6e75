"""The business counters on the service's metrics registry (``Services.metrics.registry``, served at ``/metrics``):
``inventory_core.business_events.BusinessEvents`` as Prometheus counters. The composition root (``app.services``)
hands them to the dialogue runner and the insight book; other writers call ``Services.business``."""

from __future__ import annotations

import re
from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry, Counter

READ_BACK_FAILURES = frozenset({"denied", "not_heard"})
"""Read-back outcomes that count as failed: the caller said no (``denied``), or it was never heard out
(``not_heard``: timed out, not understood, or cut off before its quantity)."""

_LABEL = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_ON: WeakKeyDictionary[CollectorRegistry, BusinessMetrics] = WeakKeyDictionary()


def label(value: str) -> str:
    """A label value as given when it is a short lower-case name, else ``other`` (bounded cardinality)."""
    return value if _LABEL.fullmatch(value) else "other"


class BusinessMetrics:
    """Implements ``BusinessEvents``. One per registry: use ``BusinessMetrics.on(registry)``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.writes = Counter(
            "inventory_writes_total",
            "Writes made, by kind (order, receipt, pick, count, set_min, ...) and channel (voice, phone, api, nlx, "
            "rest, mcp, ...).",
            ["kind", "channel"],
            registry=registry,
        )
        self.confirmations = Counter(
            "inventory_confirmations_total",
            "Read-backs settled, by outcome (confirmed, denied, corrected, cancelled, not_heard, other) and channel.",
            ["outcome", "channel"],
            registry=registry,
        )
        self.read_back_failures = Counter(
            "inventory_read_back_failures_total",
            "Read-backs that failed, by outcome: denied (the caller said no) or not_heard (timed out, not "
            "understood, or cut off before its quantity); and channel.",
            ["outcome", "channel"],
            registry=registry,
        )
        self.insights = Counter(
            "inventory_insights_total",
            "Insights raised (recorded once per dedupe key), by kind.",
            ["kind"],
            registry=registry,
        )

    @classmethod
    def on(cls, registry: CollectorRegistry) -> BusinessMetrics:
        """The registry's business metrics, made on first use."""
        found = _ON.get(registry)
        if found is None:
            found = _ON[registry] = cls(registry)
        return found

    def write(self, kind: str, channel: str) -> None:
        self.writes.labels(label(kind), label(channel)).inc()

    def confirmation(self, outcome: str, channel: str) -> None:
        outcome, channel = label(outcome), label(channel)
        self.confirmations.labels(outcome, channel).inc()
        if outcome in READ_BACK_FAILURES:
            self.read_back_failures.labels(outcome, channel).inc()

    def insight(self, kind: str) -> None:
        self.insights.labels(label(kind)).inc()

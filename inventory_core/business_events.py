"""What the business did, told to whoever counts it: writes by kind and channel, what became of read-backs, and
insights raised. The app counts them as Prometheus metrics (``app.business_metrics``); the default, ``NO_EVENTS``,
counts nothing. Implementations must not raise: they are told after the store has answered."""

from __future__ import annotations

from typing import Protocol


class BusinessEvents(Protocol):
    def write(self, kind: str, channel: str) -> None:
        """A write was made: ``kind`` as the dialogue names it (order, receipt, pick, count, set_min, ...),
        ``channel`` as the caller's write context does (voice, phone, api, nlx, mcp, ...)."""
        ...

    def confirmation(self, outcome: str, channel: str) -> None:
        """A read-back awaiting a yes or no was settled (``dialogue.contract.ConfirmationOutcome``)."""
        ...

    def insight(self, kind: str) -> None:
        """An insight was recorded (a repeat of an existing ``dedupe_key`` is not)."""
        ...


class NoEvents:
    """Counts nothing."""

    def write(self, kind: str, channel: str) -> None:
        return None

    def confirmation(self, outcome: str, channel: str) -> None:
        return None

    def insight(self, kind: str) -> None:
        return None


NO_EVENTS: BusinessEvents = NoEvents()

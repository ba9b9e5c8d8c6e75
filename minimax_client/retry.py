"""Retry with exponential back-off and full jitter, inside a total deadline.

``RetryPlan`` is pure (the caller passes the time); ``retry_call`` runs an operation with it. Streams use the
plan directly: they may retry only while no audio has reached the caller, since audio cannot be taken back."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from minimax_client.errors import MiniMaxError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    """Attempts in all, the first included."""
    base_delay_s: float = 0.25
    """Upper bound of the first back-off; doubles per attempt."""
    max_delay_s: float = 4.0
    """Cap on one back-off."""
    deadline_s: float = 15.0
    """No attempt starts, and no back-off sleeps, past this many seconds after the first attempt."""


class RetryPlan:
    """Decides whether and when to try again. Clock-free: ``now`` is given by the caller."""

    def __init__(
        self, policy: RetryPolicy, started_at: float, rng: Callable[[], float] = random.random
    ) -> None:
        self.policy = policy
        self.started_at = started_at
        self.attempts = 1
        self._rng = rng

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.started_at + self.policy.deadline_s - now)

    def next_delay(self, error: BaseException, now: float) -> float | None:
        """Seconds to wait before the next attempt, or None when ``error`` is final."""
        if not isinstance(error, MiniMaxError) or not error.retryable:
            return None
        if self.attempts >= self.policy.max_attempts:
            return None
        ceiling = min(self.policy.max_delay_s, self.policy.base_delay_s * (2 ** (self.attempts - 1)))
        delay = self._rng() * ceiling  # full jitter: spreads clients that failed together
        if delay >= self.remaining_s(now):
            return None
        self.attempts += 1
        return delay


async def retry_call(
    operation: Callable[[float], Awaitable[T]],
    policy: RetryPolicy,
    *,
    clock: Callable[[], float] = time.monotonic,
    rng: Callable[[], float] = random.random,
) -> T:
    """Run ``operation(remaining_s)`` until it succeeds, fails finally, or the deadline passes.

    The operation receives the seconds left in the budget so it can bound its own wait."""
    plan = RetryPlan(policy, clock(), rng)
    while True:
        try:
            return await operation(plan.remaining_s(clock()))
        except MiniMaxError as exc:
            delay = plan.next_delay(exc, clock())
            if delay is None:
                raise
            await asyncio.sleep(delay)

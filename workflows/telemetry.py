"""Prometheus metrics of the workflows, on the service's registry: every activity attempt by type and outcome, its
duration, and the workflows that failed for good (each also recorded as an insight: never silent)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor


class WorkflowMetrics(Interceptor):
    """A worker interceptor: wraps every activity this worker runs."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.attempts = Counter(
            "workflow_activity_attempts_total",
            "Activity attempts run by this worker, by activity and outcome (ok, failed, cancelled).",
            ["activity", "outcome"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "workflow_activity_seconds",
            "Duration of one activity attempt.",
            ["activity"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.failed_workflows = Counter(
            "workflow_failures_total",
            "Workflow runs that failed for good (after their retries), by workflow.",
            ["workflow"],
            registry=self.registry,
        )

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Measured(next, self)


class _Measured(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, metrics: WorkflowMetrics) -> None:
        super().__init__(next)
        self.metrics = metrics

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        name = activity.info().activity_type
        began = time.perf_counter()
        outcome = "failed"
        try:
            result = await super().execute_activity(input)
            outcome = "ok"
            return result
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            self.metrics.attempts.labels(name, outcome).inc()
            self.metrics.seconds.labels(name).observe(time.perf_counter() - began)

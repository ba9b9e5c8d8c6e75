"""Where new insights go when a cycle finds them: a webhook (JSON POST) when configured, the log otherwise."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import httpx

from inventory_core.errors import InventoryError
from inventory_core.insights import delivery_id
from inventory_core.models import Insight

log = logging.getLogger("inventorypulse.monitor")


class NotifyFailed(InventoryError):
    code = "notify_failed"
    retryable = True


class Notifier(Protocol):
    async def notify(self, insights: Sequence[Insight]) -> None: ...


class LogNotifier:
    async def notify(self, insights: Sequence[Insight]) -> None:
        for insight in insights:
            log.info("insight %s [%s]: %s", insight.kind, insight.severity, insight.message)


class WebhookNotifier:
    """POSTs ``{"source": "inventorypulse", "delivery_id": ..., "insights": [...]}``; any non-2xx answer is a
    retryable failure. A retry of the same insights carries the same ``delivery_id`` (also the
    ``Idempotency-Key`` header), so the receiver can drop a repeat."""

    def __init__(self, url: str, timeout_s: float = 5.0, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._owns_client = client is None

    async def notify(self, insights: Sequence[Insight]) -> None:
        if not insights:
            return
        delivery = delivery_id(insights)
        payload = {
            "source": "inventorypulse",
            "delivery_id": delivery,
            "insights": [i.model_dump(mode="json", exclude={"notified"}) for i in insights],
        }
        try:
            response = await self._client.post(self.url, json=payload, headers={"Idempotency-Key": delivery})
        except httpx.HTTPError as exc:
            raise NotifyFailed(f"notification webhook unreachable: {exc}", url=self.url) from exc
        if response.status_code >= 300:
            raise NotifyFailed(f"notification webhook answered {response.status_code}", url=self.url)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

"""Lifecycle hooks: recorded with their correlation id and hook version, acknowledged, retries not duplicated."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from inventory_core.service import InventoryService
from nlx_webhooks.lifecycle import COLLECTION
from tests.nlx.conftest import BEARER

pytestmark = pytest.mark.nlx


def hook_headers(correlation: str) -> dict[str, str]:
    return {**BEARER, "nlx-correlation-id": correlation, "nlx-lifecycle-hook-version": "v1"}


@pytest.mark.parametrize("event", ["conversationStart", "conversationEscalation", "conversationEnd"])
async def test_each_hook_is_recorded(nlx: httpx.AsyncClient, inventory: InventoryService, event: str) -> None:
    correlation = str(uuid.uuid4())
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    body = {"eventType": event, "conversationId": conversation, "context": {"channel": "voice"}}
    r = await nlx.post("/api/nlx/lifecycle", json=body, headers=hook_headers(correlation))
    assert r.status_code == 200
    assert r.json() == {"received": True, "event_type": event, "correlation_id": correlation}
    docs = await inventory.store.db[COLLECTION].find({"conversation_id": conversation}).to_list()
    assert len(docs) == 1
    assert docs[0]["event_type"] == event and docs[0]["hook_version"] == "v1"
    assert json.loads(docs[0]["body"])["context"] == {"channel": "voice"}


async def test_a_retried_hook_is_stored_once(nlx: httpx.AsyncClient, inventory: InventoryService) -> None:
    correlation = str(uuid.uuid4())
    for _ in range(2):
        r = await nlx.post(
            "/api/nlx/lifecycle", json={"eventType": "conversationEnd"}, headers=hook_headers(correlation)
        )
        assert r.status_code == 200
    assert await inventory.store.db[COLLECTION].count_documents({"correlation_id": correlation}) == 1


async def test_an_unknown_body_shape_is_still_acknowledged(nlx: httpx.AsyncClient) -> None:
    r = await nlx.post("/api/nlx/lifecycle", json={"$weird.key\u0000": ["else"]}, headers=BEARER)
    assert r.status_code == 200 and r.json()["event_type"] == "unknown"
    r = await nlx.post("/api/nlx/lifecycle", json={"eventType": "conversationEnd"})
    assert r.status_code == 401

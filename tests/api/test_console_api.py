"""The console's feed (server-sent events over a real socket) and audit trail: both need a token; the feed's low
count is the API's, a pick that takes an item low and an insight written by another process arrive within
seconds, and the feed stops when its client leaves or its sign-in ends."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from bson import ObjectId
from pydantic import SecretStr

from app.auth import Authenticator
from app.main import create_app
from app.routes import console
from app.services import Services
from app.settings import Settings
from inventory_core.demo_loader import load_demo
from inventory_core.models import Insight
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore, utcnow
from tests.conftest import API_TOKEN
from tests.fakes.clock import eventually

pytestmark = pytest.mark.mongo

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
Event = tuple[str, dict[str, Any]]


@pytest_asyncio.fixture(scope="module")
async def db(mongo_uri: str) -> AsyncIterator[tuple[str, str]]:
    """A demo warehouse of this module's own: these tests take items low."""
    name = f"ip_console_{uuid.uuid4().hex[:8]}"
    store = MongoStore(mongo_uri, name)
    await store.ensure_indexes()
    await load_demo(store, seed=7, progress=False)
    await store.close()
    yield mongo_uri, name


@pytest_asyncio.fixture(scope="module")
async def served(db: tuple[str, str]) -> AsyncIterator[tuple[str, Services]]:
    store = MongoStore(*db)
    settings = Settings(api_tokens=[SecretStr(API_TOKEN)])
    services = Services(
        settings=settings, inventory=InventoryService(store), auth=Authenticator({API_TOKEN: "tester"})
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(services=services), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}", services
    server.should_exit = True
    await task
    await store.close()


@pytest_asyncio.fixture
async def api(served: tuple[str, Services]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served[0], headers=AUTH, timeout=10) as client:
        yield client


async def events(response: httpx.Response) -> AsyncIterator[Event]:
    """Server-sent events as (event, data); comments (the heartbeat) are skipped."""
    event, data = "message", list[str]()
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())


async def next_event(stream: AsyncIterator[Event], wanted: Callable[[Event], bool], within: float) -> Event:
    async def find() -> Event:
        async for item in stream:
            if wanted(item):
                return item
        raise AssertionError("the feed ended")

    return await asyncio.wait_for(find(), within)


async def low_count(api: httpx.AsyncClient) -> int:
    r = await api.get("/api/inventory/low-stock")
    r.raise_for_status()
    return len(r.json())


async def test_feed_and_audit_need_a_token(api: httpx.AsyncClient) -> None:
    for path in ("/api/console/feed", "/api/console/audit"):
        assert (await api.get(path, headers={"Authorization": ""})).status_code == 401
        r = await api.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401
        assert r.json()["code"] == "unauthenticated"


async def test_low_count_is_the_apis_and_a_pick_that_takes_an_item_low_arrives(
    api: httpx.AsyncClient,
) -> None:
    page = (await api.get("/api/inventory", params={"low_stock": "false", "limit": 100})).json()
    item = next(p for p in page["items"] if p["stock"][0]["effective_min"] > 0)
    level = item["stock"][0]
    pick = level["on_hand"] - level["effective_min"] + 1  # one below its minimum afterwards
    before = await low_count(api)

    async with api.stream("GET", "/api/console/feed", params={"backlog": 0}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        stream = events(r)
        _, first = await next_event(stream, lambda e: e[0] == "low_count", 5)
        assert first["count"] == before

        t0 = time.monotonic()
        moved = await api.post(
            f"/api/inventory/{item['sku']}/movements",
            json={"kind": "pick", "quantity": pick, "site": level["site"]},
            headers={"Idempotency-Key": f"console-test-{uuid.uuid4().hex}"},
        )
        assert moved.status_code == 201, moved.text
        movement_id = moved.json()["movement"]["movement_id"]
        _, event = await next_event(stream, lambda e: e[1].get("movement_id") == movement_id, 5)
        assert time.monotonic() - t0 < 5
        assert (event["sku"], event["site"], event["kind"]) == (item["sku"], level["site"], "pick")
        assert (event["before"], event["after"]) == (level["on_hand"], level["effective_min"] - 1)
        assert event["crossed_low"] and event["low"] and event["effective_min"] == level["effective_min"]

        _, after = await next_event(stream, lambda e: e[0] == "low_count", 5)
        assert after["count"] == before + 1 == await low_count(api)


async def test_insights_from_another_process_arrive_even_from_a_slow_clock(
    api: httpx.AsyncClient, db: tuple[str, str]
) -> None:
    worker = MongoStore(*db)  # a workflow worker: its own client on the shared store
    try:
        async with api.stream("GET", "/api/console/feed", params={"backlog": 0}) as r:
            stream = events(r)
            await next_event(stream, lambda e: e[0] == "low_count", 5)
            added = await InventoryService(worker).add_insight(
                "low_stock", "console test: below minimum", f"console-{uuid.uuid4().hex}", "FAS-1003", "main"
            )
            assert added is not None
            _, got = await next_event(stream, lambda e: e[0] == "insight", 5)
            assert got["insight_id"] == added.insight_id and got["message"] == added.message

            # Written by a clock 5 s behind, after a newer one was sent: still found (the polling window).
            late = Insight(
                insight_id=uuid.uuid4().hex[:12],
                kind="anomaly",
                message="console test: late clock",
                dedupe_key=f"console-{uuid.uuid4().hex}",
                created_at=utcnow() - timedelta(seconds=5),
            )
            lagging = ObjectId.from_datetime(utcnow() - timedelta(seconds=5))
            await worker.insights.insert_one(late.model_dump() | {"_id": lagging})
            _, got = await next_event(stream, lambda e: e[0] == "insight", 5)
            assert got["insight_id"] == late.insight_id

        async with api.stream("GET", "/api/console/feed", params={"backlog": 2}) as r:
            firsts = [e async for e in _take(events(r), 5)]
        # The backlog: the newest two of each, oldest (by their writers' clocks) first, then the low count.
        assert [e[0] for e in firsts] == ["insight", "insight", "movement", "movement", "low_count"]
        assert [e[1]["insight_id"] for e in firsts[:2]] == [late.insight_id, added.insight_id]
    finally:
        await worker.close()


async def _take(stream: AsyncIterator[Event], n: int) -> AsyncIterator[Event]:
    for _ in range(n):
        yield await asyncio.wait_for(anext(stream), 5)


async def test_the_feed_stops_polling_when_its_client_leaves(api: httpx.AsyncClient) -> None:
    before = console.FEEDS.open
    async with api.stream("GET", "/api/console/feed", params={"backlog": 0}) as r:
        await next_event(events(r), lambda e: e[0] == "low_count", 5)
        assert console.FEEDS.open == before + 1
    await eventually(lambda: console.FEEDS.open == before, within_s=5)


async def test_a_feed_ends_when_its_token_stops_working(
    api: httpx.AsyncClient, served: tuple[str, Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "REAUTH_S", 0.5)
    services = served[1]
    known = services.auth
    try:
        async with api.stream("GET", "/api/console/feed", params={"backlog": 0}) as r:
            stream = events(r)
            await next_event(stream, lambda e: e[0] == "low_count", 5)
            services.auth = Authenticator({})  # the token is revoked
            name, _ = await next_event(stream, lambda e: e[0] == "signed_out", 5)
            assert name == "signed_out"
            with pytest.raises(AssertionError, match="ended"):
                await next_event(stream, lambda e: True, 5)
    finally:
        services.auth = known


async def test_audit_lists_the_newest_writes_with_secrets_masked(api: httpx.AsyncClient) -> None:
    supplier_id, url = f"CT{uuid.uuid4().hex[:8].upper()}", "https://feed.example/stock.csv"
    body = {
        "supplier_id": supplier_id,
        "name": "Console Test Supply",
        "connector": {"kind": "csv", "url": url, "token": "s3cret-feed-token"},
    }
    assert (
        await api.post("/api/suppliers", json=body, headers={"Idempotency-Key": supplier_id})
    ).status_code == 201

    r = await api.get("/api/console/audit", params={"limit": 5})
    assert r.status_code == 200
    entries = r.json()
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    entry = next(e for e in entries if e["entity"] == supplier_id)
    assert (entry["action"], entry["actor"], entry["channel"]) == ("supplier.create", "tester", "api")
    assert entry["after"]["connector"]["token"] == "***"
    assert entry["after"]["connector"]["url"] == url
    assert "s3cret-feed-token" not in r.text
    assert (await api.get("/api/console/audit", params={"limit": 501})).status_code == 422

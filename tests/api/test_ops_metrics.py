"""Operations at the HTTP edge: HTTP and business metrics on the one registry, who may read ``/metrics``, CORS for
the web widget, request ids on responses and log lines, and the call id inside a call's tasks."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from starlette.types import Message, Receive, Scope, Send

from app.http_metrics import HttpMetricsMiddleware
from app.logs import REQUEST_ID, ContextIds, JsonFormatter
from app.main import create_app
from app.services import Parts, Services, open_services
from app.settings import Settings
from inventory_core.models import Location, Product, StockLevel
from tests.conftest import API_TOKEN, write_ctx
from voice_gateway.call_tasks import CALL_ID, CallTasks

pytestmark = pytest.mark.mongo

SKU = "OPS-7301"
ORIGIN = "https://widget.example"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


@pytest.fixture(scope="module")
async def services(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Services]:
    """The services as ``open_services`` wires them (dialogue, business counters), on an empty store with one item."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        mongodb_uri=mongo_uri,
        mongodb_db=f"ip_ops_{uuid.uuid4().hex[:8]}",
        api_tokens=[SecretStr(API_TOKEN)],
        var_dir=tmp_path_factory.mktemp("var"),
        load_demo_data=False,
        log_json=False,
    )
    parts = Parts(forecasting=False, speech=False, mcp_http=False, workflows=False)
    async with open_services(settings, parts=parts, load_demo_progress=False) as opened:
        product = Product(
            sku=SKU,
            name="blue gizmo brackets",
            category="test",
            locations=[Location(site="main", bin="Z-01-1", check_digits="17")],
        )
        await opened.inventory.create_product(
            product, [StockLevel(sku=SKU, site="main", on_hand=5)], write_ctx()
        )
        yield opened


def client_for(app: FastAPI, host: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 51000))
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=AUTH)


def sample(services: Services, name: str, **labels: str) -> float:
    return services.metrics.registry.get_sample_value(name, labels) or 0.0


def http_total(services: Services) -> float:
    return sum(
        s.value
        for metric in services.metrics.registry.collect()
        if metric.name == "http_requests"
        for s in metric.samples
        if s.name == "http_requests_total"
    )


async def test_http_requests_are_counted_by_route_template(services: Services) -> None:
    route = "/api/inventory/{sku_or_name}"
    ok = {"method": "GET", "route": route, "status": "200"}
    missing = {"method": "GET", "route": route, "status": "404"}
    before = {k: sample(services, "http_requests_total", **v) for k, v in (("ok", ok), ("missing", missing))}
    async with client_for(create_app(services=services)) as client:
        assert (await client.get(f"/api/inventory/{SKU}")).status_code == 200
        assert (await client.get("/api/inventory/NOPE-404")).status_code == 404
        assert (await client.get("/no/such/path")).status_code == 404
        body = (await client.get("/metrics")).text
    assert sample(services, "http_requests_total", **ok) == before["ok"] + 1
    assert sample(services, "http_requests_total", **missing) == before["missing"] + 1
    assert sample(services, "http_requests_total", method="GET", route="unmatched", status="404") >= 1
    assert sample(services, "http_request_duration_seconds_count", method="GET", route=route) >= 2
    assert SKU not in body and "NOPE-404" not in body and "/no/such/path" not in body  # templates only
    assert "voice_turns_total" in body and "event_loop_lag_seconds" in body  # one registry for all


async def test_websockets_are_not_counted_as_http(services: Services) -> None:
    seen: list[str] = []

    async def call(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def nothing() -> Message:
        return {"type": "websocket.disconnect"}

    async def dropped(message: Message) -> None:
        return None

    before = http_total(services)
    scope = {"type": "websocket", "app": create_app(services=services), "path": "/ws/voice", "headers": []}
    await HttpMetricsMiddleware(call)(scope, nothing, dropped)
    assert seen == ["websocket"] and http_total(services) == before


async def test_dialogue_writes_read_backs_and_insights_are_counted(services: Services) -> None:
    receipts = {"kind": "receipt", "channel": "api"}
    before = sample(services, "inventory_writes_total", **receipts)
    denied = sample(services, "inventory_read_back_failures_total", outcome="denied", channel="api")
    async with client_for(create_app(services=services)) as client:
        session = uuid.uuid4().hex[:12]
        for text in (
            "we received 12 blue gizmo brackets",
            "17",
            "yes",
            "received 30 blue gizmo brackets",
            "17",
            "no",
        ):
            r = await client.post("/api/agent/query", json={"session_id": session, "text": text})
            assert r.status_code == 200, r.text
    assert sample(services, "inventory_writes_total", **receipts) == before + 1
    picks = {"kind": "pick", "channel": "api"}
    rest_before = sample(services, "inventory_writes_total", **picks)
    async with client_for(create_app(services=services)) as client:
        for _ in range(2):  # a REST write counts too, once: the retry with its key is a replay
            r = await client.post(
                f"/api/inventory/{SKU}/movements",
                json={"kind": "pick", "quantity": 1},
                headers={"Idempotency-Key": session},
            )
            assert r.status_code == 201, r.text
    assert sample(services, "inventory_writes_total", **picks) == rest_before + 1
    assert sample(services, "inventory_confirmations_total", outcome="confirmed", channel="api") >= 1
    assert (
        sample(services, "inventory_read_back_failures_total", outcome="denied", channel="api") == denied + 1
    )
    key = uuid.uuid4().hex
    for _ in range(2):  # the second is a repeat of the same dedupe key: not raised again
        await services.inventory.add_insight("ops_test", "a test insight", key, sku=SKU)
    assert sample(services, "inventory_insights_total", kind="ops_test") == 1


async def test_metrics_with_a_token_need_it(services: Services) -> None:
    settings = services.settings.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    async with client_for(create_app(settings, services), host="203.0.113.9") as client:
        assert (await client.get("/metrics")).status_code == 401
        r = await client.get("/metrics", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        r = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(("host", "status"), [("127.0.0.1", 200), ("::1", 200), ("203.0.113.9", 403)])
async def test_metrics_without_a_token_are_for_loopback_only(
    services: Services, host: str, status: int
) -> None:
    async with client_for(create_app(services=services), host=host) as client:
        assert (await client.get("/metrics")).status_code == status


async def test_metrics_before_the_services_open_are_503(tmp_path: Path) -> None:
    app = create_app(Settings(_env_file=None, var_dir=tmp_path))  # type: ignore[call-arg]
    async with client_for(app) as client:  # no lifespan: the services never open
        assert (await client.get("/metrics")).status_code == 503


async def test_cors_preflight_from_an_allowed_origin_and_a_refused_one(services: Services) -> None:
    settings = services.settings.model_copy(update={"cors_origins": [ORIGIN]})
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key, x-api-key",
    }
    async with client_for(create_app(settings, services)) as client:
        r = await client.options("/api/agent/query", headers={"Origin": ORIGIN, **preflight})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN
        allowed = r.headers["access-control-allow-headers"].lower()
        assert all(h in allowed for h in ("authorization", "content-type", "idempotency-key", "x-api-key"))
        r = await client.options("/api/agent/query", headers={"Origin": "https://evil.example", **preflight})
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
        r = await client.get("/api/health", headers={"Origin": ORIGIN})
        assert r.headers["access-control-allow-origin"] == ORIGIN
    async with client_for(create_app(services=services)) as client:  # no origins configured: no CORS at all
        r = await client.get("/api/health", headers={"Origin": ORIGIN})
        assert "access-control-allow-origin" not in r.headers


async def test_request_ids_on_responses_and_log_lines(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(ContextIds())
    caplog.set_level(logging.INFO, logger="inventorypulse")
    async with client_for(create_app(services=services)) as client:
        r = await client.get("/api/health", headers={"X-Request-ID": "lb-1.trace_2"})
        assert r.headers["x-request-id"] == "lb-1.trace_2"
        for bad in ("x" * 65, "no spaces", "semi;colon"):
            given = (await client.get("/api/health", headers={"X-Request-ID": bad})).headers["x-request-id"]
            assert given != bad and len(given) == 32
        r = await client.post(
            "/api/agent/query",
            json={"session_id": "rid-1", "text": "hello"},
            headers={"X-Request-ID": "turn-77"},
        )
        assert r.headers["x-request-id"] == "turn-77"
    turns = [rec for rec in caplog.records if rec.getMessage() == "agent turn"]
    assert turns and all(getattr(rec, "request_id", None) == "turn-77" for rec in turns)
    assert json.loads(JsonFormatter().format(turns[0]))["request_id"] == "turn-77"
    assert REQUEST_ID.get() is None  # not left behind once the request is answered


async def test_a_calls_tasks_carry_its_call_id() -> None:
    tasks = CallTasks("call-42")
    record = logging.LogRecord("voice_gateway.session", logging.INFO, __file__, 1, "turn", (), None)

    async def inside() -> str | None:
        ContextIds().filter(record)
        return CALL_ID.get()

    assert await tasks.spawn(inside(), "probe") == "call-42"
    assert getattr(record, "call_id", None) == "call-42"
    assert CALL_ID.get() is None  # the spawner's own context is untouched
    await asyncio.sleep(0)

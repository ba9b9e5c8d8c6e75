"""The HTTP edge refuses what it cannot serve safely, before it reaches the store or fuzzy matching: over-long
names (422), quantities that are not JSON integers (422), lone UTF-16 surrogates (422), over-size bodies with or
without Content-Length (413)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from inventory_core.errors import InvalidInput
from inventory_core.naming import suggestions
from inventory_core.service import InventoryService
from inventory_core.text import MAX_NAME_CHARS, lone_surrogate_at
from tests.nlx.conftest import BEARER, nlx_app

pytestmark = pytest.mark.mongo

LONG = "bolts" * 12_800  # 64,000 characters


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"}


# --- length -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/api/inventory/{LONG}",
        f"/api/inventory/{'x' * (MAX_NAME_CHARS + 1)}",
        f"/api/suppliers/{'x' * (MAX_NAME_CHARS + 1)}",
        f"/api/orders/{'x' * (MAX_NAME_CHARS + 1)}",
        f"/api/inventory?q={'x' * 101}",
        f"/api/inventory?category={'x' * (MAX_NAME_CHARS + 1)}",
        f"/api/inventory/low-stock?site={'x' * (MAX_NAME_CHARS + 1)}",
        f"/api/admin/reconcile?sku={'x' * (MAX_NAME_CHARS + 1)}",
    ],
)
async def test_over_long_names_are_422(client: httpx.AsyncClient, path: str) -> None:
    # invalid_request is the edge's validation answer: refused before any lookup or fuzzy match ran.
    r = await client.get(path)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request", r.text


async def test_a_name_at_the_limit_is_looked_up(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/api/inventory/{'bolt ' * (MAX_NAME_CHARS // 5)}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_the_core_refuses_or_truncates_long_names(inventory: InventoryService) -> None:
    with pytest.raises(InvalidInput):
        await inventory.lookup(LONG)
    names = [p.name for p in (await inventory.catalogue()).products]
    began = time.perf_counter()
    suggestions(LONG, names)
    assert time.perf_counter() - began < 0.2  # the whole 64,000 characters took seconds


async def test_nlx_item_names_are_bounded(inventory: InventoryService) -> None:
    async with _nlx(inventory) as nlx:
        r = await nlx.post("/api/nlx/inventory/check", json={"item": LONG}, headers=BEARER)
        assert r.status_code == 422 and r.json()["code"] == "invalid_request"


# --- strict quantities --------------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [True, "2", 2.0, 2.5, [2]])
async def test_quantities_must_be_json_integers(client: httpx.AsyncClient, quantity: object) -> None:
    movement = await client.post(
        "/api/inventory/FAS-1001/movements", json={"kind": "pick", "quantity": quantity}, headers=_key()
    )
    order = await client.post("/api/orders", json={"sku": "FAS-1001", "quantity": quantity}, headers=_key())
    patch = await client.put("/api/inventory/FAS-1001", json={"min_qty": quantity}, headers=_key())
    for r in (movement, order, patch):
        assert r.status_code == 422 and r.json()["code"] == "invalid_request", r.text
        assert "quantity" in r.text or "min_qty" in r.text


async def test_stock_levels_of_a_new_product_must_be_integers(client: httpx.AsyncClient) -> None:
    body = {
        "sku": "TST-9301",
        "name": "strict widget",
        "category": "test",
        "locations": [{"site": "main", "bin": "Z-01-1", "check_digits": "33"}],
        "stock": [{"site": "main", "on_hand": "5"}],
    }
    r = await client.post("/api/inventory", json=body, headers=_key())
    assert r.status_code == 422 and "on_hand" in r.text


async def test_nlx_order_quantities_must_be_integers(inventory: InventoryService) -> None:
    async with _nlx(inventory) as nlx:
        for quantity in (True, "12", 12.0):
            r = await nlx.post(
                "/api/nlx/orders/propose", json={"item": "paper cups", "quantity": quantity}, headers=BEARER
            )
            assert r.status_code == 422 and "quantity" in r.json()["message"], r.text


# --- lone surrogates ----------------------------------------------------------------------------------------

SURROGATE = "\\ud800"  # as JSON writes it: a lone high surrogate


def _raw(body: str) -> bytes:
    """JSON text with ``@`` standing for a lone surrogate escape (json.dumps would not write one)."""
    return body.replace("@", SURROGATE).encode()


def test_the_rule_finds_surrogates_anywhere() -> None:
    value = json.loads(_raw('{"a": [1, {"b": "ok", "c": "x@"}]}'))
    assert lone_surrogate_at(value) == "a.1.c"
    assert lone_surrogate_at(json.loads(_raw('{"k@": 1}'))) == "k\ud800"
    assert lone_surrogate_at({"a": ["fine", "🙂"]}) is None  # a proper pair is text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "POST",
            "/api/inventory",
            '{"sku": "TST-9302", "name": "surrogate widget", "category": "test", "aliases": ["@"],'
            ' "locations": [{"site": "main", "bin": "Z-01-1", "check_digits": "33"}]}',
        ),
        ("POST", "/api/inventory/FAS-1001/movements", '{"kind": "receipt", "quantity": 1, "site": "@"}'),
        ("PUT", "/api/inventory/FAS-1001", '{"aliases": ["bolts @"]}'),
        ("POST", "/api/orders", '{"sku": "FAS-1001", "quantity": 5, "site": "@"}'),
        ("PUT", "/api/sites/main", '{"name": "@ annex"}'),
        ("POST", "/api/agent/query", '{"text": "how many @", "context": {"site": "@"}}'),
    ],
)
async def test_lone_surrogates_are_422(client: httpx.AsyncClient, method: str, path: str, body: str) -> None:
    r = await client.request(method, path, content=_raw(body), headers=_key())
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_request" and "surrogate" in r.json()["message"]


async def test_lone_surrogates_in_nlx_bodies_are_422(inventory: InventoryService) -> None:
    async with _nlx(inventory) as nlx:
        headers = {**BEARER, "Content-Type": "application/json"}
        for path, body in [
            ("/api/nlx/inventory/check", '{"item": "paper cups", "site": "@"}'),
            ("/api/nlx/inventory/check", '{"variables": [{"variableId": "v", "payload": {"item": "@"}}]}'),
            ("/api/nlx/orders/propose", '{"item": "paper cups", "quantity": 5, "context": {"userId": "@"}}'),
            ("/api/nlx/lifecycle", '{"eventType": "@", "conversationId": "c1"}'),
        ]:
            r = await nlx.post(path, content=_raw(body), headers=headers)
            assert r.status_code == 422 and "surrogate" in r.json()["message"], (path, r.text)


# --- body size ----------------------------------------------------------------------------------------------


async def _chunks(total: int, size: int = 4096) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


async def test_an_over_size_chunked_body_is_413(client: httpx.AsyncClient) -> None:
    # No Content-Length: httpx sends an async iterator chunked (the client fixture allows 20,000 bytes).
    r = await client.post("/api/orders", content=_chunks(50_000), headers=_key())
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large", r.text


async def test_an_over_size_chunked_body_to_nlx_is_413(inventory: InventoryService) -> None:
    async with _nlx(inventory) as nlx:  # the default limit: 1,000,000 bytes
        r = await nlx.post("/api/nlx/inventory/check", content=_chunks(1_100_000), headers=BEARER)
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large", r.text


async def test_a_chunked_body_under_the_limit_is_served(client: httpx.AsyncClient) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"kind": "pick", '
        yield b'"quantity": "x"}'

    r = await client.post("/api/inventory/FAS-1001/movements", content=body(), headers=_key())
    assert r.status_code == 422 and "quantity" in r.text  # read whole and validated, not refused


def _nlx(inventory: InventoryService) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=nlx_app(inventory)), base_url="http://test")

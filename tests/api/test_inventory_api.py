"""The REST API end to end over ASGI, against the real store with the demo warehouse."""

from __future__ import annotations

import uuid

import httpx
import pytest

from inventory_core.service import InventoryService

pytestmark = pytest.mark.mongo


async def test_health_needs_no_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health", headers={"Authorization": ""})
    assert r.status_code == 200 and r.json()["store"] == "ok"


@pytest.mark.parametrize(
    "path", ["/api/inventory", "/api/inventory/low-stock", "/api/orders", "/api/suppliers/FAS-1001"]
)
async def test_auth_401_without_or_with_a_wrong_token(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path, headers={"Authorization": ""})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert r.headers["www-authenticate"] == "Bearer"
    r = await client.get(path, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


async def test_list_filters_and_pagination(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/inventory", params={"limit": 10, "offset": 5})
    body = r.json()
    assert r.status_code == 200 and body["total"] >= 300 and len(body["items"]) == 10 and body["offset"] == 5
    r = await client.get("/api/inventory", params={"category": "safety gear", "limit": 500})
    items = r.json()["items"]
    assert items and all(i["category"] == "safety gear" for i in items)
    r = await client.get("/api/inventory", params={"q": "nitrile"})
    assert {i["name"] for i in r.json()["items"]} >= {"nitrile gloves large", "nitrile gloves small"}
    r = await client.get("/api/inventory", params={"site": "east", "limit": 500})
    assert all("east" in [s["site"] for s in i["stock"]] for i in r.json()["items"])


async def test_low_stock_agrees_with_the_filter(client: httpx.AsyncClient) -> None:
    low = (await client.get("/api/inventory/low-stock")).json()
    assert low and all(i["low_stock"] for i in low)
    flt = (await client.get("/api/inventory", params={"low_stock": "true", "limit": 500})).json()
    assert {i["sku"] for i in low} == {i["sku"] for i in flt["items"]}
    not_low = (await client.get("/api/inventory", params={"low_stock": "false", "limit": 500})).json()
    assert not {i["sku"] for i in low} & {i["sku"] for i in not_low["items"]}


@pytest.mark.parametrize(
    "ident", ["FAS-1003", "fas1003", "Half-Inch Hex Bolts", "half inch  hex bolts", "half-inch bolts"]
)
async def test_lookup_by_sku_name_or_alias_is_tolerant(client: httpx.AsyncClient, ident: str) -> None:
    r = await client.get(f"/api/inventory/{ident}")
    assert r.status_code == 200 and r.json()["sku"] == "FAS-1003"


async def test_unknown_item_suggests_close_matches(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/inventory/nitrile glovs larg")
    assert r.status_code == 404
    assert "nitrile gloves large" in r.json()["details"]["suggestions"]


async def test_create_update_and_move_stock(client: httpx.AsyncClient) -> None:
    sku = f"TST-{uuid.uuid4().int % 10**6:06d}"
    product = {
        "sku": sku,
        "name": f"test pallets {sku}",
        "category": "test",
        "pack_size": 5,
        "locations": [{"site": "main", "bin": "Z-01-1", "check_digits": "33"}],
        "stock": [{"site": "main", "on_hand": 40, "min_qty": 10}],
    }
    r = await client.post("/api/inventory", json=product)
    assert r.status_code == 201 and r.json()["current_quantity"] == 40
    assert (await client.post("/api/inventory", json=product)).status_code == 409
    r = await client.put(f"/api/inventory/{sku}", json={"min_qty": 50})
    assert r.status_code == 200 and r.json()["low_stock"] is True
    headers = {"Idempotency-Key": f"pick-{sku}"}
    first = await client.post(
        f"/api/inventory/{sku}/movements", json={"kind": "pick", "quantity": 15}, headers=headers
    )
    again = await client.post(
        f"/api/inventory/{sku}/movements", json={"kind": "pick", "quantity": 15}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert (await client.get(f"/api/inventory/{sku}")).json()["current_quantity"] == 25
    r = await client.post(
        f"/api/inventory/{sku}/movements",
        json={"kind": "pick", "quantity": 99},
        headers={"Idempotency-Key": "x" + sku},
    )
    assert r.status_code == 409 and r.json()["details"]["on_hand"] == 25 and "25" in r.json()["message"]
    r = await client.post(f"/api/inventory/{sku}/movements", json={"kind": "pick", "quantity": 1})
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_required"
    report = (await client.get("/api/admin/reconcile", params={"sku": sku})).json()
    assert report["checked"] == 1 and report["drift"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "pick", "quantity": "lots"},
        {"kind": "teleport", "quantity": 1},
        {"quantity": 1},
        {"kind": "pick", "quantity": 5_000_000},
    ],
)
async def test_bad_movement_bodies_are_422_with_a_reason(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    r = await client.post(
        "/api/inventory/FAS-1001/movements", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_request" and r.json()["message"].startswith(
        "the request is not valid"
    )


async def test_junk_json_and_oversized_bodies(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/orders",
        content=b"{not json",
        headers={"Content-Type": "application/json", "Idempotency-Key": "j"},
    )
    assert r.status_code == 422
    r = await client.post(
        "/api/orders",
        content=b"x" * 50_000,
        headers={"Content-Type": "application/json", "Idempotency-Key": "big"},
    )
    assert r.status_code == 413 and r.json()["code"] == "payload_too_large"


async def test_orders_lifecycle_and_idempotency(client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": uuid.uuid4().hex}
    offers = (await client.get("/api/suppliers/FAS-1001")).json()
    assert offers and {"supplier_id", "price", "lead_time_days", "supplier_on_hand"} <= set(offers[0])
    r1 = await client.post("/api/orders", json={"sku": "FAS-1001", "quantity": 500}, headers=key)
    r2 = await client.post("/api/orders", json={"sku": "FAS-1001", "quantity": 500}, headers=key)
    assert r1.status_code == r2.status_code == 201 and r1.json()["order_id"] == r2.json()["order_id"]
    conflict = await client.post("/api/orders", json={"sku": "FAS-1001", "quantity": 700}, headers=key)
    assert conflict.status_code == 409
    order_id = r1.json()["order_id"]
    assert (await client.get(f"/api/orders/{order_id}")).json()["status"] == "placed"
    assert any(
        o["order_id"] == order_id
        for o in (await client.get("/api/orders", params={"sku": "FAS-1001"})).json()
    )
    before = (await client.get("/api/inventory/FAS-1001")).json()["current_quantity"]
    assert (await client.patch(f"/api/orders/{order_id}", json={"status": "received"})).status_code == 409
    for status in ("confirmed", "shipped", "received"):
        assert (await client.patch(f"/api/orders/{order_id}", json={"status": status})).status_code == 200
    after = (await client.get("/api/inventory/FAS-1001")).json()["current_quantity"]
    assert after == before + 500
    assert (await client.patch(f"/api/orders/{order_id}", json={"status": "received"})).json()[
        "status"
    ] == "received"
    assert (await client.get("/api/inventory/FAS-1001")).json()["current_quantity"] == after
    assert (await client.get("/api/orders/PO-1")).status_code == 404


async def test_order_below_supplier_minimum_or_unknown_supplier(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/orders", json={"sku": "FAS-1001", "quantity": 3}, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert r.status_code == 400 and r.json()["details"]["min_order_qty"] == 100
    r = await client.post(
        "/api/orders",
        json={"sku": "FAS-1001", "quantity": 300, "supplier_id": "SUP99"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 400 and r.json()["details"]["suppliers"]


async def test_sites_are_named_through_the_api_and_the_catalogue_carries_the_name(
    client: httpx.AsyncClient, inventory: InventoryService
) -> None:
    r = await client.put("/api/sites/North", json={"name": "  north   dock "})
    assert r.status_code == 200 and r.json() == {"site": "north", "name": "north dock"}
    snapshot = await inventory.catalogue()
    assert snapshot.site_name("north") == "north dock" and snapshot.site_name("nowhere") == "nowhere"
    assert snapshot.site_names["east"] == "east annex"  # the demo's sites are named by the loader
    assert (await client.put("/api/sites/north", json={"name": ""})).status_code == 422
    assert (await client.put("/api/sites/north", json={"name": "x", "extra": 1})).status_code == 422
    audit = await inventory.store.audit_log.find_one({"action": "site.name", "entity": "north"})
    assert audit is not None and audit["actor"] == "tester"

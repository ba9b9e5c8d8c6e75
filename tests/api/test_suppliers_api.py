"""Suppliers and their offers through the REST API: a product created through the API has no offer and cannot be
ordered; once a supplier and an offer are written it can, through the API and by voice (the dialogue)."""

from __future__ import annotations

import uuid

import httpx

from dialogue.service import DialogueService
from inventory_core.service import InventoryService


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def new_product(client: httpx.AsyncClient) -> tuple[str, str]:
    sku = f"SUP-{uuid.uuid4().int % 10**6:06d}"
    name = f"teal gasket kit {sku[-3:]}"
    body = {
        "sku": sku, "name": name, "category": "test",
        "locations": [{"site": "main", "bin": "Q-01-1", "check_digits": "42"}],
        "stock": [{"site": "main", "on_hand": 3}],
    }  # fmt: skip
    r = await client.post("/api/inventory", json=body, headers=key())
    assert r.status_code == 201, r.text
    return sku, name


async def test_a_product_created_through_the_api_can_be_ordered_once_a_supplier_offers_it(
    client: httpx.AsyncClient, inventory: InventoryService
) -> None:
    sku, name = await new_product(client)
    refused = await client.post("/api/orders", json={"sku": sku, "quantity": 30}, headers=key())
    assert refused.status_code == 404 and "no supplier offers this item" in refused.text
    supplier_id = f"SUPT{uuid.uuid4().hex[:4].upper()}"
    made = await client.post(
        "/api/suppliers", json={"supplier_id": supplier_id, "name": "Harbor Seals Co"}, headers=key()
    )
    assert made.status_code == 201, made.text
    offer = {"price": 4.25, "supplier_on_hand": 500, "lead_time_days": 3, "min_order_qty": 10}
    put = await client.put(f"/api/inventory/{sku}/offers/{supplier_id}", json=offer, headers=key())
    assert put.status_code == 200, put.text
    offers = (await client.get(f"/api/inventory/{sku}/offers")).json()
    assert [(o["supplier_id"], o["price"], o["last_checked"] is not None) for o in offers] == [
        (supplier_id, 4.25, True)
    ]
    assert (await client.get(f"/api/suppliers/{sku}")).json() == offers  # the old read keeps working
    placed = await client.post("/api/orders", json={"sku": sku, "quantity": 30}, headers=key())
    assert placed.status_code == 201 and placed.json()["supplier_id"] == supplier_id
    # by voice: read back, yes, placed
    dialogue = DialogueService(inventory)
    asked = await dialogue.handle_text(None, f"order forty {name}", actor="tester", channel="voice")
    assert asked.awaiting == "yes_no", asked.reply
    done = await dialogue.handle_text(asked.session_id, "yes", actor="tester", channel="voice")
    assert done.reply.startswith("Done."), done.reply


async def test_suppliers_are_read_updated_and_created_once(client: httpx.AsyncClient) -> None:
    supplier_id = f"SUPU{uuid.uuid4().hex[:4].upper()}"
    body = {"supplier_id": supplier_id, "name": "Northwind Fasteners", "email": "orders@northwind.example"}
    first = await client.post("/api/suppliers", json=body, headers=key())
    again = await client.post("/api/suppliers", json=body, headers=key())
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    clash = await client.post("/api/suppliers", json=body | {"name": "Someone Else"}, headers=key())
    assert clash.status_code == 409
    sku, _ = await new_product(client)
    offer = {"price": 1.5, "supplier_on_hand": 0, "lead_time_days": 7}
    assert (
        await client.put(f"/api/inventory/{sku}/offers/{supplier_id}", json=offer, headers=key())
    ).status_code == 200
    renamed = await client.put(
        f"/api/suppliers/{supplier_id}", json={"name": "Northwind Fixings"}, headers=key()
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Northwind Fixings"
    assert (await client.get(f"/api/suppliers/{supplier_id.lower()}")).json()["name"] == "Northwind Fixings"
    offers = (await client.get(f"/api/inventory/{sku}/offers")).json()
    assert offers[0]["supplier_name"] == "Northwind Fixings"  # offers carry the new name
    assert supplier_id in [s["supplier_id"] for s in (await client.get("/api/suppliers")).json()]


async def test_bad_supplier_input_is_refused_and_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    sku, _ = await new_product(client)
    assert (await client.get("/api/suppliers/NOSUCH1")).status_code == 404
    bad_offers = [
        {"price": 1, "supplier_on_hand": "5", "lead_time_days": 3},  # a quantity as a string
        {"price": -1, "supplier_on_hand": 5, "lead_time_days": 3},
        {"price": 1, "supplier_on_hand": 5, "lead_time_days": 3.0},
        {"price": 1, "supplier_on_hand": 5, "lead_time_days": 3, "extra": 1},
    ]
    for offer in bad_offers:
        r = await client.put(f"/api/inventory/{sku}/offers/SUP01", json=offer, headers=key())
        assert r.status_code == 422, (offer, r.text)
    ok = {"price": 1, "supplier_on_hand": 5, "lead_time_days": 3}
    assert (
        await client.put(f"/api/inventory/{sku}/offers/NOSUCH1", json=ok, headers=key())
    ).status_code == 404
    assert (
        await client.put("/api/inventory/NOPE-0001/offers/SUP01", json=ok, headers=key())
    ).status_code == 404
    assert (await client.put(f"/api/inventory/{sku}/offers/SUP01", json=ok)).status_code == 400  # no key
    bad_id = await client.post("/api/suppliers", json={"supplier_id": "x y", "name": "n"}, headers=key())
    assert bad_id.status_code == 422


async def test_a_sync_on_demand_without_workflows_is_503(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/suppliers/sync")
    assert r.status_code == 503 and r.json()["code"] == "workflows_unavailable"


async def test_a_feed_token_is_never_shown_or_audited_and_an_echo_keeps_it(
    client: httpx.AsyncClient, inventory: InventoryService
) -> None:
    sid = f"TOK{uuid.uuid4().int % 10**5:05d}"
    secret = "feed-secret-" + uuid.uuid4().hex
    body = {"supplier_id": sid, "name": "Token Works",
            "connector": {"kind": "rest", "url": "https://feeds.example/api", "token": secret}}  # fmt: skip
    created = await client.post("/api/suppliers", json=body, headers=key())
    assert created.status_code == 201 and created.json()["connector"]["token"] == "********"
    shown = (await client.get(f"/api/suppliers/{sid}")).json()
    listed = next(s for s in (await client.get("/api/suppliers")).json() if s["supplier_id"] == sid)
    assert secret not in str(shown) and secret not in str(listed)
    echoed = {"name": "Token Works Ltd", "connector": shown["connector"]}  # a client sends back what it read
    assert (await client.put(f"/api/suppliers/{sid}", json=echoed, headers=key())).status_code == 200
    stored = await inventory.suppliers.get(sid)
    assert stored.connector is not None and stored.connector.token == secret  # the feed still authenticates
    audit = await inventory.store.audit_log.find({"entity": sid}).to_list()
    assert len(audit) == 2 and secret not in str(audit)

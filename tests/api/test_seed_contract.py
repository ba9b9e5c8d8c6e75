"""The seed specification's REST contract (seed 000, docs/seed-contract.md) against the app: a client that knows
only the seed's examples (``product_id``, ``current_quantity``, ``query``/``answer``, the reorder insights, 401 for
a wrong token) works unchanged; where the API differs by design (the paged list, the order key) the test says so.

One app serves every test here: an API token, an NLX webhook token, people's accounts and the built-in dialogue,
over the shared demo warehouse. Products a test writes to are its own."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.accounts import Accounts
from app.auth import Authenticator
from app.docs import needs_token
from app.main import create_app
from app.services import Services
from app.settings import Settings
from dialogue.service import DialogueService
from inventory_core.service import InventoryService
from tests.api.test_auth_api import bearer, person, sign_in
from tests.conftest import API_TOKEN

pytestmark = pytest.mark.mongo

NLX_TOKEN = "seed-contract-nlx-token"
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
async def app_client(inventory: InventoryService, accounts: Accounts) -> AsyncIterator[httpx.AsyncClient]:
    """The app, no credentials sent unless a request adds them."""
    settings = Settings(api_tokens=[SecretStr(API_TOKEN)], nlx_webhook_tokens=[SecretStr(NLX_TOKEN)])
    auth = Authenticator({API_TOKEN: "tester"}, {NLX_TOKEN: "nlx-1"}, tokens=accounts.tokens)
    services = Services(
        settings=settings,
        inventory=inventory,
        auth=auth,
        accounts=accounts,
        dialogue=DialogueService(inventory),
    )
    app = create_app(services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


class SeedClient:
    """What a client written from seed 000 alone sends and reads: bearer auth, ``product_id``, ``current_quantity``,
    ``query``/``answer`` and ``recommended_order``/``when``/``reason``. No Idempotency-Key, no ``sku``."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.auth = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        r = await self.http.request(method, path, json=body, params=params or None, headers=self.auth)
        assert r.status_code in (200, 201), f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    async def product(self, product_id: str) -> dict[str, Any]:
        item: dict[str, Any] = await self.call("GET", f"/api/inventory/{product_id}")
        return item

    async def update_stock(self, product_id: str, current_quantity: int) -> dict[str, Any]:
        item: dict[str, Any] = await self.call(
            "PUT", f"/api/inventory/{product_id}", {"current_quantity": current_quantity}
        )
        return item

    async def ask(self, query: str) -> str:
        answer: str = (await self.call("POST", "/api/agent/query", {"query": query}))["answer"]
        return answer


@pytest.fixture
def seed(app_client: httpx.AsyncClient) -> SeedClient:
    return SeedClient(app_client, API_TOKEN)


async def new_product(app_client: httpx.AsyncClient, sites: dict[str, int], min_qty: int = 10) -> str:
    """A product of this test's own (created through our API with the seed's ``product_id``), stocked at
    ``sites``: site → on hand."""
    product_id = f"SC-{uuid.uuid4().int % 10**6:06d}"
    body = {
        "product_id": product_id,
        "name": f"seed widget {product_id.lower()}",
        "category": "test",
        "locations": [{"site": s, "bin": f"S-0{i}-1", "check_digits": "21"} for i, s in enumerate(sites)],
        "stock": [{"site": s, "on_hand": n, "min_qty": min_qty} for s, n in sites.items()],
    }
    r = await app_client.post("/api/inventory", json=body, headers=bearer(API_TOKEN))
    assert r.status_code == 201 and r.json()["sku"] == r.json()["product_id"] == product_id, r.text
    return product_id


async def counts(inventory: InventoryService, sku: str) -> list[dict[str, Any]]:
    return [m async for m in inventory.store.movements.find({"sku": sku, "kind": "count"})]


# ---- reading stock ---------------------------------------------------------------------------------------------


async def test_the_seed_reads_stock_by_product_id_or_name(seed: SeedClient) -> None:
    item = await seed.product("FAS-1003")
    assert item["product_id"] == "FAS-1003" and isinstance(item["current_quantity"], int)
    by_name = await seed.product(item["name"])  # NLX: GET /api/inventory/Widget%20A
    assert by_name["product_id"] == "FAS-1003" and by_name["current_quantity"] == item["current_quantity"]
    low = await seed.call("GET", "/api/inventory/low-stock")
    assert isinstance(low, list) and low and {"product_id", "name", "current_quantity"} <= set(low[0])
    # Where we differ by design: the list is paged, and the seed's array is its ``items``.
    page = await seed.call("GET", "/api/inventory", low_stock="true", category="fasteners")
    assert {"items", "total", "offset", "limit"} <= set(page)
    assert page["items"] and all(i["product_id"] == i["sku"] and i["low_stock"] for i in page["items"])


# ---- PUT current_quantity: a count through the ledger ----------------------------------------------------------


async def test_put_current_quantity_is_a_count_applied_once(
    seed: SeedClient, app_client: httpx.AsyncClient, inventory: InventoryService
) -> None:
    product_id = await new_product(app_client, {"main": 40})
    updated = await seed.update_stock(product_id, 50)
    assert (updated["product_id"], updated["current_quantity"]) == (product_id, 50)
    again = await seed.update_stock(product_id, 50)  # the same PUT again: nothing more is written
    assert again["current_quantity"] == 50
    [count] = await counts(inventory, product_id)
    assert (count["delta"], count["before"], count["after"], count["actor"], count["channel"]) == (
        10, 40, 50, "tester", "api"
    )  # fmt: skip
    audit = await inventory.store.audit_log.find_one(
        {"action": "movement.count", "entity": f"{product_id}@main"}
    )
    assert audit is not None and audit["actor"] == "tester"

    # With an Idempotency-Key a retry applies once, even after other movements.
    key = {"Idempotency-Key": f"count-{product_id}"}
    put = {"current_quantity": 55, "reason": "cycle count"}
    first = await app_client.put(f"/api/inventory/{product_id}", json=put, headers=seed.auth | key)
    assert first.status_code == 200 and first.json()["current_quantity"] == 55
    pick = {"kind": "pick", "quantity": 5}
    moved = await app_client.post(
        f"/api/inventory/{product_id}/movements",
        json=pick,
        headers=seed.auth | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert moved.status_code == 201
    retry = await app_client.put(f"/api/inventory/{product_id}", json=put, headers=seed.auth | key)
    assert retry.status_code == 200 and retry.json()["current_quantity"] == 50  # replayed, not set again
    assert len(await counts(inventory, product_id)) == 2
    other = await app_client.put(
        f"/api/inventory/{product_id}", json={"current_quantity": 7}, headers=seed.auth | key
    )
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    report = await seed.call("GET", "/api/admin/reconcile", sku=product_id)
    assert report["checked"] == 1 and report["drift"] == []  # stock equals its ledger


async def test_a_count_names_its_site_when_there_are_several(
    seed: SeedClient, app_client: httpx.AsyncClient
) -> None:
    product_id = await new_product(app_client, {"main": 30, "east": 20})
    r = await app_client.put(f"/api/inventory/{product_id}", json={"current_quantity": 5}, headers=seed.auth)
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    assert sorted(r.json()["details"]["sites"]) == ["east", "main"]
    counted = await seed.call("PUT", f"/api/inventory/{product_id}", {"current_quantity": 5, "site": "east"})
    by_site = {s["site"]: s["on_hand"] for s in counted["stock"]}
    assert counted["current_quantity"] == 35 and by_site == {"main": 30, "east": 5}
    nowhere = await app_client.put(
        f"/api/inventory/{product_id}", json={"current_quantity": 5, "site": "west"}, headers=seed.auth
    )
    assert nowhere.status_code == 404
    lone = await app_client.put(f"/api/inventory/{product_id}", json={"reason": "why"}, headers=seed.auth)
    assert lone.status_code == 422 and lone.json()["code"] == "invalid_request"


async def test_a_worker_may_count_but_not_change_the_product(
    app_client: httpx.AsyncClient, accounts: Accounts
) -> None:
    product_id = await new_product(app_client, {"main": 12})
    worker = bearer((await sign_in(app_client, await person(accounts, "worker")))["access_token"])
    r = await app_client.put(f"/api/inventory/{product_id}", json={"current_quantity": 9}, headers=worker)
    assert r.status_code == 200 and r.json()["current_quantity"] == 9
    for body in ({"min_qty": 3}, {"current_quantity": 8, "min_qty": 3}):
        denied = await app_client.put(f"/api/inventory/{product_id}", json=body, headers=worker)
        assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    after = await app_client.get(f"/api/inventory/{product_id}", headers=worker)
    assert after.json()["current_quantity"] == 9


# ---- product_id in bodies and query strings --------------------------------------------------------------------


async def test_orders_take_product_id(app_client: httpx.AsyncClient) -> None:
    order = {"product_id": "FAS-1001", "quantity": 500}
    unkeyed = await app_client.post("/api/orders", json=order, headers=bearer(API_TOKEN))
    resent = await app_client.post("/api/orders", json=order, headers=bearer(API_TOKEN))
    assert unkeyed.status_code == resent.status_code == 201  # the seed's client sends no key
    assert unkeyed.json()["order_id"] == resent.json()["order_id"]  # a resend within the minute orders once
    assert unkeyed.headers["idempotency-key"] == resent.headers["idempotency-key"]
    keyed = bearer(API_TOKEN) | {"Idempotency-Key": uuid.uuid4().hex}
    placed = await app_client.post("/api/orders", json=order, headers=keyed)
    assert placed.status_code == 201 and placed.json()["sku"] == "FAS-1001"
    both = await app_client.post("/api/orders", json=order | {"sku": "FAS-1002"}, headers=keyed)
    assert both.status_code == 422 and both.json()["code"] == "invalid_request"


async def test_reorder_insights_in_the_seeds_shape(seed: SeedClient, app_client: httpx.AsyncClient) -> None:
    advice = await seed.call("GET", "/api/insights/reorder")
    assert advice and {"product_id", "recommended_order", "when", "reason"} <= set(advice[0])
    assert all(a["recommended_order"] > 0 and a["when"] and a["reason"] for a in advice)
    product_id = await new_product(app_client, {"main": 40}, min_qty=10)
    assert await seed.call("GET", "/api/insights/reorder", product_id=product_id) == []
    await seed.update_stock(product_id, 4)
    [mine] = await seed.call("GET", "/api/insights/reorder", product_id=product_id)
    assert (mine["product_id"], mine["recommended_order"], mine["source"]) == (product_id, 16, "minimum")
    r = await app_client.get(
        "/api/insights/reorder", params={"product_id": product_id, "sku": "FAS-1001"}, headers=seed.auth
    )
    assert r.status_code == 422


# ---- the agent's query/answer ----------------------------------------------------------------------------------


async def test_agent_query_and_answer(seed: SeedClient, app_client: httpx.AsyncClient) -> None:
    answer = await seed.ask("how many coffee pods do we have")
    assert "coffee pods" in answer.lower()
    both = {"query": "how many coffee pods", "text": "how many paper cups"}
    r = await app_client.post("/api/agent/query", json=both, headers=seed.auth)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    r = await app_client.post("/api/agent/query", json={"text": "how many paper cups"}, headers=seed.auth)
    body = r.json()
    assert r.status_code == 200 and body["answer"] == body["reply"] == body["text"]


# ---- 401 and 403 -----------------------------------------------------------------------------------------------


async def test_missing_or_wrong_credentials_get_401_on_every_route(app_client: httpx.AsyncClient) -> None:
    doc = (await app_client.get("/openapi.json")).json()
    wrong: list[str] = []
    operations = 0
    for path, item in doc["paths"].items():
        if not needs_token(path):
            continue
        url = re.sub(r"\{[^}]+\}", "FAS-1001", path)
        for method in (m for m in METHODS if m in item):
            operations += 1
            body = {} if method in ("put", "post", "patch") else None
            for headers in ({}, {"Authorization": "Bearer nope"}, {"x-api-key": "nope"}):
                r = await app_client.request(method.upper(), url, json=body, headers=headers)
                if r.status_code != 401 or r.json().get("code") != "unauthenticated":
                    wrong.append(f"{method.upper()} {path} {headers}: {r.status_code}")
    assert operations >= 40 and not wrong, wrong


async def test_a_known_token_without_the_right_gets_403(app_client: httpx.AsyncClient) -> None:
    nlx = bearer(NLX_TOKEN)  # known, but for NLX's routes and the agent only
    for method, path in (("GET", "/api/inventory"), ("PUT", "/api/inventory/FAS-1001")):
        r = await app_client.request(method, path, json={"current_quantity": 1}, headers=nlx)
        assert r.status_code == 403 and r.json()["code"] == "forbidden", (path, r.text)
    ok = await app_client.post("/api/agent/query", json={"query": "how many paper cups"}, headers=nlx)
    assert ok.status_code == 200

"""The two-step order: propose (read-back + confirmation id, nothing written) then confirm (commits once)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from dialogue.forecasts import MovementRateForecasts
from dialogue.tools import Caller as ToolCaller
from dialogue.tools import InventoryTools
from inventory_core.models import ProductView
from inventory_core.orders import primary_site
from inventory_core.service import InventoryService
from nlx_webhooks import schemas as s
from nlx_webhooks.data_requests import Caller, DataRequests
from nlx_webhooks.proposals import COLLECTION, ProposalStore
from tests.nlx.conftest import BEARER, nlx_app
from tests.nlx.test_webhooks import legacy, post, resolved

pytestmark = pytest.mark.nlx


async def orders_for(inventory: InventoryService, confirmation_id: str) -> list[Any]:
    key = f"nlx-order-{confirmation_id}"
    return await inventory.store.orders.find({"idempotency_key": key}).to_list()


async def propose(nlx: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await post(nlx, "/api/nlx/orders/propose", body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def test_propose_reads_back_and_writes_nothing(
    nlx: httpx.AsyncClient, inventory: InventoryService
) -> None:
    before = await inventory.store.orders.count_documents({})
    data = await propose(nlx, item="paper cups", quantity=150)
    assert data["found"] is True and data["confirmation_id"]
    assert data["quantity"] == 150 and data["sku"] == (await inventory.lookup("paper cups")).sku
    assert "one hundred fifty, one five zero" in data["read_back"]  # a homophone gets its digits
    assert data["text"] == data["read_back"]
    assert data["total_price"] == pytest.approx(150 * data["unit_price"], abs=0.01)
    assert await inventory.store.orders.count_documents({}) == before


async def test_confirm_commits_once_however_often_it_is_sent(
    nlx: httpx.AsyncClient, inventory: InventoryService
) -> None:
    cid = (await propose(nlx, item="coffee filters", quantity=48))["confirmation_id"]
    first = (await post(nlx, "/api/nlx/orders/confirm", {"confirmation_id": cid})).json()
    assert first["status"] == "placed" and first["replayed"] is False
    again = (await post(nlx, "/api/nlx/orders/confirm", {"confirmationId": cid})).json()
    assert again["status"] == "placed" and again["replayed"] is True
    assert again["order_id"] == first["order_id"]
    assert len(await orders_for(inventory, cid)) == 1
    order = await inventory.get_order(first["order_id"])
    assert (order.quantity, order.channel) == (48, "nlx")
    assert order.actor.startswith("nlx:nlx-1")


async def test_concurrent_confirms_commit_one_order(
    nlx: httpx.AsyncClient, inventory: InventoryService
) -> None:
    cid = (await propose(nlx, item="napkins", quantity=60))["confirmation_id"]
    answers = await asyncio.gather(
        *(post(nlx, "/api/nlx/orders/confirm", {"confirmation_id": cid}) for _ in range(6))
    )
    bodies = [a.json() for a in answers]
    assert {b["status"] for b in bodies} == {"placed"}
    assert len({b["order_id"] for b in bodies}) == 1
    assert sum(not b["replayed"] for b in bodies) == 1
    assert len(await orders_for(inventory, cid)) == 1


async def test_confirm_in_the_legacy_envelope(nlx: httpx.AsyncClient, inventory: InventoryService) -> None:
    proposal = resolved(
        (await post(nlx, "/api/nlx/orders/propose", legacy({"item": "bottled water", "qty": 24}))).json()
    )
    body = legacy({"confirmationId": proposal["confirmation_id"]}, "Order")
    first = resolved((await post(nlx, "/api/nlx/orders/confirm", body)).json(), "Order")
    second = resolved((await post(nlx, "/api/nlx/orders/confirm", body)).json(), "Order")
    assert first["order_id"] == second["order_id"] and first["status"] == "placed"
    assert len(await orders_for(inventory, proposal["confirmation_id"])) == 1


async def test_a_cancelled_proposal_never_commits(
    nlx: httpx.AsyncClient, inventory: InventoryService
) -> None:
    cid = (await propose(nlx, item="paper plates", quantity=40))["confirmation_id"]
    no = (await post(nlx, "/api/nlx/orders/confirm", {"confirmation_id": cid, "confirmed": False})).json()
    assert no["status"] == "cancelled"
    yes = (await post(nlx, "/api/nlx/orders/confirm", {"confirmation_id": cid})).json()
    assert yes["status"] == "cancelled" and yes["order_id"] is None
    assert await orders_for(inventory, cid) == []


async def test_a_proposal_survives_a_restart(inventory: InventoryService) -> None:
    async def client() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=nlx_app(inventory)), base_url="http://t")

    async with await client() as first:
        cid = (await propose(first, item="sugar packets", quantity=30))["confirmation_id"]
    async with await client() as second:  # a new app: nothing in memory
        data = (await post(second, "/api/nlx/orders/confirm", {"confirmation_id": cid})).json()
    assert data["status"] == "placed"
    assert len(await orders_for(inventory, cid)) == 1


async def test_an_expired_proposal_is_not_placed(inventory: InventoryService) -> None:
    now = [datetime(2030, 1, 1, tzinfo=UTC)]
    store = ProposalStore(inventory.store.db[COLLECTION], ttl_s=60)
    tools = InventoryTools(inventory, MovementRateForecasts(inventory))
    data = DataRequests(tools, store, clock=lambda: now[0])
    caller = Caller("nlx-1")
    proposal = await data.propose_order(s.ProposeOrderRequest(item="plastic forks", quantity=100), caller)
    assert proposal.confirmation_id
    now[0] += timedelta(seconds=61)
    answer = await data.confirm_order(s.ConfirmOrderRequest(confirmation_id=proposal.confirmation_id), caller)
    assert answer.status == "expired" and answer.order_id is None
    assert await orders_for(inventory, proposal.confirmation_id) == []


async def test_propose_missing_field_unknown_item_and_unorderable(nlx: httpx.AsyncClient) -> None:
    r = await post(nlx, "/api/nlx/orders/propose", {"item": "paper cups"})
    assert r.status_code == 422 and "quantity" in r.json()["message"]
    r = await post(nlx, "/api/nlx/orders/propose", legacy({"quantity": 5}))
    assert r.status_code == 422 and r.json()["responseCode"] == 422
    r = await post(nlx, "/api/nlx/orders/propose", {"item": "paper cups", "quantity": 0})
    assert r.status_code == 422
    unknown = await propose(nlx, item="left handed screwdriver oil", quantity=5)
    assert unknown["found"] is False and unknown["confirmation_id"] is None
    too_few = await propose(nlx, item="coffee filters", quantity=1)  # every supplier sells at least 12
    assert too_few["found"] is True and too_few["confirmation_id"] is None
    assert "at least" in (too_few["problem"] or "")


async def test_confirm_missing_field_and_unknown_id(nlx: httpx.AsyncClient) -> None:
    assert (await post(nlx, "/api/nlx/orders/confirm", {})).status_code == 422
    data = (await post(nlx, "/api/nlx/orders/confirm", {"confirmation_id": "NLX-DOESNOTEXIST"})).json()
    assert data["status"] == "unknown" and data["order_id"] is None


async def test_order_status_by_id_by_item_and_unknowns(nlx: httpx.AsyncClient) -> None:
    cid = (await propose(nlx, item="coffee pods", quantity=36))["confirmation_id"]
    order_id = (await post(nlx, "/api/nlx/orders/confirm", {"confirmation_id": cid})).json()["order_id"]
    spoken = "p o " + order_id.split("-")[1]
    by_id = (await post(nlx, "/api/nlx/orders/status", {"orderId": spoken})).json()
    assert [o["order_id"] for o in by_id["orders"]] == [order_id]
    assert by_id["orders"][0]["status"] == "placed" and "placed" in by_id["text"]
    by_item = resolved((await post(nlx, "/api/nlx/orders/status", legacy({"item": "coffee pods"}))).json())
    assert order_id in [o["order_id"] for o in by_item["orders"]]
    assert (await post(nlx, "/api/nlx/orders/status", {"limit": 2})).status_code == 422
    missing = (await post(nlx, "/api/nlx/orders/status", {"order_id": "PO-99999999"})).json()
    assert missing["found"] is False
    unknown_item = (await post(nlx, "/api/nlx/orders/status", {"item": "warp coils"})).json()
    assert unknown_item["found"] is False and unknown_item["miss"]["reason"] == "not_found"


async def test_headers_are_required_for_orders(nlx: httpx.AsyncClient) -> None:
    r = await nlx.post("/api/nlx/orders/propose", json={"item": "paper cups", "quantity": 5})
    assert r.status_code == 401
    r = await nlx.post("/api/nlx/orders/propose", json={"item": "paper cups", "quantity": 5}, headers=BEARER)
    assert r.status_code == 200


# ---- the default site: one rule for every channel -------------------------------------------------------------


async def _second_site_first(inventory: InventoryService) -> ProductView:
    """A product stocked at several sites whose primary location is not its first site by id."""
    for product in (await inventory.catalogue()).products:
        view = await inventory.get_product(product.sku)
        if len(view.stock) > 1 and product.locations and product.locations[0].site != view.stock[0].site:
            return view
    raise AssertionError("the demo warehouse has no such product")


async def test_an_order_without_a_site_goes_to_the_primary_location(
    nlx: httpx.AsyncClient, inventory: InventoryService
) -> None:
    view = await _second_site_first(inventory)
    primary = view.product.locations[0].site
    assert primary_site(view) == primary
    tools = InventoryTools(inventory, MovementRateForecasts(inventory))
    quantity = max(o.min_order_qty for o in await inventory.supplier_offers(view.sku))
    assert (await tools.quote_order(view.sku, quantity)).site == primary
    caller = ToolCaller("tester", "api", f"default-site-{view.sku}-{datetime.now(UTC).timestamp()}")
    placed = await tools.place_order(view.sku, quantity, caller, confirm=True)
    assert placed.site == primary  # the tools: REST, MCP and the voice dialogue place through them
    proposal = await propose(nlx, sku=view.sku, quantity=quantity)
    assert proposal["site"] == primary
    done = (
        await post(nlx, "/api/nlx/orders/confirm", {"confirmation_id": proposal["confirmation_id"]})
    ).json()
    assert (await inventory.get_order(done["order_id"])).site == primary


async def test_without_locations_the_first_stocked_site_is_the_default(inventory: InventoryService) -> None:
    view = await _second_site_first(inventory)
    bare = view.model_copy(update={"product": view.product.model_copy(update={"locations": []})})
    assert primary_site(bare) == view.stock[0].site
    assert primary_site(bare.model_copy(update={"stock": []})) is None

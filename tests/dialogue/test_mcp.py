"""The MCP server driven by the official SDK's client: in memory, over streamable HTTP with bearer tokens, and
over stdio as ``python -m app mcp``."""

from __future__ import annotations

import os
import sys
import uuid

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client
from mcp.shared.memory import create_connected_server_and_client_session

from app.auth import Authenticator
from app.mcp import build_mcp_http
from dialogue.forecasts import MovementRateForecasts
from dialogue.mcp_server import build_mcp_server
from dialogue.tools import InventoryTools
from inventory_core.models import Location, Product, StockLevel
from inventory_core.service import InventoryService
from tests.conftest import write_ctx
from tests.dialogue.loopback import serve

pytestmark = pytest.mark.mongo

SEED_TOOLS = {"get_inventory", "list_low_stock", "update_stock", "get_supplier_info", "forecast_demand",
              "recommend_restock", "place_order"}  # fmt: skip


def tools_for(inventory: InventoryService) -> InventoryTools:
    return InventoryTools(inventory, MovementRateForecasts(inventory))


async def own_product(inventory: InventoryService) -> str:
    sku = f"MCP-{uuid.uuid4().int % 10**9:09d}"
    product = Product(sku=sku, name=f"mcp test item {sku[-4:]}", category="test",
                      locations=[Location(site="main", bin="Y-01-1", check_digits="11")])  # fmt: skip
    await inventory.create_product(product, [StockLevel(sku=sku, site="main", on_hand=10)], write_ctx())
    return sku


async def test_tools_have_input_and_output_schemas(inventory: InventoryService) -> None:
    server = build_mcp_server(tools_for(inventory))
    async with create_connected_server_and_client_session(server) as client:
        listed = (await client.list_tools()).tools
    by_name = {t.name: t for t in listed}
    assert set(by_name) >= SEED_TOOLS
    for tool in listed:
        assert tool.inputSchema["type"] == "object"
        assert tool.outputSchema is not None and tool.outputSchema["type"] == "object", tool.name
    assert by_name["place_order"].inputSchema["required"] == ["product_id", "quantity"]
    assert "confirm" in by_name["update_stock"].inputSchema["properties"]
    assert (
        by_name["get_inventory"].annotations is not None and by_name["get_inventory"].annotations.readOnlyHint
    )


async def test_reads_return_structured_results(inventory: InventoryService) -> None:
    view = await inventory.lookup("half inch hex bolts")
    server = build_mcp_server(tools_for(inventory))
    async with create_connected_server_and_client_session(server) as client:
        result = await client.call_tool("get_inventory", {"product_id": "half inch hex bolts"})
        supplier = await client.call_tool("get_supplier_info", {"product_id": view.sku})
        missing = await client.call_tool("get_inventory", {"product_id": "no such thing at all"})
    assert not result.isError and result.structuredContent is not None
    item = result.structuredContent["items"][0]
    assert (item["product_id"], item["current_quantity"]) == (view.sku, view.on_hand)
    offers = await inventory.supplier_offers(view.sku)
    assert supplier.structuredContent is not None
    assert {s["supplier_id"] for s in supplier.structuredContent["suppliers"]} == {
        o.supplier_id for o in offers
    }
    assert missing.isError and "not_found" in missing.content[0].text  # type: ignore[union-attr]


async def test_forecast_tool(inventory: InventoryService) -> None:
    view = await inventory.lookup("coffee pods")
    rate = await inventory.typical_daily_movement(view.sku)
    server = build_mcp_server(tools_for(inventory))
    async with create_connected_server_and_client_session(server) as client:
        forecast = await client.call_tool("forecast_demand", {"product_id": view.sku, "period_days": 14})
    assert not forecast.isError and forecast.structuredContent is not None
    assert forecast.structuredContent["period_days"] == 14
    assert forecast.structuredContent["predicted_demand"] == pytest.approx(rate * 14, abs=0.1)


async def test_writes_need_confirmation_and_record_the_caller(inventory: InventoryService) -> None:
    sku = await own_product(inventory)
    server = build_mcp_server(tools_for(inventory))
    async with create_connected_server_and_client_session(server) as client:
        refused = await client.call_tool("update_stock", {"product_id": sku, "new_quantity": 3})
        assert refused.isError and "confirmation_required" in refused.content[0].text  # type: ignore[union-attr]
        assert (await inventory.get_product(sku)).on_hand == 10
        done = await client.call_tool(
            "update_stock",
            {"product_id": sku, "new_quantity": 3, "confirm": True, "idempotency_key": "k-" + sku},
        )
        replay = await client.call_tool(
            "update_stock",
            {"product_id": sku, "new_quantity": 3, "confirm": True, "idempotency_key": "k-" + sku},
        )
    assert done.structuredContent is not None and replay.structuredContent is not None
    assert done.structuredContent["updated_quantity"] == 3
    assert replay.structuredContent["status"] == "already applied"
    assert (await inventory.get_product(sku)).on_hand == 3
    movement = await inventory.store.movements.find_one(
        {"movement_id": done.structuredContent["movement_id"]}
    )
    assert movement is not None and (movement["actor"], movement["channel"]) == ("mcp-stdio", "mcp")


async def test_streamable_http_with_bearer_tokens(inventory: InventoryService) -> None:
    http = build_mcp_http(tools_for(inventory), Authenticator({"secret-token-1": "robot-7"}).api_actor)
    async with http.lifespan(), serve(http.app) as base:
        async with httpx.AsyncClient() as plain:
            denied = await plain.post(f"{base}/", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
            assert denied.status_code == 401
        headers = {"Authorization": "Bearer secret-token-1"}
        async with (
            streamablehttp_client(f"{base}/", headers=headers) as (read, write, _),
            ClientSession(read, write) as client,
        ):
            await client.initialize()
            names = {t.name for t in (await client.list_tools()).tools}
            key = uuid.uuid4().hex
            args = {"product_id": "FAS-1003", "quantity": 200, "confirm": True, "idempotency_key": key}
            first = await client.call_tool("place_order", args)
            second = await client.call_tool("place_order", args)
    assert names >= SEED_TOOLS
    assert first.structuredContent is not None and second.structuredContent is not None
    order_id = first.structuredContent["order_id"]
    assert second.structuredContent["order_id"] == order_id
    order = await inventory.get_order(order_id)
    assert (order.actor, order.channel, order.quantity) == ("robot-7", "mcp", 200)


async def test_stdio_entry_point(mongo_uri: str) -> None:
    db = f"ip_mcp_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "MONGODB_URI": mongo_uri, "IP_MONGODB_DB": db}
    params = StdioServerParameters(command=sys.executable, args=["-m", "app", "mcp"], env=env)
    # The database is left behind: dropping one database on the embedded server empties the others too.
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        names = {t.name for t in (await client.list_tools()).tools}
        low = await client.call_tool("list_low_stock", {})
    assert names >= SEED_TOOLS
    assert not low.isError and low.structuredContent is not None and low.structuredContent["items"]

"""The tool layer as an MCP server (official ``mcp`` SDK): the seed's inventory tools with JSON input and output
schemas. ``app`` serves it over stdio (``python -m app mcp``) and streamable HTTP at ``/mcp`` (``app.mcp``).

Write tools (``update_stock``, ``place_order``) refuse to act without ``confirm: true`` and record the caller —
the token's client id over HTTP, ``mcp-stdio`` over stdio — on every movement and order they make.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from dialogue.analytic_schemas import ForecastTotal, InventoryValue, SalesHistory, StockoutRiskList
from dialogue.schemas import (
    DemandForecast,
    InventoryList,
    LowStockList,
    OrderList,
    OrderOut,
    RestockList,
    StockUpdate,
    SupplierInfo,
)
from dialogue.tools import Caller, InventoryTools
from inventory_core.errors import InventoryError

T = TypeVar("T")
READ_ONLY = ToolAnnotations(
    readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False
)
WRITE = ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=True, openWorldHint=False)
READ_TOOLS = ("get_inventory", "list_low_stock", "get_supplier_info", "forecast_demand", "recommend_restock",
              "order_status", "stockout_risk", "forecast_total", "sales_history", "inventory_value")  # fmt: skip

ProductId = Annotated[str, Field(description="SKU or product name", min_length=1, max_length=200)]
Confirm = Annotated[
    bool, Field(description="Must be true: the quantity was read back to a person and confirmed.")
]
Days = Annotated[int, Field(ge=1, le=366, description="Days ahead.")]
Category = Annotated[
    str | None,
    Field(description='A category ("cleaning", "cleaning supplies"); omit for every item.', max_length=100),
]
Site = Annotated[str | None, Field(description="A site id; omit for every site.", max_length=64)]
Limit = Annotated[int, Field(ge=0, le=500, description="How many of the largest items to list.")]
Key = Annotated[str | None, Field(description="Makes a retried call apply once.", max_length=200)]


def _caller(idempotency_key: str | None, fallback_actor: str) -> Caller:
    token = get_access_token()
    actor = token.client_id if token is not None else fallback_actor
    return Caller(actor=actor, channel="mcp", idempotency_key=idempotency_key or f"mcp-{uuid.uuid4().hex}")


async def _call(op: Awaitable[T]) -> T:
    try:
        return await op
    except InventoryError as exc:
        raise ToolError(f"{exc.code}: {exc.message}") from exc


def build_mcp_server(
    tools: InventoryTools, *, name: str = "inventorypulse", actor: str = "mcp-stdio", **fastmcp: Any
) -> FastMCP:
    """The tools on a FastMCP server. ``actor`` names callers that arrive without a token (stdio)."""
    mcp = FastMCP(name, instructions="Inventory tools for the InventoryPulse warehouse.", **fastmcp)

    async def get_inventory(product_id: ProductId | None = None, limit: int = 50) -> InventoryList:
        """Current stock for one product (by SKU or name), or for the first `limit` products when omitted."""
        return await _call(tools.get_inventory(product_id, limit))

    async def list_low_stock(site: str | None = None) -> LowStockList:
        """Products below their reorder threshold, most urgent first."""
        return await _call(tools.list_low_stock(site))

    async def get_supplier_info(product_id: ProductId) -> SupplierInfo:
        """Suppliers of a product with price per unit, stock at the supplier and lead time."""
        return await _call(tools.get_supplier_info(product_id))

    async def forecast_demand(
        product_id: ProductId, period_days: Annotated[int, Field(ge=1, le=366)] = 30
    ) -> DemandForecast:
        """Expected demand for a product over the next `period_days` days, with a confidence interval."""
        return await _call(tools.forecast_demand(product_id, period_days))

    async def recommend_restock(product_id: ProductId | None = None) -> RestockList:
        """How much to reorder and by when, for one product or every product that needs it."""
        return await _call(tools.recommend_restock(product_id))

    async def order_status(product_id: ProductId | None = None) -> OrderList:
        """Recent purchase orders, optionally for one product."""
        return await _call(tools.order_status(product_id))

    async def stockout_risk(days: Days = 7, category: Category = None) -> StockoutRiskList:
        """Items likely to run out within `days` days: on hand divided by forecast daily demand (days of cover)
        below `days`, fewest days first."""
        return await _call(tools.stockout_risk(days, category))

    async def forecast_total(days: Days = 30, category: Category = None, limit: Limit = 10) -> ForecastTotal:
        """Forecast demand over the next `days` days summed over every item or one category, with its value at
        unit cost and the `limit` items of largest demand."""
        return await _call(tools.forecast_total(days, category, limit))

    async def sales_history(
        product_id: ProductId, months: Annotated[int, Field(ge=1, le=24)] | None = 6,
        days: Annotated[int, Field(ge=1, le=730)] | None = None, site: Site = None,
    ) -> SalesHistory:  # fmt: skip
        """Units sold of a product per calendar month over the last `months` months (the latest month so far),
        or over the last `days` days when given."""
        return await _call(tools.sales_history(product_id, months, days, site))

    async def inventory_value(
        site: Site = None, category: Category = None, limit: Limit = 10
    ) -> InventoryValue:
        """Value of the stock on hand (on hand × unit cost), in all or at a site and of a category, by site and
        with the `limit` lines of largest value."""
        return await _call(tools.inventory_value(site, category, limit))

    async def update_stock(
        product_id: ProductId, new_quantity: Annotated[int, Field(ge=0)], confirm: Confirm = False,
        reason: str | None = None, site: str | None = None, idempotency_key: Key = None,
    ) -> StockUpdate:  # fmt: skip
        """Set the counted on-hand quantity of a product (a stock take). Requires confirm=true."""
        caller = _caller(idempotency_key, actor)
        return await _call(tools.update_stock(product_id, new_quantity, caller, confirm=confirm, site=site,
                                              reason=reason))  # fmt: skip

    async def place_order(
        product_id: ProductId, quantity: Annotated[int, Field(gt=0)], confirm: Confirm = False,
        supplier_id: str | None = None, site: str | None = None, idempotency_key: Key = None,
    ) -> OrderOut:  # fmt: skip
        """Place a purchase order for a product (preferred or cheapest supplier by default). Requires confirm=true."""
        caller = _caller(idempotency_key, actor)
        return await _call(tools.place_order(product_id, quantity, caller, confirm=confirm,
                                             supplier_id=supplier_id, site=site))  # fmt: skip

    for fn in (
        get_inventory,
        list_low_stock,
        get_supplier_info,
        forecast_demand,
        recommend_restock,
        order_status,
        stockout_risk,
        forecast_total,
        sales_history,
        inventory_value,
    ):
        mcp.add_tool(fn, annotations=READ_ONLY, structured_output=True)
    for write in (update_stock, place_order):
        mcp.add_tool(write, annotations=WRITE, structured_output=True)
    return mcp

"""The tool layer: one implementation behind every face — the MCP server (``mcp_server``), the dialogue
runner, the text API and the NLX data requests. Reads return the models in ``schemas`` (item resolution, site
names and order quotes return the store's own types); writes need ``confirm=True`` and carry who asked
(``Caller``), which the store records on every movement and order; each write is also logged to the
``dialogue.audit`` logger.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dialogue import analytics as A
from dialogue.analytic_schemas import ForecastTotal, InventoryValue, SalesHistory, StockoutRiskList
from dialogue.catalogue import CatalogueCache, ItemMatch
from dialogue.forecasts import Forecasts
from dialogue.schemas import (
    DemandForecast,
    InventoryList,
    InventoryRecord,
    LowStockItem,
    LowStockList,
    MinimumSet,
    OrderList,
    OrderOut,
    RestockAdvice,
    RestockList,
    SiteStock,
    StockUpdate,
    SupplierEntry,
    SupplierInfo,
)
from inventory_core.errors import InvalidInput
from inventory_core.models import (
    Insight,
    MovementKind,
    MovementResult,
    Product,
    ProductView,
    PurchaseOrder,
    Recommendation,
    WriteContext,
)
from inventory_core.ports import (
    Inventory,
    MovementRequest,
    OrderQuote,
    OrderRequest,
    ProductFilter,
    ProductUpdate,
)

audit_log = logging.getLogger("dialogue.audit")

MovementName = Literal["pick", "sale", "receipt", "count", "adjustment"]


class ConfirmationRequired(InvalidInput):
    """A write tool was called without ``confirm=true``: the caller must read it back to a person first."""

    code = "confirmation_required"


@dataclass(frozen=True)
class Caller:
    """Who is writing: ``actor`` (a person or a token's client id), the channel, and the idempotency key."""

    actor: str
    channel: str
    idempotency_key: str

    def context(self) -> WriteContext:
        return WriteContext(actor=self.actor, channel=self.channel, idempotency_key=self.idempotency_key)


def inventory_record(view: ProductView) -> InventoryRecord:
    product = view.product
    bins: dict[str, list[str]] = {}
    for loc in product.locations:
        bins.setdefault(loc.site, []).append(loc.bin)
    updated = [s.updated_at for s in view.stock if s.updated_at is not None]
    return InventoryRecord(
        product_id=product.sku,
        name=product.name,
        category=product.category,
        unit=product.unit,
        pack_size=product.pack_size,
        current_quantity=view.on_hand,
        reorder_threshold=sum(s.effective_min for s in view.stock),
        is_low=view.is_low,
        supplier_id=product.preferred_supplier_id,
        last_updated=max(updated) if updated else None,
        sites=[
            SiteStock(
                site=s.site, on_hand=s.on_hand, reorder_threshold=s.effective_min, bins=bins.get(s.site, [])
            )
            for s in view.stock
        ],
    )


def _order_out(order: PurchaseOrder) -> OrderOut:
    return OrderOut(
        order_id=order.order_id,
        product_id=order.sku,
        quantity=order.quantity,
        supplier_id=order.supplier_id,
        site=order.site,
        unit_price=order.unit_price,
        status=str(order.status),
        created_at=order.created_at,
        expected_date=order.expected_date,
    )


def _advice(rec: Recommendation) -> RestockAdvice:
    return RestockAdvice(
        product_id=rec.sku,
        name=rec.name,
        site=rec.site,
        current_quantity=rec.on_hand,
        reorder_point=rec.reorder_point,
        recommended_order_quantity=rec.recommended_quantity,
        recommended_order_date=rec.order_by,
        expected_stock_out_date=rec.expected_stockout,
        basis=rec.rationale,
        supplier_id=rec.supplier_id,
    )


def _update(result: MovementResult) -> StockUpdate:
    mv = result.movement
    return StockUpdate(
        product_id=mv.sku,
        site=mv.site,
        kind=mv.kind.value,  # type: ignore[arg-type]
        previous_quantity=mv.before,
        updated_quantity=mv.after,
        status="already applied" if result.replayed else "updated successfully",
        movement_id=mv.movement_id,
    )


class InventoryTools:
    def __init__(
        self, inventory: Inventory, forecasts: Forecasts, *, catalogue: CatalogueCache | None = None
    ) -> None:
        self.inventory = inventory
        self.forecasts = forecasts
        self.catalogue = catalogue or CatalogueCache(inventory)

    async def _product(self, product_id: str) -> Product:
        """The product ``product_id`` names: straight from the catalogue when it is a SKU, else by the store's
        lookup (SKU in any spelling, name or alias). Raises NotFound with suggestions."""
        known = await self.catalogue.product(product_id)
        return known if known is not None else (await self.inventory.lookup(product_id)).product

    # --- reads ---------------------------------------------------------------------------------------------

    async def resolve_item(self, query: str) -> ItemMatch:
        """The product a spoken or typed phrase names (SKU, name, alias, then fuzzy and phonetic), or a miss
        with the nearest names."""
        return await self.catalogue.resolve(query)

    async def site_names(self) -> Mapping[str, str]:
        """Site id → spoken name, as recorded in the store (a site without one is spoken by its id)."""
        return (await self.catalogue.snapshot()).site_names

    async def get_inventory(self, product_id: str | None = None, limit: int = 50) -> InventoryList:
        """One product (by SKU or name) or, without ``product_id``, the first ``limit`` products."""
        if product_id:
            return InventoryList(items=[inventory_record(await self.inventory.lookup(product_id))], total=1)
        page = await self.inventory.list_products(ProductFilter(limit=max(1, min(limit, 500))))
        return InventoryList(items=[inventory_record(v) for v in page.items], total=page.total)

    async def stock(self, sku: str) -> InventoryRecord:
        return inventory_record(await self.inventory.get_product(sku))

    async def list_low_stock(self, site: str | None = None) -> LowStockList:
        items: list[LowStockItem] = []
        for view in await self.inventory.low_stock(site):
            for s in view.stock:
                if s.is_low and (site is None or s.site == site):
                    items.append(
                        LowStockItem(
                            product_id=view.sku,
                            name=view.product.name,
                            site=s.site,
                            current_quantity=s.on_hand,
                            threshold=s.effective_min,
                        )
                    )
        items.sort(key=lambda i: (i.current_quantity / max(i.threshold, 1), i.name))
        return LowStockList(items=items)

    async def typical_movement(self, sku: str) -> float:
        return await self.inventory.typical_daily_movement(sku)

    async def get_supplier_info(self, product_id: str) -> SupplierInfo:
        product = await self._product(product_id)
        offers = await self.inventory.supplier_offers(product.sku)
        preferred = product.preferred_supplier_id
        entries = [
            SupplierEntry(
                supplier_id=o.supplier_id,
                supplier_name=o.supplier_name or o.supplier_id,
                in_stock_qty=o.supplier_on_hand,
                price_per_unit=o.price,
                lead_time_days=o.lead_time_days,
                min_order_qty=o.min_order_qty,
                preferred=o.supplier_id == preferred,
            )
            for o in offers
        ]
        entries.sort(key=lambda e: (not e.preferred, e.price_per_unit))
        return SupplierInfo(product_id=product.sku, name=product.name, suppliers=entries)

    async def forecast_demand(
        self, product_id: str, period_days: int = 30, site: str | None = None
    ) -> DemandForecast:
        """Expected demand over ``period_days``, at ``site`` or across every site."""
        if not 1 <= period_days <= 366:
            raise InvalidInput("period_days must be between 1 and 366", period_days=period_days)
        product = await self._product(product_id)
        summary = await self.forecasts.forecast(product.sku, period_days, site)
        return DemandForecast(
            product_id=product.sku,
            name=product.name,
            period=f"next_{period_days}_days",
            period_days=period_days,
            predicted_demand=round(summary.predicted, 1),
            confidence_interval=(round(summary.low, 1), round(summary.high, 1)),
            daily_rate=round(summary.daily_rate, 2),
            method=summary.method,
        )

    async def recommend_restock(self, product_id: str | None = None) -> RestockList:
        sku = (await self._product(product_id)).sku if product_id else None
        return RestockList(items=[_advice(r) for r in await self.forecasts.recommend(sku)])

    # --- analytic reads (``analytics``) --------------------------------------------------------------------

    async def stockout_risk(self, days: int = 7, category: str | None = None) -> StockoutRiskList:
        """Items whose stock covers fewer than ``days`` days of forecast demand, fewest days first."""
        return await A.stockout_risk(self.inventory, self.forecasts, days, category)

    async def forecast_total(
        self, days: int = 30, category: str | None = None, limit: int | None = 10
    ) -> ForecastTotal:
        """Forecast demand over ``days`` summed over every item or a category, with the largest items."""
        return await A.forecast_total(self.inventory, self.forecasts, days, category, limit)

    async def sales_history(
        self, product_id: str, months: int | None = 6, days: int | None = None, site: str | None = None
    ) -> SalesHistory:
        """Units sold of one item by calendar month (the last ``months``), or over the last ``days`` days."""
        product = await self._product(product_id)
        return await A.sales_history(self.inventory, product, months, days, site)

    async def inventory_value(
        self, site: str | None = None, category: str | None = None, limit: int | None = 10
    ) -> InventoryValue:
        """Value of the stock on hand (on hand × unit cost), at a site and of a category or in all."""
        return await A.inventory_value(self.inventory, site, category, limit)

    async def get_order(self, order_id: str) -> OrderOut:
        """One purchase order by its id ("PO-10012"). Raises NotFound."""
        return _order_out(await self.inventory.get_order(order_id))

    async def order_status(self, product_id: str | None = None, limit: int = 10) -> OrderList:
        sku = (await self._product(product_id)).sku if product_id else None
        orders = await self.inventory.list_orders(sku=sku, limit=limit)
        return OrderList(items=[_order_out(o) for o in orders])

    async def insights(self, unread_only: bool = True, limit: int = 20) -> list[Insight]:
        return await self.inventory.insights(unread_only=unread_only, limit=limit)

    async def quote_order(
        self, product_id: str, quantity: int, *, supplier_id: str | None = None, site: str | None = None
    ) -> OrderQuote:
        """What ``place_order`` would write (supplier, price, site), checked by the store's order rules and
        not written. Raises the same typed errors ``place_order`` would."""
        sku = (await self._product(product_id)).sku
        return await self.inventory.quote_order(
            OrderRequest(sku=sku, quantity=quantity, supplier_id=supplier_id, site=site)
        )

    # --- writes --------------------------------------------------------------------------------------------

    @staticmethod
    def _require(confirm: bool, what: str) -> None:
        if not confirm:
            raise ConfirmationRequired(
                f"{what} changes stock: read it back, then call again with confirm=true"
            )

    @staticmethod
    def _audit(tool: str, caller: Caller, **fields: object) -> None:
        audit_log.info(
            "tool write",
            extra={"tool": tool, "actor": caller.actor, "channel": caller.channel, "key": caller.idempotency_key,
                   **fields},
        )  # fmt: skip

    async def update_stock(
        self, product_id: str, new_quantity: int, caller: Caller, *, confirm: bool, site: str | None = None,
        reason: str | None = None,
    ) -> StockUpdate:  # fmt: skip
        """Sets on-hand to an absolute figure (a cycle count)."""
        self._require(confirm, "update_stock")
        return await self.record_movement(
            product_id, "count", new_quantity, caller, confirm=confirm, site=site, reason=reason
        )

    async def record_movement(
        self, product_id: str, kind: MovementName, quantity: int, caller: Caller, *, confirm: bool,
        site: str | None = None, bin: str | None = None, reason: str | None = None,
    ) -> StockUpdate:  # fmt: skip
        self._require(confirm, "record_movement")
        sku = (await self._product(product_id)).sku
        req = MovementRequest(kind=MovementKind(kind), quantity=quantity, site=site, reason=reason, bin=bin)
        self._audit("record_movement", caller, sku=sku, kind=kind, quantity=quantity, site=site)
        return _update(await self.inventory.record_movement(sku, req, caller.context()))

    async def place_order(
        self, product_id: str, quantity: int, caller: Caller, *, confirm: bool, supplier_id: str | None = None,
        site: str | None = None,
    ) -> OrderOut:  # fmt: skip
        self._require(confirm, "place_order")
        if quantity <= 0:
            raise InvalidInput("quantity must be positive", quantity=quantity)
        sku = (await self._product(product_id)).sku
        req = OrderRequest(sku=sku, quantity=quantity, supplier_id=supplier_id, site=site)
        self._audit("place_order", caller, sku=sku, quantity=quantity, supplier=supplier_id, site=site)
        return _order_out(await self.inventory.place_order(req, caller.context()))

    async def set_minimum(
        self, product_id: str, min_qty: int, caller: Caller, *, confirm: bool, site: str | None = None
    ) -> MinimumSet:
        self._require(confirm, "set_minimum")
        if min_qty < 0:
            raise InvalidInput("minimum cannot be negative", min_qty=min_qty)
        sku = (await self._product(product_id)).sku
        self._audit("set_minimum", caller, sku=sku, min_qty=min_qty, site=site)
        await self.inventory.update_product(sku, ProductUpdate(min_qty=min_qty, site=site), caller.context())
        return MinimumSet(product_id=sku, site=site, min_qty=min_qty)

    async def add_insight(
        self, kind: str, message: str, dedupe_key: str, sku: str | None, site: str | None, severity: str
    ) -> Insight | None:
        return await self.inventory.add_insight(
            kind, message, dedupe_key, sku=sku, site=site, severity=severity
        )

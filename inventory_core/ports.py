"""What the rest of the system may ask of the operational store. ``InventoryService`` implements it over
MongoDB; the dialogue, NLX webhooks, MCP tools and REST routes depend on this Protocol only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from inventory_core.models import (
    Insight,
    MovementKind,
    MovementResult,
    OrderStatus,
    Product,
    ProductView,
    PurchaseOrder,
    Recommendation,
    ReconcileReport,
    StockLevel,
    SupplierOffer,
    WriteContext,
)


@dataclass(frozen=True)
class ProductFilter:
    category: str | None = None
    site: str | None = None
    low_stock: bool | None = None
    q: str | None = None  # name, alias or SKU search
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class Page:
    items: list[ProductView]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class MovementRequest:
    kind: MovementKind
    quantity: int  # pick/sale/receipt: positive amount; adjustment: signed delta; count: absolute figure
    site: str | None = None  # None: the product's first location
    reason: str | None = None
    bin: str | None = None


@dataclass(frozen=True)
class ProductUpdate:
    name: str | None = None
    aliases: list[str] | None = None
    category: str | None = None
    pack_size: int | None = None
    unit_cost: float | None = None
    min_qty: int | None = None  # user-set minimum, applied at ``site`` (or every site when None)
    site: str | None = None


@dataclass(frozen=True)
class OrderRequest:
    sku: str
    quantity: int
    supplier_id: str | None = None  # None: preferred supplier, else cheapest offer that can supply
    site: str | None = None


@dataclass(frozen=True)
class OrderQuote:
    """What ``place_order`` would write for an ``OrderRequest``, checked and chosen but not written: the
    supplier's offer (preferred, else cheapest; at or above its minimum order quantity) and the site (the
    request's, else the product's primary location)."""

    sku: str
    name: str
    quantity: int
    site: str
    offer: SupplierOffer

    @property
    def total_price(self) -> float:
        return round(self.offer.price * self.quantity, 2)


@dataclass(frozen=True)
class StockCrossed:
    """A write took an item at a site to zero or below its reorder point (it was not before)."""

    sku: str
    site: str
    before: int
    after: int
    reorder_point: int

    @classmethod
    def of(cls, sku: str, site: str, before: int, after: int, reorder_point: int) -> StockCrossed | None:
        """The event a write from ``before`` to ``after`` on-hand makes, None when it crossed nothing."""
        if (after <= 0 < before) or (after < reorder_point <= before):
            return cls(sku, site, before, after, reorder_point)
        return None


@dataclass(frozen=True)
class DailySales:
    """Units sold a day of one item at one site (the store's sales history): ``qty[i]`` on ``start`` + i days."""

    sku: str
    site: str
    start: date
    qty: tuple[int, ...]

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=len(self.qty) - 1)


StockWatcher = Callable[[StockCrossed], None]
"""Told of every ``StockCrossed`` right after the write; must not block (start work, do not await it)."""


@dataclass(frozen=True)
class CatalogueSnapshot:
    """Every product, for name resolution and recognizer grammars, and the sites' spoken names (site id →
    name, e.g. ``{"east": "east annex"}``; a site without one is spoken by its id). ``version`` changes on any
    catalogue or site write."""

    version: int
    products: list[Product] = field(default_factory=list)
    site_names: Mapping[str, str] = field(default_factory=dict)

    def site_name(self, site: str) -> str:
        """How to say ``site``: its recorded name, else its id."""
        return self.site_names.get(site, site)


class Inventory(Protocol):
    async def get_product(self, sku: str) -> ProductView:
        """Raises NotFound (with ``suggestions``)."""
        ...

    async def lookup(self, sku_or_name: str) -> ProductView:
        """By SKU, or by name/alias ignoring case, spacing and punctuation. Raises NotFound with suggestions."""
        ...

    async def list_products(self, flt: ProductFilter) -> Page: ...

    async def low_stock(self, site: str | None = None) -> list[ProductView]: ...

    async def create_product(
        self, product: Product, stock: list[StockLevel], ctx: WriteContext
    ) -> ProductView: ...

    async def update_product(self, sku: str, update: ProductUpdate, ctx: WriteContext) -> ProductView: ...

    async def record_movement(self, sku: str, req: MovementRequest, ctx: WriteContext) -> MovementResult:
        """Atomic and idempotent on ``ctx.idempotency_key``. Raises InsufficientStock (details: on_hand),
        NotFound, InvalidInput."""
        ...

    async def supplier_offers(self, sku: str) -> list[SupplierOffer]: ...

    async def quote_order(self, req: OrderRequest) -> OrderQuote:
        """The checks and choices of ``place_order`` without writing. Raises InvalidInput (quantity, supplier,
        minimum order quantity) and NotFound (product, no offer, not stocked at the site)."""
        ...

    async def place_order(self, req: OrderRequest, ctx: WriteContext) -> PurchaseOrder:
        """Idempotent on ``ctx.idempotency_key``: the same key returns the same order. Checks as ``quote_order``."""
        ...

    async def get_order(self, order_id: str) -> PurchaseOrder: ...

    async def list_orders(
        self, status: OrderStatus | None = None, sku: str | None = None, limit: int = 50
    ) -> list[PurchaseOrder]: ...

    async def set_order_status(
        self, order_id: str, status: OrderStatus, ctx: WriteContext
    ) -> PurchaseOrder: ...

    async def recommendations(self, sku: str | None = None) -> list[Recommendation]: ...

    async def typical_daily_movement(self, sku: str) -> float:
        """Mean units moved per day (recent sales history); the dialogue warns on quantities far above it."""
        ...

    async def daily_sales(self, sku: str | None = None, days: int | None = None) -> list[DailySales]:
        """The last ``days`` days (None: all) of the sales history of ``sku`` (None: every item), per site."""
        ...

    async def catalogue(self) -> CatalogueSnapshot: ...

    async def insights(self, unread_only: bool = False, limit: int = 50) -> list[Insight]: ...

    async def add_insight(
        self,
        kind: str,
        message: str,
        dedupe_key: str,
        sku: str | None = None,
        site: str | None = None,
        severity: str = "info",
    ) -> Insight | None:
        """None when an insight with the same ``dedupe_key`` exists already."""
        ...

    async def mark_insights_read(self, insight_ids: list[str]) -> None: ...

    async def reconcile(self, sku: str | None = None) -> ReconcileReport: ...

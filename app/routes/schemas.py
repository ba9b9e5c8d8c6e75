"""HTTP request and response bodies of the inventory API.

Request bodies are ``RequestBody`` models: unknown fields, lone surrogates anywhere in the input
(``inventory_core.text``) and quantities that are not JSON integers (``true``, ``"2"``, ``2.0``) are refused with
422; every string is bounded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from inventory_core.models import (
    Location,
    MovementKind,
    OrderStatus,
    ProductView,
    StockLevel,
)
from inventory_core.text import MAX_NAME_CHARS, NoSurrogates

Alias = Annotated[str, Field(max_length=MAX_NAME_CHARS)]


class StockOut(BaseModel):
    site: str
    on_hand: int
    reserved: int
    available: int
    min_qty: int
    dynamic_min: int
    effective_min: int
    low: bool

    @classmethod
    def of(cls, level: StockLevel) -> StockOut:
        return cls(
            site=level.site,
            on_hand=level.on_hand,
            reserved=level.reserved,
            available=level.available,
            min_qty=level.min_qty,
            dynamic_min=level.dynamic_min,
            effective_min=level.effective_min,
            low=level.is_low,
        )


class ProductOut(BaseModel):
    sku: str
    name: str
    aliases: list[str]
    category: str
    unit: str
    pack_size: int
    pallet_size: int | None
    unit_cost: float
    preferred_supplier_id: str | None
    locations: list[Location]
    current_quantity: int = Field(description="On hand across all sites.")
    low_stock: bool
    stock: list[StockOut]
    last_updated: datetime | None

    @classmethod
    def of(cls, view: ProductView) -> ProductOut:
        p = view.product
        updated = max((s.updated_at for s in view.stock if s.updated_at), default=p.updated_at)
        return cls(
            sku=p.sku,
            name=p.name,
            aliases=p.aliases,
            category=p.category,
            unit=p.unit,
            pack_size=p.pack_size,
            pallet_size=p.pallet_size,
            unit_cost=p.unit_cost,
            preferred_supplier_id=p.preferred_supplier_id,
            locations=p.locations,
            current_quantity=view.on_hand,
            low_stock=view.is_low,
            stock=[StockOut.of(s) for s in view.stock],
            last_updated=updated,
        )


class ProductPage(BaseModel):
    items: list[ProductOut]
    total: int
    offset: int
    limit: int


class RequestBody(NoSurrogates):
    """Base of every REST request body."""

    model_config = ConfigDict(extra="forbid")


class StockIn(RequestBody):
    site: str = Field(min_length=1, max_length=40)
    on_hand: int = Field(strict=True, ge=0, le=1_000_000)
    min_qty: int = Field(default=0, strict=True, ge=0, le=1_000_000)


class LocationIn(RequestBody):
    site: str = Field(min_length=1, max_length=64)
    bin: str = Field(min_length=1, max_length=40)
    check_digits: str = Field(
        min_length=1,
        max_length=12,
        description="Digits printed at the bin, spoken to prove the worker is there.",
    )


class ProductCreate(RequestBody):
    sku: str = Field(pattern=r"^[A-Za-z]{2,6}-?\d{2,8}$", description="e.g. FAS-1001")
    name: str = Field(min_length=2, max_length=120)
    aliases: list[Alias] = Field(default_factory=list, max_length=20)
    category: str = Field(min_length=1, max_length=60)
    unit: str = Field(default="each", max_length=20)
    pack_size: int = Field(default=1, strict=True, ge=1, le=100_000)
    pallet_size: int | None = Field(default=None, strict=True, ge=1, le=10_000_000)
    unit_cost: float = Field(default=0.0, ge=0, le=1_000_000)
    locations: list[LocationIn] = Field(min_length=1, max_length=20)
    stock: list[StockIn] = Field(default_factory=list, max_length=20)


class ProductPatch(RequestBody):
    name: str | None = Field(default=None, min_length=2, max_length=120)
    aliases: list[Alias] | None = Field(default=None, max_length=20)
    category: str | None = Field(default=None, min_length=1, max_length=60)
    pack_size: int | None = Field(default=None, strict=True, ge=1, le=100_000)
    unit_cost: float | None = Field(default=None, ge=0, le=1_000_000)
    min_qty: int | None = Field(
        default=None, strict=True, ge=0, le=1_000_000, description="User-set minimum."
    )
    site: str | None = Field(
        default=None, max_length=64, description="Site the minimum applies to; all sites when omitted."
    )


class MovementIn(RequestBody):
    kind: MovementKind
    quantity: int = Field(
        strict=True,
        ge=-1_000_000,
        le=1_000_000,
        description="pick/sale/receipt: units (positive); adjustment: signed change; count: the counted figure.",
    )
    site: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    bin: str | None = Field(default=None, max_length=40)


class OrderIn(RequestBody):
    sku: str = Field(min_length=2, max_length=40)
    quantity: int = Field(strict=True, ge=1, le=1_000_000)
    supplier_id: str | None = Field(default=None, max_length=20)
    site: str | None = Field(default=None, max_length=40)


class OrderStatusIn(RequestBody):
    status: OrderStatus


class Problem(BaseModel):
    code: str
    message: str
    details: dict[str, object] | list[object] | None = None


class ConnectorIn(RequestBody):
    """Where the supplier sync reads this supplier's prices and stock."""

    kind: Literal["rest", "csv", "html"]
    url: str = Field(pattern=r"^https?://", max_length=500)
    token: str | None = Field(default=None, max_length=500, description="A bearer token the feed wants.")


class SupplierIn(RequestBody):
    supplier_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,19}$", description="e.g. SUP07")
    name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    connector: ConnectorIn | None = None


class SupplierPatch(RequestBody):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    connector: ConnectorIn | None = None


class OfferIn(RequestBody):
    """A supplier's offer for one product, as the supplier or a buyer states it."""

    price: float = Field(ge=0, le=1_000_000)
    supplier_on_hand: int = Field(strict=True, ge=0, le=100_000_000)
    lead_time_days: int = Field(strict=True, ge=0, le=365)
    min_order_qty: int = Field(default=1, strict=True, ge=1, le=1_000_000)


class SupplierSyncOut(BaseModel):
    suppliers: int
    synced: list[str]
    failed: dict[str, str] = Field(
        description="Supplier id → why its feed could not be read (also an insight)."
    )
    updated: int
    unchanged: int
    insights: list[str] = Field(
        description="Dedupe keys of the insights this sync calls for (stock-outs and price moves at suppliers, "
        "suppliers that could not be read), recorded once per day."
    )
    notified: bool = Field(
        default=False, description="Whether new insights were sent to the notification hook."
    )

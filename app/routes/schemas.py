"""HTTP request and response bodies of the inventory API.

Request bodies are ``RequestBody`` models: unknown fields, lone surrogates anywhere in the input
(``inventory_core.text``) and quantities that are not JSON integers (``true``, ``"2"``, ``2.0``) are refused with
422; every string is bounded."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from inventory_core.models import (
    Location,
    MovementKind,
    OrderStatus,
    ProductView,
    StockLevel,
)
from inventory_core.text import MAX_NAME_CHARS, NoSurrogates

Alias = Annotated[str, Field(max_length=MAX_NAME_CHARS)]

# The examples /docs shows (``json_schema_extra``): one product of the demo warehouse.
PRODUCT_EXAMPLE: JsonDict = {
    "sku": "TLS-1143", "name": "zip knives", "aliases": ["zip knife"], "category": "tools", "unit": "each",
    "pack_size": 6, "pallet_size": 240, "unit_cost": 11.85, "preferred_supplier_id": "SUP07",
    "locations": [{"site": "main", "bin": "C-07-2", "check_digits": "47"}],
    "current_quantity": 42, "low_stock": True,
    "stock": [{"site": "main", "on_hand": 42, "reserved": 0, "available": 42, "min_qty": 24, "dynamic_min": 55,
               "effective_min": 55, "low": True}],
    "last_updated": "2025-06-02T14:31:07Z",
}  # fmt: skip


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
    model_config = ConfigDict(json_schema_extra={"examples": [PRODUCT_EXAMPLE]})

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
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [PRODUCT_EXAMPLE], "total": 1, "offset": 0, "limit": 50}]}
    )

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
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "sku": "TLS-1143", "name": "zip knives", "aliases": ["zip knife"], "category": "tools", "pack_size": 6,
            "pallet_size": 240, "unit_cost": 11.85, "locations": [{"site": "main", "bin": "C-07-2", "check_digits": "47"}],
            "stock": [{"site": "main", "on_hand": 120, "min_qty": 24}],
        }]}
    )  # fmt: skip

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"unit_cost": 12.4, "min_qty": 30, "site": "main"}, {"aliases": ["zip knife"]}]
        }
    )

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
    model_config = ConfigDict(
        json_schema_extra={"examples": [
            {"kind": "pick", "quantity": 12, "site": "main", "bin": "C-07-2"},
            {"kind": "receipt", "quantity": 240, "site": "main", "reason": "PO-10042 delivered"},
            {"kind": "adjustment", "quantity": -3, "site": "east", "reason": "damaged in handling"},
        ]}
    )  # fmt: skip

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"sku": "TLS-1143", "quantity": 48, "supplier_id": "SUP07", "site": "main"}]
        }
    )

    sku: str = Field(min_length=2, max_length=40)
    quantity: int = Field(strict=True, ge=1, le=1_000_000)
    supplier_id: str | None = Field(default=None, max_length=20)
    site: str | None = Field(default=None, max_length=40)


class OrderStatusIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "confirmed"}]})

    status: OrderStatus


class Problem(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": "not_found", "message": "no product with SKU TLS-9999"}]}
    )

    code: str
    message: str
    details: dict[str, object] | list[object] | None = None


class ConnectorIn(RequestBody):
    """Where the supplier sync reads this supplier's prices and stock."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "csv", "url": "https://feeds.granite-tools.example/stock.csv"}]
        }
    )

    kind: Literal["rest", "csv", "html"]
    url: str = Field(pattern=r"^https?://", max_length=500)
    token: str | None = Field(default=None, max_length=500, description="A bearer token the feed wants.")


class SupplierIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "supplier_id": "SUP07", "name": "Granite Tool Works", "email": "orders@sup07.example",
            "phone": "+1 555 0107", "connector": {"kind": "csv", "url": "https://feeds.granite-tools.example/stock.csv"},
        }]}
    )  # fmt: skip

    supplier_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,19}$", description="e.g. SUP07")
    name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    connector: ConnectorIn | None = None


class SupplierPatch(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "purchasing@sup07.example", "phone": "+1 555 0177"}]}
    )

    name: str | None = Field(default=None, min_length=1, max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    connector: ConnectorIn | None = None


class OfferIn(RequestBody):
    """A supplier's offer for one product, as the supplier or a buyer states it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"price": 11.2, "supplier_on_hand": 860, "lead_time_days": 6, "min_order_qty": 6}]
        }
    )

    price: float = Field(ge=0, le=1_000_000)
    supplier_on_hand: int = Field(strict=True, ge=0, le=100_000_000)
    lead_time_days: int = Field(strict=True, ge=0, le=365)
    min_order_qty: int = Field(default=1, strict=True, ge=1, le=1_000_000)


class SupplierSyncOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "suppliers": 20, "synced": ["SUP03", "SUP07"], "failed": {"SUP11": "the feed answered 503"},
            "updated": 37, "unchanged": 412, "insights": ["supplier_unreachable:SUP11:2025-06-02"], "notified": True,
        }]}
    )  # fmt: skip

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

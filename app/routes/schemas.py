"""HTTP request and response bodies of the inventory API.

Request bodies are ``RequestBody`` models: unknown fields, lone surrogates anywhere in the input
(``inventory_core.text``) and quantities that are not JSON integers (``true``, ``"2"``, ``2.0``) are refused with
422; every string is bounded. ``SeedNamed`` bodies also take the seed specification's names for some fields
(``product_id`` for ``sku``, docs/seed-contract.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, model_validator
from pydantic.config import JsonDict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

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
    "current_quantity": 42, "low_stock": True, "product_id": "TLS-1143",
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
    product_id: str = Field(description="The same as sku, under the seed specification's name.")

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
            product_id=p.sku,
        )


class ProductPage(BaseModel):
    """One page of products. (The seed specification answers ``GET /api/inventory`` with a bare array; here that
    array is ``items``, beside the paging fields.)"""

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


class SeedNamed(RequestBody):
    """A request body that also takes the seed specification's name for some of its fields (``seed_names``: the
    seed's name → ours). Either name may be sent, or both when they agree (otherwise 422). The JSON schema lists
    both names and requires one of them where the field is required."""

    seed_names: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _take_seed_names(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not any(name in data for name in cls.seed_names):
            return data
        data = dict(data)
        for theirs, ours in cls.seed_names.items():
            if theirs not in data:
                continue
            value = data.pop(theirs)
            if ours in data and data[ours] != value:
                raise PydanticCustomError(
                    "conflicting_names",
                    "{theirs} and {ours} name the same field and differ; send one of them",
                    {"theirs": theirs, "ours": ours},
                )
            data[ours] = value
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        properties: dict[str, Any] = target.get("properties", {})
        required: list[str] = target.get("required", [])
        either: list[JsonDict] = []
        for theirs, ours in cls.seed_names.items():
            title = theirs.replace("_", " ").title()
            described = f"The seed specification's name for `{ours}`: send either."
            properties[theirs] = {**properties[ours], "title": title, "description": described}
            if ours in required:
                required.remove(ours)
                either.append({"anyOf": [{"required": [ours]}, {"required": [theirs]}]})
        if not required:
            target.pop("required", None)
        if len(either) == 1:
            target["anyOf"] = either[0]["anyOf"]
        elif either:
            target["allOf"] = either
        return schema


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


class ProductCreate(SeedNamed):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "sku": "TLS-1143", "name": "zip knives", "aliases": ["zip knife"], "category": "tools", "pack_size": 6,
            "pallet_size": 240, "unit_cost": 11.85, "locations": [{"site": "main", "bin": "C-07-2", "check_digits": "47"}],
            "stock": [{"site": "main", "on_hand": 120, "min_qty": 24}],
        }, {
            "product_id": "ABC123", "name": "Widget A", "category": "widgets",
            "locations": [{"site": "main", "bin": "A-01-1", "check_digits": "12"}],
            "stock": [{"site": "main", "on_hand": 42, "min_qty": 10}],
        }]}
    )  # fmt: skip
    seed_names: ClassVar[dict[str, str]] = {"product_id": "sku"}

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
    """Product fields (a supervisor's change), and/or ``current_quantity``: the figure counted at ``site``, set
    through the ledger as a count (anyone signed in may count; a count that changes nothing is not recorded)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [
            {"unit_cost": 12.4, "min_qty": 30, "site": "main"},
            {"aliases": ["zip knife"]},
            {"current_quantity": 50},
            {"current_quantity": 38, "site": "east", "reason": "cycle count, aisle C"},
        ], "dependentRequired": {"reason": ["current_quantity"]}}
    )  # fmt: skip

    name: str | None = Field(default=None, min_length=2, max_length=120)
    aliases: list[Alias] | None = Field(default=None, max_length=20)
    category: str | None = Field(default=None, min_length=1, max_length=60)
    pack_size: int | None = Field(default=None, strict=True, ge=1, le=100_000)
    unit_cost: float | None = Field(default=None, ge=0, le=1_000_000)
    min_qty: int | None = Field(
        default=None, strict=True, ge=0, le=1_000_000, description="User-set minimum."
    )
    site: str | None = Field(
        default=None,
        max_length=64,
        description="Site the minimum (all sites when omitted) or the count applies to (when omitted, the "
        "product's one site; required for a product stocked at several).",
    )
    current_quantity: int | None = Field(
        default=None,
        strict=True,
        ge=0,
        le=1_000_000,
        description="The counted on-hand at the site (the seed specification's stock update), set as a count.",
    )
    reason: str | None = Field(default=None, max_length=200, description="Why the count was taken.")

    @model_validator(mode="after")
    def _reason_goes_with_a_count(self) -> ProductPatch:
        if self.reason is not None and self.current_quantity is None:
            raise PydanticCustomError("reason_without_count", "reason goes with current_quantity (a count)")
        return self

    def product_changes(self) -> bool:
        """Whether any product field (not the count) is set."""
        return bool(self.model_dump(exclude={"current_quantity", "reason", "site"}, exclude_none=True))


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


class OrderIn(SeedNamed):
    model_config = ConfigDict(
        json_schema_extra={"examples": [
            {"sku": "TLS-1143", "quantity": 48, "supplier_id": "SUP07", "site": "main"},
            {"product_id": "TLS-1143", "quantity": 48},
        ]}
    )  # fmt: skip
    seed_names: ClassVar[dict[str, str]] = {"product_id": "sku"}

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

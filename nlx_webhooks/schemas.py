"""Request and response models of the data requests NLX flows call.

Request models accept the snake_case names documented in docs/nlx.md and the camelCase spellings NLX request
models tend to use (``itemName``, ``horizonDays``...), because the flow builder names its own fields. Every
response carries structured fields for flow branching and a ready-to-speak ``text``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, JsonValue, model_validator
from pydantic.config import JsonDict

from inventory_core.text import MAX_NAME_CHARS, NoSurrogates


def _names(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def _extra(*examples: JsonValue, one_of_required: tuple[str, ...] = ()) -> JsonDict:
    """A model's ``json_schema_extra``: the examples /docs shows and, for a request that needs one of several
    fields, which. (A subclass's ``json_schema_extra`` replaces its base's, so each model states both.)"""
    extra: JsonDict = {"examples": list(examples)}
    if one_of_required:
        extra["anyOf"] = [{"required": [name]} for name in one_of_required]
    return extra


class _Request(NoSurrogates):
    """Strings are bounded (``MAX_NAME_CHARS``: they feed fuzzy matching); lone surrogates are refused."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, str_strip_whitespace=True)


class _ItemRequest(_Request):
    item: str | None = Field(
        default=None,
        max_length=MAX_NAME_CHARS,
        validation_alias=_names("item", "itemName", "item_name", "product", "productName", "name"),
        description="The item as the caller said it (name or alias).",
    )
    sku: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, validation_alias=_names("sku", "SKU", "itemSku", "item_sku")
    )
    site: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, validation_alias=_names("site", "warehouse", "location")
    )

    @property
    def query(self) -> str | None:
        return self.sku or self.item or None


class _RequiresItem(_ItemRequest):
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["item"]}, {"required": ["sku"]}]})

    @model_validator(mode="after")
    def _needs_item(self) -> _RequiresItem:
        if not self.query:
            raise ValueError("give the item (its name) or its sku")
        return self


class CheckInventoryRequest(_RequiresItem):
    model_config = ConfigDict(
        json_schema_extra=_extra(
            {"item": "zip knives", "site": "main"}, {"sku": "TLS-1143"}, one_of_required=("item", "sku")
        )
    )


class LowStockRequest(_Request):
    model_config = ConfigDict(json_schema_extra=_extra({"site": "main", "limit": 5}))

    site: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, validation_alias=_names("site", "warehouse", "location")
    )
    limit: int = Field(default=5, ge=1, le=50, description="How many items to speak; all are returned.")


class ReorderRequest(_ItemRequest):
    """Without an item: recommendations for everything that needs ordering."""

    model_config = ConfigDict(json_schema_extra=_extra({"item": "zip knives", "site": "main"}, {"limit": 5}))

    limit: int = Field(default=5, ge=1, le=50)


class ProposeOrderRequest(_RequiresItem):
    model_config = ConfigDict(
        json_schema_extra=_extra(
            {"item": "zip knives", "quantity": 48, "site": "main"}, one_of_required=("item", "sku")
        )
    )

    quantity: int = Field(
        strict=True,
        ge=1,
        le=1_000_000,
        validation_alias=_names("quantity", "qty", "amount", "orderQuantity"),
        description="A JSON integer (not a string, a boolean or 2.0).",
    )
    supplier_id: str | None = Field(
        default=None,
        max_length=MAX_NAME_CHARS,
        validation_alias=_names("supplier_id", "supplierId", "supplier"),
    )


class ConfirmOrderRequest(_Request):
    model_config = ConfigDict(
        json_schema_extra=_extra({"confirmation_id": "NLX-3F9A0C21D4E7B815", "confirmed": True})
    )

    confirmation_id: str = Field(
        min_length=1, max_length=64, validation_alias=_names("confirmation_id", "confirmationId")
    )
    confirmed: bool = Field(
        default=True,
        validation_alias=_names("confirmed", "confirm", "approved"),
        description="False cancels the proposal instead.",
    )


class OrderStatusRequest(_ItemRequest):
    model_config = ConfigDict(
        json_schema_extra=_extra(
            {"order_id": "PO-10042"},
            {"item": "zip knives", "limit": 3},
            one_of_required=("order_id", "item", "sku"),
        )
    )

    order_id: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, validation_alias=_names("order_id", "orderId", "orderNumber")
    )
    limit: int = Field(default=3, ge=1, le=20)

    @model_validator(mode="after")
    def _needs_target(self) -> OrderStatusRequest:
        if not (self.order_id or self.query):
            raise ValueError("give an order_id, or the item (name or sku) whose orders to report")
        return self


class ForecastRequest(_RequiresItem):
    model_config = ConfigDict(
        json_schema_extra=_extra({"item": "zip knives", "horizon_days": 28}, one_of_required=("item", "sku"))
    )

    horizon_days: int = Field(
        default=28, ge=1, le=365, validation_alias=_names("horizon_days", "horizonDays", "days")
    )


# ---- responses --------------------------------------------------------------------------------------------


class _Response(BaseModel):
    text: str = Field(description="Ready to speak.")


class SiteStock(BaseModel):
    site: str
    on_hand: int
    available: int
    minimum: int
    low: bool


class ItemMiss(BaseModel):
    """Why an item was not resolved: not in the catalogue, or more than one close match."""

    reason: Literal["not_found", "ambiguous"]
    suggestions: list[str] = Field(default_factory=list, description="Product names, best first.")


class CheckInventoryResponse(_Response):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "There are 42 zip knives at the main warehouse.", "found": True, "sku": "TLS-1143",
            "name": "zip knives", "unit": "each", "on_hand": 42, "available": 42, "low": True,
            "sites": [{"site": "main", "on_hand": 42, "available": 42, "minimum": 55, "low": True}],
        })
    )  # fmt: skip

    found: bool
    sku: str | None = None
    name: str | None = None
    unit: str | None = None
    on_hand: int = 0
    available: int = 0
    low: bool = False
    sites: list[SiteStock] = Field(default_factory=list)
    miss: ItemMiss | None = None


class LowStockItem(BaseModel):
    sku: str
    name: str
    site: str
    on_hand: int
    minimum: int


class LowStockResponse(_Response):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "One item is low: zip knives, 42 left at the main warehouse.", "count": 1,
            "items": [{"sku": "TLS-1143", "name": "zip knives", "site": "main", "on_hand": 42, "minimum": 55}],
        })
    )  # fmt: skip

    count: int
    items: list[LowStockItem]


class RecommendationOut(BaseModel):
    sku: str
    name: str
    site: str
    on_hand: int
    reorder_point: int
    recommended_quantity: int
    supplier_id: str | None = None
    order_by: datetime | None = None
    expected_stockout: datetime | None = None
    rationale: str


class ReorderResponse(_Response):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "Order 48 zip knives from Granite Tool Works by Thursday.", "found": True, "needs_order": True,
            "recommendations": [{
                "sku": "TLS-1143", "name": "zip knives", "site": "main", "on_hand": 42, "reorder_point": 55,
                "recommended_quantity": 48, "supplier_id": "SUP07", "order_by": "2025-06-05T00:00:00Z",
                "expected_stockout": "2025-06-11T00:00:00Z",
                "rationale": "zip knives at main sells about 9 a day and Granite Tool Works takes 6 days, giving a"
                " reorder point of 55; the 42 on hand last about 4 days, so order 48 (8 packs of 6) by Thursday.",
            }],
        })
    )  # fmt: skip

    found: bool = True
    needs_order: bool
    recommendations: list[RecommendationOut]
    miss: ItemMiss | None = None


class ProposeOrderResponse(_Response):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "Order forty eight zip knives from Granite Tool Works for the main warehouse. Shall I place it?",
            "found": True, "confirmation_id": "NLX-3F9A0C21D4E7B815", "sku": "TLS-1143", "name": "zip knives",
            "quantity": 48, "site": "main", "supplier_id": "SUP07", "supplier_name": "Granite Tool Works",
            "unit_price": 11.2, "total_price": 537.6, "expires_at": "2025-06-02T14:41:07Z",
            "read_back": "Order forty eight zip knives from Granite Tool Works for the main warehouse. Shall I place it?",
        })
    )  # fmt: skip

    found: bool
    confirmation_id: str | None = None
    sku: str | None = None
    name: str | None = None
    quantity: int | None = None
    site: str | None = None
    supplier_id: str | None = None
    supplier_name: str | None = None
    unit_price: float | None = None
    total_price: float | None = None
    expires_at: datetime | None = None
    read_back: str | None = Field(default=None, description="The read-back alone, to ask for a yes.")
    problem: str | None = Field(
        default=None, description="Why no proposal was made (found but not orderable)."
    )
    miss: ItemMiss | None = None


ConfirmStatus = Literal["placed", "cancelled", "expired", "unknown"]


class ConfirmOrderResponse(_Response):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "Done. Order P O 1 0 0 4 2 for forty eight zip knives is placed.", "status": "placed",
            "order_id": "PO-10042", "sku": "TLS-1143", "quantity": 48, "replayed": False,
        })
    )  # fmt: skip

    status: ConfirmStatus
    order_id: str | None = None
    sku: str | None = None
    quantity: int | None = None
    replayed: bool = Field(default=False, description="True when this confirmation had committed already.")


class OrderOut(BaseModel):
    order_id: str
    sku: str
    name: str
    quantity: int
    status: str
    supplier_id: str
    site: str
    created_at: datetime
    expected_date: datetime | None = None


class OrderStatusResponse(_Response):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "Order P O 1 0 0 4 2 for 48 zip knives is confirmed.", "found": True,
            "orders": [{
                "order_id": "PO-10042", "sku": "TLS-1143", "name": "zip knives", "quantity": 48, "status": "confirmed",
                "supplier_id": "SUP07", "site": "main", "created_at": "2025-06-02T14:31:07Z",
                "expected_date": "2025-06-08T00:00:00Z",
            }],
        })
    )  # fmt: skip

    found: bool
    orders: list[OrderOut] = Field(default_factory=list)
    miss: ItemMiss | None = None


class ForecastResponse(_Response):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "Over the next 28 days expect about 250 zip knives, between 200 and 300.", "found": True,
            "sku": "TLS-1143", "name": "zip knives", "horizon_days": 28, "predicted_units": 250.0, "low": 200.0,
            "high": 300.0, "daily_rate": 8.9, "on_hand": 42, "days_of_cover": 4.7, "method": "Holt-Winters weekly",
        })
    )  # fmt: skip

    found: bool
    sku: str | None = None
    name: str | None = None
    horizon_days: int | None = None
    predicted_units: float | None = None
    low: float | None = None
    high: float | None = None
    daily_rate: float | None = None
    on_hand: int | None = None
    days_of_cover: float | None = None
    method: str | None = None
    miss: ItemMiss | None = None


class LifecycleAck(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=_extra(
            {"received": True, "event_type": "conversation.start", "correlation_id": "c0ffee42"}
        )
    )

    received: bool = True
    event_type: str
    correlation_id: str | None = None

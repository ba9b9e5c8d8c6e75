"""Domain records of the operational store. Pydantic models, because they cross the database boundary;
frozen, because a read is a snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _as_utc(value: datetime) -> datetime:
    # Stores may hand back naive datetimes (UTC by convention) or fixed-offset ones; make them all aware UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class MovementKind(StrEnum):
    PICK = "pick"  # taken from a bin for an order (a sale)
    SALE = "sale"
    RECEIPT = "receipt"
    ADJUSTMENT = "adjustment"  # signed delta with a reason (damage, found stock)
    COUNT = "count"  # cycle count: sets on-hand to an absolute figure
    OPENING = "opening"  # the first balance of a stock record


class OrderStatus(StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    RECEIVED = "received"
    CANCELLED = "cancelled"


# Allowed purchase-order transitions; anything else is a Conflict.
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PLACED: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.RECEIVED}),
    OrderStatus.RECEIVED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


class Location(_Frozen):
    site: str
    bin: str
    check_digits: str = Field(description="Digits printed at the bin, spoken to prove the worker is there.")


class Product(_Frozen):
    sku: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    category: str
    unit: str = "each"
    pack_size: int = Field(default=1, ge=1, description="Units in a case.")
    pallet_size: int | None = Field(default=None, description="Units on a pallet.")
    locations: list[Location] = Field(default_factory=list)
    unit_cost: float = 0.0
    preferred_supplier_id: str | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None


class StockLevel(_Frozen):
    sku: str
    site: str
    on_hand: int
    reserved: int = 0
    min_qty: int = Field(
        default=0, description="Minimum set by a person; overrides the dynamic one when higher."
    )
    dynamic_min: int = Field(default=0, description="Reorder point computed from forecasts.")
    updated_at: UtcDatetime | None = None

    @property
    def effective_min(self) -> int:
        return max(self.min_qty, self.dynamic_min)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        return self.on_hand < self.effective_min


class ProductView(_Frozen):
    """A product with its stock at every site: what lookups return."""

    product: Product
    stock: list[StockLevel]

    @property
    def sku(self) -> str:
        return self.product.sku

    @property
    def on_hand(self) -> int:
        return sum(s.on_hand for s in self.stock)

    @property
    def is_low(self) -> bool:
        return any(s.is_low for s in self.stock)

    def at(self, site: str) -> StockLevel | None:
        return next((s for s in self.stock if s.site == site), None)


class Connector(_Frozen):
    """Where a supplier publishes its prices and stock, for the supplier sync: a JSON REST API (``rest``, paged,
    bearer token), a CSV feed over HTTP (``csv``) or an HTML catalogue page (``html``). Rows name our SKUs."""

    kind: Literal["rest", "csv", "html"]
    url: str
    token: str | None = Field(default=None, description="Bearer token the feed wants, if any.")


class Supplier(_Frozen):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "supplier_id": "SUP07", "name": "Granite Tool Works", "email": "orders@sup07.example", "phone": "+1 555 0107",
            "connector": {"kind": "csv", "url": "https://feeds.granite-tools.example/stock.csv", "token": None},
        }]}
    )  # fmt: skip

    supplier_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    connector: Connector | None = None


class SupplierOffer(_Frozen):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "sku": "TLS-1143", "supplier_id": "SUP07", "supplier_name": "Granite Tool Works", "price": 11.2,
            "supplier_on_hand": 860, "lead_time_days": 6, "min_order_qty": 6, "last_checked": "2025-06-02T09:12:00Z",
        }]}
    )  # fmt: skip

    sku: str
    supplier_id: str
    supplier_name: str = ""
    price: float
    supplier_on_hand: int
    lead_time_days: int
    min_order_qty: int = 1
    last_checked: UtcDatetime | None = None


class PurchaseOrder(_Frozen):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "order_id": "PO-10042", "sku": "TLS-1143", "supplier_id": "SUP07", "site": "main", "quantity": 48,
            "unit_price": 11.2, "status": "placed", "actor": "dana", "channel": "api", "idempotency_key": "po-0602-tls1143",
            "created_at": "2025-06-02T14:31:07Z", "updated_at": "2025-06-02T14:31:07Z",
            "expected_date": "2025-06-08T00:00:00Z",
        }]}
    )  # fmt: skip

    order_id: str
    sku: str
    supplier_id: str
    site: str
    quantity: int
    unit_price: float
    status: OrderStatus
    actor: str
    channel: str
    idempotency_key: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    expected_date: UtcDatetime | None = None


class Movement(_Frozen):
    movement_id: str
    sku: str
    site: str
    kind: MovementKind
    delta: int = Field(description="Signed change to on-hand that this movement applied.")
    before: int
    after: int
    actor: str
    channel: str
    idempotency_key: str
    at: UtcDatetime
    reason: str | None = None
    bin: str | None = None
    status: str = "applied"
    recovered: bool = Field(
        default=False,
        description="Settled by recovery after its request was cut off. Its delta is exact; when the request had"
        " already applied it, before/after are the on-hand at the time it was settled.",
    )


class Insight(_Frozen):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "insight_id": "5d1c9a0e7b42", "kind": "low_stock", "sku": "TLS-1143", "site": "main", "severity": "warning",
            "message": "zip knives at the main warehouse is low: 42 left, below its reorder point of 55.",
            "dedupe_key": "low_stock:TLS-1143@main:2025-06-02", "created_at": "2025-06-02T03:00:12Z", "read": False,
            "notified": True,
        }]}
    )  # fmt: skip

    insight_id: str
    kind: str  # low_stock | predicted_stockout | anomaly | check_digit_failures | ...
    message: str
    sku: str | None = None
    site: str | None = None
    severity: str = "info"  # info | warning | critical
    dedupe_key: str
    created_at: UtcDatetime
    read: bool = False
    notified: bool = True
    """Sent to the notification webhook (or the log); recorded False, set once sent (insights recorded before
    this was tracked count as sent)."""


class WriteContext(_Frozen):
    """Who is writing, through which channel, and the key that makes a retry apply once."""

    actor: str
    channel: str  # api | voice | phone | nlx | mcp | system
    idempotency_key: str


class MovementResult(_Frozen):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "movement": {
                "movement_id": "3f0c6a1e9b7d4c2a8e5f1b6d0a9c7e42", "sku": "TLS-1143", "site": "main", "kind": "pick", "delta": -12,
                "before": 54, "after": 42, "actor": "dana", "channel": "api", "idempotency_key": "pick-0602-0007",
                "at": "2025-06-02T14:31:07Z", "reason": None, "bin": "C-07-2", "status": "applied", "recovered": False,
            },
            "replayed": False,
        }]}
    )  # fmt: skip

    movement: Movement
    replayed: bool = Field(description="True when this key was applied before and nothing changed now.")


RECOMMENDATION_EXAMPLE: dict[str, Any] = {
    "sku": "TLS-1143", "name": "zip knives", "site": "main", "on_hand": 42, "reorder_point": 55,
    "recommended_quantity": 48, "supplier_id": "SUP07", "order_by": "2025-06-05T00:00:00Z",
    "expected_stockout": "2025-06-11T00:00:00Z",
    "rationale": "zip knives at main sells about 9 a day and Granite Tool Works takes 6 days, giving a reorder"
    " point of 55; the 42 on hand last about 4 days, so order 48 (8 packs of 6) by Thursday.",
}  # fmt: skip


class Recommendation(_Frozen):
    model_config = ConfigDict(json_schema_extra={"examples": [RECOMMENDATION_EXAMPLE]})

    sku: str
    name: str
    site: str
    on_hand: int
    reorder_point: int
    recommended_quantity: int
    supplier_id: str | None = None
    order_by: UtcDatetime | None = None
    expected_stockout: UtcDatetime | None = None
    rationale: str


class Drift(_Frozen):
    sku: str
    site: str
    on_hand: int
    ledger_total: int
    pending: int = 0
    in_flight: int = Field(
        default=0,
        description="Change already in on-hand from pending claims (applied, not yet settled); recovery settles it.",
    )

    @property
    def difference(self) -> int:
        return self.on_hand - self.ledger_total


class ReconcileReport(_Frozen):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "checked": 412,
            "drift": [{"sku": "TLS-1143", "site": "main", "on_hand": 42, "ledger_total": 45, "pending": 0, "in_flight": 0}],
        }]}
    )  # fmt: skip

    checked: int
    drift: list[Drift]

    @property
    def ok(self) -> bool:
        return not self.drift

"""Purchase orders: place (idempotent), list, read, move through their status lifecycle."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import ActorDep, InventoryDep, SupervisorDep
from app.routes.common import ERRORS, IdempotencyKey, PathText, require_key
from app.routes.schemas import OrderIn, OrderStatusIn
from inventory_core.models import OrderStatus, PurchaseOrder, WriteContext
from inventory_core.ports import OrderRequest

router = APIRouter(prefix="/api", tags=["orders"], responses=ERRORS)


def derived_key(actor: str, body: OrderIn, now: datetime) -> str:
    """The key of an order sent without one (as the seed specification's clients do): the same caller sending
    the same order within the same UTC minute is taken as a retry, so a resent request does not order twice."""
    said = f"{actor}|{body.sku}|{body.quantity}|{body.supplier_id}|{body.site}|{now:%Y-%m-%dT%H:%M}"
    return "auto-" + hashlib.sha256(said.encode()).hexdigest()[:32]


@router.post(
    "/orders",
    response_model=PurchaseOrder,
    status_code=201,
    summary="Place a purchase order",
    description="Send an `Idempotency-Key` so that a retried request orders once. Without one (the seed "
    "specification's clients), the key is derived from the caller and the order within the current UTC minute, "
    "and returned in the `Idempotency-Key` response header: resend with it to retry later.",
)
async def place_order(
    body: OrderIn,
    inventory: InventoryDep,
    actor: SupervisorDep,
    response: Response,
    key: IdempotencyKey = None,
) -> PurchaseOrder:
    used = require_key(key) if key is not None else derived_key(actor, body, datetime.now(UTC))
    response.headers["Idempotency-Key"] = used
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=used)
    req = OrderRequest(sku=body.sku, quantity=body.quantity, supplier_id=body.supplier_id, site=body.site)
    return await inventory.place_order(req, ctx)


@router.get("/orders", response_model=list[PurchaseOrder], summary="List purchase orders by status or SKU")
async def list_orders(
    inventory: InventoryDep,
    _: ActorDep,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    sku: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[PurchaseOrder]:
    return await inventory.list_orders(status_, sku, limit)


@router.get("/orders/{order_id}", response_model=PurchaseOrder, summary="Read one purchase order")
async def get_order(order_id: PathText, inventory: InventoryDep, _: ActorDep) -> PurchaseOrder:
    return await inventory.get_order(order_id)


@router.patch(
    "/orders/{order_id}", response_model=PurchaseOrder, summary="Move a purchase order to its next status"
)
async def set_order_status(
    order_id: PathText, body: OrderStatusIn, inventory: InventoryDep, actor: SupervisorDep
) -> PurchaseOrder:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=f"status-{order_id}-{body.status.value}")
    return await inventory.set_order_status(order_id, body.status, ctx)

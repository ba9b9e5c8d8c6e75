"""Purchase orders: place (idempotent), list, read, move through their status lifecycle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import ActorDep, InventoryDep, SupervisorDep
from app.routes.common import ERRORS, IdempotencyKey, PathText, require_key
from app.routes.schemas import OrderIn, OrderStatusIn
from inventory_core.models import OrderStatus, PurchaseOrder, WriteContext
from inventory_core.ports import OrderRequest

router = APIRouter(prefix="/api", tags=["orders"], responses=ERRORS)


@router.post("/orders", response_model=PurchaseOrder, status_code=201, summary="Place a purchase order")
async def place_order(
    body: OrderIn, inventory: InventoryDep, actor: SupervisorDep, key: IdempotencyKey = None
) -> PurchaseOrder:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=require_key(key))
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

"""Inventory, supplier, order and admin routes. Each parses, calls the inventory service, and maps the result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, status

from app.deps import ActorDep, InventoryDep
from app.routes.schemas import (
    MovementIn,
    OrderIn,
    OrderStatusIn,
    Problem,
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductPatch,
)
from inventory_core.models import (
    MovementResult,
    OrderStatus,
    Product,
    PurchaseOrder,
    ReconcileReport,
    StockLevel,
    SupplierOffer,
    WriteContext,
)
from inventory_core.ports import MovementRequest, OrderRequest, ProductFilter, ProductUpdate

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (400, 401, 403, 404, 409, 413, 422, 503)
}
router = APIRouter(prefix="/api", tags=["inventory"], responses=ERRORS)
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Required for writes: a retried request with the same key applies once.",
        max_length=200,
    ),
]


def _key(value: str | None) -> str:
    if not value or not value.strip():
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            detail={
                "code": "idempotency_key_required",
                "message": "send an Idempotency-Key header so that a retried write applies once",
            },
        )
    return value.strip()


@router.get("/inventory", response_model=ProductPage)
async def list_inventory(
    inventory: InventoryDep,
    _: ActorDep,
    category: str | None = None,
    site: str | None = None,
    low_stock: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ProductPage:
    flt = ProductFilter(category=category, site=site, low_stock=low_stock, q=q, offset=offset, limit=limit)
    page = await inventory.list_products(flt)
    return ProductPage(
        items=[ProductOut.of(v) for v in page.items], total=page.total, offset=page.offset, limit=page.limit
    )


@router.get("/inventory/low-stock", response_model=list[ProductOut])
async def low_stock(inventory: InventoryDep, _: ActorDep, site: str | None = None) -> list[ProductOut]:
    return [ProductOut.of(v) for v in await inventory.low_stock(site)]


@router.get("/inventory/{sku_or_name}", response_model=ProductOut)
async def get_item(sku_or_name: str, inventory: InventoryDep, _: ActorDep) -> ProductOut:
    return ProductOut.of(await inventory.lookup(sku_or_name))


@router.post("/inventory", response_model=ProductOut, status_code=201)
async def create_item(
    body: ProductCreate, inventory: InventoryDep, actor: ActorDep, key: IdempotencyKey = None
) -> ProductOut:
    product = Product(**body.model_dump(exclude={"stock"}))
    levels = [
        StockLevel(sku=product.sku, site=s.site, on_hand=s.on_hand, min_qty=s.min_qty) for s in body.stock
    ]
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=key or f"create-{product.sku}")
    return ProductOut.of(await inventory.create_product(product, levels, ctx))


@router.put("/inventory/{sku}", response_model=ProductOut)
async def update_item(
    sku: str, body: ProductPatch, inventory: InventoryDep, actor: ActorDep, key: IdempotencyKey = None
) -> ProductOut:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=key or "update")
    return ProductOut.of(await inventory.update_product(sku, ProductUpdate(**body.model_dump()), ctx))


@router.post("/inventory/{sku}/movements", response_model=MovementResult, status_code=201)
async def record_movement(
    sku: str, body: MovementIn, inventory: InventoryDep, actor: ActorDep, key: IdempotencyKey = None
) -> MovementResult:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=_key(key))
    req = MovementRequest(
        kind=body.kind, quantity=body.quantity, site=body.site, reason=body.reason, bin=body.bin
    )
    return await inventory.record_movement(sku, req, ctx)


@router.get("/suppliers/{sku}", response_model=list[SupplierOffer], tags=["suppliers"])
async def supplier_offers(sku: str, inventory: InventoryDep, _: ActorDep) -> list[SupplierOffer]:
    return await inventory.supplier_offers(sku)


@router.post("/orders", response_model=PurchaseOrder, status_code=201, tags=["orders"])
async def place_order(
    body: OrderIn, inventory: InventoryDep, actor: ActorDep, key: IdempotencyKey = None
) -> PurchaseOrder:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=_key(key))
    req = OrderRequest(sku=body.sku, quantity=body.quantity, supplier_id=body.supplier_id, site=body.site)
    return await inventory.place_order(req, ctx)


@router.get("/orders", response_model=list[PurchaseOrder], tags=["orders"])
async def list_orders(
    inventory: InventoryDep,
    _: ActorDep,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    sku: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[PurchaseOrder]:
    return await inventory.list_orders(status_, sku, limit)


@router.get("/orders/{order_id}", response_model=PurchaseOrder, tags=["orders"])
async def get_order(order_id: str, inventory: InventoryDep, _: ActorDep) -> PurchaseOrder:
    return await inventory.get_order(order_id)


@router.patch("/orders/{order_id}", response_model=PurchaseOrder, tags=["orders"])
async def set_order_status(
    order_id: str, body: OrderStatusIn, inventory: InventoryDep, actor: ActorDep
) -> PurchaseOrder:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=f"status-{order_id}-{body.status.value}")
    return await inventory.set_order_status(order_id, body.status, ctx)


@router.get("/admin/reconcile", response_model=ReconcileReport, tags=["admin"])
async def reconcile(inventory: InventoryDep, _: ActorDep, sku: str | None = None) -> ReconcileReport:
    return await inventory.reconcile(sku)

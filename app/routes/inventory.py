"""Inventory routes. Each parses, calls the inventory service, and maps the result."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts import Forbidden
from app.deps import ActorDep, InventoryDep, PrincipalDep, SupervisorDep
from app.routes.common import ERRORS, IdempotencyKey, PathText, QueryText, require_key
from app.routes.schemas import (
    MovementIn,
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductPatch,
)
from inventory_core.errors import InvalidInput, NotFound
from inventory_core.models import (
    MovementKind,
    MovementResult,
    Product,
    ProductView,
    StockLevel,
    WriteContext,
)
from inventory_core.ports import MovementRequest, ProductFilter, ProductUpdate
from inventory_core.service import InventoryService

router = APIRouter(prefix="/api", tags=["inventory"], responses=ERRORS)


@router.get(
    "/inventory",
    response_model=ProductPage,
    summary="List products, filtered and paged",
    description="One page of products: `items` (the array the seed specification returns bare), with `total`, "
    "`offset` and `limit`. Page with `offset` and `limit` (at most 500); each item carries `product_id` as well "
    "as `sku`.",
)
async def list_inventory(
    inventory: InventoryDep,
    _: ActorDep,
    category: QueryText = None,
    site: QueryText = None,
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


@router.get(
    "/inventory/low-stock", response_model=list[ProductOut], summary="List products below their minimum"
)
async def low_stock(inventory: InventoryDep, _: ActorDep, site: QueryText = None) -> list[ProductOut]:
    return [ProductOut.of(v) for v in await inventory.low_stock(site)]


@router.get(
    "/inventory/{sku_or_name}", response_model=ProductOut, summary="Look up one product by SKU or name"
)
async def get_item(sku_or_name: PathText, inventory: InventoryDep, _: ActorDep) -> ProductOut:
    return ProductOut.of(await inventory.lookup(sku_or_name))


@router.post(
    "/inventory",
    response_model=ProductOut,
    status_code=201,
    summary="Create a product with its bins and stock",
)
async def create_item(
    body: ProductCreate, inventory: InventoryDep, actor: SupervisorDep, key: IdempotencyKey = None
) -> ProductOut:
    product = Product(**body.model_dump(exclude={"stock"}))
    levels = [
        StockLevel(sku=product.sku, site=s.site, on_hand=s.on_hand, min_qty=s.min_qty) for s in body.stock
    ]
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=key or f"create-{product.sku}")
    return ProductOut.of(await inventory.create_product(product, levels, ctx))


@router.put(
    "/inventory/{sku}",
    response_model=ProductOut,
    summary="Update a product, its minimum at a site, or its counted stock",
)
async def update_item(
    sku: PathText,
    body: ProductPatch,
    inventory: InventoryDep,
    caller: PrincipalDep,
    key: IdempotencyKey = None,
) -> ProductOut:
    """Product fields and minimums need a supervisor. ``current_quantity`` (the seed specification's stock update)
    is a count anyone signed in may record: it sets on-hand at the site through the ledger, once per
    ``Idempotency-Key``; a count equal to the stock already there records nothing, so repeating a PUT is safe."""
    site = None
    if body.current_quantity is not None:  # where the count lands is settled before anything is written
        site = _count_site(await inventory.get_product(sku), body.site)
    if body.product_changes() or site is None:
        if not caller.may("supervisor"):
            raise Forbidden("a supervisor may change a product; you may count its stock", needed="supervisor")
        ctx = WriteContext(actor=caller.name, channel="api", idempotency_key=key or "update")
        patch = body.model_dump(exclude={"current_quantity", "reason"})
        view = await inventory.update_product(sku, ProductUpdate(**patch), ctx)
    else:
        view = await inventory.get_product(sku)
    if body.current_quantity is not None and site is not None:
        view = await _count(inventory, view, site, body.current_quantity, body.reason, caller.name, key)
    return ProductOut.of(view)


async def _count(
    inventory: InventoryService,
    view: ProductView,
    site: str,
    quantity: int,
    reason: str | None,
    actor: str,
    key: str | None,
) -> ProductView:
    """Set on-hand at ``site`` to ``quantity`` as a ledger count; nothing is recorded when it is there already."""
    level = view.at(site)
    if level is not None and level.on_hand == quantity:
        return view
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=key or f"put-count-{uuid.uuid4().hex}")
    req = MovementRequest(kind=MovementKind.COUNT, quantity=quantity, site=site, reason=reason)
    await inventory.record_movement(view.sku, req, ctx)
    return await inventory.get_product(view.sku)


def _count_site(view: ProductView, site: str | None) -> str:
    """The site a count is for: the one named (it must stock the product), else the product's only site."""
    sites = [s.site for s in view.stock]
    if site is not None:
        if view.at(site) is None:
            raise NotFound(f"{view.product.name} is not stocked at {site}", sku=view.sku, sites=sites)
        return site
    if len(sites) != 1:
        raise InvalidInput(
            f"{view.product.name} is stocked at {', '.join(sites) or 'no site'}: send site to say where you counted",
            sku=view.sku,
            sites=sites,
        )
    return sites[0]


@router.post(
    "/inventory/{sku}/movements",
    response_model=MovementResult,
    status_code=201,
    summary="Record a stock movement",
)
async def record_movement(
    sku: PathText, body: MovementIn, inventory: InventoryDep, caller: PrincipalDep, key: IdempotencyKey = None
) -> MovementResult:
    """Workers pick, receive, sell and count; an adjustment (a signed change with a reason) needs a supervisor."""
    if body.kind == MovementKind.ADJUSTMENT and not caller.may("supervisor"):
        raise Forbidden("a supervisor may adjust stock; you may pick, receive or count", needed="supervisor")
    ctx = WriteContext(actor=caller.name, channel="api", idempotency_key=require_key(key))
    req = MovementRequest(
        kind=body.kind, quantity=body.quantity, site=body.site, reason=body.reason, bin=body.bin
    )
    return await inventory.record_movement(sku, req, ctx)

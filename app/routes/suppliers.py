"""Suppliers and their offers per product. ``GET /api/suppliers/{id}`` answers a supplier; given a SKU instead (as
before suppliers could be written) it answers that product's offers."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from app.deps import ActorDep, InventoryDep, ServicesDep, SupervisorDep
from app.routes.common import ERRORS, IdempotencyKey, PathText, require_key
from app.routes.schemas import OfferIn, SupplierIn, SupplierPatch, SupplierSyncOut
from inventory_core.models import Supplier, SupplierOffer, WriteContext
from inventory_core.suppliers import OfferTerms, redacted

router = APIRouter(prefix="/api", tags=["suppliers"], responses=ERRORS)


@router.get("/suppliers", response_model=list[Supplier], summary="List suppliers")
async def list_suppliers(inventory: InventoryDep, _: ActorDep) -> list[Supplier]:
    return [redacted(s) for s in await inventory.suppliers.all()]


@router.post("/suppliers", response_model=Supplier, status_code=201, summary="Add a supplier")
async def create_supplier(
    body: SupplierIn, inventory: InventoryDep, actor: SupervisorDep, key: IdempotencyKey = None
) -> Supplier:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=key or f"supplier-{body.supplier_id}")
    return redacted(await inventory.suppliers.create(Supplier(**body.model_dump()), ctx))


@router.post("/suppliers/sync", response_model=SupplierSyncOut, summary="Read every supplier's feed now")
async def sync_suppliers(services: ServicesDep, _: SupervisorDep) -> SupplierSyncOut:
    """Read every supplier's feed now (the ``SupplierSync`` workflow, as its schedule does) and wait for it."""
    if services.workflows is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={"code": "workflows_unavailable", "message": "workflows are not running on this server"},
        )
    return SupplierSyncOut(**vars(await services.workflows.sync_suppliers()))


@router.get(
    "/suppliers/{supplier_id_or_sku}",
    response_model=Supplier | list[SupplierOffer],
    summary="Read a supplier, or a product's offers by SKU",
)
async def get_supplier(
    supplier_id_or_sku: PathText, inventory: InventoryDep, _: ActorDep
) -> Supplier | list[SupplierOffer]:
    supplier = await inventory.suppliers.find(supplier_id_or_sku)
    if supplier is not None:
        return redacted(supplier)
    return await inventory.supplier_offers(supplier_id_or_sku)


@router.put(
    "/suppliers/{supplier_id}", response_model=Supplier, summary="Update a supplier's details or feed"
)
async def update_supplier(
    supplier_id: PathText,
    body: SupplierPatch,
    inventory: InventoryDep,
    actor: SupervisorDep,
    key: IdempotencyKey = None,
) -> Supplier:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=key or f"supplier-update-{supplier_id}")
    return redacted(await inventory.suppliers.update(supplier_id, body.model_dump(), ctx))


@router.get(
    "/inventory/{sku}/offers",
    response_model=list[SupplierOffer],
    summary="List the supplier offers for one product",
)
async def product_offers(sku: PathText, inventory: InventoryDep, _: ActorDep) -> list[SupplierOffer]:
    return await inventory.supplier_offers(sku)


@router.put(
    "/inventory/{sku}/offers/{supplier_id}",
    response_model=SupplierOffer,
    summary="Set a supplier's price, stock and lead time for a product",
)
async def put_offer(
    sku: PathText,
    supplier_id: PathText,
    body: OfferIn,
    inventory: InventoryDep,
    actor: SupervisorDep,
    key: IdempotencyKey = None,
) -> SupplierOffer:
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=require_key(key))
    return await inventory.put_offer(sku, supplier_id, OfferTerms(**body.model_dump()), ctx)

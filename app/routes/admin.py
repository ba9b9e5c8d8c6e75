"""Supervisor tools: reconcile stock against its ledger, name the sites."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.deps import InventoryDep, SupervisorDep
from app.routes.common import ERRORS, PathText, QueryText
from app.routes.schemas import RequestBody
from inventory_core.models import ReconcileReport, WriteContext

router = APIRouter(prefix="/api", tags=["admin"], responses=ERRORS)


@router.get("/admin/reconcile", response_model=ReconcileReport, summary="Check stock against its ledger")
async def reconcile(inventory: InventoryDep, _: SupervisorDep, sku: QueryText = None) -> ReconcileReport:
    return await inventory.reconcile(sku)


class SiteName(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "east annex"}]})

    name: str = Field(min_length=1, max_length=64, description='How the site is spoken, e.g. "east annex".')


class SiteOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"site": "east", "name": "east annex"}]})

    site: str
    name: str


@router.put("/sites/{site}", response_model=SiteOut, summary="Name a site as it is spoken")
async def name_site(site: PathText, body: SiteName, inventory: InventoryDep, actor: SupervisorDep) -> SiteOut:
    """Record a site's spoken name: replies say it, and the recognizer listens for it ("at the east annex")."""
    ctx = WriteContext(actor=actor, channel="api", idempotency_key=f"site-{site}")
    await inventory.name_site(site, body.name, ctx)
    snapshot = await inventory.catalogue()
    key = site.strip().lower()
    return SiteOut(site=key, name=snapshot.site_name(key))

"""Bulk, read-only views of the operational store (MongoDB, through the lead's ``MongoStore``) for the warehouse
sync and the restock maths: a few whole-collection queries instead of one call per item."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from forecasting.ports import ItemFacts, StoreSnapshot
from forecasting.warehouse.sync import HistorySeries
from inventory_core.errors import NotFound
from inventory_core.models import OrderStatus, StockLevel, SupplierOffer
from inventory_core.orders import pick_offer
from inventory_core.store import Doc, MongoStore, bulk_budget, utcnow

OPEN_ORDERS = [OrderStatus.PLACED.value, OrderStatus.CONFIRMED.value, OrderStatus.SHIPPED.value]
SALE_KINDS = ["pick", "sale"]


class MongoLedgerSource:
    def __init__(self, store: MongoStore, catalogue_ttl_s: float = 300.0) -> None:
        self._store = store
        self._ttl = catalogue_ttl_s
        self._cached: tuple[float, dict[str, Doc], dict[str, list[SupplierOffer]]] | None = None

    # ---- for the sync -------------------------------------------------------------------------------------

    async def sales_histories(self) -> list[HistorySeries]:
        with bulk_budget():  # the whole two-year history, for the warehouse sync
            docs = await self._store.sales_daily.find(
                {}, {"_id": 0, "sku": 1, "site": 1, "start": 1, "qty": 1}
            ).to_list()
        return [
            HistorySeries(
                sku=d["sku"], site=d["site"], start=_day(d["start"]), qty=np.asarray(d["qty"], dtype=np.int64)
            )
            for d in docs
        ]

    async def sales_since(self, since: datetime | None) -> pd.DataFrame:
        """Applied picks and sales at or after ``since``: SKU, SITE, AT (aware UTC), UNITS."""
        query: dict[str, Any] = {"status": "applied", "kind": {"$in": SALE_KINDS}}
        if since is not None:
            query["at"] = {"$gte": since}
        with bulk_budget():
            docs = await self._store.movements.find(
                query, {"_id": 0, "sku": 1, "site": 1, "at": 1, "delta": 1}
            ).to_list()
        return pd.DataFrame(
            {
                "SKU": [d["sku"] for d in docs],
                "SITE": [d["site"] for d in docs],
                "AT": pd.to_datetime([d["at"] for d in docs], utc=True),
                "UNITS": [abs(int(d["delta"])) for d in docs],
            }
        )

    async def stock_levels(self) -> list[StockLevel]:
        return [StockLevel.model_validate(d) async for d in self._store.stock.find({})]

    # ---- for the restock maths -----------------------------------------------------------------------------

    async def _catalogue(
        self, flt: dict[str, Any], refresh: bool
    ) -> tuple[dict[str, Doc], dict[str, list[SupplierOffer]]]:
        """Products and offers change rarely: the whole-catalogue read is cached for ``catalogue_ttl_s``."""
        whole = not flt
        if (
            whole
            and not refresh
            and self._cached is not None
            and time.monotonic() - self._cached[0] < self._ttl
        ):
            return self._cached[1], self._cached[2]
        products = {
            d["sku"]: d
            async for d in self._store.products.find(
                flt, {"_id": 0, "sku": 1, "name": 1, "pack_size": 1, "preferred_supplier_id": 1}
            )
        }
        offers: dict[str, list[SupplierOffer]] = defaultdict(list)
        async for d in self._store.offers.find(flt):
            offers[d["sku"]].append(SupplierOffer.model_validate(d))
        if whole:
            self._cached = (time.monotonic(), products, offers)
        return products, offers

    async def snapshot(self, sku: str | None = None, refresh: bool = False) -> StoreSnapshot:
        flt: dict[str, Any] = {} if sku is None else {"sku": sku}
        stock = [StockLevel.model_validate(d) async for d in self._store.stock.find(flt)]
        if sku is not None and not stock:
            raise NotFound(f"{sku} is not stocked anywhere", sku=sku)
        products, offers = await self._catalogue(flt, refresh)
        on_order: dict[tuple[str, str], int] = defaultdict(int)
        order_flt = {"status": {"$in": OPEN_ORDERS}} | flt
        async for d in self._store.orders.find(order_flt, {"_id": 0, "sku": 1, "site": 1, "quantity": 1}):
            on_order[(d["sku"], d["site"])] += int(d["quantity"])
        items: dict[tuple[str, str], ItemFacts] = {}
        for level in stock:
            product = products.get(level.sku, {})
            offer = (
                pick_offer(offers.get(level.sku, []), product.get("preferred_supplier_id"), None)
                if offers.get(level.sku, [])
                else None
            )
            items[(level.sku, level.site)] = ItemFacts(
                sku=level.sku,
                site=level.site,
                name=str(product.get("name", level.sku)),
                on_hand=level.on_hand,
                min_qty=level.min_qty,
                dynamic_min=level.dynamic_min,
                on_order=on_order[(level.sku, level.site)],
                pack_size=int(product.get("pack_size", 1) or 1),
                lead_time_days=offer.lead_time_days if offer else None,
                min_order_qty=offer.min_order_qty if offer else 1,
                supplier_id=offer.supplier_id if offer else None,
                supplier_name=offer.supplier_name or offer.supplier_id if offer else None,
            )
        return StoreSnapshot(items=items, taken_at=utcnow())


def _day(moment: datetime) -> date:
    return moment.date()

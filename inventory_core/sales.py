"""Daily sales history (``sales_daily``: one document per item and site, a day-by-day ``qty`` array from
``start``): the typical daily movement the dialogue's unusual-quantity check uses, and the series the analytic
answers read."""

from __future__ import annotations

from datetime import datetime, timedelta

from inventory_core.naming import sku_key_to_id
from inventory_core.ports import DailySales
from inventory_core.store import Doc, MongoStore, bulk_budget, store_errors


@store_errors
class SalesHistory:
    def __init__(self, store: MongoStore) -> None:
        self.store = store

    async def typical_daily_movement(self, sku: str, days: int = 28) -> float:
        total = 0.0
        async for doc in self.store.sales_daily.find({"sku": sku_key_to_id(sku)}, {"qty": 1}):
            qty = doc.get("qty") or []
            tail = qty[-days:]
            total += sum(tail) / max(len(tail), 1)
        return total

    async def daily_sales(self, sku: str | None = None, days: int | None = None) -> list[DailySales]:
        query: Doc = {} if sku is None else {"sku": sku_key_to_id(sku)}
        fields: Doc = {"_id": 0, "sku": 1, "site": 1, "start": 1, "qty": 1, "days": {"$size": "$qty"}}
        if days is not None:  # only the tail crosses the wire
            fields["qty"] = {"$slice": ["$qty", -days]}
        with bulk_budget():  # every item's history at once, for the analytic answers
            docs = await self.store.sales_daily.find(query, fields).sort([("sku", 1), ("site", 1)]).to_list()
        out: list[DailySales] = []
        for d in docs:
            qty = [int(q) for q in d.get("qty") or []]
            start = d["start"].date() if isinstance(d["start"], datetime) else d["start"]
            start += timedelta(days=int(d.get("days", len(qty))) - len(qty))
            out.append(DailySales(sku=d["sku"], site=d["site"], start=start, qty=tuple(qty)))
        return out

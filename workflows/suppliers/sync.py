"""Applying what one supplier publishes to its offers: changed offers rewritten (audited), unchanged ones only
re-checked, rows for products we do not stock skipped, and insights when an item went out of stock at the
supplier or its price moved more than ``price_move`` (one per item, supplier, kind and day). Running it twice
writes the same offers and finds its insights already recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from inventory_core.models import Supplier, SupplierOffer, WriteContext
from inventory_core.service import InventoryService
from inventory_core.suppliers import OfferTerms
from workflows.suppliers.connectors import FeedResult, feed_for


@dataclass
class FeedApplied:
    """What applying one supplier's feed did to its offers."""

    supplier_id: str
    rows: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_skus: int = 0
    bad_rows: int = 0
    insights: list[str] = field(default_factory=list)
    """Dedupe keys of the insights the changes call for (recorded now or by an earlier attempt)."""


async def fetch(supplier: Supplier, timeout_s: float = 20.0) -> FeedResult:
    assert supplier.connector is not None
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=True) as client:
        return await feed_for(supplier.connector).fetch(client)


async def apply_feed(
    inventory: InventoryService, supplier: Supplier, feed: FeedResult, *, price_move: float = 0.10
) -> FeedApplied:
    report = FeedApplied(supplier.supplier_id, rows=len(feed.rows), bad_rows=len(feed.errors))
    book = inventory.suppliers
    offers = await book.offers_of(supplier.supplier_id)
    known = {p.sku for p in (await inventory.catalogue()).products}
    day = datetime.now(UTC).date().isoformat()
    ctx = WriteContext(
        actor="supplier-sync", channel="system", idempotency_key=f"sync-{supplier.supplier_id}-{day}"
    )
    unchanged: list[str] = []
    changes: list[tuple[str, OfferTerms, SupplierOffer | None]] = []
    for row in feed.rows:
        if row.sku not in known:
            report.unknown_skus += 1
            continue
        before = offers.get(row.sku)
        terms = OfferTerms(row.price, row.on_hand, row.lead_time_days, row.min_order_qty)
        if before is not None and (before.price, before.supplier_on_hand, before.lead_time_days, before.min_order_qty) == (
            terms.price, terms.supplier_on_hand, terms.lead_time_days, terms.min_order_qty
        ):  # fmt: skip
            unchanged.append(row.sku)
        else:
            changes.append((row.sku, terms, before))
    # The insights first, the offers after: a retry after a kill between the two still sees the old offers and
    # so the same changes (the insights deduplicate); the other order would lose them.
    for sku, terms, before in changes:
        if before is not None:
            report.insights += await _record_moves(inventory, supplier, sku, terms, before, day, price_move)
    await book.put_offers(supplier, changes, ctx)
    report.updated = len(changes)
    await book.checked(supplier.supplier_id, unchanged)
    report.unchanged = len(unchanged)
    return report


async def _record_moves(
    inventory: InventoryService, supplier: Supplier, sku: str, terms: OfferTerms, before: SupplierOffer,
    day: str, price_move: float,
) -> list[str]:  # fmt: skip
    """The insights a changed offer calls for (a stock-out at the supplier, a price move over ``price_move``),
    recorded once per item, supplier and day; their dedupe keys, whether recorded now or before."""
    who = f"{sku} from {supplier.name}"
    keys: list[str] = []
    if before.supplier_on_hand > 0 and terms.supplier_on_hand == 0:
        keys.append(f"supplier_out:{sku}@{supplier.supplier_id}:{day}")
        await inventory.add_insight(
            "supplier_out_of_stock", f"{who} is out of stock at the supplier (lead time {terms.lead_time_days} days).",
            keys[-1], sku=sku, severity="warning",
        )  # fmt: skip
    if before.price > 0 and abs(terms.price - before.price) / before.price > price_move:
        change = "up" if terms.price > before.price else "down"
        keys.append(f"supplier_price:{sku}@{supplier.supplier_id}:{day}")
        await inventory.add_insight(
            "supplier_price", f"{who}: price {change} from {before.price:.2f} to {terms.price:.2f}.",
            keys[-1], sku=sku, severity="info",
        )  # fmt: skip
    return keys

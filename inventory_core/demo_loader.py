"""Load the demo warehouse into an empty store, with a progress bar."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from tqdm import tqdm

from inventory_core.demo import DemoDataset, demo_dataset
from inventory_core.service import product_doc, stock_doc
from inventory_core.stock_ops import stock_id
from inventory_core.store import Doc, MongoStore, bulk_budget, utcnow

BATCH = 200


async def store_is_empty(store: MongoStore) -> bool:
    return await store.products.count_documents({}, limit=1) == 0


async def load_demo(
    store: MongoStore, seed: int = 7, *, progress: bool = True, dataset: DemoDataset | None = None
) -> DemoDataset:
    data = dataset or demo_dataset(seed)
    now = utcnow()
    openings: list[Doc] = [
        {
            "movement_id": uuid.uuid4().hex,
            "idempotency_key": f"opening-{stock_id(s.sku, s.site)}",
            "sku": s.sku,
            "site": s.site,
            "kind": "opening",
            "requested": s.on_hand,
            "delta": s.on_hand,
            "before": 0,
            "after": s.on_hand,
            "actor": "demo-loader",
            "channel": "system",
            "at": now,
            "reason": "demo data",
            "bin": None,
            "status": "applied",
        }
        for s in data.stock
    ]
    steps: list[tuple[str, Callable[[], list[Doc]]]] = [
        ("sites", lambda: [{"_id": site, "name": name} for site, name in data.site_names.items()]),
        ("suppliers", lambda: [s.model_dump() | {"_id": s.supplier_id} for s in data.suppliers]),
        (
            "products",
            lambda: [product_doc(p) | {"created_at": now, "updated_at": now} for p in data.products],
        ),
        ("stock", lambda: [stock_doc(s) for s in data.stock]),
        ("movements", lambda: openings),
        ("supplier_offers", lambda: [o.model_dump() for o in data.offers]),
        (
            "sales_daily",
            lambda: [{"sku": s.sku, "site": s.site, "start": s.start, "qty": s.qty} for s in data.sales],
        ),
    ]
    total = sum(len(build()) for _, build in steps)
    bar = tqdm(total=total, desc="loading demo warehouse", unit="doc", disable=not progress)
    with bar, bulk_budget():
        for collection, build in steps:
            docs = build()
            for i in range(0, len(docs), BATCH):
                chunk = docs[i : i + BATCH]
                await store.db[collection].insert_many(chunk, ordered=False)
                bar.update(len(chunk))
    return data

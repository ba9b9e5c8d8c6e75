"""Dialogue speed: understanding alone, and understanding + policy for a whole turn (every step the policy takes
until it speaks, with data answered in memory), on the demo catalogue (315 products). Goal: p95 < 5 ms a turn.

    .venv/bin/python bench/dialogue.py [--turns 3000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Run as a script, this file's folder comes first on sys.path and "dialogue" would name this file, not the
# package; drop the folder before the package is imported (inside the functions below).
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

if TYPE_CHECKING:
    from dialogue.policy.policy import Policy
    from dialogue.policy.state import Commit, DialogueState, Query, WriteDone


SCRIPT = [
    "how many {a} do we have", "where is it", "who supplies it", "do I need to reorder it", "order 120 {a}",
    "no, one fifty", "yes", "received 3 cases of {b}", "{check}", "yes", "picked 12 {a}", "yes", "what's running low",
    "more", "how many {fuzzy} are left", "count for {b} is 48", "{check}", "no", "forty", "cancel", "say again",
    "help", "keep at least 40 {a}", "yes", "how many {a} will we sell next month", "reorder it", "never mind",
]  # fmt: skip


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def answer(q: Query, policy: Policy) -> Any:
    from dialogue.schemas import (
        DemandForecast,
        InventoryRecord,
        LowStockList,
        OrderList,
        RestockList,
        SiteStock,
        SupplierEntry,
        SupplierInfo,
    )

    p = policy.index.products.get(q.sku or "")
    if q.name == "stock" and p is not None:
        sites = [SiteStock(site=loc.site, on_hand=80, reorder_threshold=20) for loc in p.locations]
        return InventoryRecord(product_id=p.sku, name=p.name, category=p.category, current_quantity=80 * len(sites),
                               reorder_threshold=20, is_low=False, sites=sites)  # fmt: skip
    if q.name == "movement":
        return 4.0
    if q.name == "suppliers" and p is not None:
        return SupplierInfo(product_id=p.sku, name=p.name, suppliers=[SupplierEntry(
            supplier_id="SUP01", supplier_name="Acme Industrial Supply", in_stock_qty=500, price_per_unit=1.5,
            lead_time_days=4, preferred=True)])  # fmt: skip
    if q.name == "recommend":
        return RestockList(items=[])
    if q.name == "forecast" and p is not None:
        return DemandForecast(product_id=p.sku, name=p.name, period="next_30_days", period_days=q.days or 30,
                              predicted_demand=120.0, confidence_interval=(100.0, 140.0), daily_rate=4.0,
                              method="bench")  # fmt: skip
    if q.name == "low_stock":
        return LowStockList(items=[])
    if q.name == "orders":
        return OrderList(items=[])
    return None


def commit(c: Commit) -> WriteDone:
    from dialogue.policy.state import WriteDone
    from dialogue.schemas import OrderOut, StockUpdate

    d = c.draft
    if d.kind == "order":
        return WriteDone(result=OrderOut(order_id="PO-10001", product_id=d.sku, quantity=d.quantity, supplier_id="S",
                                         site="main", unit_price=1.0, status="placed",
                                         created_at=datetime.now(UTC)))  # fmt: skip
    return WriteDone(result=StockUpdate(product_id=d.sku, site=d.site or "main", kind="receipt", previous_quantity=1,
                                        updated_quantity=d.quantity, status="updated successfully",
                                        movement_id="m"))  # fmt: skip


def turn(policy: Policy, state: DialogueState, text: str, at: float) -> DialogueState:
    from dialogue.policy.state import Commit, DataReady, Event, Fetch, UserSaid

    event: Event | None = UserSaid(text, at)
    while event is not None:
        state, actions = policy.step(state, event)
        event = None
        for a in actions:
            if isinstance(a, Fetch):
                event = DataReady({q.name: answer(q, policy) for q in a.queries}, at=at)
            elif isinstance(a, Commit):
                event = commit(a)
    return state


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=3000)
    args = parser.parse_args()
    from dialogue.policy.policy import Policy
    from dialogue.policy.state import DialogueState
    from dialogue.understanding.nlu import understand
    from dialogue.understanding.resolve import CatalogueIndex
    from inventory_core.demo import demo_products

    rng = random.Random(1)
    products = demo_products(seed=7)
    t0 = time.perf_counter()
    index = CatalogueIndex.build(products, version=1)
    build_ms = (time.perf_counter() - t0) * 1000
    policy = Policy(index)
    names = [p.name for p in products]
    utterances: list[str] = []
    for i in range(args.turns):
        a, b = rng.choice(names), rng.choice(products)
        fuzzy = a.replace("e", "a", 1)  # a recognizer slip: forces fuzzy and phonetic matching
        check = b.locations[0].check_digits if b.locations else "12"
        utterances.append(SCRIPT[i % len(SCRIPT)].format(a=a, b=b.name, fuzzy=fuzzy, check=" ".join(check)))

    nlu_ms = []
    for text in utterances:
        t = time.perf_counter()
        understand(text, index)
        nlu_ms.append((time.perf_counter() - t) * 1000)

    turn_ms = []
    state = DialogueState(session_id="bench")
    start = time.perf_counter()
    for i, text in enumerate(utterances):
        t = time.perf_counter()
        state = turn(policy, state, text, at=float(i))
        turn_ms.append((time.perf_counter() - t) * 1000)
    total_s = time.perf_counter() - start

    print(f"dialogue.index_build products={len(products)} {build_ms:.1f}ms")
    print(f"dialogue.understand n={len(nlu_ms)} p50={statistics.median(nlu_ms):.3f}ms p95={pct(nlu_ms, 0.95):.3f}ms "
          f"max={max(nlu_ms):.3f}ms")  # fmt: skip
    print(f"dialogue.turn n={len(turn_ms)} turns_per_s={len(turn_ms) / total_s:.0f} "
          f"p50={statistics.median(turn_ms):.3f}ms p95={pct(turn_ms, 0.95):.3f}ms p99={pct(turn_ms, 0.99):.3f}ms "
          f"goal_p95<5ms={'met' if pct(turn_ms, 0.95) < 5 else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()

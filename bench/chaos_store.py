"""The store and service drills of the chaos bench (``bench/chaos.py`` runs them and prints the table): faults of
the embedded store (kill -9, SIGSTOP) and of the service (kill -9, restart) under bursts of REST writes, a write
confirmed in the dialogue while the store is frozen, and edge inputs that must not hurt the service. One live service
(``python -m app serve``, ``bench/chaos_live.LiveService``) serves them all, in this order; one idle ``/ws/voice``
call stays open across the store drills and must survive them.

Each write carries its own Idempotency-Key and is retried with that key (503, retryable 409, no connection) until
it is acknowledged (201), refused for good, or its time runs out. Afterwards the ledger is read from the store
itself (no API lists movements): a write is *lost* when it was acknowledged but its entry is absent or not
applied, or when it never completed; *doubled* when its key has more than one entry, its retries were answered
with different ids, or its entry moved stock by more than asked. Every drill ends by waiting (up to 20 s) until
``/api/admin/reconcile`` shows on-hand == ledger, with nothing pending, for each SKU it touched."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.chaos_live import (
    HealthProbe,
    LiveService,
    Row,
    VoiceCall,
    Write,
    alive,
    ledger,
    send,
    settled,
    tally,
    wait_until,
)

OUTAGE = re.compile(r"(isn't|not) answering")
DID_NOT_ANSWER = "did not answer, so it may not have been recorded. Say yes to try again, or cancel."


@dataclass(frozen=True)
class Target:
    sku: str
    name: str
    order_qty: int  # every supplier of it accepts an order this large


def plan(targets: list[Target], n: int, tag: str) -> list[Write]:
    """``n`` writes over ``targets``: receipts, picks and counts on site main, and orders, in turn."""
    rnd = random.Random(tag)
    writes = []
    for i in range(n):
        t = targets[i % len(targets)]
        kind = ("receipt", "pick", "count", "order", "receipt", "pick")[i % 6]
        qty = {"receipt": rnd.randint(1, 9), "pick": rnd.randint(1, 3), "count": 400 + i}.get(
            kind, t.order_qty
        )
        writes.append(Write(f"chaos-{tag}-{i}-{os.urandom(3).hex()}", kind, t.sku, qty))
    return writes


@dataclass
class Stage:
    """What the drills share: the service, a REST client, the idle call, SKUs not used by another drill yet."""

    svc: LiveService
    http: httpx.AsyncClient
    pool: list[Target]
    call: VoiceCall | None = None

    def take(self, n: int) -> list[Target]:
        taken, self.pool = self.pool[:n], self.pool[n:]
        return taken

    async def agent(self, text: str, session_id: str | None = None) -> dict[str, Any]:
        body = {"text": text, **({"session_id": session_id} if session_id else {})}
        return dict((await self.http.post("/api/agent/query", json=body)).json())

    async def call_alive(self, row: Row, item: str) -> None:
        if self.call is None:
            return
        if await self.call.ask(f"how many {item}") is None:
            row.calls_dropped += 1
            row.notes.append("the idle /ws/voice call ended")
            self.call = None


async def targets(http: httpx.AsyncClient) -> list[Target]:
    """Items stocked at site main with room for picks, and an order size every supplier of theirs accepts."""
    items = (await http.get("/api/inventory", params={"site": "main", "limit": 200})).json()["items"]
    found: list[Target] = []
    for it in items:
        main = next((s for s in it["stock"] if s["site"] == "main"), None)
        if main is None or main["on_hand"] < 150 or len(found) >= 16:
            continue
        offers = (await http.get(f"/api/suppliers/{it['sku']}")).json()
        if offers:
            found.append(Target(it["sku"], it["name"], max(o["min_order_qty"] for o in offers)))
    return found


async def burst(
    stage: Stage,
    row: Row,
    n: int,
    tag: str,
    fault: Callable[[], Awaitable[None]],
    for_s: float,
    spread_s: float = 0.2,
    fault_at_s: float | None = None,
) -> tuple[list[Write], set[str]]:
    """``n`` writes on three SKUs started over ``spread_s``, each retried for up to ``for_s``; ``fault`` at
    ``fault_at_s``, or (None) once a third of them are acknowledged, i.e. mid-burst with most in flight."""
    writes = plan(stage.take(3), n, tag)

    async def fault_then() -> None:
        if fault_at_s is None:
            await wait_until(lambda: sum(w.final == "ack" for w in writes) >= n // 3, 10.0, 0.005)
        else:
            await asyncio.sleep(fault_at_s)
        row.notes.append(f"{sum(w.in_flight for w in writes)} of {n} writes in flight at the fault")
        await fault()

    jobs = [send(stage.http, w, spread_s * i / n, for_s) for i, w in enumerate(writes)]
    await asyncio.gather(fault_then(), *jobs)
    return writes, {w.sku for w in writes}


async def check(stage: Stage, row: Row, writes: list[Write], skus: set[str]) -> str:
    """Reconcile, then the store's entries against what the clients were told; a summary for ``observed``."""
    ok, text = await settled(stage.http, skus)
    entries = await ledger(stage.svc, writes)
    tally(writes, entries, row)
    acked = sum(w.final == "ack" for w in writes)
    retried = sum(len(w.answers) > 1 for w in writes)
    recovered = sum(bool(d.get("recovered")) for docs in entries.values() for d in docs)
    if not ok:
        row.notes.append(text)
    row.ok = ok and row.writes_lost == 0 and row.writes_doubled == 0 and row.calls_dropped == 0
    return (
        f"{acked}/{len(writes)} acknowledged ({retried} retried, {recovered} settled by recovery), each once in "
        f"the store: {'yes' if not row.writes_lost + row.writes_doubled else 'NO'}; {text}"
    )


async def store_kill(stage: Stage, quick: bool) -> Row:
    row = Row(
        "store killed mid-burst", "store back ≤ 3 s; every write acked, once; on-hand == ledger; call up"
    )
    pid = stage.svc.store_pid()
    killed_at = 0.0
    async with HealthProbe(stage.svc) as probe:

        async def kill() -> None:
            nonlocal killed_at
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            killed_at = probe.now()

        writes, skus = await burst(stage, row, 24 if quick else 60, "kill", kill, 20.0)
    back = probe.first(200, killed_at)
    back_s = back.at + back.latency_s - killed_at if back else float("inf")
    new_pid = stage.svc.store_pid()
    summary = await check(stage, row, writes, skus)
    await stage.call_alive(row, stage.pool[0].name)
    row.ok = row.ok and back_s <= 3.0 and alive(new_pid) and new_pid != pid and row.calls_dropped == 0
    row.observed = f"health 200 again {back_s:.1f} s after kill -9 (store pid {pid} → {new_pid}); {summary}"
    return row


async def store_freeze(stage: Stage, quick: bool) -> Row:
    freeze_s = 2.5 if quick else 4.0
    row = Row(
        "store frozen (SIGSTOP)",
        f"{freeze_s:g} s freeze: health 503 ≤ 2 s; writes fail fast (503 ≤ 2.5 s); spoken 'not answering'"
        "; retried writes apply once",
    )
    pid = stage.svc.store_pid()
    assert pid is not None
    item = stage.pool[0].name
    spoken: dict[str, str | None] = {}
    frozen_at = 0.0
    async with HealthProbe(stage.svc) as probe:

        async def freeze() -> None:
            nonlocal frozen_at
            os.kill(pid, signal.SIGSTOP)
            frozen_at = probe.now()
            try:
                await asyncio.sleep(0.3)
                began = time.monotonic()
                typed, voice = await asyncio.gather(
                    stage.agent(f"how many {item}"),
                    stage.call.ask(f"how many {item}") if stage.call else asyncio.sleep(0, None),
                )
                spoken["typed"] = f"{typed.get('reply')} ({time.monotonic() - began:.1f} s)"
                spoken["voice"] = voice
                await asyncio.sleep(max(0.0, freeze_s - (probe.now() - frozen_at)))
            finally:
                os.kill(pid, signal.SIGCONT)

        writes, skus = await burst(
            stage, row, 10 if quick else 20, "freeze", freeze, 25.0, 1.0 + freeze_s, 1.0
        )
    first_503 = probe.first(503, frozen_at)
    to_503 = first_503.at + first_503.latency_s - frozen_at if first_503 else float("inf")
    slowest = max(w.slowest_fail_s for w in writes)
    summary = await check(stage, row, writes, skus)
    await stage.call_alive(row, item)
    told = {k: bool(v and OUTAGE.search(v)) for k, v in spoken.items()}
    row.notes += [f"spoken during the freeze ({k}): {v!r}" for k, v in spoken.items() if not told.get(k)]
    row.ok = row.ok and to_503 <= 2.0 and slowest <= 2.5 and all(told.values()) and len(told) == 2
    row.observed = (
        f"health 503 after {to_503:.1f} s; slowest failed write {slowest:.1f} s; spoken 'not answering': "
        f"typed {'yes' if told.get('typed') else 'NO'}, voice {'yes' if told.get('voice') else 'NO'}; {summary}"
    )
    return row


async def write_in_outage(stage: Stage, _: bool) -> Row:
    row = Row(
        "write confirmed while the store is frozen", "'did not answer… say yes to try again'; yes → one order"
    )
    t = stage.take(1)[0]
    before = len((await stage.http.get("/api/orders", params={"sku": t.sku, "limit": 500})).json())
    asked = await stage.agent(f"order {t.order_qty} {t.name}")
    sid, replies = asked["session_id"], [asked["reply"]]
    pid = stage.svc.store_pid()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        replies.append((await stage.agent("yes", sid))["reply"])
        outage_s = time.monotonic() - began
    finally:
        os.kill(pid, signal.SIGCONT)
    async with HealthProbe(stage.svc) as probe:
        await wait_until(lambda: probe.first(200, 0.0) is not None, 10.0)
    replies.append((await stage.agent("yes", sid))["reply"])
    orders = (await stage.http.get("/api/orders", params={"sku": t.sku, "limit": 500})).json()
    new = len(orders) - before
    row.writes_lost, row.writes_doubled = int(new == 0), max(0, new - 1)
    ok, text = await settled(stage.http, {t.sku})
    read_back = asked["awaiting"] == "yes_no"
    told = DID_NOT_ANSWER in replies[1]
    done = replies[2].startswith("Done.")
    row.ok = ok and read_back and told and done and new == 1
    row.notes += [f"turn {i}: {r!r}" for i, r in enumerate(replies)] if not row.ok else []
    row.observed = (
        f"read-back {'yes' if read_back else 'NO'}; 'did not answer' {'yes' if told else 'NO'} "
        f"({outage_s:.1f} s); after thaw, yes → {'Done' if done else 'NOT done'}; new orders {new}; {text}"
    )
    return row


async def service_kill(stage: Stage, quick: bool) -> Row:
    row = Row(
        "service killed mid-burst (kill -9)",
        "no orphan store; restart; every retried key resolves once; on-hand == ledger",
    )
    if stage.call is not None:  # the call ends with the service: expected, not a store fault
        await stage.call.close()
        stage.call = None
    old_store = stage.svc.store_pid()
    timing: dict[str, float] = {}

    async def kill_and_restart() -> None:
        stage.svc.kill()
        began = time.monotonic()
        await wait_until(lambda: not alive(old_store), 5.0)
        timing["store_gone"] = time.monotonic() - began if not alive(old_store) else float("inf")
        await stage.svc.start()
        timing["restart"] = time.monotonic() - began

    writes, skus = await burst(stage, row, 24 if quick else 60, "svc", kill_and_restart, 90.0)
    new_store = stage.svc.store_pid()
    summary = await check(stage, row, writes, skus)
    row.ok = row.ok and timing["store_gone"] <= 2.0 and alive(new_store)
    row.observed = (
        f"old store gone {timing['store_gone']:.1f} s after the kill; service answering again after "
        f"{timing['restart']:.1f} s; {summary}"
    )
    return row

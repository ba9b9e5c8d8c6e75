"""The crash drill of the movement ledger, shared by ``test_crash_property.py`` (a fixed set of cases) and
``bench/crash_recovery.py`` (random cases).

One case: concurrent receipts, picks, sales, adjustments and counts on three stock records (some repeating an
earlier request's idempotency key, some reusing a key for another movement); once ``crash_after`` of them are
answered, kill -9 of the store and every request still in flight abandoned (the service died), in either order;
the store restarted on the same data folder; recovery by start-up, by the recovery loop or by the retries alone;
then every request retried with its key. The checks: nothing left pending, on-hand equals the applied ledger for
every record, every acknowledged write is in the ledger once under its key and its retry returns it, every retry
resolves (a result, or a non-retryable error), and every applied receipt/pick/sale/adjustment moved exactly its
quantity."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hypothesis import strategies as st

from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.errors import InventoryError
from inventory_core.ledger_recovery import LedgerRecovery, RecoveryOptions
from inventory_core.models import Location, MovementKind, MovementResult, Product, StockLevel, WriteContext
from inventory_core.service import InventoryService
from inventory_core.stock_ops import REFUSED, StockLedger, marked_movement
from inventory_core.store import MongoStore

RECORDS = (("CRS-0001", "main"), ("CRS-0001", "east"), ("CRS-0002", "main"))
OPENING = 40
LEASE_S = 0.2
RETRY_TIMEOUT_S = 20.0
CASE_TIMEOUT_S = 90.0
_DELTA_SIGN = {
    MovementKind.PICK: -1,
    MovementKind.SALE: -1,
    MovementKind.RECEIPT: 1,
    MovementKind.ADJUSTMENT: 1,
}

Recovery = Literal["start-up", "loop", "retries"]


@dataclass(frozen=True)
class Write:
    kind: MovementKind
    record: int
    quantity: int
    key: str


@dataclass(frozen=True)
class CrashCase:
    writes: tuple[Write, ...]
    crash_after: int
    """Answers received before the crash."""
    jitter_ms: int
    """Then the time until the crash, while the other writes go on."""
    service_first: bool
    """The service's requests are abandoned before the store is killed (some may still land)."""
    recovery: Recovery


@dataclass
class CaseReport:
    case: CrashCase
    acknowledged: int = 0
    pending_at_restart: int = 0
    """Claims the crash left pending."""
    applied_at_restart: int = 0
    """Of those, the ones already in on-hand (cut between the stock update and the settle)."""
    failures: list[str] = field(default_factory=list)
    wall_s: float = 0.0


def _movement(draw: st.DrawFn, key: str) -> Write:
    kind = draw(
        st.sampled_from([MovementKind.RECEIPT, MovementKind.PICK, MovementKind.SALE, MovementKind.ADJUSTMENT])
    )
    kind = draw(st.sampled_from([kind, kind, kind, MovementKind.COUNT]))
    if kind == MovementKind.COUNT:
        quantity = draw(st.integers(0, 80))
    elif kind == MovementKind.ADJUSTMENT:
        quantity = draw(st.integers(-15, 15).filter(bool))
    else:
        quantity = draw(st.integers(1, 25))
    return Write(kind=kind, record=draw(st.integers(0, len(RECORDS) - 1)), quantity=quantity, key=key)


@st.composite
def crash_cases(draw: st.DrawFn) -> CrashCase:
    writes: list[Write] = []
    for i in range(draw(st.integers(4, 40))):
        reuse = draw(st.sampled_from(["new"] * 8 + ["repeat", "clash"])) if writes else "new"
        if reuse == "repeat":  # the same request sent again
            writes.append(draw(st.sampled_from(writes)))
        elif reuse == "clash":  # a key reused for another movement
            writes.append(_movement(draw, draw(st.sampled_from(writes)).key))
        else:
            writes.append(_movement(draw, f"k{i}"))
    return CrashCase(
        writes=tuple(writes),
        crash_after=(after := draw(st.one_of(st.just(0), st.integers(0, len(writes))))),
        jitter_ms=draw(st.integers(0, 5 * (len(writes) - after))),  # about 5 ms a write on 2 cores
        service_first=draw(st.booleans()),
        recovery=draw(st.sampled_from(["start-up", "loop", "retries"])),
    )


class CrashableStore:
    """An nx-27017 server on a file data folder that can be killed with SIGKILL and restarted on that folder."""

    def __init__(self, folder: Path) -> None:
        self._server = EmbeddedMongo(db_path=str(folder), supervise=False)

    @property
    def uri(self) -> str:
        return self._server.uri

    @property
    def running(self) -> bool:
        return self._server.pid is not None

    def start(self) -> None:
        self._server.start()

    def kill9(self) -> None:
        pid = self._server.pid
        assert pid is not None, "the store is not running"
        os.kill(pid, signal.SIGKILL)

    def restart(self) -> None:
        self._server.stop()  # reaps the killed process
        self._server.start()

    def stop(self) -> None:
        self._server.stop()


def _ctx(key: str) -> WriteContext:
    return WriteContext(actor="crash-drill", channel="api", idempotency_key=key)


async def _stock_up(store: MongoStore) -> None:
    inv = InventoryService(store)
    for sku in sorted({sku for sku, _ in RECORDS}):
        sites = [site for s, site in RECORDS if s == sku]
        product = Product(
            sku=sku,
            name=f"crash drill {sku.lower()}",
            category="test",
            locations=[Location(site=site, bin="A-01-1", check_digits="42") for site in sites],
        )
        levels = [StockLevel(sku=sku, site=site, on_hand=OPENING) for site in sites]
        await inv.create_product(product, levels, _ctx(f"create-{sku}"))


async def _send(ledger: StockLedger, w: Write) -> MovementResult | InventoryError:
    sku, site = RECORDS[w.record]
    try:
        return await ledger.apply(sku, site, w.kind, w.quantity, _ctx(w.key))
    except InventoryError as exc:
        return exc


async def _burst(server: CrashableStore, store: MongoStore, case: CrashCase) -> dict[str, MovementResult]:
    """The writes until the crash; returns the acknowledged ones by key."""
    ledger = StockLedger(store, lease_s=LEASE_S)
    answers: list[tuple[Write, MovementResult | InventoryError]] = []
    enough = asyncio.Event()

    async def one(w: Write) -> None:
        answers.append((w, await _send(ledger, w)))
        if len(answers) >= case.crash_after:
            enough.set()

    # Open a connection per write first, so that the writes reach the store together, as in a busy service.
    await asyncio.gather(*(store.stock.find_one({"_id": "warm-up"}) for _ in case.writes))
    tasks = [asyncio.create_task(one(w)) for w in case.writes]
    if case.crash_after == 0:
        enough.set()
    await asyncio.wait_for(enough.wait(), timeout=60)
    await asyncio.sleep(case.jitter_ms / 1000)
    if not case.service_first:
        server.kill9()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if case.service_first:
        server.kill9()
    return {w.key: a for w, a in answers if isinstance(a, MovementResult)}


async def _recover(store: MongoStore, recovery: Recovery) -> None:
    ledger = StockLedger(store, lease_s=LEASE_S)
    if recovery == "start-up":  # as the service starts: every claim is past its lease by now
        await ledger.resolve_pending()
    elif recovery == "loop":
        loop = LedgerRecovery(
            ledger, store, RecoveryOptions(interval_s=0.05, sweep_every_s=0.0, mark_grace_s=0.0)
        )
        task = asyncio.create_task(loop.run())
        try:
            for _ in range(400):  # until nothing is pending, at most 20 s
                if not await store.movements.count_documents({"status": "pending"}):
                    break
                await asyncio.sleep(0.05)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _retry_all(store: MongoStore, case: CrashCase, report: CaseReport) -> list[MovementResult | None]:
    ledger = StockLedger(store, lease_s=LEASE_S)

    async def one(w: Write) -> MovementResult | None:
        try:
            answer = await asyncio.wait_for(_send(ledger, w), RETRY_TIMEOUT_S)
        except TimeoutError:
            report.failures.append(f"retry of {w} did not resolve within {RETRY_TIMEOUT_S} s")
            return None
        if isinstance(answer, InventoryError):
            if answer.retryable:
                report.failures.append(f"retry of {w} got a retryable {answer.code}: {answer.message}")
            return None
        return answer

    return list(await asyncio.gather(*(one(w) for w in case.writes)))


async def _check(
    store: MongoStore, acked: dict[str, MovementResult], report: CaseReport, *, stage: str
) -> None:
    entries = {d["idempotency_key"]: d async for d in store.movements.find({"kind": {"$ne": "opening"}})}
    failures: list[str] = []
    if pending := [k for k, d in entries.items() if d["status"] != "applied"]:
        failures.append(f"entries not applied: {pending}")
    if drift := (await StockLedger(store).reconcile()).drift:
        failures.append(f"on-hand differs from the ledger: {[d.model_dump() for d in drift]}")
    for key, result in acked.items():
        entry = entries.get(key)
        if entry is None or entry["movement_id"] != result.movement.movement_id:
            failures.append(f"acknowledged write {key} ({result.movement.movement_id}) missing: {entry}")
    for entry in entries.values():
        sign = _DELTA_SIGN.get(MovementKind(entry["kind"]))
        if entry["status"] == "applied" and sign is not None and entry["delta"] != sign * entry["requested"]:
            failures.append(f"{entry['idempotency_key']} moved {entry['delta']}, not its quantity")
    report.failures += [f"{stage}: {f}" for f in failures]


async def _left_pending(store: MongoStore) -> tuple[int, int]:
    marks = set()
    async for doc in store.stock.find({}, {"applied": 1}):
        marks |= {marked_movement(k) for k, v in (doc.get("applied") or {}).items() if v != REFUSED}
    pending = [
        d["movement_id"] async for d in store.movements.find({"status": "pending"}, {"movement_id": 1})
    ]
    return len(pending), sum(1 for m in pending if m in marks)


async def _run(server: CrashableStore, case: CrashCase, report: CaseReport) -> None:
    db = f"crash_{uuid.uuid4().hex[:10]}"
    # Socket timeouts, so that no operation of a case can wait for ever.
    uri = f"{server.uri}&socketTimeoutMS=5000"
    store = MongoStore(uri, db, timeout_ms=500)  # closing it waits this long for the killed store
    try:
        await store.ensure_indexes()
        await _stock_up(store)
        acked = await _burst(server, store, case)
    finally:
        await store.close()
    report.acknowledged = len(acked)
    server.restart()
    store = MongoStore(uri, db, timeout_ms=3000)
    try:
        report.pending_at_restart, report.applied_at_restart = await _left_pending(store)
        await _recover(store, case.recovery)
        if case.recovery != "retries":  # recovery alone makes the ledger whole, before any retry
            await _check(store, acked, report, stage="after recovery")
        retried = await _retry_all(store, case, report)
        for w, again in zip(case.writes, retried, strict=True):
            first = acked.get(w.key)
            if first and again and again.movement.movement_id != first.movement.movement_id:
                report.failures.append(f"retry of acknowledged {w.key} returned another movement")
        await _check(store, acked, report, stage="after the retries")
    finally:
        await store.close()


def _stacks() -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks():
        if task is not asyncio.current_task():
            task.print_stack(file=out)
    return out.getvalue()


async def run_case(server: CrashableStore, case: CrashCase) -> CaseReport:
    """One case on a database of its own; ``server`` is running on entry and on exit. A case that does not finish
    within ``CASE_TIMEOUT_S`` is a failure, reported with the stacks of its tasks."""
    report = CaseReport(case=case)
    began = time.perf_counter()
    main = asyncio.create_task(_run(server, case, report))
    done, _ = await asyncio.wait({main}, timeout=CASE_TIMEOUT_S)
    if not done:
        report.failures.append(f"the case did not finish within {CASE_TIMEOUT_S} s; its tasks:\n{_stacks()}")
        main.cancel()
    try:
        await main
    except asyncio.CancelledError:
        pass
    except Exception as exc:  # any error is a failure of this case, with its type
        report.failures.append(f"{type(exc).__name__}: {exc}")
    if not server.running:
        server.restart()
    report.wall_s = time.perf_counter() - began
    return report

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
import contextlib
import json
import os
import random
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import websockets

from bench.chaos_live import (
    ROOT,
    HealthProbe,
    LiveService,
    Row,
    VoiceCall,
    Write,
    alive,
    ledger,
    p99,
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


async def silent_twilio(ws_url: str, within_s: float) -> tuple[float, float, str]:
    """A ``/ws/twilio`` stream that says ``connected`` and never ``start``: when it was open and when the server
    closed it (``time.monotonic``), and why."""
    try:
        async with websockets.connect(f"{ws_url}/ws/twilio", open_timeout=within_s) as ws:
            opened = time.monotonic()
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            with contextlib.suppress(websockets.ConnectionClosed, TimeoutError):
                while True:
                    await asyncio.wait_for(ws.recv(), within_s)
            return opened, time.monotonic(), str(ws.close_reason)
    except (OSError, websockets.WebSocketException, TimeoutError) as exc:
        return time.monotonic(), float("inf"), f"{type(exc).__name__}: {exc}"


async def twilio_flood(ws_url: str, n: int, within_s: float) -> None:
    """``n`` silent streams at once, from a process of its own (``python -m bench.chaos_store twilio ...``) so
    that the health probe measures the server, not this bench's own event loop; prints them as JSON."""
    print("ready", flush=True)
    print(json.dumps(await asyncio.gather(*(silent_twilio(ws_url, within_s) for _ in range(n)))), flush=True)


async def flood_from_child(
    svc: LiveService, n: int, within_s: float, started: asyncio.Event
) -> list[list[Any]]:
    args = ("-m", "bench.chaos_store", "twilio", svc.ws_url, str(n), str(within_s))
    child = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None
    await child.stdout.readline()  # imports done
    started.set()
    out = await child.stdout.read()
    await child.wait()
    return list(json.loads(out or b"[]"))


async def bad_inputs(stage: Stage) -> dict[str, str]:
    """Junk JSON, a 2 MB chunked body, a 64,000-character name: the status each got."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(32):
            yield b"x" * 65536

    sku, key = stage.pool[0].sku, {"Idempotency-Key": f"chaos-edge-{os.urandom(3).hex()}"}
    path = f"/api/inventory/{sku}/movements"
    headers = {**key, "Content-Type": "application/json"}
    got = {}
    for name, send_it in (
        ("junk JSON", lambda: stage.http.post(path, content=b'{"kind": "receipt", "quan', headers=headers)),
        ("2 MB chunked", lambda: stage.http.post(path, content=chunks(), headers=headers)),
        ("64,000-char name", lambda: stage.http.get("/api/inventory/" + "x" * 64_000)),
    ):
        try:
            got[name] = str((await send_it()).status_code)
        except httpx.HTTPError as exc:
            got[name] = type(exc).__name__
    return got


async def bad_audio(stage: Stage) -> tuple[list[str], str | None]:
    """Odd-length and junk frames on a /ws/voice call: the errors sent back, and a typed turn's reply after."""
    call = await VoiceCall.open(stage.svc)
    try:
        await call.client.send_audio(b"\x01\x02\x03")
        await call.client.send("{{{ not json")
        errors = []
        with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
            for _ in range(2):
                errors.append(str((await call.client.until("error", within_s=5))["code"]))
        return errors, await call.ask(f"how many {stage.pool[0].name}")
    finally:
        await call.close()


async def edges(stage: Stage, _: bool) -> Row:
    limit = float(stage.svc.env.get("IP_CALL_START_TIMEOUT_S", "10"))
    row = Row(
        "edge inputs beside 200 silent /ws/twilio",
        f"every silent twilio stream closed ≤ {limit + 2:g} s (≤ 1% of the 200 upgrades may fail, a client retries); "
        "422 / 413 / 422; bad audio → error, call goes on; health never "
        "stalls past 1 s (200 upgrades at once cost ~3.5 ms of event-loop time each, in uvicorn and websockets)",
    )
    started = asyncio.Event()
    flood = asyncio.create_task(flood_from_child(stage.svc, 200, limit + 10, started))
    await started.wait()
    async with HealthProbe(stage.svc, every_s=0.05) as probe:
        inputs, (errors, after) = await asyncio.gather(bad_inputs(stage), bad_audio(stage))
        twilio = await flood
    lat = probe.latencies()
    closed = [s for s in twilio if s[2] == "start_timeout" and s[1] - s[0] <= limit + 2]
    opened = [s for s in twilio if s[1] != float("inf")]  # the others never got a WebSocket
    other = sorted({s[2] for s in twilio if s[2] != "start_timeout"})
    want = {"junk JSON": "422", "2 MB chunked": "413", "64,000-char name": "422"}
    row.calls_dropped = int(after is None)
    row.ok = (
        len(twilio) == 200
        and len(closed) == len(opened) >= 198
        and inputs == want
        and {"bad_frame", "bad_json"} <= set(errors)
        and after is not None
        and max(lat, default=float("inf")) <= 1.0
    )
    if other:
        row.notes.append(f"/ws/twilio streams ended otherwise: {other}")
    if twilio:
        t0 = probe.t0
        all_open = max(s[0] for s in twilio) - t0
        ends = [s[1] - t0 for s in twilio if s[1] != float("inf")] or [float("inf")]
        slow = [f"{p.at:.2f} s: {p.latency_s * 1000:.0f} ms" for p in probe.probes if p.latency_s > 0.1]
        row.notes.append(
            f"twilio streams all open by {all_open:.2f} s, closed {min(ends):.2f}-{max(ends):.2f} s; health polls "
            f"over 100 ms at {', '.join(slow) or 'none'}"
        )
    slowest = max((s[1] - s[0] for s in opened), default=float("inf"))
    row.observed = (
        f"{len(closed)}/{len(opened)} twilio streams closed by start_timeout (slowest {slowest:.1f} s), "
        f"{len(twilio) - len(opened)} of {len(twilio)} upgrades failed; "
        + ", ".join(f"{k} {v}" for k, v in inputs.items())
        + f"; bad audio → {errors or 'no error'}, then {'a reply' if after else 'NO reply'}; "
        f"health p99 {p99(lat) * 1000:.0f} ms, max {max(lat, default=0) * 1000:.0f} ms ({len(lat)} polls)"
    )
    return row


RUNS: dict[str, Callable[[Stage, bool], Awaitable[Row]]] = {
    "store-kill": store_kill,
    "store-freeze": store_freeze,
    "write-in-outage": write_in_outage,
    "edges": edges,
    "service-kill": service_kill,
}
"""The drills by name, in the order they run on one service (the service kill last: it ends the idle call)."""


if __name__ == "__main__":  # the twilio flood's own process: twilio WS_URL N WITHIN_S
    if len(sys.argv) == 5 and sys.argv[1] == "twilio":
        asyncio.run(twilio_flood(sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))

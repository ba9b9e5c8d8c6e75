"""The edge-input drill of the chaos bench (``bench/chaos.py`` runs it on the store drills' service): 200
``/ws/twilio`` streams that never send ``start`` (from a process of their own, so the health probe measures the
server), junk JSON, a 2 MB chunked body, a 64,000-character name and malformed audio on ``/ws/voice``, beside
health polls."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import websockets

from bench.chaos_live import ROOT, HealthProbe, LiveService, Row, VoiceCall, p99
from bench.chaos_store import Stage


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
    """``n`` silent streams at once, from a process of its own (``python -m bench.chaos_edges twilio ...``) so
    that the health probe measures the server, not this bench's own event loop; prints them as JSON."""
    print("ready", flush=True)
    print(json.dumps(await asyncio.gather(*(silent_twilio(ws_url, within_s) for _ in range(n)))), flush=True)


async def flood_from_child(
    svc: LiveService, n: int, within_s: float, started: asyncio.Event
) -> list[list[Any]]:
    args = ("-m", "bench.chaos_edges", "twilio", svc.ws_url, str(n), str(within_s))
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


if __name__ == "__main__":  # the twilio flood's own process: twilio WS_URL N WITHIN_S
    if len(sys.argv) == 5 and sys.argv[1] == "twilio":
        asyncio.run(twilio_flood(sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
    else:
        print("usage: python -m bench.chaos_edges twilio WS_URL N WITHIN_S  (bench/chaos.py starts it)")

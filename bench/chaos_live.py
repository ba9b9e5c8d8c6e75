"""What every chaos drill shares: the service under test as a real process (``python -m app`` on its embedded
defaults, its own data folder and port), the embedded store's process, and the table row a drill reports.

    async with LiveService(env={"IP_SPEECH_ENGINE": "local"}) as svc:
        svc.base_url, svc.token, svc.store_pid()
        svc.kill()            # kill -9 of the service (its store follows it)
        await svc.start()     # again, on the same data
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import websockets
from pymongo import AsyncMongoClient

from inventory_core.embedded_mongo import free_port
from voice_gateway.client import VoiceClient

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "chaos-token"
DB = "inventorypulse"  # the service's database (``Settings.mongodb_db``)


@dataclass
class Row:
    """One drill's line in the chaos table."""

    drill: str
    expected: str
    observed: str = ""
    writes_lost: int = 0
    writes_doubled: int = 0
    calls_dropped: int = 0
    ok: bool = False
    notes: list[str] = field(default_factory=list)


def print_table(rows: list[Row]) -> None:
    print("| drill | expected | observed | writes lost | writes doubled | calls dropped | ok |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        mark = "yes" if r.ok else "**NO**"
        print(
            f"| {r.drill} | {r.expected} | {r.observed} | {r.writes_lost} | {r.writes_doubled} "
            f"| {r.calls_dropped} | {mark} |"
        )
    for r in rows:
        for note in r.notes:
            print(f"- {r.drill}: {note}")


class LiveService:
    """``python -m app`` in a process of its own, on a fresh data folder (kept across ``kill``/``start`` so a
    restart finds the same data), answering on ``base_url`` with bearer ``token``."""

    def __init__(self, *, env: dict[str, str] | None = None, var_dir: Path | None = None) -> None:
        self._own_dir = var_dir is None
        self.var_dir = var_dir or Path(tempfile.mkdtemp(prefix="chaos-var-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.token = TOKEN
        self.env = {
            "IP_VAR_DIR": str(self.var_dir),
            "IP_PORT": str(self.port),
            "IP_API_TOKENS": json.dumps([TOKEN]),
            "IP_SPEECH_ENGINE": "local",
            "IP_FORECAST_WARM_UP": "false",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.var_dir / "service.log"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def start(self, timeout_s: float = 120.0) -> None:
        env = {**os.environ, **self.env}
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(  # noqa: ASYNC220 (a quick fork; the wait below is async)
            [sys.executable, "-m", "app", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the service exited with {self.proc.returncode}; see {self.log_path}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.base_url}/api/health")).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the service did not answer within {timeout_s:.0f} s; see {self.log_path}")

    def store_pid(self) -> int | None:
        """The embedded store's pid (nx-27017 under its guard), from the lock its guard holds."""
        lock = self.var_dir / "mongo" / "nx-27017.lock"
        try:
            return int(json.loads(lock.read_text())["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def kill(self) -> None:
        """kill -9 of the service process (the store's guard stops the store when its owner dies)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, 20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    async def __aenter__(self) -> LiveService:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
        if self._own_dir and exc is None:
            shutil.rmtree(self.var_dir, ignore_errors=True)


# ---- added for the store drills (bench/chaos_store.py) ------------------------------------------------------------
def store_uri(svc: LiveService) -> str | None:
    """The embedded store's address as the service recorded it (``var/mongo/endpoint.json``)."""
    try:
        return str(json.loads((svc.var_dir / "mongo" / "endpoint.json").read_text())["uri"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def alive(pid: int | None) -> bool:
    """Whether ``pid`` is a live process (a zombie counts as dead)."""
    if pid is None:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


@dataclass
class Probe:
    """One ``/api/health`` poll: when it was sent (seconds since the probe began), how long it took, its status
    (0: no answer)."""

    at: float
    latency_s: float
    status: int


class HealthProbe:
    """Polls ``/api/health`` every ``every_s`` in the background while a drill runs (``async with``)."""

    def __init__(self, svc: LiveService, every_s: float = 0.1, timeout_s: float = 5.0) -> None:
        self.svc, self.every_s, self.timeout_s = svc, every_s, timeout_s
        self.t0 = time.monotonic()
        self.probes: list[Probe] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            while True:
                sent = time.monotonic()
                status = 0
                with contextlib.suppress(httpx.HTTPError):
                    status = (await client.get(f"{self.svc.base_url}/api/health")).status_code
                self.probes.append(Probe(sent - self.t0, time.monotonic() - sent, status))
                await asyncio.sleep(max(0.0, self.every_s - (time.monotonic() - sent)))

    def now(self) -> float:
        return time.monotonic() - self.t0

    def first(self, status: int, after: float) -> Probe | None:
        """The first poll sent at or after ``after`` that answered ``status``."""
        return next((p for p in self.probes if p.at >= after and p.status == status), None)

    def latencies(self, start: float = 0.0, end: float = float("inf")) -> list[float]:
        return sorted(p.latency_s for p in self.probes if start <= p.at <= end)

    async def __aenter__(self) -> HealthProbe:
        self.t0 = time.monotonic()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def wait_until(done: Callable[[], bool], within_s: float, every_s: float = 0.05) -> bool:
    """Polls ``done`` until it holds (True) or ``within_s`` passes (False)."""
    deadline = time.monotonic() + within_s
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every_s)
    return True


def p99(values: list[float]) -> float:
    """The 99th percentile (nearest rank) of ``values``; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


# ---- writes, the ledger and calls, as the drills see them -------------------------------------------------------
@dataclass
class Write:
    """One client write and what became of each attempt."""

    key: str
    kind: str  # receipt | pick | count | order
    sku: str
    quantity: int
    acks: list[str] = field(default_factory=list)  # the movement or order id of each 201
    answers: list[str] = field(default_factory=list)  # each attempt: status, or the connection error
    final: str = ""  # "ack", the refusal, or "gave up"
    slowest_fail_s: float = 0.0  # the longest an attempt took to fail
    in_flight: bool = False  # an attempt is waiting for its answer

    def request(self) -> tuple[str, dict[str, Any]]:
        if self.kind == "order":
            return "/api/orders", {"sku": self.sku, "quantity": self.quantity}
        return f"/api/inventory/{self.sku}/movements", {
            "kind": self.kind,
            "quantity": self.quantity,
            "site": "main",
        }


async def send(
    client: httpx.AsyncClient, w: Write, delay_s: float, for_s: float, pace_s: float = 0.25
) -> None:
    """``w`` after ``delay_s``, retried with its key while the answer is retryable, for up to ``for_s``."""
    await asyncio.sleep(delay_s)
    until = time.monotonic() + for_s
    path, body = w.request()
    while True:
        began = time.monotonic()
        w.in_flight = True
        try:
            r = await client.post(path, json=body, headers={"Idempotency-Key": w.key})
        except httpx.HTTPError as exc:
            status, code, retry = 0, type(exc).__name__, True
        else:
            w.in_flight = False
            status = r.status_code
            answer: dict[str, Any] = (
                r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            )
            if status == 201:
                w.acks.append(
                    str(answer["order_id"] if w.kind == "order" else answer["movement"]["movement_id"])
                )
                w.answers.append("201")
                w.final = "ack"
                return
            code = str(answer.get("code"))
            retry = status == 503 or (status == 409 and bool((answer.get("details") or {}).get("retryable")))
        w.in_flight = False
        w.answers.append(str(status or code))
        w.slowest_fail_s = max(w.slowest_fail_s, time.monotonic() - began)
        if not retry or time.monotonic() > until:
            w.final = f"{status} {code}" if not retry else "gave up"
            return
        await asyncio.sleep(pace_s)


async def ledger(svc: LiveService, writes: list[Write]) -> dict[str, list[dict[str, Any]]]:
    """The store's entries for the writes' keys: movements and purchase orders."""
    uri = store_uri(svc)
    assert uri is not None, "the service recorded no store address"
    found: dict[str, list[dict[str, Any]]] = {w.key: [] for w in writes}
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        db = client[DB]
        for coll in (db["movements"], db["purchase_orders"]):
            async for doc in coll.find({"idempotency_key": {"$in": list(found)}}):
                found[str(doc["idempotency_key"])].append(doc)
    finally:
        await client.close()
    return found


def tally(writes: list[Write], entries: dict[str, list[dict[str, Any]]], row: Row) -> None:
    """Writes lost and doubled, from what the clients were told and what the store holds."""
    for w in writes:
        docs = entries[w.key]
        if w.kind != "order":
            docs = [d for d in docs if d.get("status") == "applied"]
        ids = {str(d.get("order_id") or d.get("movement_id")) for d in docs}
        extra = max(0, len(docs) - 1) + (len(set(w.acks)) > 1)
        delta = docs[0].get("delta") if docs and w.kind in ("receipt", "pick") else None
        if delta is not None and abs(int(delta)) > w.quantity:
            extra += 1
            row.notes.append(f"{w.key} ({w.kind} {w.quantity}) moved stock by {delta}")
        if extra:
            row.writes_doubled += extra
            row.notes.append(f"{w.key} ({w.kind}): {len(docs)} entries, acks {w.acks}")
        if w.final != "ack":
            row.writes_lost += 1
            row.notes.append(f"{w.key} ({w.kind}) never completed: {w.final} after {' '.join(w.answers)}")
        elif not docs or not set(w.acks) <= ids:
            row.writes_lost += 1
            row.notes.append(f"{w.key} ({w.kind}) acknowledged as {w.acks} but the store holds {sorted(ids)}")


async def settled(client: httpx.AsyncClient, skus: set[str], wait_s: float = 20.0) -> tuple[bool, str]:
    """Waits until reconcile shows on-hand == ledger and nothing pending for each of ``skus``."""
    deadline = time.monotonic() + wait_s
    drift: list[Any] = []
    while True:
        drift = []
        with contextlib.suppress(httpx.HTTPError, ValueError):
            for sku in sorted(skus):
                r = await client.get("/api/admin/reconcile", params={"sku": sku})
                drift += r.json()["drift"] if r.status_code == 200 else [f"{sku}: {r.status_code}"]
            if not drift:
                return True, "on-hand == ledger"
        if time.monotonic() > deadline:
            return False, f"reconcile drift after {wait_s:.0f} s: {json.dumps(drift)[:300]}"
        await asyncio.sleep(0.5)


class VoiceCall:
    """A ``/ws/voice`` call that takes typed turns; ``ask`` is None once the call has ended."""

    def __init__(self, client: VoiceClient) -> None:
        self.client = client

    @classmethod
    async def open(cls, svc: LiveService) -> VoiceCall:
        client = await VoiceClient.connect(f"{svc.ws_url}/ws/voice?token={svc.token}")
        await client.start(16000)
        await client.until("reply", within_s=30)  # the greeting
        return cls(client)

    async def ask(self, text: str, within_s: float = 20.0) -> str | None:
        try:
            await self.client.send_text(text)
            return str((await self.client.until("reply", within_s=within_s))["text"])
        except (websockets.ConnectionClosed, TimeoutError):
            return None

    async def close(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.client.stop()
        await self.client.close()

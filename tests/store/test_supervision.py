"""The embedded store is supervised: a killed server is restarted on its port (and reaped), a frozen one gives a
``StoreUnavailable`` within the client timeouts and health says so within half a second, the server dies with its
owner, an orphan on the data folder is replaced and a second server on a live folder is refused.

Every server here is started by the test itself, on a folder of its own: other tests' servers are never touched."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from inventory_core import nx_procs
from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.errors import StoreInUse, StoreUnavailable
from inventory_core.models import MovementKind
from inventory_core.ports import MovementRequest
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore
from tests.conftest import API_TOKEN, write_ctx

pytestmark = pytest.mark.mongo

TIMEOUT_MS = 1000


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedMongo]:
    mongo = EmbeddedMongo(db_path=str(tmp_path / "mongo"))
    mongo.start()
    try:
        yield mongo
    finally:
        pid = mongo.pid
        if pid is not None:
            os.kill(pid, signal.SIGCONT)  # a test may have frozen it
        mongo.stop()


@pytest.fixture
async def inventory(server: EmbeddedMongo) -> AsyncIterator[InventoryService]:
    store = MongoStore(server.uri, f"ip_sup_{uuid.uuid4().hex[:8]}", timeout_ms=TIMEOUT_MS)
    await store.ensure_indexes()
    yield InventoryService(store)
    await store.close()


def _gone(pid: int) -> bool:
    return nx_procs.server_process(pid) is None


def _listed(pid: int) -> bool:
    """Whether the kernel still lists ``pid`` (a zombie is listed until its parent reaps it)."""
    return Path(f"/proc/{pid}").exists()


def _wait(predicate: object, within_s: float) -> float:
    began = time.monotonic()
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() - began < within_s, "timed out"
        time.sleep(0.02)
    return time.monotonic() - began


async def test_a_killed_store_is_reaped_and_restarted_on_its_port(
    server: EmbeddedMongo, inventory: InventoryService
) -> None:
    await inventory.store.counters.insert_one({"_id": "kept", "n": 1})
    old, port = server.pid, server.port
    assert old is not None
    os.kill(old, signal.SIGKILL)
    began = time.monotonic()
    while True:  # the same client, unchanged, gets its answers again
        try:
            doc = await inventory.store.counters.find_one({"_id": "kept"})
            break
        except Exception:
            assert time.monotonic() - began < 10, "the store did not come back"
            await asyncio.sleep(0.05)
    back_s = time.monotonic() - began
    assert doc is not None and doc["n"] == 1  # same data
    _wait(lambda: server.restarts == 1, within_s=2)  # counted once the supervisor's own ping has answered
    assert server.port == port and server.pid not in (None, old)
    assert not _listed(old)  # reaped: no zombie left behind
    assert back_s < 5.0, back_s
    print(f"killed store answering again after {back_s:.2f} s")


async def test_a_frozen_store_fails_fast_and_health_says_so(
    server: EmbeddedMongo, inventory: InventoryService
) -> None:
    assert server.pid is not None
    app = create_app(
        services=Services(
            settings=Settings(api_tokens=[SecretStr(API_TOKEN)]),
            inventory=inventory,
            auth=Authenticator({API_TOKEN: "tester"}),
        )
    )
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
        assert (await client.get("/api/health")).json()["store"] == "ok"
        os.kill(server.pid, signal.SIGSTOP)
        try:
            began = time.monotonic()
            health = await client.get("/api/health")
            health_s = time.monotonic() - began
            assert health.status_code == 503 and health.json()["store"] == "not answering"
            assert health_s < 1.0, health_s

            began = time.monotonic()
            with pytest.raises(StoreUnavailable) as raised:
                await inventory.get_product("FAS-1001")
            read_s = time.monotonic() - began
            assert raised.value.retryable and raised.value.code == "store_unavailable"

            began = time.monotonic()
            r = await client.get("/api/inventory/FAS-1001")
            api_s = time.monotonic() - began
            assert r.status_code == 503 and r.json()["code"] == "store_unavailable"
            assert read_s < 2.5 and api_s < 2.5, (read_s, api_s)
            assert server.restarts == 0  # frozen is not dead: the supervisor leaves it alone
            print(f"frozen store: health {health_s:.2f} s, read error {read_s:.2f} s, API 503 {api_s:.2f} s")
        finally:
            os.kill(server.pid, signal.SIGCONT)
        began = time.monotonic()
        while (await client.get("/api/health")).status_code != 200:
            assert time.monotonic() - began < 10
            await asyncio.sleep(0.1)


async def test_a_write_to_a_frozen_store_is_refused_as_retryable(
    server: EmbeddedMongo, inventory: InventoryService
) -> None:
    assert server.pid is not None
    os.kill(server.pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await inventory.record_movement("FAS-1001", MovementRequest(MovementKind.RECEIPT, 1), write_ctx())
        assert time.monotonic() - began < 2.5
    finally:
        os.kill(server.pid, signal.SIGCONT)


def _owner(folder: Path) -> tuple[subprocess.Popen[str], int]:
    """Another process that starts a server on ``folder``; returns it and the server's pid."""
    code = (
        "import sys, time\n"
        "from inventory_core.embedded_mongo import EmbeddedMongo\n"
        f"m = EmbeddedMongo(db_path={str(folder)!r}); m.start()\n"
        "print(m.pid, flush=True); time.sleep(120)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def test_the_store_dies_with_its_owner(tmp_path: Path) -> None:
    owner, pid = _owner(tmp_path)
    assert not _gone(pid)
    owner.kill()  # kill -9: no clean-up code runs in the owner
    owner.wait()
    took = _wait(lambda: _gone(pid), within_s=5)
    print(f"the server followed its owner in {took:.2f} s")


def test_an_orphan_is_replaced_and_a_live_folder_is_refused(tmp_path: Path) -> None:
    owner, orphan = _owner(tmp_path)
    os.kill(orphan, signal.SIGSTOP)  # frozen, so it cannot notice its owner's death by itself
    owner.kill()
    owner.wait()
    _wait(lambda: nx_procs.servers_on(tmp_path)[0].orphaned, within_s=5)

    mine = EmbeddedMongo(db_path=str(tmp_path))
    try:
        mine.start()
        assert _gone(orphan)
        assert [s.pid for s in nx_procs.servers_on(tmp_path)] == [mine.pid]  # one server on the folder

        second = EmbeddedMongo(db_path=str(tmp_path))
        with pytest.raises(StoreInUse) as refused:
            second.start()
        assert str(mine.pid) in refused.value.message
        assert [s.pid for s in nx_procs.servers_on(tmp_path)] == [mine.pid]
    finally:
        mine.stop()
    assert nx_procs.servers_on(tmp_path) == []


def test_a_live_owner_s_server_is_left_alone(tmp_path: Path) -> None:
    owner, pid = _owner(tmp_path)
    try:
        with pytest.raises(StoreInUse):
            EmbeddedMongo(db_path=str(tmp_path)).start()
        assert not _gone(pid)
    finally:
        owner.kill()
        owner.wait()
    _wait(lambda: _gone(pid), within_s=5)

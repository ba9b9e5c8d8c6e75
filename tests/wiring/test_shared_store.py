"""The service, the REPL and MCP over stdio, started as a person starts them on the same settings (embedded
defaults, one var dir), open the same store: an order placed through any of them is seen by the others."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from inventory_core.embedded_mongo import free_port

pytestmark = pytest.mark.mongo

TOKEN = "shared-store-token"


def _env(var_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IP_") and k != "MONGODB_URI"}
    env.update(
        IP_VAR_DIR=str(var_dir),
        IP_PORT=str(port),
        IP_API_TOKENS=json.dumps([TOKEN]),
        IP_FORECASTING="false",
        IP_SPEECH_WARM_UP="false",
        IP_VOCABULARY_REFRESH_S="0",
        IP_LOG_JSON="false",
    )
    return env


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``python -m app serve`` on a fresh var dir, with the embedded store it starts."""
    port = free_port()
    env = _env(tmp_path, port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the service exited on start"
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("the service did not answer in time")
        yield base, env
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _orders(base: str) -> list[dict[str, object]]:
    r = httpx.get(f"{base}/api/orders", params={"limit": 500}, headers={"Authorization": f"Bearer {TOKEN}"})
    r.raise_for_status()
    body: list[dict[str, object]] = r.json()
    return body


async def _over_mcp_stdio(env: dict[str, str]) -> tuple[set[str], str]:
    """The order ids MCP over stdio lists for FAS-1003, and the id of the order it places."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "app", "mcp"], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        status = await client.call_tool("order_status", {"product_id": "FAS-1003", "limit": 50})
        args = {
            "product_id": "FAS-1003",
            "quantity": 300,
            "confirm": True,
            "idempotency_key": uuid.uuid4().hex,
        }
        made = await client.call_tool("place_order", args)
    assert status.structuredContent is not None and made.structuredContent is not None, (status, made)
    return {o["order_id"] for o in status.structuredContent["items"]}, made.structuredContent["order_id"]


def test_service_repl_and_mcp_stdio_see_the_same_orders(service: tuple[str, dict[str, str]]) -> None:
    base, env = service
    auth = {"Authorization": f"Bearer {TOKEN}"}
    item = httpx.get(f"{base}/api/inventory/FAS-1003", headers=auth).json()
    placed = httpx.post(
        f"{base}/api/orders",
        json={"sku": "FAS-1003", "quantity": 200},
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert placed.status_code == 201, placed.text
    rest_order = placed.json()["order_id"]

    # MCP over stdio sees the REST order, and its own order reaches the service.
    seen_by_mcp, mcp_order = asyncio.run(_over_mcp_stdio(env))
    assert rest_order in seen_by_mcp
    assert mcp_order in {o["order_id"] for o in _orders(base)}

    # The REPL places one through the dialogue (read-back, then yes; a second yes if it warns).
    lines = f"order 250 {item['name']}\nyes\nyes\ngoodbye\n"
    repl = subprocess.run(
        [sys.executable, "-m", "app", "repl", "--actor", "repl-tester", "-q"],
        input=lines,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert repl.returncode == 0, repl.stderr
    by_repl = [o for o in _orders(base) if o["actor"] == "repl-tester"]
    assert [o["quantity"] for o in by_repl] == [250], repl.stdout

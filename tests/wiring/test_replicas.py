"""The replica drill: two service processes on one MongoDB behind HAProxy, round-robin per request with no
stickiness. Text and NLX conversations with a read-back and a "yes" alternate between instances and write exactly
once; two "yes" at once write once; killing the instance that asked a read-back loses nothing confirmed, and the
other instance takes the "yes"."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bench.replica_set import NLX_TOKEN, ReplicaSet

pytestmark = pytest.mark.mongo


async def turn(
    client: httpx.AsyncClient, text: str, sid: str | None = None, **extra: Any
) -> tuple[str, dict[str, Any]]:
    body: dict[str, Any] = {"text": text, **extra}
    if sid:
        body["session_id"] = sid
    r = await client.post("/api/agent/query", json=body)
    assert r.status_code == 200, r.text
    return r.headers["x-served-by"], r.json()


async def on_hand(client: httpx.AsyncClient, item: str) -> int:
    r = await client.get(f"/api/inventory/{item}")
    assert r.status_code == 200, r.text
    return int(r.json()["current_quantity"])


async def pick(client: httpx.AsyncClient, item: str, n: int) -> tuple[list[str], dict[str, Any]]:
    """A pick read back and confirmed: the instances that served the two turns, and the last answer."""
    a, read = await turn(client, f"picked {n} {item}")
    assert read["awaiting"] == "yes_no", read
    b, done = await turn(client, "yes", read["session_id"])
    return [a, b], done


async def test_conversations_alternate_across_instances_and_write_once() -> None:
    async with (
        ReplicaSet(2) as rs,
        httpx.AsyncClient(base_url=rs.url, headers=rs.headers(), timeout=30) as api,
    ):
        item = "coffee pods"
        start = await on_hand(api, item)

        # Text conversations, four at once: each read-back and its yes land wherever the balancer sends them.
        results = await asyncio.gather(*(pick(api, item, n) for n in (1, 2, 3, 4)))
        assert all(done["reply"].startswith("Done.") for _, done in results), results
        assert {who for pair, _ in results for who in pair} == set(rs.names)
        assert await on_hand(api, item) == start - 10

        # One at a time, round-robin over two instances: the yes is answered by the other instance.
        (asked, confirmed), done = await pick(api, item, 1)
        assert asked != confirmed and done["reply"].startswith("Done."), (asked, confirmed, done)
        assert await on_hand(api, item) == start - 11

        # NLX (its webhook token, its field names): confirmed on the other instance.
        nlx = {"x-api-key": NLX_TOKEN}
        r1 = await api.post(
            "/api/agent/query", headers=nlx, json={"query": f"picked 5 {item}", "conversationId": "nlx-1"}
        )
        r2 = await api.post("/api/agent/query", headers=nlx, json={"query": "yes", "conversationId": "nlx-1"})
        assert r1.json()["awaiting"] == "yes_no" and r2.json()["answer"].startswith("Done."), (
            r1.text,
            r2.text,
        )
        assert r1.headers["x-served-by"] != r2.headers["x-served-by"]
        assert await on_hand(api, item) == start - 16

        # Two yeses for one read-back at once, on both instances: one write.
        _, read = await turn(api, f"picked 6 {item}")
        both = await asyncio.gather(*(turn(api, "yes", read["session_id"]) for _ in range(2)))
        assert sorted(b["reply"].startswith("Done.") for _, b in both) == [False, True], both
        assert await on_hand(api, item) == start - 22

        # The instance that asked the read-back dies; the yes goes to the survivor and writes once.
        asked, read = await turn(api, f"picked 7 {item}")
        rs.kill(asked)
        who, done = await turn(api, "yes", read["session_id"])
        assert who != asked and done["reply"].startswith("Done."), done
        assert await on_hand(api, item) == start - 29

        sku = (await api.get(f"/api/inventory/{item}")).json()["sku"]
        drift = (await api.get("/api/admin/reconcile", params={"sku": sku})).json()["drift"]
        assert drift == []

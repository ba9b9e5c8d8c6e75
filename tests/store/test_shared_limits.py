"""Limits shared by every instance through MongoDB: call seats per token and failed sign-ins per address. Two
objects on one store stand for two instances."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from inventory_core.service import InventoryService
from inventory_core.shared_limits import MongoFailureWindow, MongoSeats
from tests.fakes.clock import WallClock

pytestmark = pytest.mark.mongo


async def test_a_token_cap_holds_across_instances_even_when_racing(inventory: InventoryService) -> None:
    clock = WallClock()
    a = MongoSeats(inventory.store, instance="a", clock=clock)
    b = MongoSeats(inventory.store, instance="b", clock=clock)
    token = f"token-{uuid.uuid4().hex[:6]}"
    seats = await asyncio.gather(*(s.acquire(token, 3) for s in (a, b, a, b, a, b)))
    taken = [seat for seat in seats if seat is not None]
    assert len(taken) == 3 and await a.in_use(token) == 3
    assert a.held(token) + b.held(token) == 3
    assert await b.acquire(token, 3) is None
    first = taken[0]
    await (a if seats.index(first) % 2 == 0 else b).release(first)
    assert await b.acquire(token, 3) is not None
    assert await a.acquire(f"other-{token}", 3) is not None  # another token has its own seats


async def test_seats_of_a_dead_instance_free_themselves(inventory: InventoryService) -> None:
    clock = WallClock()
    dead = MongoSeats(inventory.store, instance="dead", ttl_s=30.0, clock=clock)
    live = MongoSeats(inventory.store, instance="live", ttl_s=30.0, clock=clock)
    token = f"token-{uuid.uuid4().hex[:6]}"
    assert await dead.acquire(token, 2) and await live.acquire(token, 2)
    assert await live.acquire(token, 2) is None
    clock.now += 20
    await live.renew()  # the live instance beats; the dead one does not
    clock.now += 15
    assert await live.in_use(token) == 1
    assert await live.acquire(token, 2) is not None


async def test_failed_sign_ins_count_across_instances_until_the_window_passes(
    inventory: InventoryService,
) -> None:
    clock = WallClock()
    a = MongoFailureWindow(inventory.store, limit=3, window_s=60.0, clock=clock)
    b = MongoFailureWindow(inventory.store, limit=3, window_s=60.0, clock=clock)
    client = f"10.0.0.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:4]}"
    await a.failed(client)
    clock.now += 10
    await b.failed(client)
    assert await a.retry_after(client) == 0.0
    await a.failed(client)
    assert await b.retry_after(client) == pytest.approx(50.0)  # until the first failure leaves the window
    assert await b.retry_after(f"{client}-elsewhere") == 0.0
    clock.now += 51
    assert await a.retry_after(client) == 0.0

"""Text conversations kept in MongoDB (``MongoConversations``): two dialogue services on one store stand for two
instances of the service. A read-back asked on one is confirmed on the other; two "yes" at once write once; a
turn that died after its write loses nothing and doubles nothing; leases, expiry and stale state."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from dialogue.policy.state import DialogueState
from dialogue.service import DialogueService, encode_state
from inventory_core.conversations import Claim, ConversationBusy, MongoConversations
from inventory_core.service import InventoryService
from tests.dialogue.test_service import on_hand, sprockets
from tests.fakes.clock import WallClock

pytestmark = pytest.mark.mongo


def instance(inventory: InventoryService, clock: WallClock, **kw: float) -> DialogueService:
    sessions = MongoConversations(inventory.store, clock=clock, **kw)
    return DialogueService(inventory, sessions=sessions, text_clock=clock)


async def test_a_read_back_asked_on_one_instance_is_confirmed_on_another(inventory: InventoryService) -> None:
    name = await sprockets(inventory)
    clock = WallClock()
    a, b = instance(inventory, clock), instance(inventory, clock)
    read = await a.handle_text(None, f"picked 6 {name}", "dana", "api")
    assert read.awaiting == "yes_no"
    clock.now += 5
    done = await b.handle_text(read.session_id, "yes", "dana", "api")
    assert done.reply.startswith("Done.")
    assert await on_hand(inventory, name) == 94
    again = await a.handle_text(read.session_id, "yes", "dana", "api")
    assert again.reply.startswith("There is nothing waiting")
    other = await b.handle_text(read.session_id, "yes", "eve", "api")  # another caller, another conversation
    assert other.reply.startswith("There is nothing waiting")
    assert await on_hand(inventory, name) == 94


async def test_two_yeses_at_once_on_two_instances_write_once(inventory: InventoryService) -> None:
    name = await sprockets(inventory)
    clock = WallClock()
    a, b = instance(inventory, clock), instance(inventory, clock)
    read = await a.handle_text(None, f"picked 3 {name}", "dana", "api")
    replies = await asyncio.gather(
        a.handle_text(read.session_id, "yes", "dana", "api"),
        b.handle_text(read.session_id, "yes", "dana", "api"),
    )
    assert sorted(r.reply.startswith("Done.") for r in replies) == [False, True]
    assert await on_hand(inventory, name) == 97


async def test_a_turn_that_died_after_its_write_is_replayed_once(inventory: InventoryService) -> None:
    """Instance A commits the yes and dies before storing the state: its lease runs out, and the caller's
    retry on B commits the same write (same idempotency key): applied once, answered as done."""
    name = await sprockets(inventory)
    clock = WallClock()
    a, b = instance(inventory, clock, lease_s=30.0), instance(inventory, clock, lease_s=30.0)
    read = await a.handle_text(None, f"picked 8 {name}", "dana", "api")

    async def killed(claim: Claim, state: object, turns: int) -> bool:
        raise asyncio.CancelledError  # the process went before the save

    async def never(claim: Claim) -> None:
        return None  # nor did it let go: its lease has to run out

    a.sessions.save = killed  # type: ignore[method-assign]
    a.sessions.release = never  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await a.handle_text(read.session_id, "yes", "dana", "api")
    assert await on_hand(inventory, name) == 92
    with pytest.raises(ConversationBusy):  # held by the dead turn until its lease runs out
        await instance(inventory, clock, wait_s=0.0).handle_text(read.session_id, "yes", "dana", "api")
    clock.now += 31
    retry = await b.handle_text(read.session_id, "yes", "dana", "api")
    assert retry.reply.startswith("That was already recorded. The main warehouse has ninety two")
    assert await on_hand(inventory, name) == 92


async def test_a_held_conversation_is_busy_and_a_lost_lease_saves_nothing(
    inventory: InventoryService,
) -> None:
    clock = WallClock()
    store = MongoConversations(inventory.store, clock=clock, lease_s=10.0, wait_s=0.0)
    sid = uuid.uuid4().hex
    first = await store.claim(sid, "dana")
    assert (first.version, first.state) == (0, None)
    with pytest.raises(ConversationBusy) as busy:
        await store.claim(sid, "dana")
    assert busy.value.retryable and busy.value.code == "conversation_busy"
    clock.now += 11  # the first turn outlived its lease: a second takes over
    second = await store.claim(sid, "dana")
    assert not await store.save(first, {"x": 1}, 1)
    assert await store.save(second, {"x": 2}, 1)
    third = await store.claim(sid, "dana")
    assert (third.version, third.turns, third.state) == (1, 1, {"x": 2})
    await store.release(third)
    assert (await store.claim(sid, "dana")).version == 1  # released: claimed again at once


async def test_idle_conversations_expire_and_are_purged(inventory: InventoryService) -> None:
    clock = WallClock()
    store = MongoConversations(inventory.store, clock=clock, idle_expiry_s=60.0)
    sid = uuid.uuid4().hex
    assert await store.save(await store.claim(sid, "dana"), {"x": 1}, 1)
    clock.now += 61
    fresh = await store.claim(sid, "dana")
    assert (fresh.state, fresh.turns) == (None, 0)
    await store.release(fresh)
    assert await store.purge() >= 1
    assert await inventory.store.db["conversations"].count_documents({"_id": f"{sid}@dana"}) == 0


async def test_a_stored_state_of_another_shape_starts_afresh(inventory: InventoryService) -> None:
    clock = WallClock()
    svc = instance(inventory, clock)
    sid = uuid.uuid4().hex
    stored = encode_state(DialogueState(session_id=sid, actor="dana"))
    stored["pending"] = {"stage": "no such stage"}
    assert await svc.sessions.save(await svc.sessions.claim(sid, "dana"), stored, 4)
    reply = await svc.handle_text(sid, "yes", "dana", "api")
    assert reply.reply.startswith("There is nothing waiting")

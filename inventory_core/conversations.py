"""Where text and NLX conversations keep their state between requests, so any instance can answer the next turn.

A turn *claims* its conversation (a lease: one turn at a time across every instance), runs, and *saves* the new
state with the version it read (optimistic concurrency: a save whose lease was taken over, or whose version
moved on, changes nothing). The state itself is opaque here (a JSON-able mapping the dialogue encodes).

- ``MongoConversations``: one document per conversation in ``conversations``, ``_id`` ``<session id>@<caller>``
  (a session id cannot hold ``@``), with ``version``, ``turns``, the lease and ``expires_at`` (idle expiry,
  epoch seconds: an expired conversation starts afresh). ``purge_at`` (a date) carries a TTL index, so MongoDB
  removes idle documents by itself; the embedded stand-in has ``purge()`` instead.
- ``MemoryConversations``: the same contract in one process (tools and tests with no shared store)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from inventory_core.errors import Conflict
from inventory_core.store import MongoStore, store_errors

State = Mapping[str, Any]
Clock = Callable[[], float]


class ConversationBusy(Conflict):
    """Another turn of the same conversation is still running (on this or another instance)."""

    code = "conversation_busy"
    retryable = True


@dataclass(frozen=True)
class Claim:
    """A turn's hold on a conversation: the state it starts from (None: a new or expired conversation)."""

    session_id: str
    caller: str
    lease: str
    version: int
    turns: int = 0
    state: State | None = None


class ConversationStore(Protocol):
    async def claim(self, session_id: str, caller: str) -> Claim:
        """Wait (briefly) for any running turn of this conversation to end, then hold it; ``ConversationBusy``
        when it stays held."""
        ...

    async def save(self, claim: Claim, state: State | None, turns: int) -> bool:
        """Store the state the turn ended with (None: the conversation ended) and let go. False when the claim
        was lost meanwhile (its lease expired and another turn took over): nothing is stored."""
        ...

    async def release(self, claim: Claim) -> None:
        """Let go without storing anything (the turn failed)."""
        ...

    async def count(self) -> int:
        """Conversations not yet expired."""
        ...


def _key(session_id: str, caller: str) -> str:
    return f"{session_id}@{caller}"


@store_errors
class MongoConversations:
    def __init__(
        self, store: MongoStore, *, idle_expiry_s: float = 1800.0, lease_s: float = 30.0, wait_s: float = 5.0,
        clock: Clock = time.time,
    ) -> None:  # fmt: skip
        self._col = store.db["conversations"]
        self._idle_expiry_s = idle_expiry_s
        self._lease_s = lease_s
        self._wait_s = wait_s
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._col.create_index("purge_at", expireAfterSeconds=0)
        await self._col.create_index("expires_at")

    async def claim(self, session_id: str, caller: str) -> Claim:
        key = _key(session_id, caller)
        lease = uuid.uuid4().hex
        deadline = time.monotonic() + self._wait_s  # waiting is real time, whatever clock stamps the leases
        pause = 0.02
        while True:
            doc = await self._take(key, lease)
            if doc is not None:
                fresh = float(doc.get("expires_at", 0.0)) < self._clock()
                return Claim(
                    session_id, caller, lease, int(doc.get("version", 0)),
                    0 if fresh else int(doc.get("turns", 0)), None if fresh else doc.get("state"),
                )  # fmt: skip
            if time.monotonic() >= deadline:
                raise ConversationBusy(
                    "this conversation is answering another message; send this one again in a moment",
                    session_id=session_id,
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.25)

    async def _take(self, key: str, lease: str) -> dict[str, Any] | None:
        """Hold the conversation if no lease is running on it, or create it held; None while a lease runs. (Two
        atomic steps rather than a conditional upsert, whose duplicate-key race the stand-in does not have; the
        update first, as most turns continue a conversation.)"""
        now = self._clock()
        held = {"lease": lease, "lease_until": now + self._lease_s}
        doc: dict[str, Any] | None = await self._col.find_one_and_update(
            {"_id": key, "lease_until": {"$lt": now}},  # (no $or beside _id: the stand-in mismatches it)
            {"$set": held},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return doc
        new = {"_id": key, "version": 0, "turns": 0, "expires_at": now + self._idle_expiry_s, **held}
        try:
            await self._col.insert_one(new)
        except DuplicateKeyError:  # it exists and a lease runs on it (or another turn just created it)
            return None
        return new

    async def save(self, claim: Claim, state: State | None, turns: int) -> bool:
        now = self._clock()
        held = {"_id": _key(claim.session_id, claim.caller), "lease": claim.lease, "version": claim.version}
        expires = now + self._idle_expiry_s if state is not None else now
        result = await self._col.update_one(
            held,
            {
                "$set": {
                    "state": dict(state) if state is not None else None,
                    "version": claim.version + 1,
                    "turns": turns,
                    "updated_at": now,
                    "expires_at": expires,
                    "purge_at": datetime.fromtimestamp(expires, UTC),
                    "lease_until": 0.0,
                },
                "$unset": {"lease": ""},
            },
        )
        return bool(result.matched_count)

    async def release(self, claim: Claim) -> None:
        await self._col.update_one(
            {"_id": _key(claim.session_id, claim.caller), "lease": claim.lease},
            {"$set": {"lease_until": 0.0}, "$unset": {"lease": ""}},
        )

    async def count(self) -> int:
        return int(await self._col.count_documents({"expires_at": {"$gte": self._clock()}}))

    async def purge(self) -> int:
        """Remove conversations idle past their expiry and not held (MongoDB's TTL index does it by itself)."""
        now = self._clock()
        result = await self._col.delete_many({"expires_at": {"$lt": now}, "lease_until": {"$lt": now}})
        return int(result.deleted_count)


class MemoryConversations:
    """``ConversationStore`` in one process: the most recent ``max_sessions`` conversations."""

    def __init__(
        self, *, idle_expiry_s: float = 1800.0, max_sessions: int = 1000, wait_s: float = 5.0,
        clock: Clock = time.monotonic,
    ) -> None:  # fmt: skip
        self._idle_expiry_s = idle_expiry_s
        self._max = max_sessions
        self._wait_s = wait_s
        self._clock = clock
        self._saved: dict[str, tuple[Claim, float]] = {}  # key -> (the last save, its expiry), oldest first
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # key -> (its lock, turns holding or waiting)

    async def claim(self, session_id: str, caller: str) -> Claim:
        key = _key(session_id, caller)
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            await asyncio.wait_for(lock.acquire(), self._wait_s)
        except TimeoutError:
            self._let_go(key)
            raise ConversationBusy(
                "this conversation is answering another message; send this one again in a moment",
                session_id=session_id,
            ) from None
        saved = self._saved.get(key)
        lease = uuid.uuid4().hex
        if saved is None or saved[1] < self._clock():
            return Claim(session_id, caller, lease, saved[0].version if saved else 0)
        return replace(saved[0], lease=lease)

    async def save(self, claim: Claim, state: State | None, turns: int) -> bool:
        key = _key(claim.session_id, claim.caller)
        now = self._clock()
        self._saved.pop(key, None)
        if state is not None:
            done = replace(claim, version=claim.version + 1, turns=turns, state=dict(state))
            self._saved[key] = (done, now + self._idle_expiry_s)
        for old in [k for k, (_, expires) in self._saved.items() if expires < now]:
            del self._saved[old]
        while len(self._saved) > self._max:
            del self._saved[next(iter(self._saved))]
        await self.release(claim)
        return True

    async def release(self, claim: Claim) -> None:
        key = _key(claim.session_id, claim.caller)
        held = self._locks.get(key)
        if held is not None and held[0].locked():
            held[0].release()
            self._let_go(key)

    async def count(self) -> int:
        now = self._clock()
        return sum(1 for _, expires in self._saved.values() if expires >= now)

    def _let_go(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

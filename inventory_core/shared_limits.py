"""Limits that hold across every instance of the service, kept in MongoDB (the one store they all share, so no
second shared system to run): seats for calls in progress per caller, and failed sign-ins per client address.

- ``MongoSeats`` (``call_seats``): a call takes a seat; seats are numbered in the order taken (one shared
  counter), and a caller's seat beyond its first ``limit`` live ones is given back at once, so concurrent takers on several instances
  never all get in. Seats live ``ttl_s`` unless renewed (``renew``, every few seconds by the instance holding
  them): the seats of an instance that died free themselves.
- ``MongoFailureWindow`` (``sign_in_failures``): one document per failure; a client with ``limit`` failures in
  the last ``window_s`` waits until the oldest of them leaves the window.

Times are epoch seconds (numbers); ``purge_at`` (a date) carries a TTL index for MongoDB's own clean-up."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING

from inventory_core.errors import StoreUnavailable
from inventory_core.store import MongoStore, store_errors

log = logging.getLogger("inventorypulse.store")
Clock = Callable[[], float]


def _date(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@store_errors
class MongoSeats:
    def __init__(
        self, store: MongoStore, *, instance: str | None = None, ttl_s: float = 30.0, clock: Clock = time.time
    ) -> None:
        self._store = store
        self._col = store.db["call_seats"]
        self.instance = instance or uuid.uuid4().hex[:12]
        self.ttl_s = ttl_s
        self._clock = clock
        self._mine: dict[str, str] = {}  # seat -> holder, the seats this instance holds

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("holder", ASCENDING), ("alive_until", ASCENDING)])
        await self._col.create_index("purge_at", expireAfterSeconds=0)

    async def acquire(self, holder: str, limit: int) -> str | None:
        """A seat for ``holder`` (its id), or None when ``limit`` of its calls are in progress already."""
        seq = await self._store.next_number("call_seats", 1)  # strictly later than every seat taken before
        now = self._clock()
        seat = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "_id": seat, "holder": holder, "instance": self.instance, "seq": seq,
            "alive_until": now + self.ttl_s, "purge_at": _date(now + self.ttl_s),
        }  # fmt: skip
        await self._col.insert_one(doc)
        first = await (
            self._col.find({"holder": holder, "alive_until": {"$gte": now}}, {"_id": 1})
            .sort("seq", ASCENDING)
            .limit(limit)
            .to_list()
        )
        if seat not in {d["_id"] for d in first}:
            await self._col.delete_one({"_id": seat})
            return None
        self._mine[seat] = holder
        return seat

    async def release(self, seat: str) -> None:
        self._mine.pop(seat, None)
        await self._col.delete_one({"_id": seat})

    async def renew(self) -> None:
        """Keep this instance's seats alive for another ``ttl_s``."""
        if not self._mine:
            return
        until = self._clock() + self.ttl_s
        await self._col.update_many(
            {"_id": {"$in": list(self._mine)}}, {"$set": {"alive_until": until, "purge_at": _date(until)}}
        )

    async def keep_alive(self) -> None:
        """Renew this instance's seats three times per ``ttl_s``, until cancelled (a failed renewal is retried
        at the next beat; seats outlive two missed beats)."""
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            try:
                await self.renew()
            except StoreUnavailable as exc:
                log.warning("call seats not renewed: %s", exc)

    def held(self, holder: str) -> int:
        """Seats of ``holder`` this instance holds."""
        return sum(1 for h in self._mine.values() if h == holder)

    async def in_use(self, holder: str) -> int:
        """Live seats of ``holder`` on every instance."""
        return int(
            await self._col.count_documents({"holder": holder, "alive_until": {"$gte": self._clock()}})
        )


@store_errors
class MongoFailureWindow:
    def __init__(
        self, store: MongoStore, *, limit: int = 10, window_s: float = 300.0, clock: Clock = time.time
    ) -> None:
        self._col = store.db["sign_in_failures"]
        self.limit = limit
        self.window_s = window_s
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._col.create_index([("client", ASCENDING), ("at", ASCENDING)])
        await self._col.create_index("purge_at", expireAfterSeconds=0)

    async def retry_after(self, client: str) -> float:
        """Seconds ``client`` must wait before trying again (0: it may try now)."""
        now = self._clock()
        recent = await (
            self._col.find({"client": client, "at": {"$gt": now - self.window_s}}, {"at": 1})
            .sort("at", ASCENDING)
            .limit(self.limit)
            .to_list()
        )
        if len(recent) < self.limit:
            return 0.0
        return max(0.0, self.window_s - (now - float(recent[0]["at"])))

    async def failed(self, client: str) -> None:
        now = self._clock()
        await self._col.insert_one({"client": client, "at": now, "purge_at": _date(now + self.window_s)})
        await self._col.delete_many({"client": client, "at": {"$lte": now - self.window_s}})

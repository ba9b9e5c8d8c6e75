"""Ledger recovery while the service runs: settles claims whose request was cut off, and releases the marks that
rolled-forward or refused claims leave on stock documents.

Every ``interval_s`` the loop rolls forward the claims past their lease (``StockLedger.resolve_pending``: each is
applied exactly once, or withdrawn when its guard refuses it), so a claim cut off by a crash, a kill or a lost
connection is settled within lease + interval of its claim, restart or not. Every ``sweep_every_s`` it releases
marks whose claim is no longer pending once it has seen them so for ``mark_grace_s``: by then no roll-forward that
read the claim as pending can still be about to apply it. A failed pass (the store down) is logged and the loop
carries on."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pymongo.errors import PyMongoError

from inventory_core.errors import InventoryError
from inventory_core.stock_ops import StockLedger, marked_movement
from inventory_core.store import MongoStore

log = logging.getLogger("inventorypulse.ledger")


def _cancelled() -> bool:
    """This task was asked to stop. On Python 3.11 a ``cancel()`` that lands inside a store operation can be
    swallowed (``asyncio.wait_for`` in the driver, CPython gh-86296; ``pymongo_compat`` patches the known places),
    so the loop checks for itself."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


@dataclass(frozen=True)
class RecoveryOptions:
    interval_s: float = 2.0
    """How often claims past their lease are looked for."""
    sweep_every_s: float = 60.0
    """How often stock documents are swept for marks of settled claims."""
    mark_grace_s: float = 300.0
    """How long a mark of a settled claim is kept after the sweep first saw it, before it is released."""


@dataclass(frozen=True)
class RecoveryPass:
    settled: int
    """Claims rolled forward (applied or withdrawn) in this pass."""
    released: int
    """Marks released from stock documents in this pass."""


@dataclass
class LedgerRecovery:
    ledger: StockLedger
    store: MongoStore
    options: RecoveryOptions = RecoveryOptions()
    clock: Callable[[], float] = time.monotonic
    _seen: dict[tuple[str, str], float] = field(default_factory=dict, init=False)
    _last_sweep: float | None = field(default=None, init=False)

    async def run(self) -> None:
        """The loop: one pass every ``interval_s`` until cancelled."""
        while not _cancelled():
            try:
                done = await self.run_once()
            except (InventoryError, PyMongoError) as exc:
                if not _cancelled():
                    log.warning(
                        "ledger recovery pass failed (next in %.1f s): %s", self.options.interval_s, exc
                    )
            else:
                if done.settled:
                    log.warning("settled %d ledger claims whose request was cut off", done.settled)
            await asyncio.sleep(self.options.interval_s)
        raise asyncio.CancelledError  # cancelled during a store operation that swallowed it

    async def run_once(self) -> RecoveryPass:
        settled = await self.ledger.resolve_pending()
        now = self.clock()
        released = 0
        if self._last_sweep is None or now - self._last_sweep >= self.options.sweep_every_s:
            self._last_sweep = now
            released = await self.sweep_marks()
        return RecoveryPass(settled=settled, released=released)

    async def sweep_marks(self) -> int:
        """Release the marks of claims no longer pending that earlier sweeps saw at least ``mark_grace_s`` ago."""
        now = self.clock()
        seen: dict[tuple[str, str], float] = {}
        released = 0
        async for doc in self.store.stock.find({"applied": {"$exists": True}}, {"applied": 1}):
            marks: dict[str, object] = doc.get("applied") or {}
            if not marks:
                continue
            ids = [marked_movement(key) for key in marks]
            pending = self.store.movements.find(
                {"movement_id": {"$in": ids}, "status": "pending"}, {"movement_id": 1}
            )
            live = {d["movement_id"] async for d in pending}
            for key, value in marks.items():
                if marked_movement(key) in live:
                    continue
                first = self._seen.get((doc["_id"], key), now)
                if now - first < self.options.mark_grace_s:
                    seen[(doc["_id"], key)] = first
                    continue
                path = f"applied.{key}"
                done = await self.store.stock.update_one(
                    {"_id": doc["_id"], path: value}, {"$unset": {path: ""}}
                )
                released += done.modified_count
        self._seen = seen
        return released

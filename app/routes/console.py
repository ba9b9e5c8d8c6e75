"""The supervisor console: its page (``GET /console``, assets under ``/console/assets``), a live feed of the store
(``GET /api/console/feed``, server-sent events) and the audit trail (``GET /api/console/audit``).

The feed polls the shared store instead of listening to an in-process event bus: insights are also written by
workflow worker processes, and the service may run as several replicas, so only the store sees every write."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from bson import ObjectId
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError
from pymongo.asynchronous.collection import AsyncCollection

from app.deps import ActorDep, InventoryDep, ServicesDep, SupervisorDep, require_principal
from app.routes.common import ERRORS
from app.services import Services
from inventory_core.errors import StoreUnavailable
from inventory_core.models import Insight, Movement, MovementKind, StockLevel, UtcDatetime
from inventory_core.ports import ProductFilter
from inventory_core.service import InventoryService
from inventory_core.stock_ops import stock_id
from inventory_core.store import Doc, store_errors, utcnow

log = logging.getLogger("inventorypulse.console")

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
assets = StaticFiles(directory=CONSOLE_DIR)
"""The page's script, styles and the vendored chart library; ``create_app`` mounts it at ``/console/assets``."""

POLL_S = 1.0
HEARTBEAT_S = 15.0
REAUTH_S = 30.0  # a revoked or expired sign-in stops receiving within this long
SKEW = timedelta(seconds=10)
BATCH = 100
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Referrer-Policy": "no-referrer",
    # Everything is served from here (no CDN); uPlot sets inline styles on its own elements.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
}
SECRET_WORDS = ("token", "password", "secret", "api_key", "hash")
APPLIED: Doc = {"status": "applied"}  # a pending ledger entry may still be refused

router = APIRouter(tags=["console"], responses=ERRORS)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class LowCount(BaseModel):
    count: int = Field(
        description="Products below their minimum at one site or more (GET /api/inventory/low-stock)."
    )
    at: datetime


class MovementEvent(BaseModel):
    movement_id: str
    sku: str
    site: str
    kind: MovementKind
    delta: int
    before: int
    after: int
    actor: str
    channel: str
    at: UtcDatetime
    reason: str | None = None
    effective_min: int | None = Field(description="The stock record's minimum now; None when it is gone.")
    low: bool = Field(description="The stock record is below its minimum now (the inventory's one rule).")
    crossed_low: bool = Field(description="This movement took it from its minimum or above to below it.")


class FeedStatus(BaseModel):
    store: Literal["ok", "not answering"]
    message: str = ""


class AuditEntry(BaseModel):
    at: UtcDatetime
    action: str
    entity: str
    actor: str
    channel: str
    idempotency_key: str | None = None
    before: Any = None
    after: Any = None


def redacted(value: Any) -> Any:
    """``value`` as JSON, with secrets (supplier feed tokens, password hashes, ...) masked: the audit keeps whole
    documents, and the console shows them to every supervisor."""
    if isinstance(value, dict):
        return {
            str(k): "***" if v is not None and any(w in str(k).lower() for w in SECRET_WORDS) else redacted(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redacted(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return value
    return str(value)  # ObjectId, Decimal128, ...: not JSON


@dataclass(frozen=True)
class Found(Generic[T]):
    items: list[tuple[ObjectId, T]]
    complete: bool  # fewer documents than the limit: none was left out


def _valid(model: type[M], doc: Doc) -> M | None:
    """One odd document (hand-written, from an older version) is skipped, not the end of everyone's feed."""
    try:
        return model.model_validate(doc)
    except ValidationError:
        log.warning("console feed skipped a %s it cannot read: %s", model.__name__, doc.get("_id"))
        return None


@store_errors
class ConsoleReads:
    """The feed's and the audit's queries. Insights and movements are found by ``_id``: always indexed, and an
    ObjectId carries the time its writer made it (to the second)."""

    def __init__(self, inventory: InventoryService) -> None:
        self._inventory = inventory
        self._store = inventory.store

    async def low_count(self) -> int:
        # The inventory's own filter (on_hand < effective_min at any site), so the count is the API's.
        return (await self._inventory.list_products(ProductFilter(low_stock=True, limit=1))).total

    async def insights(self, start: ObjectId | None, limit: int) -> Found[Insight]:
        """From ``start`` on, oldest first; with no start, the newest ``limit`` (oldest first)."""
        docs = await self._find(self._store.insights, {}, start, limit)
        items = [(d["_id"], i) for d in docs if (i := _valid(Insight, d)) is not None]
        return Found(items, complete=len(docs) < limit)

    async def movements(self, start: ObjectId | None, limit: int) -> Found[MovementEvent]:
        """Applied ledger entries, as ``insights`` finds them, with their stock record's state now."""
        docs = await self._find(self._store.movements, APPLIED, start, limit)
        moves = [(d["_id"], m) for d in docs if (m := _valid(Movement, d)) is not None]
        ids = sorted({stock_id(m.sku, m.site) for _, m in moves})
        levels: dict[str, StockLevel] = {}
        if ids:
            async for doc in self._store.stock.find({"_id": {"$in": ids}}):
                if (level := _valid(StockLevel, doc)) is not None:
                    levels[stock_id(level.sku, level.site)] = level
        items = [(oid, movement_event(m, levels.get(stock_id(m.sku, m.site)))) for oid, m in moves]
        return Found(items, complete=len(docs) < limit)

    async def ids_from(self, kind: Literal["insights", "movements"], start: ObjectId) -> list[ObjectId]:
        """Every id from ``start`` on (ids only: a burst may be large)."""
        coll, query = (self._store.insights, {}) if kind == "insights" else (self._store.movements, APPLIED)
        docs = await coll.find(query | {"_id": {"$gte": start}}, {"_id": 1}).to_list()
        return [d["_id"] for d in docs]

    async def audit(self, limit: int) -> list[AuditEntry]:
        docs = await self._store.audit_log.find({}).sort("at", -1).limit(limit).to_list()
        masked = [d | {"before": redacted(d.get("before")), "after": redacted(d.get("after"))} for d in docs]
        return [a for d in masked if (a := _valid(AuditEntry, d)) is not None]

    @staticmethod
    async def _find(coll: AsyncCollection[Doc], query: Doc, start: ObjectId | None, limit: int) -> list[Doc]:
        if start is None:
            return list(reversed(await coll.find(query).sort("_id", -1).limit(limit).to_list()))
        return await coll.find(query | {"_id": {"$gte": start}}).sort("_id", 1).limit(limit).to_list()


def movement_event(m: Movement, level: StockLevel | None) -> MovementEvent:
    # "Low" is StockLevel.is_low: the rule the inventory's low-stock list applies, at this movement's before/after.
    low_before = level is not None and level.model_copy(update={"on_hand": m.before}).is_low
    low_after = level is not None and level.model_copy(update={"on_hand": m.after}).is_low
    return MovementEvent(
        **m.model_dump(include=set(MovementEvent.model_fields) & set(Movement.model_fields)),
        effective_min=level.effective_min if level else None,
        low=level is not None and level.is_low,
        crossed_low=low_after and not low_before,
    )


class Cursor:
    """Which documents of one collection a feed has sent, and where its next poll starts: SKEW before the previous
    poll (by this server's clock), so that a document stamped by a slower clock, or a movement applied a moment
    after it was claimed, is still found; ``sent`` drops the repeats. A poll that reached its limit leaves the
    window where it was, so a burst is read in batches."""

    def __init__(self) -> None:
        self.sent: dict[ObjectId, datetime] = {}
        self.polled: datetime | None = None

    def start(self, now: datetime) -> ObjectId:
        return ObjectId.from_datetime((self.polled or now) - SKEW)

    @property
    def limit(self) -> int:
        return len(self.sent) + BATCH  # the repeats in the window, and up to BATCH new documents

    def take(self, oid: ObjectId) -> bool:
        """True the first time ``oid`` is seen."""
        if oid in self.sent:
            return False
        self.sent[oid] = oid.generation_time
        return True

    def done(self, now: datetime, complete: bool) -> None:
        """After a poll that started at ``now``."""
        if complete:
            self.polled = now
        cutoff = self.start(now).generation_time
        self.sent = {k: v for k, v in self.sent.items() if v >= cutoff}


def sse(event: str, data: BaseModel, event_id: str | None = None) -> str:
    head = f"event: {event}\n" + (f"id: {event_id}\n" if event_id else "")
    return f"{head}data: {data.model_dump_json()}\n\n"  # JSON has no raw newlines: one data line


class Feed:
    """One client's view of the store: what it was sent, and what is new since."""

    def __init__(self, reads: ConsoleReads) -> None:
        self.reads = reads
        self.insights = Cursor()
        self.movements = Cursor()
        self.low: int | None = None

    async def first(self, backlog: int) -> list[str]:
        """The newest ``backlog`` insights and movements and the low count; what else is already in the polling
        window counts as sent (a burst just before connecting is not news)."""
        out: list[str] = []
        now = utcnow()
        if backlog:
            for oid, insight in (await self.reads.insights(None, backlog)).items:
                self.insights.take(oid)
                out.append(sse("insight", insight, insight.insight_id))
            for oid, move in (await self.reads.movements(None, backlog)).items:
                self.movements.take(oid)
                out.append(sse("movement", move, move.movement_id))
        for oid in await self.reads.ids_from("insights", self.insights.start(now)):
            self.insights.take(oid)
        for oid in await self.reads.ids_from("movements", self.movements.start(now)):
            self.movements.take(oid)
        self.insights.done(now, complete=True)
        self.movements.done(now, complete=True)
        return [*out, *await self._low(now)]

    async def poll(self) -> list[str]:
        now = utcnow()
        insights = await self.reads.insights(self.insights.start(now), self.insights.limit)
        movements = await self.reads.movements(self.movements.start(now), self.movements.limit)
        out = [sse("insight", i, i.insight_id) for oid, i in insights.items if self.insights.take(oid)]
        out += [sse("movement", m, m.movement_id) for oid, m in movements.items if self.movements.take(oid)]
        self.insights.done(now, insights.complete)
        self.movements.done(now, movements.complete)
        return out + await self._low(now)

    async def _low(self, now: datetime) -> list[str]:
        count = await self.reads.low_count()
        if count == self.low:
            return []
        self.low = count
        return [sse("low_count", LowCount(count=count, at=now))]


@dataclass
class FeedGauge:
    """Feeds being streamed in this process (a feed whose client left must not keep polling)."""

    open: int = 0


FEEDS = FeedGauge()


async def stream(request: Request, services: Services, feed: Feed, first: list[str]) -> AsyncIterator[str]:
    FEEDS.open += 1
    try:
        yield "".join(first) or ": connected\n\n"
        store_ok = True
        last_write = last_auth = time.monotonic()
        while True:
            await asyncio.sleep(POLL_S)
            if await request.is_disconnected():
                return
            now = time.monotonic()
            if now - last_auth >= REAUTH_S:
                try:
                    await require_principal(request, services)
                except HTTPException:
                    yield sse("signed_out", FeedStatus(store="ok", message="the sign-in has ended"))
                    return
                last_auth = now
            chunks: list[str] = []
            try:
                chunks = await feed.poll()
                if not store_ok:
                    store_ok = True
                    chunks.insert(0, sse("status", FeedStatus(store="ok")))
            except StoreUnavailable as exc:
                if store_ok:
                    store_ok = False
                    chunks = [sse("status", FeedStatus(store="not answering", message=str(exc)))]
            if chunks:
                yield "".join(chunks)
                last_write = now
            elif now - last_write >= HEARTBEAT_S:
                yield ": heartbeat\n\n"  # a comment: keeps proxies from closing an idle stream
                last_write = now
    finally:
        FEEDS.open -= 1


@router.get("/console", include_in_schema=False)
async def console_page() -> FileResponse:
    """The supervisor console. Loading it needs no token; every data call it makes sends one."""
    return FileResponse(CONSOLE_DIR / "console.html", headers=PAGE_HEADERS)


# An endless stream: kept out of the OpenAPI schema, which the API fuzzer walks (documented in docs/console.md).
@router.get("/api/console/feed", include_in_schema=False)
async def console_feed(
    request: Request,
    services: ServicesDep,
    _: ActorDep,
    backlog: Annotated[
        int, Query(ge=0, le=100, description="Newest insights and movements sent first.")
    ] = 20,
) -> StreamingResponse:
    """Server-sent events: ``insight``, ``movement`` and ``low_count`` (at once, then on change), ``status``
    when the store stops or starts answering, ``signed_out`` when the caller's sign-in ends; a comment every
    ``HEARTBEAT_S`` when there is no news."""
    feed = Feed(ConsoleReads(services.inventory))
    first = await feed.first(backlog)  # before the 200: a store that does not answer is a 503
    return StreamingResponse(
        stream(request, services, feed, first),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/api/console/audit", response_model=list[AuditEntry], summary="The newest audit entries")
async def console_audit(
    inventory: InventoryDep, _: SupervisorDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[AuditEntry]:
    """Every write, newest first: who, through which channel, with which idempotency key, before and after
    (secrets masked)."""
    return await ConsoleReads(inventory).audit(limit)

"""The MongoDB database handle, its collections and indexes, and the audit trail.

Correctness never rests on multi-document transactions (the embedded nx-27017 server does not isolate them): every
stock change is one single-document atomic update, made idempotent by a unique key on the movement ledger.

A store that does not answer fails fast: an operation on a frozen or dead store fails within about
``DEFAULT_TIMEOUT_MS`` unless the URI or ``timeout_ms`` says otherwise (``fail_fast_options``), and
``store_errors`` turns the driver's connection failures and timeouts into ``StoreUnavailable`` (retryable) at the
service's public methods."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal, ParamSpec, TypeVar
from urllib.parse import parse_qsl, urlsplit

import pymongo
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from inventory_core import pymongo_compat
from inventory_core.errors import StoreUnavailable
from inventory_core.models import WriteContext

Doc = dict[str, Any]
P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound=type)

DEFAULT_TIMEOUT_MS = 1500
PING_TIMEOUT_S = 0.5
BULK_TIMEOUT_S = 60.0

StoreHealth = Literal["ok", "not answering", "unreachable"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def fail_fast_options(timeout_ms: int) -> dict[str, int]:
    """Client options under which a store that does not answer fails an operation within about ``timeout_ms``,
    and a busy one is not mistaken for it (each round trip is bounded, not the time its work takes overall):

    - server selection: ``timeout_ms``; the wait for a pooled connection (all 200 in use or being opened) four
      times that: a burst of 200 writes opens its connections 8 at a time, which on a loaded machine takes more
      than a second, while on a frozen store the connections in use are freed by their socket timeouts;
    - connecting and each socket read: half of it (a read or write is retried once after a network error, so an
      operation on a frozen store costs two of them);
    - no "overload" retries with back-off after a connection attempt timed out (``maxAdaptiveRetries=0``): on
      one embedded server that only multiplies the wait;
    - up to 8 connections opened at once (``maxConnecting``, default 2), so that a burst of callers is not
      queued behind connection attempts that time out.

    On Python 3.11 these timeouts need ``pymongo_compat`` (installed by ``MongoStore``) for a cancellation of a
    store call to be honoured."""
    half = max(timeout_ms // 2, 50)
    return {
        "serverSelectionTimeoutMS": timeout_ms,
        "waitQueueTimeoutMS": 4 * timeout_ms,
        "connectTimeoutMS": half,
        "socketTimeoutMS": half,
        "maxAdaptiveRetries": 0,
        "maxConnecting": 8,
    }


def uri_options(uri: str) -> set[str]:
    """The option names a MongoDB URI sets, lower-cased (URI options are case-insensitive)."""
    return {name.lower() for name, _ in parse_qsl(urlsplit(uri).query)}


def timeout_options(uri: str, timeout_ms: int | None) -> dict[str, Any]:
    """The client's fail-fast options: those of ``timeout_ms`` when given; otherwise the defaults for those the
    URI leaves unset (an option in the URI wins)."""
    if timeout_ms is not None:
        return dict(fail_fast_options(timeout_ms))
    present = uri_options(uri)
    return {k: v for k, v in fail_fast_options(DEFAULT_TIMEOUT_MS).items() if k.lower() not in present}


def bulk_budget(seconds: float = BULK_TIMEOUT_S) -> contextlib.AbstractContextManager[None]:
    """Operations inside get ``seconds`` each instead of the short timeouts: for work that moves a lot of data
    and that no caller is waiting on (loading data, building indexes, reading whole collections for the
    warehouse), never for a request's reads."""
    return pymongo.timeout(seconds)


def unavailable(exc: PyMongoError) -> StoreUnavailable | None:
    """The ``StoreUnavailable`` a driver error stands for (a lost or refused connection, a timeout), else None."""
    if isinstance(exc, ConnectionFailure) or exc.timeout:
        return StoreUnavailable(f"the stock system is not answering ({type(exc).__name__})")
    return None


def _translated(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    @functools.wraps(fn)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except PyMongoError as exc:
            mapped = unavailable(exc)
            if mapped is None:
                raise
            raise mapped from exc

    return call


def store_errors(cls: C) -> C:
    """Class decorator: the public coroutine methods of ``cls`` raise ``StoreUnavailable`` where the driver would
    raise a connection failure or a timeout."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            setattr(cls, name, _translated(member))
    return cls


class MongoStore:
    def __init__(self, uri: str, db_name: str, *, timeout_ms: int | None = None) -> None:
        pymongo_compat.install()  # timeouts that do not swallow cancellation on Python 3.11
        self._client: AsyncMongoClient[Doc] = AsyncMongoClient(
            uri, tz_aware=True, maxPoolSize=200, **timeout_options(uri, timeout_ms)
        )
        self.db: AsyncDatabase[Doc] = self._client[db_name]

    @property
    def sites(self) -> AsyncCollection[Doc]:
        """One document per site: ``{_id: site id, name: spoken name}``."""
        return self.db["sites"]

    @property
    def products(self) -> AsyncCollection[Doc]:
        return self.db["products"]

    @property
    def stock(self) -> AsyncCollection[Doc]:
        return self.db["stock"]

    @property
    def suppliers(self) -> AsyncCollection[Doc]:
        return self.db["suppliers"]

    @property
    def offers(self) -> AsyncCollection[Doc]:
        return self.db["supplier_offers"]

    @property
    def orders(self) -> AsyncCollection[Doc]:
        return self.db["purchase_orders"]

    @property
    def movements(self) -> AsyncCollection[Doc]:
        return self.db["movements"]

    @property
    def insights(self) -> AsyncCollection[Doc]:
        return self.db["insights"]

    @property
    def audit_log(self) -> AsyncCollection[Doc]:
        return self.db["audit"]

    @property
    def sales_daily(self) -> AsyncCollection[Doc]:
        return self.db["sales_daily"]

    @property
    def counters(self) -> AsyncCollection[Doc]:
        return self.db["counters"]

    async def ensure_indexes(self) -> None:
        try:
            with bulk_budget():
                await self.products.create_index("sku", unique=True)
                await self.products.create_index("name_key")
                await self.products.create_index("alias_keys")
                await self.products.create_index("category")
                await self.products.create_index("sites")
                await self.stock.create_index([("sku", ASCENDING), ("site", ASCENDING)], unique=True)
                await self.offers.create_index([("sku", ASCENDING), ("supplier_id", ASCENDING)], unique=True)
                await self.suppliers.create_index("supplier_id", unique=True)
                await self.orders.create_index("order_id", unique=True)
                await self.orders.create_index("idempotency_key", unique=True)
                await self.orders.create_index("status")
                await self.movements.create_index("idempotency_key", unique=True)
                await self.movements.create_index("movement_id", unique=True)
                await self.movements.create_index([("sku", ASCENDING), ("site", ASCENDING)])
                await self.movements.create_index("status")
                await self.insights.create_index("dedupe_key", unique=True)
                await self.insights.create_index("read")
                await self.sales_daily.create_index([("sku", ASCENDING), ("site", ASCENDING)], unique=True)
                await self.audit_log.create_index("at")
        except PyMongoError as exc:
            raise StoreUnavailable(f"could not prepare the store: {exc}") from exc

    async def ping(self, timeout_s: float = PING_TIMEOUT_S) -> StoreHealth:
        """Whether the store answers a ping within ``timeout_s``: never waits longer, even on a frozen store."""
        try:
            await asyncio.wait_for(self._client.admin.command("ping"), timeout_s)
        except TimeoutError:
            return "not answering"
        except PyMongoError as exc:
            return "not answering" if exc.timeout else "unreachable"
        return "ok"

    async def next_number(self, name: str, start: int) -> int:
        """A store-wide counter (order numbers people can say), atomic on one document."""
        doc = await self.counters.find_one_and_update(
            {"_id": name}, {"$inc": {"n": 1}}, upsert=True, return_document=True
        )
        assert doc is not None
        return start + int(doc["n"])

    async def audit(self, action: str, entity: str, ctx: WriteContext, before: Any, after: Any) -> None:
        await self.audit_log.insert_one(
            {
                "at": utcnow(),
                "action": action,
                "entity": entity,
                "actor": ctx.actor,
                "channel": ctx.channel,
                "idempotency_key": ctx.idempotency_key,
                "before": before,
                "after": after,
            }
        )

    async def close(self) -> None:
        await self._client.close()

"""The MongoDB database handle, its collections and indexes, and the audit trail.

Correctness never rests on multi-document transactions (the embedded nx-27017 server does not isolate them): every
stock change is one single-document atomic update, made idempotent by a unique key on the movement ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from inventory_core.errors import StoreUnavailable
from inventory_core.models import WriteContext

Doc = dict[str, Any]


def utcnow() -> datetime:
    return datetime.now(UTC)


class MongoStore:
    def __init__(self, uri: str, db_name: str, *, timeout_ms: int = 5000) -> None:
        self._client: AsyncMongoClient[Doc] = AsyncMongoClient(
            uri, tz_aware=True, serverSelectionTimeoutMS=timeout_ms, maxPoolSize=200
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

    async def ping(self) -> bool:
        try:
            await self._client.admin.command("ping")
            return True
        except PyMongoError:
            return False

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

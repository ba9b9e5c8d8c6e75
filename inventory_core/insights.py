"""Insights and their notification. An insight is recorded once per ``dedupe_key`` (a rerun of the day or a
retried step finds it present) and notified once: notifications go to the insights still marked
``notified: false``, which are marked after the receiver took them. A step killed between the two sends them again
on its retry with the same delivery id (``delivery_id``), so a receiver can drop the repeat."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from inventory_core.business_events import NO_EVENTS, BusinessEvents
from inventory_core.models import Insight
from inventory_core.store import Doc, MongoStore, utcnow


def delivery_id(insights: Sequence[Insight]) -> str:
    """The same for the same insights, whichever attempt sends them."""
    keys = "\n".join(sorted(i.dedupe_key for i in insights))
    return hashlib.sha256(keys.encode()).hexdigest()[:32]


class InsightBook:
    def __init__(self, store: MongoStore, events: BusinessEvents = NO_EVENTS) -> None:
        self.store = store
        self.events = events
        """Told of each insight recorded (the composition root sets it)."""

    async def latest(self, unread_only: bool = False, limit: int = 50) -> list[Insight]:
        query: Doc = {"read": False} if unread_only else {}
        docs = await self.store.insights.find(query).sort("created_at", -1).limit(limit).to_list()
        return [Insight.model_validate(d) for d in docs]

    async def add(
        self,
        kind: str,
        message: str,
        dedupe_key: str,
        sku: str | None = None,
        site: str | None = None,
        severity: str = "info",
    ) -> Insight | None:
        """None when an insight with the same ``dedupe_key`` exists already."""
        insight = Insight(
            insight_id=uuid.uuid4().hex[:12],
            kind=kind,
            message=message,
            sku=sku,
            site=site,
            severity=severity,
            dedupe_key=dedupe_key,
            created_at=utcnow(),
            notified=False,
        )
        try:
            await self.store.insights.insert_one(insight.model_dump(mode="python"))
        except DuplicateKeyError:
            return None
        self.events.insight(kind)
        return insight

    async def mark_read(self, insight_ids: list[str]) -> None:
        await self.store.insights.update_many({"insight_id": {"$in": insight_ids}}, {"$set": {"read": True}})

    async def to_notify(self, dedupe_keys: Sequence[str]) -> list[Insight]:
        """Those of these insights not notified yet (insights recorded before notification was tracked have no
        ``notified`` field and count as notified)."""
        query: Doc = {"dedupe_key": {"$in": list(dedupe_keys)}, "notified": False}
        docs = await self.store.insights.find(query).sort("created_at", 1).to_list()
        return [Insight.model_validate(d) for d in docs]

    async def unsent(self, kinds: Sequence[str], since: datetime) -> list[str]:
        """The dedupe keys of insights of these kinds recorded since ``since`` and not notified yet."""
        query: Doc = {"kind": {"$in": list(kinds)}, "created_at": {"$gte": since}, "notified": False}
        docs = await self.store.insights.find(query, {"dedupe_key": 1}).to_list()
        return [str(d["dedupe_key"]) for d in docs]

    async def mark_notified(self, dedupe_keys: Sequence[str]) -> None:
        await self.store.insights.update_many(
            {"dedupe_key": {"$in": list(dedupe_keys)}}, {"$set": {"notified": True}}
        )

"""Pending order proposals, kept in MongoDB so a confirmation survives a restart.

A proposal moves pending → confirmed | cancelled | expired by single-document atomic updates (the store has no
isolated transactions). Confirming claims the proposal first and only then places the order, with an
idempotency key derived from the confirmation id, so a repeated or concurrent confirm commits one order and a
cancelled proposal never commits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

ProposalState = Literal["pending", "confirmed", "cancelled", "expired"]
COLLECTION = "nlx_proposals"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Proposal:
    confirmation_id: str
    sku: str
    quantity: int
    site: str
    supplier_id: str
    actor: str
    conversation_id: str | None
    created_at: datetime
    expires_at: datetime
    state: ProposalState
    order_id: str | None = None

    @property
    def idempotency_key(self) -> str:
        return f"nlx-order-{self.confirmation_id}"

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Proposal:
        return cls(
            confirmation_id=doc["_id"],
            sku=doc["sku"],
            quantity=int(doc["quantity"]),
            site=doc["site"],
            supplier_id=doc["supplier_id"],
            actor=doc["actor"],
            conversation_id=doc.get("conversation_id"),
            created_at=_utc(doc["created_at"]),
            expires_at=_utc(doc["expires_at"]),
            state=doc["state"],
            order_id=doc.get("order_id"),
        )


def new_confirmation_id() -> str:
    # Short enough to read in a log or a flow variable, random enough that it cannot be guessed.
    return "NLX-" + secrets.token_hex(8).upper()


class ProposalStore:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], ttl_s: float = 300.0) -> None:
        self._col = collection
        self.ttl_s = ttl_s

    async def ensure_indexes(self) -> None:
        await self._col.create_index("expires_at")

    async def create(
        self,
        *,
        sku: str,
        quantity: int,
        site: str,
        supplier_id: str,
        actor: str,
        conversation_id: str | None,
        now: datetime,
    ) -> Proposal:
        proposal = Proposal(
            confirmation_id=new_confirmation_id(),
            sku=sku,
            quantity=quantity,
            site=site,
            supplier_id=supplier_id,
            actor=actor,
            conversation_id=conversation_id,
            created_at=now,
            expires_at=now + timedelta(seconds=self.ttl_s),
            state="pending",
        )
        doc = {
            "_id": proposal.confirmation_id,
            "sku": sku,
            "quantity": quantity,
            "site": site,
            "supplier_id": supplier_id,
            "actor": actor,
            "conversation_id": conversation_id,
            "created_at": now,
            "expires_at": proposal.expires_at,
            "state": "pending",
            "order_id": None,
        }
        await self._col.insert_one(doc)
        return proposal

    async def get(self, confirmation_id: str) -> Proposal | None:
        doc = await self._col.find_one({"_id": confirmation_id.strip().upper()})
        return Proposal.from_doc(doc) if doc else None

    async def _move(self, confirmation_id: str, to: ProposalState) -> Proposal | None:
        doc = await self._col.find_one_and_update(
            {"_id": confirmation_id, "state": "pending"},
            {"$set": {"state": to}},
            return_document=ReturnDocument.AFTER,
        )
        return Proposal.from_doc(doc) if doc else None

    async def claim(self, confirmation_id: str, now: datetime) -> tuple[Proposal | None, bool]:
        """(the proposal after the attempt, whether this call moved it to confirmed). A pending proposal past
        its expiry becomes expired instead."""
        current = await self.get(confirmation_id)
        if current is None or current.state != "pending":
            return current, False
        if current.expires_at <= now:
            moved = await self._move(current.confirmation_id, "expired")
            return moved or await self.get(confirmation_id), False
        moved = await self._move(current.confirmation_id, "confirmed")
        if moved is not None:
            return moved, True
        return await self.get(confirmation_id), False  # a concurrent call moved it first

    async def cancel(self, confirmation_id: str) -> Proposal | None:
        moved = await self._move(confirmation_id.strip().upper(), "cancelled")
        return moved or await self.get(confirmation_id)

    async def record_order(self, confirmation_id: str, order_id: str) -> None:
        await self._col.update_one({"_id": confirmation_id}, {"$set": {"order_id": order_id}})

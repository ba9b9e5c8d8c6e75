"""NLX lifecycle hooks (conversation start, escalation, end): recorded in MongoDB and acknowledged at once.

NLX allows 3 s, not adjustable. The body "may contain" an ``eventType`` and more (UNCONFIRMED), so the whole
body is kept and the event type is read from the few spellings seen."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

COLLECTION = "nlx_lifecycle"
_TYPE_KEYS = ("eventType", "event_type", "type", "event", "hook")
MAX_BODY_KEYS = 200
MAX_BODY_CHARS = 20_000


@dataclass(frozen=True)
class LifecycleEvent:
    event_type: str
    correlation_id: str | None
    hook_version: str | None
    conversation_id: str | None
    integration: str
    received_at: datetime
    body: dict[str, Any]


def event_type(body: Mapping[str, Any]) -> str:
    for key in _TYPE_KEYS:
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return "unknown"


def _text(source: Any, keys: tuple[str, ...]) -> str | None:
    if isinstance(source, Mapping):
        for key in keys:
            value = source.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def conversation_id(body: Mapping[str, Any]) -> str | None:
    keys = ("conversationId", "conversation_id")
    return (
        _text(body, keys)
        or _text(body.get("conversation"), (*keys, "id"))
        or _text(body.get("context"), keys)
    )


class LifecycleLog:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._col = collection
        self._clock = clock

    async def record(
        self, body: Mapping[str, Any], headers: Mapping[str, str], integration: str
    ) -> LifecycleEvent:
        kept = dict(list(body.items())[:MAX_BODY_KEYS])
        event = LifecycleEvent(
            event_type=event_type(body),
            correlation_id=headers.get("nlx-correlation-id"),
            hook_version=headers.get("nlx-lifecycle-hook-version"),
            conversation_id=conversation_id(body),
            integration=integration,
            received_at=self._clock(),
            body=kept,
        )
        doc: dict[str, Any] = {
            "event_type": event.event_type,
            "correlation_id": event.correlation_id,
            "hook_version": event.hook_version,
            "conversation_id": event.conversation_id,
            "integration": integration,
            "received_at": event.received_at,
            # As JSON text: NLX's body is not ours to trust as BSON (keys may hold "$", "." or NUL).
            "body": json.dumps(kept, default=str)[:MAX_BODY_CHARS],
        }
        if event.correlation_id:
            doc["_id"] = event.correlation_id  # NLX may retry a hook: the first delivery is kept, once
        with contextlib.suppress(DuplicateKeyError):
            await self._col.insert_one(doc)
        return event

    async def recent(self, conversation: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        query = {"conversation_id": conversation} if conversation else {}
        return await self._col.find(query, {"_id": 0}).sort("received_at", -1).limit(limit).to_list()

"""The NLX face of one app: who may call (``NlxAuth``), the data requests over the dialogue's tool layer (with
their proposal store), the lifecycle log, and the speech engines of the voice middleware.

The app builds it once with ``build_runtime`` and keeps it on ``app.state.nlx``; the routes read it with
``runtime_of``. What costs time to prepare (the proposal indexes, the catalogue index) is prepared on the first
request, once, under a lock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import HTTPException, Request, status
from pymongo.asynchronous.database import AsyncDatabase
from starlette.datastructures import State

from dialogue.tools import InventoryTools
from inventory_core.errors import InventoryError
from nlx_webhooks import lifecycle, proposals
from nlx_webhooks.analytic_requests import AnalyticRequests
from nlx_webhooks.data_requests import DataRequests
from nlx_webhooks.lifecycle import LifecycleLog
from nlx_webhooks.proposals import ProposalStore
from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer

DEFAULT_PROPOSAL_TTL_S = 300.0


class NlxAuth(Protocol):
    def webhook_caller(self, headers: Mapping[str, str]) -> str | None:
        """The NLX webhook token sent (or an API token when no NLX token is configured) → the caller's name;
        None for a missing or unknown token."""
        ...

    def speech_caller(self, headers: Mapping[str, str]) -> str | None:
        """An API or NLX token → the caller's name; None for a missing or unknown token."""
        ...

    def known(self, headers: Mapping[str, str]) -> bool:
        """Whether the credentials sent are anyone's (a caller refused above is then told 403, not 401)."""
        ...


@dataclass
class NlxRuntime:
    tools: InventoryTools
    auth: NlxAuth
    data: DataRequests
    lifecycle: LifecycleLog
    status_for: Callable[[InventoryError], int]
    """The app's one error → HTTP status table, for answers in the current shape and the legacy envelope."""
    analytics: AnalyticRequests
    """The analytic data requests (stock-out risk, forecast totals, sales, value, the reorder list)."""
    recognizer: SpeechRecognizer | None = None
    synthesizer: SpeechSynthesizer | None = None
    _prepared: bool = field(default=False, init=False, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    async def ready(self) -> NlxRuntime:
        """This runtime, prepared: the first call creates the proposal indexes and builds the catalogue index,
        so no later call pays for them."""
        if not self._prepared:
            async with self._lock:
                if not self._prepared:
                    await self.data.prepare()
                    self._prepared = True
        return self


def build_runtime(
    *,
    tools: InventoryTools,
    db: AsyncDatabase[dict[str, Any]],
    auth: NlxAuth,
    status_for: Callable[[InventoryError], int],
    proposal_ttl_s: float = DEFAULT_PROPOSAL_TTL_S,
    recognizer: SpeechRecognizer | None = None,
    synthesizer: SpeechSynthesizer | None = None,
) -> NlxRuntime:
    """The runtime over ``tools``, keeping proposals and lifecycle events in ``db``. Nothing is read or
    written until the first request."""
    store = ProposalStore(db[proposals.COLLECTION], ttl_s=proposal_ttl_s)
    return NlxRuntime(
        tools=tools,
        auth=auth,
        data=DataRequests(tools, store),
        analytics=AnalyticRequests(tools),
        lifecycle=LifecycleLog(db[lifecycle.COLLECTION]),
        status_for=status_for,
        recognizer=recognizer,
        synthesizer=synthesizer,
    )


class NlxUnavailable(RuntimeError):
    """No runtime on ``app.state.nlx``: the app has not installed it (or has not started yet)."""


def runtime_of(state: State) -> NlxRuntime:
    """The runtime the app put on ``app.state.nlx``. Raises NlxUnavailable when there is none."""
    try:
        runtime = state.nlx
    except AttributeError:
        runtime = None
    if not isinstance(runtime, NlxRuntime):
        raise NlxUnavailable(
            "app.state.nlx holds no NlxRuntime: build one with nlx_webhooks.runtime.build_runtime"
        )
    return runtime


def request_runtime(request: Request) -> NlxRuntime:
    """``runtime_of`` for a request: 503 while the app has no runtime."""
    try:
        return runtime_of(request.app.state)
    except NlxUnavailable as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={
                "code": "nlx_unavailable",
                "message": "the NLX services are not running",
                "retryable": True,
            },
        ) from exc

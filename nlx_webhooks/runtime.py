"""The NLX services of one app, built once from the app's ``Services`` on first use: webhook auth, the data
requests (with their proposal store) and the lifecycle log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from inventory_core.errors import (
    Conflict,
    InsufficientStock,
    InvalidInput,
    InventoryError,
    NotFound,
    StoreUnavailable,
)
from nlx_webhooks import lifecycle, proposals
from nlx_webhooks.auth import WebhookAuth, presented_token
from nlx_webhooks.data_requests import DataRequests
from nlx_webhooks.forecasting import Forecasting
from nlx_webhooks.lifecycle import LifecycleLog
from nlx_webhooks.proposals import ProposalStore

DEFAULT_PROPOSAL_TTL_S = 300.0
_STATUS: tuple[tuple[type[InventoryError], int], ...] = (
    (NotFound, 404),
    (InvalidInput, 400),
    (InsufficientStock, 409),
    (Conflict, 409),
    (StoreUnavailable, 503),
)


def http_status(exc: InventoryError) -> int:
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)


@dataclass
class NlxRuntime:
    auth: WebhookAuth
    data: DataRequests
    lifecycle: LifecycleLog
    # Used when no NLX token is configured: the service's own API tokens are accepted instead.
    api_actor: Callable[[str | None], str | None] | None = None

    def authenticate(self, headers: Mapping[str, str]) -> str | None:
        if self.auth.configured:
            return self.auth.integration(headers)
        if self.api_actor is not None:
            actor = self.api_actor(presented_token(headers))
            return f"api-{actor}" if actor else None
        return None


def build_runtime(services: Any) -> NlxRuntime:
    """From a ``app.services.Services`` (read by attribute, so this package does not import wiring)."""
    settings = services.settings
    inventory = services.inventory
    db = inventory.store.db
    ttl = float(getattr(settings, "nlx_proposal_ttl_s", DEFAULT_PROPOSAL_TTL_S))
    store = ProposalStore(db[proposals.COLLECTION], ttl_s=ttl)
    data = DataRequests(inventory, store, Forecasting(inventory, getattr(services, "forecaster", None)))
    tokens = [t.get_secret_value() for t in settings.nlx_webhook_tokens]
    return NlxRuntime(
        auth=WebhookAuth.numbered(tokens),
        data=data,
        lifecycle=LifecycleLog(db[lifecycle.COLLECTION]),
        api_actor=services.actor_for,
    )


async def runtime_for(app: FastAPI) -> NlxRuntime:
    runtime: NlxRuntime | None = getattr(app.state, "nlx_runtime", None)
    if runtime is not None:
        return runtime
    lock: asyncio.Lock | None = getattr(app.state, "nlx_runtime_lock", None)
    if lock is None:
        lock = app.state.nlx_runtime_lock = asyncio.Lock()
    async with lock:
        runtime = getattr(app.state, "nlx_runtime", None)
        if runtime is None:
            runtime = build_runtime(app.state.services)
            await runtime.data.prepare()
            app.state.nlx_runtime = runtime
    return runtime

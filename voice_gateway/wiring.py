"""The one place that builds every service from settings, and closes them again.

Embedded defaults start here: with no ``MONGODB_URI`` the nx-27017 wire-protocol server is started on a free
loopback port with its data file under ``var/``; the demo warehouse is loaded when the store is empty."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from inventory_core.demo_loader import load_demo, store_is_empty
from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore
from voice_gateway.ports import ConversationFactory
from voice_gateway.settings import Settings
from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer

log = logging.getLogger("inventorypulse.wiring")


@dataclass
class Services:
    """Everything a request or a call needs. Optional services stay None until their builder has run."""

    settings: Settings
    inventory: InventoryService
    tokens: dict[str, str]  # token -> actor name
    recognizer: SpeechRecognizer | None = None
    synthesizer: SpeechSynthesizer | None = None
    conversations: ConversationFactory | None = None
    dialogue: Any = None  # dialogue.service.DialogueService
    forecaster: Any = None  # inventory_core.forecast.service.ForecastService
    monitor: Any = None  # inventory_core.monitor.Monitor
    background: list[asyncio.Task[None]] = field(default_factory=list)

    def actor_for(self, token: str | None) -> str | None:
        """The identity a token stands for, compared in constant time; None when unknown."""
        if not token:
            return None
        found: str | None = None
        for known, actor in self.tokens.items():
            if secrets.compare_digest(known.encode(), token.encode()):
                found = actor
        return found


def load_tokens(settings: Settings) -> dict[str, str]:
    if settings.api_tokens:
        return {t.get_secret_value(): f"token-{i + 1}" for i, t in enumerate(settings.api_tokens)}
    path = settings.var_dir / "dev_token"
    if path.exists():
        token = path.read_text().strip()
    else:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        path.write_text(token + "\n")
        path.chmod(0o600)
    print(f"InventoryPulse dev token (from {path}): {token}", flush=True)
    return {token: "dev"}


@contextlib.asynccontextmanager
async def open_services(settings: Settings, *, load_demo_progress: bool = True) -> AsyncIterator[Services]:
    async with contextlib.AsyncExitStack() as stack:
        uri = settings.mongodb_uri
        if uri is None:
            server = EmbeddedMongo(db_path=str((settings.var_dir / "mongo").resolve()))
            uri = server.start()
            stack.callback(server.stop)
            log.info("embedded MongoDB wire-protocol server on %s", uri)
        store = MongoStore(uri, settings.mongodb_db)
        stack.push_async_callback(store.close)
        await store.ensure_indexes()
        inventory = InventoryService(store)
        settled = await inventory.ledger.resolve_pending()
        if settled:
            log.warning("settled %d ledger entries left pending by an earlier crash", settled)
        if settings.load_demo_data and await store_is_empty(store):
            await load_demo(store, settings.demo_seed, progress=load_demo_progress)
        services = Services(settings=settings, inventory=inventory, tokens=load_tokens(settings))
        for build in _optional_builders():
            await build(services, stack)
        yield services


def _optional_builders() -> list[Callable[[Services, contextlib.AsyncExitStack], Awaitable[None]]]:
    """Builders of the dialogue (and the conversation engine the gateway uses), in dependency order."""
    return [_build_dialogue]


async def _build_dialogue(services: Services, stack: contextlib.AsyncExitStack) -> None:
    from dialogue.service import build_dialogue

    s = services.settings
    dialogue = build_dialogue(
        services.inventory,
        forecasts=services.forecaster,
        confirm_timeout_s=s.confirm_timeout_s,
        unusual_quantity_factor=s.unusual_quantity_factor,
        llm_api_key=s.llm_api_key.get_secret_value() if s.llm_api_key else None,
        llm_base_url=s.llm_base_url,
        llm_model=s.llm_model,
        llm_calls_per_session=s.llm_calls_per_session,
    )
    stack.push_async_callback(dialogue.aclose)
    services.dialogue = dialogue
    services.conversations = dialogue
    if s.dialogue_engine == "nlx":
        from nlx_webhooks.conversation import factory_from_settings

        factory = factory_from_settings(s)
        if factory is None:
            raise RuntimeError(
                "dialogue_engine=nlx needs IP_NLX_API_KEY, IP_NLX_DEPLOYMENT_KEY and IP_NLX_CHANNEL_KEY"
            )
        stack.push_async_callback(factory.aclose)
        services.conversations = factory

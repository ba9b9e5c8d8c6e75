"""The one place that builds every service from settings, and closes them again.

Embedded defaults start here: with no ``MONGODB_URI`` the nx-27017 wire-protocol server is started on a free
loopback port with its data file under ``var/``; the demo warehouse is loaded when the store is empty."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from app.settings import Settings
from dialogue.contract import ConversationFactory
from inventory_core.demo_loader import load_demo, store_is_empty
from inventory_core.embedded_mongo import EmbeddedMongo
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore
from voice_gateway.metrics import GatewayMetrics
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
    fallback_recognizer: SpeechRecognizer | None = None  # the local engine when MiniMax is primary
    fallback_synthesizer: SpeechSynthesizer | None = None
    conversations: ConversationFactory | None = None
    dialogue: Any = None  # dialogue.service.DialogueService
    forecaster: Any = None  # forecasting.service.ForecastService
    monitor: Any = None  # forecasting.monitor.Monitor
    mcp: Any = None  # dialogue.mcp_server.McpHttp, served at /mcp
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    background: list[asyncio.Task[None]] = field(default_factory=list)

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """A background task owned by the services: cancelled and awaited when they close."""
        self.background.append(asyncio.create_task(coro, name=name))

    async def cancel_background(self) -> None:
        for task in self.background:
            task.cancel()
        for task in self.background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.background.clear()

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
        stack.push_async_callback(services.cancel_background)
        for build in _builders():
            await build(services, stack)
        yield services


def _builders() -> list[Callable[[Services, contextlib.AsyncExitStack], Awaitable[None]]]:
    """Builders of the optional services, in dependency order (the dialogue asks the forecaster)."""
    return [_build_forecasting, _build_dialogue, _build_mcp, _build_speech]


async def _build_forecasting(services: Services, stack: contextlib.AsyncExitStack) -> None:
    from forecasting.monitor import ForecastingOptions, open_forecasting
    from forecasting.restock import RestockPolicy
    from forecasting.service import ForecastOptions
    from forecasting.warehouse.connection import WarehouseUnavailable, config_from_settings

    s = services.settings
    if not s.forecasting:
        return
    password = s.snowflake_password.get_secret_value() if s.snowflake_password else None
    options = ForecastingOptions(
        warehouse=config_from_settings(s, password),
        forecast=ForecastOptions(
            horizon_days=s.forecast_horizon_days,
            policy=RestockPolicy(service_level=s.service_level, review_period_days=s.review_period_days),
        ),
        interval_s=s.monitor_interval_s,
        warm_up=s.forecast_warm_up,
        notify_webhook_url=s.notify_webhook_url,
    )
    try:
        forecasting = await stack.enter_async_context(open_forecasting(services.inventory, options))
    except WarehouseUnavailable as exc:
        # Stock questions and writes do not need the warehouse: serve them, answer forecasts from the
        # movement rate, and say why in the log and in /api/insights (503 forecasting_unavailable).
        log.error("forecasting is off: %s", exc)
        return
    services.forecaster = forecasting.forecaster
    services.monitor = forecasting.monitor


async def _build_dialogue(services: Services, stack: contextlib.AsyncExitStack) -> None:
    from dialogue.forecasts import EngineForecasts
    from dialogue.service import build_dialogue

    s = services.settings
    forecasts = None
    if services.forecaster is not None:
        forecasts = EngineForecasts(
            services.forecaster, services.inventory, timeout_s=s.forecast_answer_timeout_s
        )
    dialogue = build_dialogue(
        services.inventory,
        forecasts=forecasts,
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


async def _build_mcp(services: Services, stack: contextlib.AsyncExitStack) -> None:
    """The MCP tools over streamable HTTP at ``/mcp``, with the API's bearer tokens."""
    from dialogue.mcp_server import build_mcp_http

    if services.dialogue is None:
        return
    s = services.settings
    http = build_mcp_http(
        services.dialogue.tools, services.tokens, public_url=f"http://{s.host}:{s.port}/mcp"
    )
    await stack.enter_async_context(http.lifespan())
    services.mcp = http


async def _build_speech(services: Services, stack: contextlib.AsyncExitStack) -> None:
    """MiniMax when configured, with the local engines as per-turn fallbacks; else the local engines. The
    local recognizer's grammar follows the catalogue."""
    from voice_gateway.speech.espeak_tts import EspeakSynthesizer
    from voice_gateway.speech.local_asr import LocalRecognizer
    from voice_gateway.speech.vocabulary import VocabularyRefresher, site_phrases_of, vocabulary_of

    s = services.settings
    snapshot = await services.inventory.catalogue()
    local_asr = LocalRecognizer(vocabulary_of(snapshot), sites=site_phrases_of(snapshot))
    stack.callback(local_asr.close)
    espeak = EspeakSynthesizer()
    if s.use_minimax:
        from voice_gateway.speech.minimax_adapter import (
            MiniMaxRecognizer,
            MiniMaxSynthesizer,
            client_from_settings,
        )

        client = client_from_settings(s)
        stack.push_async_callback(client.aclose)
        services.recognizer, services.fallback_recognizer = MiniMaxRecognizer(client), local_asr
        services.synthesizer, services.fallback_synthesizer = MiniMaxSynthesizer(client), espeak
        log.info("speech: MiniMax at %s, local engines as fallback", s.minimax_base_url)
    else:
        services.recognizer, services.synthesizer = local_asr, espeak
        log.info("speech: local engines (pocketsphinx, espeak-ng)")
    if s.speech_warm_up:
        services.spawn(local_asr.warm_up(), "local-asr-warm-up")
    if s.vocabulary_refresh_s > 0:
        refresher = VocabularyRefresher(services.inventory, [local_asr], snapshot.version)
        services.spawn(refresher.run(s.vocabulary_refresh_s), "vocabulary-refresh")

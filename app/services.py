"""The one place that builds every service from settings, and closes them again. The web service and every CLI
(REPL, MCP over stdio, the monitor) open the store through ``open_services``, so they all see the same data.

Embedded defaults start here: with no ``MONGODB_URI`` the nx-27017 wire-protocol server is started on a free
loopback port with its data under ``var/mongo/``, or, when another process of ours is already serving that
data, its server is used (``app.store``); the demo warehouse is loaded when the store is empty."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any

from app.accounts import AccessTokens, Accounts, ensure_admin, signing_key
from app.auth import Authenticator, authenticator_from
from app.business_metrics import BusinessMetrics
from app.loop_watch import LoopWatch
from app.mcp import McpHttp, add_workflow_tools, build_mcp_http
from app.nlx import nlx_conversations
from app.settings import Settings
from app.speech import build_speech
from app.store import store_uri
from dialogue.contract import ConversationFactory
from dialogue.forecasts import EngineForecasts
from dialogue.live_calls import LiveCalls
from dialogue.service import DialogueService, build_dialogue
from forecasting.monitor import ForecastingOptions, Monitor, open_forecasting
from forecasting.restock import RestockPolicy
from forecasting.service import ForecastOptions, ForecastService
from forecasting.warehouse.connection import WarehouseUnavailable, config_from_settings
from inventory_core.conversations import MongoConversations
from inventory_core.demo_loader import load_demo, store_is_empty
from inventory_core.errors import StoreUnavailable
from inventory_core.ledger_recovery import LedgerRecovery
from inventory_core.people import PeopleBook
from inventory_core.service import InventoryService
from inventory_core.shared_limits import MongoFailureWindow, MongoSeats
from inventory_core.store import MongoStore
from voice_gateway.metrics import GatewayMetrics
from voice_gateway.speech.ports import SpeechRecognizer, SpeechSynthesizer
from workflows.embedded import TemporalUnavailable
from workflows.runtime import WorkflowOptions, Workflows, open_workflows

log = logging.getLogger("inventorypulse.services")


@dataclass(frozen=True)
class Parts:
    """Which optional services to build. The web service builds them all; the CLIs only what they need."""

    forecasting: bool = True
    speech: bool = True
    mcp_http: bool = True
    workflows: bool = True


@dataclass
class Services:
    """Everything a request or a call needs. Optional services stay None until their builder has run (or
    when settings turn them off)."""

    settings: Settings
    inventory: InventoryService
    auth: Authenticator
    accounts: Accounts | None = None  # people's sign-in (JWT); None: static tokens only
    dialogue: DialogueService | None = None
    conversations: ConversationFactory | None = None  # the built-in dialogue, or NLX in NLX mode
    forecaster: ForecastService | None = None
    monitor: Monitor | None = None
    workflows: Workflows | None = None  # the Temporal client, worker and schedules
    mcp: McpHttp | None = None  # served at /mcp
    recognizer: SpeechRecognizer | None = None
    synthesizer: SpeechSynthesizer | None = None
    fallback_recognizer: SpeechRecognizer | None = None  # the local engine when MiniMax is primary
    fallback_synthesizer: SpeechSynthesizer | None = None
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    live_calls: LiveCalls = field(default_factory=LiveCalls)  # this replica's calls, for the console
    seats: MongoSeats | None = None  # calls in progress per token, counted across every instance
    background: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def business(self) -> BusinessMetrics:
        """Writes, read-backs and insights, counted on the metrics registry (``app.business_metrics``)."""
        return BusinessMetrics.on(self.metrics.registry)

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


async def open_inventory(
    settings: Settings, stack: contextlib.AsyncExitStack, *, load_demo_progress: bool = True
) -> InventoryService:
    """The operational store: settled after a crash, with the demo warehouse when it is empty."""
    uri = store_uri(settings, stack)
    store = MongoStore(uri, settings.mongodb_db)
    stack.push_async_callback(store.close)
    await store.ensure_indexes()
    inventory = InventoryService(store)
    settled = await inventory.ledger.resolve_pending()  # past their lease; the recovery loop settles the rest
    if settled:
        log.warning("settled %d ledger entries left pending by an earlier crash", settled)
    if settings.load_demo_data and await store_is_empty(store):
        await load_demo(store, settings.demo_seed, progress=load_demo_progress)
    return inventory


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, *, parts: Parts = Parts(), load_demo_progress: bool = True
) -> AsyncIterator[Services]:
    async with contextlib.AsyncExitStack() as stack:
        inventory = await open_inventory(settings, stack, load_demo_progress=load_demo_progress)
        auth = authenticator_from(settings.api_tokens, settings.nlx_webhook_tokens, settings.var_dir)
        services = Services(settings=settings, inventory=inventory, auth=auth)
        inventory.events = services.business
        services.accounts = await open_accounts(settings, inventory)
        auth.tokens = services.accounts.tokens
        services.seats = MongoSeats(inventory.store)
        await services.seats.ensure_indexes()
        services.spawn(services.seats.keep_alive(), "call-seats")
        stack.push_async_callback(services.cancel_background)
        services.spawn(LedgerRecovery(inventory.ledger, inventory.store).run(), "ledger-recovery")
        services.spawn(LoopWatch(services.metrics.registry).run(), "loop-watch")
        if parts.forecasting:
            await _build_forecasting(services, stack)
        if parts.workflows:
            await _build_workflows(services, stack)
        await _build_dialogue(services, stack)
        if parts.mcp_http:
            await _build_mcp(services, stack)
        if parts.speech:
            engines = await build_speech(settings, inventory, stack)
            services.recognizer, services.synthesizer = engines.recognizer, engines.synthesizer
            services.fallback_recognizer = engines.fallback_recognizer
            services.fallback_synthesizer = engines.fallback_synthesizer
            for name, coro in engines.background.items():
                services.spawn(coro, name)
        yield services


async def open_accounts(settings: Settings, inventory: InventoryService) -> Accounts:
    """People's accounts over the store, the token key, and the first-run admin."""
    people = PeopleBook(inventory.store)
    admin = settings.admin_password.get_secret_value() if settings.admin_password else None
    await ensure_admin(people, settings.var_dir, admin)
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
    throttle = MongoFailureWindow(inventory.store)  # failed sign-ins per address, across every instance
    await throttle.ensure_indexes()
    return Accounts(people, AccessTokens(signing_key(secret, settings.var_dir)), throttle)


async def _build_forecasting(services: Services, stack: contextlib.AsyncExitStack) -> None:
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


async def _build_workflows(services: Services, stack: contextlib.AsyncExitStack) -> None:
    """Temporal (embedded unless an address is set), the worker and the schedules; needs the monitor."""
    s = services.settings
    if not s.workflows or services.monitor is None:
        return
    options = WorkflowOptions(
        db_path=(s.var_dir / "temporal.db").resolve(),
        address=s.temporal_address,
        namespace=s.temporal_namespace,
        api_key=s.temporal_api_key.get_secret_value() if s.temporal_api_key else None,
        tls=s.temporal_tls or s.temporal_api_key is not None,
        task_queue=s.temporal_task_queue,
        daily_cron=s.daily_forecast_cron,
        ui_port=s.temporal_ui_port,
        supplier_sync_hours=s.supplier_sync_hours,
        supplier_timeout_s=s.supplier_timeout_s,
        worker=s.workflow_worker,
    )
    try:
        workflows = await stack.enter_async_context(
            open_workflows(options, services.monitor, services.inventory, services.metrics.registry)
        )
    except (TemporalUnavailable, RuntimeError) as exc:
        # Questions, writes and calls do not need Temporal: serve them, and say why the schedules are off.
        log.error("workflows are off: %s", exc)
        return
    services.workflows = workflows
    services.inventory.watchers.append(workflows.stock_crossed)
    stack.callback(services.inventory.watchers.remove, workflows.stock_crossed)


async def _build_dialogue(services: Services, stack: contextlib.AsyncExitStack) -> None:
    s = services.settings
    forecasts = None
    if services.forecaster is not None:
        forecasts = EngineForecasts(
            services.forecaster, services.inventory, timeout_s=s.forecast_answer_timeout_s
        )
    sessions = MongoConversations(services.inventory.store, idle_expiry_s=s.conversation_idle_s)
    await sessions.ensure_indexes()
    services.spawn(_purge_every(sessions, 300.0), "conversations-purge")
    dialogue = build_dialogue(
        services.inventory,
        sessions=sessions,
        forecasts=forecasts,
        confirm_timeout_s=s.confirm_timeout_s,
        unusual_quantity_factor=s.unusual_quantity_factor,
        llm_api_key=s.llm_api_key.get_secret_value() if s.llm_api_key else None,
        llm_base_url=s.llm_base_url,
        llm_model=s.llm_model,
        llm_calls_per_session=s.llm_calls_per_session,
        llm_api_style=s.llm_api_style,
        llm_timeout_s=s.llm_timeout_s,
    )
    stack.push_async_callback(dialogue.aclose)
    dialogue.runner.events = services.business
    services.dialogue = dialogue
    services.conversations = dialogue
    if s.dialogue_engine == "nlx":
        factory = nlx_conversations(s)
        stack.push_async_callback(factory.aclose)
        services.conversations = factory


async def _purge_every(sessions: MongoConversations, every_s: float) -> None:
    """Idle conversations out of the store (MongoDB's TTL index does it too; the embedded stand-in needs this)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await sessions.purge()
        except StoreUnavailable as exc:
            log.warning("idle conversations not purged: %s", exc)


async def _build_mcp(services: Services, stack: contextlib.AsyncExitStack) -> None:
    """The MCP tools over streamable HTTP at ``/mcp``, with the API's bearer tokens."""
    if services.dialogue is None:
        return
    s = services.settings
    http = build_mcp_http(
        services.dialogue.tools, services.auth.api_actor, public_url=f"http://{s.host}:{s.port}/mcp"
    )
    if services.workflows is not None:
        add_workflow_tools(http.server, services.workflows)
    await stack.enter_async_context(http.lifespan())
    services.mcp = http

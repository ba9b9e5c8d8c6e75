"""An app around the shared demo inventory with one NLX webhook token, and small speech fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from dialogue.forecasts import EngineForecasts
from dialogue.service import DialogueService
from inventory_core.service import InventoryService
from nlx_webhooks.client import NlxConfig
from tests.conftest import API_TOKEN
from tests.fakes.nlx_server import FakeNlx, serve

NLX_TOKEN = "nlx-webhook-secret-1"
OTHER_NLX_TOKEN = "nlx-webhook-secret-2"
BEARER = {"Authorization": f"Bearer {NLX_TOKEN}"}


def nlx_settings(**extra: Any) -> Settings:
    return Settings(
        api_tokens=[SecretStr(API_TOKEN)],
        nlx_webhook_tokens=[SecretStr(NLX_TOKEN), SecretStr(OTHER_NLX_TOKEN)],
        **extra,
    )


def nlx_app(inventory: InventoryService, **services: Any) -> FastAPI:
    """The app over ``inventory``; a ``forecaster`` (an engine fake) answers through the dialogue's tools."""
    settings = nlx_settings()
    auth = Authenticator({API_TOKEN: "tester"}, {NLX_TOKEN: "nlx-1", OTHER_NLX_TOKEN: "nlx-2"})
    forecaster = services.get("forecaster")
    if forecaster is not None and "dialogue" not in services:
        services["dialogue"] = DialogueService(inventory, forecasts=EngineForecasts(forecaster, inventory))
    built = Services(settings=settings, inventory=inventory, auth=auth, **services)
    return create_app(services=built)


@pytest.fixture
async def nlx(inventory: InventoryService) -> AsyncIterator[httpx.AsyncClient]:
    """A client without credentials: each test sends the headers it means to test."""
    transport = httpx.ASGITransport(app=nlx_app(inventory))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@asynccontextmanager
async def nlx_loop(
    inventory: InventoryService, **fake_options: Any
) -> AsyncIterator[tuple[FakeNlx, NlxConfig]]:
    async with serve(nlx_app(inventory)) as ours:
        fake = FakeNlx(webhook_base=ours, webhook_token=NLX_TOKEN, **fake_options)
        async with fake.running() as nlx_base:
            config = NlxConfig(
                api_key=fake.api_key,
                deployment_key=fake.deployment_key,
                channel_key=fake.channel_key,
                host=nlx_base,
                poll_interval_s=0.02,
                max_polls=250,
            )
            yield fake, config

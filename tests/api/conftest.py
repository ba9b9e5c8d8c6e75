from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from inventory_core.service import InventoryService
from tests.conftest import API_TOKEN


@pytest.fixture
async def client(inventory: InventoryService) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(api_tokens=[SecretStr(API_TOKEN)], max_request_bytes=20_000)
    services = Services(settings=settings, inventory=inventory, auth=Authenticator({API_TOKEN: "tester"}))
    app = create_app(services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c

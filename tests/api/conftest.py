from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr

from app.accounts import AccessTokens, Accounts
from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from inventory_core.people import PeopleBook
from inventory_core.service import InventoryService
from tests.conftest import API_TOKEN

SECRET = "test-signing-key-" + "x" * 32


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


@pytest.fixture
async def accounts(inventory: InventoryService) -> Accounts:
    """People's accounts over the test store, with a fast password hash."""
    people = PeopleBook(inventory.store, PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    await people.ensure_indexes()
    return Accounts(people, AccessTokens(SECRET))

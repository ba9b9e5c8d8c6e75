"""People signing in through the REST API: passwords (Argon2id), short-lived JWTs with refresh and revocation,
roles (401 unauthenticated vs 403 denied), lockout and throttling, and the audit naming the person."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from app.accounts import AccessTokens, Accounts
from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from inventory_core.people import Person, Role
from inventory_core.ports import ProductFilter
from inventory_core.service import InventoryService
from tests.api.conftest import SECRET
from tests.conftest import API_TOKEN

pytestmark = pytest.mark.mongo

PASSWORD = "pallet-jack-42"


@pytest.fixture
async def api(inventory: InventoryService, accounts: Accounts) -> AsyncIterator[httpx.AsyncClient]:
    """An app with people's accounts; no credentials sent unless a test adds them."""
    settings = Settings(api_tokens=[SecretStr(API_TOKEN)])
    auth = Authenticator({API_TOKEN: "tester"}, tokens=accounts.tokens)
    services = Services(settings=settings, inventory=inventory, auth=auth, accounts=accounts)
    app = create_app(services=services)
    app.state.services = services
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def person(accounts: Accounts, role: Role, **extra: str) -> str:
    name = f"{role}-{uuid.uuid4().hex[:8]}"
    who = Person(username=name, display_name=name.title(), role=role, created_at=datetime.now(UTC), **extra)
    await accounts.people.create(who, PASSWORD)
    return name


async def sign_in(api: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    answer = await api.post("/api/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    body: dict[str, str] = answer.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_person_signs_in_and_the_token_says_who_they_are(
    api: httpx.AsyncClient, accounts: Accounts
) -> None:
    name = await person(accounts, "worker")
    tokens = await sign_in(api, name.upper())  # user names are case-insensitive
    assert tokens["token_type"] == "bearer" and int(tokens["expires_in"]) == 900
    status = await api.get("/api/auth/status", headers=bearer(tokens["access_token"]))
    assert status.status_code == 200
    assert status.json() | {"user": None} == {
        "signed_in": True, "name": name, "role": "worker", "kind": "user", "user": None
    }  # fmt: skip
    assert (await api.get("/api/inventory", headers=bearer(tokens["access_token"]))).status_code == 200


async def test_a_wrong_password_and_an_unknown_name_are_the_same_401(
    api: httpx.AsyncClient, accounts: Accounts
) -> None:
    name = await person(accounts, "worker")
    wrong = await api.post("/api/auth/login", json={"username": name, "password": "not-the-password"})
    unknown = await api.post("/api/auth/login", json={"username": "nobody-here", "password": PASSWORD})
    for answer in (wrong, unknown):
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
        assert answer.json() == {"code": "invalid_credentials", "message": "wrong user name or password"}


async def test_expired_forged_and_missing_tokens_are_401(api: httpx.AsyncClient, accounts: Accounts) -> None:
    name = await person(accounts, "supervisor")
    tokens = await sign_in(api, name)
    session_id = AccessTokens(SECRET).read(tokens["access_token"])
    assert session_id is not None and session_id.session_id is not None
    who = await accounts.people.get(name)
    expired = AccessTokens(SECRET).issue(
        who, session_id.session_id, now=datetime.now(UTC) - timedelta(minutes=16)
    )
    forged = AccessTokens("another-key-" + "y" * 32).issue(who, session_id.session_id)
    for token in (expired, forged, "not.a.jwt"):
        answer = await api.get("/api/inventory", headers=bearer(token))
        assert answer.status_code == 401 and answer.json()["code"] == "unauthenticated", token
    assert (await api.get("/api/inventory")).status_code == 401


async def test_logout_revokes_the_access_token_and_its_refresh_token(
    api: httpx.AsyncClient, accounts: Accounts
) -> None:
    name = await person(accounts, "worker")
    tokens = await sign_in(api, name)
    renewed = await api.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200
    reused = await api.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 401  # a refresh token works once: it is rotated
    twice = await api.post("/api/auth/refresh", json={"refresh_token": renewed.json()["refresh_token"]})
    assert twice.status_code == 200  # and the new one works, once
    fresh = twice.json()
    assert (await api.post("/api/auth/logout", headers=bearer(fresh["access_token"]))).status_code == 204
    assert (await api.get("/api/inventory", headers=bearer(fresh["access_token"]))).status_code == 401
    again = await api.post("/api/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert again.status_code == 401 and again.json()["code"] == "invalid_credentials"


async def test_roles_decide_what_a_person_may_do_403_not_401(
    api: httpx.AsyncClient, accounts: Accounts, inventory: InventoryService
) -> None:
    worker = bearer((await sign_in(api, await person(accounts, "worker")))["access_token"])
    supervisor = bearer((await sign_in(api, await person(accounts, "supervisor")))["access_token"])
    view = next(
        v
        for v in (await inventory.list_products(ProductFilter(limit=200))).items
        if v.stock and v.stock[0].on_hand > 5
    )
    site = view.stock[0].site
    denied = await api.patch("/api/orders/PO-NONE", json={"status": "cancelled"}, headers=worker)
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    assert denied.json()["details"] == {"needed": "supervisor"}
    assert (
        await api.patch("/api/orders/PO-NONE", json={"status": "cancelled"}, headers=supervisor)
    ).status_code == 404
    adjust = {"kind": "adjustment", "quantity": -1, "site": site, "reason": "damaged"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    assert (
        await api.post(f"/api/inventory/{view.sku}/movements", json=adjust, headers=worker | key)
    ).status_code == 403
    receipt = {"kind": "receipt", "quantity": 1, "site": site}
    done = await api.post(f"/api/inventory/{view.sku}/movements", json=receipt, headers=worker | key)
    assert done.status_code == 201
    moved = done.json()["movement"]
    assert moved["actor"].startswith("worker-") and moved["channel"] == "api"  # the audit names the person
    assert (await api.get("/api/users", headers=supervisor)).status_code == 403
    assert (
        await api.get("/api/users", headers=bearer(API_TOKEN))
    ).status_code == 403  # integrations: no people


async def test_admins_manage_people_and_a_disabled_account_is_signed_out(
    api: httpx.AsyncClient, accounts: Accounts
) -> None:
    admin = bearer((await sign_in(api, await person(accounts, "admin")))["access_token"])
    name = f"dana-{uuid.uuid4().hex[:6]}"
    body = {"username": name, "display_name": "Dana Ortiz", "role": "worker", "password": PASSWORD,
            "operator_id": str(uuid.uuid4().int % 10**7), "pin": "2580"}  # fmt: skip
    created = await api.post("/api/users", json=body, headers=admin)
    assert created.status_code == 201 and "password" not in created.text and "pin" not in created.json()
    assert (await api.post("/api/users", json=body, headers=admin)).status_code == 409
    dana = await sign_in(api, name)
    promoted = await api.patch(f"/api/users/{name}", json={"role": "supervisor"}, headers=admin)
    assert promoted.json()["role"] == "supervisor"
    assert (await api.patch(f"/api/users/{name}", json={"disabled": True}, headers=admin)).status_code == 200
    assert (await api.get("/api/inventory", headers=bearer(dana["access_token"]))).status_code == 401
    refused = await api.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert refused.status_code == 401
    assert await accounts.people.check_pin(body["operator_id"], "2580") is None  # disabled: no voice sign-in


async def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    api: httpx.AsyncClient, accounts: Accounts
) -> None:
    name = await person(accounts, "worker")
    for _ in range(5):
        answer = await api.post("/api/auth/login", json={"username": name, "password": "guess-guess-1"})
        assert answer.status_code == 401
    locked = await api.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert locked.status_code == 429 and locked.json()["code"] == "account_locked"
    assert 0 < int(locked.headers["retry-after"]) <= 301


async def test_one_address_guessing_many_names_is_throttled(
    api: httpx.AsyncClient, accounts: Accounts
) -> None:
    accounts.throttle.limit = 10
    codes = []
    for i in range(12):
        answer = await api.post(
            "/api/auth/login", json={"username": f"ghost-{i}", "password": "guess-guess-1"}
        )
        codes.append(answer.status_code)
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    name = await person(accounts, "worker")
    blocked = await api.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert (
        blocked.status_code == 429 and blocked.json()["code"] == "too_many_attempts"
    )  # until the window passes

"""The live calls a supervisor sees: opened, what was heard and said, what is awaited, the person once signed in,
a PIN as dots, gone when the call ends; and ``GET /api/calls`` serving them to supervisors only."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from dialogue.live_calls import LiveCalls, WatchedFactory
from dialogue.sign_in import Operator, SigningInFactory
from inventory_core.service import InventoryService
from tests.conftest import API_TOKEN
from tests.fakes.conversation import FakeConversationFactory


async def dana(operator_id: str, pin: str) -> Operator | None:
    return Operator("dana", "Dana Ortiz") if (operator_id, pin) == ("4417", "2580") else None


async def test_a_call_is_seen_as_it_goes_with_the_pin_hidden() -> None:
    calls = LiveCalls(clock=lambda: 1000.0)
    factory = WatchedFactory(SigningInFactory(FakeConversationFactory(), dana, lambda a: False), calls)
    conv = factory.open("CA1", "phone", "dev", "main")
    await conv.greet()
    (call,) = calls.now()
    assert (call.channel, call.actor, call.site, call.said, call.awaiting) == (
        "phone", "dev", "main", "Operator number?", "digits"
    )  # fmt: skip
    await conv.user_text("4417", "dtmf")
    assert calls.now()[0].heard == "4417" and calls.now()[0].said == "PIN?"
    await conv.user_text("2580", "dtmf")
    call = calls.now()[0]
    assert call.heard == "••••" and call.actor == "dana" and call.turns == 2
    await conv.close()
    assert calls.now() == []


@pytest.mark.mongo
async def test_supervisors_and_integrations_see_the_calls(inventory: InventoryService) -> None:
    services = Services(
        settings=Settings(api_tokens=[SecretStr(API_TOKEN)]),
        inventory=inventory,
        auth=Authenticator({API_TOKEN: "tester"}),
    )
    services.live_calls.opened("CA9", "voice", "tester", None)
    app = create_app(services=services)
    app.state.services = services
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/api/calls")).status_code == 401
        listed = await c.get("/api/calls", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert listed.status_code == 200 and [x["session_id"] for x in listed.json()] == ["CA9"]

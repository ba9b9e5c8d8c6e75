"""The supervisor console end to end in headless Chromium, against the real app on a real socket (one server and
one browser for the module): sign-in from the URL fragment, stock search, a live alert from a pick made in another
session, approve → exactly one order (double click, dropped answer and retry), receiving, the forecast chart, and
the login form. Screenshots go to docs/screenshots/console-*.png for docs/console.md."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import pytest_asyncio
import uvicorn
from argon2 import PasswordHasher
from pydantic import SecretStr

from app.accounts import AccessTokens, Accounts
from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from dialogue.live_calls import WatchedFactory
from dialogue.service import DialogueService
from forecasting.ports import DemandMatrix
from forecasting.service import ForecastService
from forecasting.warehouse.mongo_source import MongoLedgerSource
from inventory_core.demo import DemoDataset, demo_dataset
from inventory_core.demo_loader import load_demo
from inventory_core.people import PeopleBook, Person
from inventory_core.service import InventoryService
from inventory_core.store import MongoStore
from tests.conftest import API_TOKEN
from tests.fakes.clock import eventually
from tests.fakes.gateway import fake_gateway
from voice_gateway.client import VoiceClient

pytestmark = [pytest.mark.browser, pytest.mark.mongo]

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("needs Debian chromium", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.async_api")

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PASSWORD = "forklift-license-9"


class StoreHistory:
    """Demand history straight from the store's daily sales (what the warehouse sync loads), so that this module
    needs no warehouse: the forecasts and recommendations are the engine's, on the same data."""

    def __init__(self, source: MongoLedgerSource) -> None:
        self._source = source

    async def demand(self, first_day: date, last_day: date) -> DemandMatrix:
        days = (last_day - first_day).days + 1
        series = sorted(await self._source.sales_histories(), key=lambda s: (s.sku, s.site))
        values = np.zeros((len(series), days), np.float32)
        start = np.full(len(series), days)
        for i, s in enumerate(series):
            offset = (s.start - first_day).days
            lo, hi = max(offset, 0), min(offset + len(s.qty), days)
            if lo < hi:
                values[i, lo:hi] = s.qty[lo - offset : hi - offset]
                start[i] = lo
        keys = [(s.sku, s.site) for s in series]
        return DemandMatrix(keys=keys, first_day=first_day, values=values, start=start)


def quarter_of_the_demo() -> DemoDataset:
    """Every fourth product of the demo warehouse, with its stock, offers and sales: every panel has something
    to show, and it loads and forecasts in a fraction of the time."""
    full = demo_dataset(seed=7)
    products = full.products[::4]
    skus = {p.sku for p in products}
    return DemoDataset(
        products=products,
        stock=[s for s in full.stock if s.sku in skus],
        suppliers=full.suppliers,
        offers=[o for o in full.offers if o.sku in skus],
        sales=[s for s in full.sales if s.sku in skus],
    )


@pytest_asyncio.fixture(scope="module")
async def base(mongo_uri: str) -> AsyncIterator[str]:
    store = MongoStore(mongo_uri, f"ip_console_ui_{uuid.uuid4().hex[:8]}")
    await store.ensure_indexes()
    await load_demo(store, progress=False, dataset=quarter_of_the_demo())
    source = MongoLedgerSource(store)
    forecaster = ForecastService(StoreHistory(source), source)
    await forecaster.ensure_run()
    inventory = InventoryService(store)
    people = PeopleBook(store, PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    await people.ensure_indexes()
    accounts = Accounts(people, AccessTokens("console-test-key-" + "k" * 32))
    await people.create(
        Person(username="sam", display_name="Sam Okafor", role="supervisor", created_at=datetime.now(UTC)),
        PASSWORD,
    )
    await people.create(
        Person(username="wes", display_name="Wes Lind", role="worker", created_at=datetime.now(UTC)), PASSWORD
    )
    dialogue = DialogueService(inventory)
    services = Services(
        settings=Settings(api_tokens=[SecretStr(API_TOKEN)]),
        inventory=inventory,
        auth=Authenticator({API_TOKEN: "tester"}, tokens=accounts.tokens),
        accounts=accounts,
        forecaster=forecaster,
        dialogue=dialogue,
        conversations=dialogue,
    )
    app = create_app(services=services)
    # Calls on /ws/voice run the real dialogue (typed turns: no speech engines needed), watched for the console.
    app.state.gateway = fake_gateway(
        conversations=WatchedFactory(dialogue, services.live_calls), tokens={API_TOKEN: "tester"}
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    await task
    await store.close()


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as pw:
        launched = await pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"],
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    # bypass_csp: the page's policy forbids eval, which Playwright's wait_for_function strings use.
    context = await browser.new_context(viewport={"width": 1440, "height": 1000}, bypass_csp=True)
    pg = await context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    await context.close()
    assert not errors, errors


@pytest_asyncio.fixture
async def api(base: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=10) as client:
        yield client


async def open_console(page: Any, base: str) -> None:
    await page.goto(
        f"{base}/console#token={API_TOKEN}", wait_until="commit"
    )  # the waits below say when it is ready
    await page.wait_for_selector("#stock tbody tr")
    await page.wait_for_function("window.consoleState.feed === 'live' && window.consoleState.low !== null")


async def shot(page: Any, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"console-{name}.png"), full_page=full_page)


async def test_signs_in_from_the_fragment_and_searches_the_stock(
    page: Any, base: str, api: httpx.AsyncClient
) -> None:
    await open_console(page, base)
    assert await page.evaluate("location.hash") == ""  # the token left the address bar
    assert await page.evaluate("sessionStorage.length") == 1

    listed = (await api.get("/api/inventory", params={"limit": 100})).json()
    shown = await page.eval_on_selector_all("#stock tbody tr", "rows => rows.map(r => r.dataset.sku)")
    assert shown == [p["sku"] for p in listed["items"]]
    low_rows = await page.eval_on_selector_all("#stock tbody tr.low", "rows => rows.map(r => r.dataset.sku)")
    assert low_rows == [p["sku"] for p in listed["items"] if p["low_stock"]] and low_rows
    low = len((await api.get("/api/inventory/low-stock")).json())
    assert await page.inner_text("#low-badge") == f"{low} low"
    await shot(page, "overview", full_page=True)

    wanted = listed["items"][3]
    await page.fill("#search", wanted["name"])
    await page.wait_for_function(
        "n => [...document.querySelectorAll('#stock tbody tr')].every(r => r.innerText.includes(n))",
        arg=wanted["name"],
    )
    found = (await api.get("/api/inventory", params={"q": wanted["name"], "limit": 100})).json()
    rows = await page.eval_on_selector_all("#stock tbody tr", "rows => rows.map(r => r.dataset.sku)")
    assert rows == [p["sku"] for p in found["items"]] and wanted["sku"] in rows
    await page.fill("#search", wanted["sku"].lower().replace("-", ""))  # SKUs match however they are typed
    await page.wait_for_function(
        "sku => [...document.querySelectorAll('#stock tbody tr')].map(r => r.dataset.sku).join() === sku",
        arg=wanted["sku"],
    )
    per_site = await page.inner_text(f"#stock tbody tr[data-sku='{wanted['sku']}']")
    for level in wanted["stock"]:
        assert f"{level['on_hand']:,} ({level['effective_min']:,})" in per_site


async def test_a_pick_made_on_a_call_shows_as_a_live_alert_and_the_call_is_seen(
    page: Any, base: str, api: httpx.AsyncClient
) -> None:
    await open_console(page, base)
    await page.evaluate("window.notReloaded = true")
    listed = (await api.get("/api/inventory", params={"low_stock": "false", "limit": 200})).json()
    item = next(
        p for p in listed["items"]
        if len(p["stock"]) == 1 and 0 < p["stock"][0]["effective_min"] < p["stock"][0]["on_hand"] < 90
    )  # fmt: skip
    level = item["stock"][0]
    quantity = level["on_hand"] - level["effective_min"] + 1
    call = await VoiceClient.connect(base.replace("http://", "ws://") + "/ws/voice")
    await call.send(
        {"type": "start", "sample_rate": 16000, "encoding": "pcm_s16le", "channels": 1, "token": API_TOKEN}
    )
    await call.until("ready")
    await call.send({"type": "text", "text": f"picked {quantity} {item['name']} at {level['site']}"})
    read_back = await call.until("reply")
    assert read_back["awaiting"]["expect"] == "yes_no", read_back["text"]
    await page.locator("#calls tbody tr").first.wait_for(timeout=8000)
    row = await page.inner_text("#calls tbody tr")
    assert "tester" in row and "voice" in row and "yes or no" in row, row
    await call.send({"type": "text", "text": "yes"})
    done = await call.until("reply")
    assert done["text"].startswith("Done."), done["text"]
    alert = page.locator(f"#feed li.alert[data-sku='{item['sku']}']")
    await alert.wait_for(timeout=8000)
    assert "below its minimum" in await alert.inner_text()
    assert await page.evaluate("window.notReloaded") is True
    low = len((await api.get("/api/inventory/low-stock")).json())
    await page.wait_for_function("n => window.consoleState.low === n", arg=low)
    await page.locator(f"#stock tbody tr.low[data-sku='{item['sku']}']").wait_for(timeout=5000)
    await shot(page, "live-alert", full_page=True)
    await call.close()


async def test_approving_a_recommendation_places_exactly_one_order(
    page: Any, base: str, api: httpx.AsyncClient
) -> None:
    await open_console(page, base)
    await page.wait_for_selector("#recs tbody tr")
    rows = page.locator("#recs tbody tr")

    async def approve() -> tuple[str, str, int]:
        """Approve the first recommendation for an item with no order yet."""
        for index in range(await rows.count()):
            row = rows.nth(index)
            sku, site = await row.get_attribute("data-sku"), await row.get_attribute("data-site")
            assert sku and site
            if (await api.get("/api/orders", params={"sku": sku})).json() == []:
                break
        else:
            raise AssertionError("every recommended item has an order already")
        await row.locator("button.approve").click()
        await page.wait_for_selector("#confirm[open]")
        facts = await page.inner_text("#confirm-facts")
        assert sku in facts and "Supplier" in facts and "Total" in facts
        label = await page.inner_text("#confirm-ok")
        match = re.fullmatch(r"Confirm order of ([\d,]+)", label)
        assert match, label
        return sku, site, int(match.group(1).replace(",", ""))

    sku, site, quantity = await approve()
    await shot(page, "approve")
    await page.dblclick("#confirm-ok")
    await page.wait_for_selector("#confirm", state="hidden")
    order_id = await page.get_attribute("#order-result", "data-order-id")
    orders = (await api.get("/api/orders", params={"sku": sku})).json()
    assert [(o["order_id"], o["quantity"], o["site"]) for o in orders] == [(order_id, quantity, site)]
    await page.locator(f"#orders tbody tr[data-order-id='{order_id}']").wait_for()

    # The order is written but its answer is lost: the retry (same approval, same key) finds it, not a second one.
    async def drop_answer(route: Any) -> None:
        await route.fetch()
        await route.abort("connectionreset")

    await page.route("**/api/orders", drop_answer, times=1)
    sku2, _, quantity2 = await approve()
    await page.click("#confirm-ok")
    await page.wait_for_selector("#confirm-ok:has-text('Try again')")
    assert len((await api.get("/api/orders", params={"sku": sku2})).json()) == 1
    await page.click("#confirm-ok")
    await page.wait_for_selector("#confirm", state="hidden")
    orders2 = (await api.get("/api/orders", params={"sku": sku2})).json()
    assert [o["quantity"] for o in orders2] == [quantity2]
    assert await page.get_attribute("#order-result", "data-order-id") == orders2[0]["order_id"]


async def test_receiving_an_order_and_its_forecast_chart(
    page: Any, base: str, api: httpx.AsyncClient
) -> None:
    listed = (await api.get("/api/inventory", params={"limit": 50, "offset": 40})).json()
    item = next(p for p in listed["items"] if p["preferred_supplier_id"])
    level = item["stock"][0]
    key = {"Idempotency-Key": f"console-ui-{uuid.uuid4().hex}"}
    body = {"sku": item["sku"], "quantity": 500, "site": level["site"]}
    shipped = (await api.post("/api/orders", json=body, headers=key)).json()
    for status in ("confirmed", "shipped"):
        assert (
            await api.patch(f"/api/orders/{shipped['order_id']}", json={"status": status})
        ).status_code == 200
    pending = (
        await api.post(
            "/api/orders", json=body | {"quantity": 300}, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
    ).json()

    await open_console(page, base)
    await page.fill("#search", item["sku"])
    await page.click(f"#stock tbody tr[data-sku='{item['sku']}']")
    await page.wait_for_selector(f"#chart[data-sku='{item['sku']}'] .uplot canvas")
    note = await page.inner_text("#chart-note")
    assert shipped["order_id"] in note and pending["order_id"] in note
    legend = await page.inner_text("#chart .u-legend")
    assert "stock with open orders" in legend and "reorder point" in legend
    await shot(page, "forecast", full_page=True)

    row = page.locator(f"#orders tbody tr[data-order-id='{shipped['order_id']}']")
    await row.locator("button.advance").click()
    await page.wait_for_selector("#confirm[open]")
    assert await page.inner_text("#confirm-ok") == "Confirm receipt of 500"
    await page.dblclick("#confirm-ok")
    await row.wait_for(state="detached")
    assert (await api.get(f"/api/orders/{shipped['order_id']}")).json()["status"] == "received"
    after = (await api.get(f"/api/inventory/{item['sku']}")).json()
    assert next(s for s in after["stock"] if s["site"] == level["site"])["on_hand"] == level["on_hand"] + 500


async def test_sign_in_form_shows_what_went_wrong_and_a_refused_token_asks_again(
    page: Any, base: str
) -> None:
    await page.goto(f"{base}/console")
    await page.wait_for_selector("#login:not([hidden])")
    assert await page.is_hidden("#app")
    await page.fill("#login-form [name=username]", "nobody")
    await page.fill("#login-form [name=password]", "not-the-password")
    await page.click("#login-form button[type=submit]")
    await page.wait_for_function(
        "document.querySelector('#login-error').textContent.startsWith('Could not sign in')"
    )
    assert await page.evaluate("sessionStorage.length") == 0
    await shot(page, "sign-in")

    await page.goto(f"{base}/console#token=not-a-token")
    await page.wait_for_function(
        "document.querySelector('#login-reason').textContent.includes('sign-in has ended')"
    )
    assert await page.is_visible("#login") and await page.evaluate("sessionStorage.length") == 0


async def test_a_person_signs_in_with_the_form_and_their_role_shapes_the_console(
    page: Any, base: str
) -> None:
    for who, name, calls_note in (
        ("wes", "Wes Lind", "Live calls are for supervisors."),
        ("sam", "Sam Okafor", ""),
    ):
        await page.goto(f"{base}/console")
        await page.wait_for_selector("#login:not([hidden])")
        await page.fill("#login-form [name=username]", who)
        await page.fill("#login-form [name=password]", PASSWORD)
        await page.click("#login-form button[type=submit]")
        await page.wait_for_selector("#stock tbody tr")
        await page.wait_for_function("n => document.querySelector('#who').textContent.includes(n)", arg=name)
        await page.wait_for_function(
            "t => document.querySelector('#calls-note').textContent === t || (t === '' && "
            "document.querySelector('#calls-note').textContent === 'No calls right now.')",
            arg=calls_note,
        )
        await page.click("#sign-out")
        await page.wait_for_selector("#login:not([hidden])")

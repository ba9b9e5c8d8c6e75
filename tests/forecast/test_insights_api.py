"""The insight routes over HTTP (ASGI transport) with the real store and forecasting stack."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from pydantic import SecretStr

from app.auth import Authenticator
from app.main import create_app
from app.services import Services
from app.settings import Settings
from forecasting.families import MODEL_NAMES
from forecasting.monitor import ForecastingOptions, open_forecasting
from forecasting.service import ForecastOptions
from forecasting.warehouse.connection import WarehouseConfig
from inventory_core.service import InventoryService

pytestmark = pytest.mark.mongo

TOKEN = "insights-token"
WAREHOUSE = WarehouseConfig(account="in-process", user="test", password="x", bulk="write_pandas")


@pytest.fixture
async def client(
    loaded_inventory: InventoryService, fakesnow_patched: None
) -> AsyncIterator[httpx.AsyncClient]:
    options = ForecastingOptions(warehouse=WAREHOUSE, forecast=ForecastOptions())
    async with open_forecasting(loaded_inventory, options) as stack:
        await stack.monitor.run_cycle()
        settings = Settings(api_tokens=[SecretStr(TOKEN)])
        services = Services(
            settings=settings, inventory=loaded_inventory, auth=Authenticator({TOKEN: "tester"})
        )
        services.forecaster = stack.forecaster
        services.monitor = stack.monitor
        app = create_app(services=services)
        app.state.services = services
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as c:
            yield c


async def _a_sku(client: httpx.AsyncClient) -> str:
    recs = (await client.get("/api/insights/recommendation")).json()
    return str(recs[0]["sku"])


async def test_forecast_series_with_intervals(client: httpx.AsyncClient) -> None:
    sku = await _a_sku(client)
    r = await client.get(f"/api/insights/forecast/{sku}", params={"days": 21})
    assert r.status_code == 200
    body = r.json()
    assert body["sku"] == sku and body["site"] is None and len(body["series"]) == 21
    first = body["series"][0]
    assert first["lo"] <= first["mean"] <= first["hi"]
    days = [date.fromisoformat(p["date"]) for p in body["series"]]
    assert all((b - a).days == 1 for a, b in itertools.pairwise(days))
    assert body["horizon"]["mean"] == pytest.approx(sum(p["mean"] for p in body["series"]))
    assert body["next_month"]["label"].count("-") == 1 and body["interval_level"] == 0.95
    assert body["model"].split("+")[0] in MODEL_NAMES  # one model, or SES averaged with Holt-Winters


async def test_recommendations_all_and_for_one_item(client: httpx.AsyncClient) -> None:
    recs = (await client.get("/api/insights/recommendation")).json()
    assert recs and all(r["recommended_quantity"] > 0 and r["rationale"] for r in recs)
    one = (await client.get("/api/insights/recommendation", params={"sku": recs[0]["sku"]})).json()
    assert {r["sku"] for r in one} == {recs[0]["sku"]}


async def test_chart_is_svg(client: httpx.AsyncClient) -> None:
    sku = await _a_sku(client)
    r = await client.get(f"/api/insights/forecast/{sku}/chart.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(r.text)
    assert root.tag.endswith("svg")


async def test_insight_list_and_errors(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/insights", params={"limit": 200})).json()
    assert listed and {"low_stock"} <= {i["kind"] for i in listed}
    missing = await client.get("/api/insights/forecast/NOPE-0000")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    bad = await client.get("/api/insights/forecast/X", params={"days": 0})
    assert bad.status_code == 422
    anonymous = await client.get("/api/insights/recommendation", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_without_forecasting_the_routes_say_so(loaded_inventory: InventoryService) -> None:
    settings = Settings(api_tokens=[SecretStr(TOKEN)])
    services = Services(settings=settings, inventory=loaded_inventory, auth=Authenticator({TOKEN: "tester"}))
    app = create_app(services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", headers={"Authorization": f"Bearer {TOKEN}"}
    ) as c:
        r = await c.get("/api/insights/recommendation")
    assert r.status_code == 503 and r.json()["code"] == "forecasting_unavailable"

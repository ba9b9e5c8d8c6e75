"""The analytic NLX data requests through the HTTP app: stock-out risk, forecast totals, sales history, inventory
value and the reorder list. Figures are checked against the tools behind the app (``app.state.nlx.tools``) and
the store, words against the dialogue's own wording, and paging against the whole list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from dialogue.analytics import all_views
from dialogue.policy import analytics as AN
from dialogue.tools import InventoryTools
from inventory_core.service import InventoryService
from nlx_webhooks.analytic_requests import NO_MORE
from nlx_webhooks.analytic_schemas import DEFAULT_PAGE_SIZE
from tests.conftest import API_TOKEN
from tests.nlx.conftest import BEARER, nlx_app

pytestmark = pytest.mark.nlx

PATHS = [
    "/api/nlx/inventory/stockout-risk",
    "/api/nlx/forecast/total",
    "/api/nlx/sales/history",
    "/api/nlx/inventory/value",
    "/api/nlx/reorder/list",
]
RISK, TOTAL, SALES, VALUE, REORDER = PATHS
ROUNDING = 0.005
"""Each value line is rounded to the cent, so a sum of lines is within half a cent a line of the exact sum."""


@pytest.fixture(scope="module")
async def served(inventory: InventoryService) -> AsyncIterator[tuple[httpx.AsyncClient, InventoryTools]]:
    """One app for the module (every test here only reads), and the tools it answers with."""
    app = nlx_app(inventory)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client, app.state.nlx.tools


@pytest.fixture
def nlx(served: tuple[httpx.AsyncClient, InventoryTools]) -> httpx.AsyncClient:
    return served[0]


@pytest.fixture
def tools(served: tuple[httpx.AsyncClient, InventoryTools]) -> InventoryTools:
    return served[1]


async def ask(client: httpx.AsyncClient, path: str, body: Any) -> dict[str, Any]:
    r = await client.post(path, json=body, headers=BEARER)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def every_page(client: httpx.AsyncClient, path: str, body: dict[str, Any], rows: str) -> list[Any]:
    """The rows of every page, following next_page."""
    out: list[Any] = []
    page: int | None = 1
    while page is not None:
        data = await ask(client, path, {**body, "page": page})
        assert data["page"] == page
        out += data[rows]
        page = data["next_page"]
        assert len(out) <= data["count"]
    return out


# ---- stock-out risk ---------------------------------------------------------------------------------------


async def test_stockout_risk_ranks_as_the_tool_and_speaks_as_the_dialogue(
    nlx: httpx.AsyncClient, tools: InventoryTools
) -> None:
    risk = await tools.stockout_risk(14)
    assert len(risk.items) > DEFAULT_PAGE_SIZE, "the demo warehouse should have a list worth paging"
    data = await ask(nlx, RISK, {"days": 14})
    assert data["text"] == AN.stockout_said(risk, DEFAULT_PAGE_SIZE)[0]
    assert data["count"] == len(risk.items) and data["next_page"] == 2
    assert [i["sku"] for i in data["items"]] == [r.product_id for r in risk.items[:DEFAULT_PAGE_SIZE]]
    first = data["items"][0]
    assert (first["on_hand"], first["days_of_cover"]) == (risk.items[0].on_hand, risk.items[0].days_of_cover)
    ranked = await every_page(nlx, RISK, {"days": 14}, "items")
    assert [i["sku"] for i in ranked] == [r.product_id for r in risk.items]


async def test_the_others_are_the_remainder_then_no_more(
    nlx: httpx.AsyncClient, tools: InventoryTools
) -> None:
    risk = await tools.stockout_risk(14)
    rest = AN.stockout_said(risk, 2)[1]
    second = await ask(nlx, RISK, {"days": 14, "pageSize": 2, "page": 2})
    assert [i["sku"] for i in second["items"]] == [r.product_id for r in risk.items[2:4]]
    assert second["text"].startswith(rest[0][0].upper() + rest[0][1:])  # the dialogue's "more"
    past = await ask(nlx, RISK, {"days": 14, "pageSize": 2, "page": len(risk.items)})
    assert past["items"] == [] and past["next_page"] is None and past["text"] == NO_MORE


async def test_nothing_at_risk_and_an_unknown_category_are_spoken_answers(
    nlx: httpx.AsyncClient, tools: InventoryTools
) -> None:
    known = await categories(tools)
    at_risk = {r.category for r in (await tools.stockout_risk(1)).items}
    calm = sorted(known - at_risk)
    assert calm, "expected a category with nothing running out tomorrow"
    none = await ask(nlx, RISK, {"days": 1, "category": calm[0]})
    assert none["found"] is True and none["count"] == 0 and none["items"] == []
    assert none["text"] == "Nothing should run out in the next day, going by the forecast."
    unknown = await ask(nlx, RISK, {"days": 7, "category": "moon rocks"})
    assert unknown["found"] is False and unknown["items"] == [] and unknown["count"] == 0
    assert "moon rocks" in unknown["text"] and unknown["categories"] == sorted(known)


async def categories(tools: InventoryTools) -> set[str]:
    return {p.category for p in (await tools.catalogue.snapshot()).products}


# ---- forecast total ---------------------------------------------------------------------------------------


async def test_forecast_total_for_a_category_matches_the_tool(
    nlx: httpx.AsyncClient, tools: InventoryTools
) -> None:
    category = sorted(await categories(tools))[0]
    total = await tools.forecast_total(30, category, limit=None)
    data = await ask(nlx, TOTAL, {"horizonDays": 30, "category": category})
    assert data["found"] is True and data["category"] == category
    assert data["total_units"] == total.total_demand and data["item_count"] == total.item_count
    assert data["total_value"] == total.total_value
    assert data["text"] == AN.forecast_total_said(total, category, DEFAULT_PAGE_SIZE)[0]
    offered = await every_page(nlx, TOTAL, {"category": category}, "items")
    assert [i["sku"] for i in offered] == [i.product_id for i in total.items[: AN.MAX_LINES]]
    assert {i["category"] for i in offered} == {category}
    unknown = await ask(nlx, TOTAL, {"category": "moon rocks"})
    assert unknown["found"] is False and unknown["total_units"] is None and unknown["items"] == []
    assert "moon rocks" in unknown["text"]


# ---- sales history ----------------------------------------------------------------------------------------


async def test_sales_history_by_month_and_by_days(nlx: httpx.AsyncClient, tools: InventoryTools) -> None:
    view = (await tools.resolve_item("paper cups")).view
    assert view is not None
    months = await tools.sales_history(view.sku, months=12)
    data = await ask(nlx, SALES, {"item": "paper cups", "months": 12})
    assert data["found"] is True and data["sku"] == view.sku
    assert data["total_units"] == months.total_units and data["count"] == 12
    assert data["text"] == AN.sales_said(months, 12, DEFAULT_PAGE_SIZE)[0]
    periods = await every_page(nlx, SALES, {"sku": view.sku, "months": 12}, "periods")
    assert [(p["label"], p["units"]) for p in periods] == [(p.label, p.units) for p in months.periods]
    days = await tools.sales_history(view.sku, months=None, days=14)
    data = await ask(nlx, SALES, {"item": "paper cups", "days": 14})
    assert data["total_units"] == days.total_units and data["next_page"] is None
    assert data["text"] == AN.sales_said(days, None, DEFAULT_PAGE_SIZE)[0]


async def test_an_unknown_item_is_not_known_and_has_no_figure(nlx: httpx.AsyncClient) -> None:
    data = await ask(nlx, SALES, {"item": "flux capacitor"})
    assert data["found"] is False and data["miss"]["reason"] == "not_found"
    assert data["total_units"] is None and data["periods"] == []
    assert "flux capacitor" in data["text"] and not any(ch.isdigit() for ch in data["text"])
    value = await ask(nlx, VALUE, {"item": "flux capacitor"})
    assert value["found"] is False and value["total_value"] is None and "flux capacitor" in value["text"]


# ---- inventory value --------------------------------------------------------------------------------------


async def test_inventory_value_is_on_hand_times_unit_cost(
    nlx: httpx.AsyncClient, inventory: InventoryService
) -> None:
    views = await all_views(inventory)
    expected = sum(max(0, s.on_hand) * v.product.unit_cost for v in views for s in v.stock)
    data = await ask(nlx, VALUE, {})
    assert data["total_value"] == pytest.approx(expected, abs=ROUNDING * data["count"])
    assert data["units"] == sum(max(0, s.on_hand) for v in views for s in v.stock)
    assert data["text"].startswith("Our stock is worth about")
    rows = await every_page(nlx, VALUE, {"pageSize": 50}, "items")
    assert len(rows) == data["count"] == sum(len(v.stock) for v in views)
    assert sum(r["value"] for r in rows) == pytest.approx(data["total_value"], abs=0.01)
    site = data["sites"][0]["site"]
    at_site = await ask(nlx, VALUE, {"warehouse": site})
    here = [(s.on_hand, v.product.unit_cost) for v in views for s in v.stock if s.site == site]
    assert at_site["site"] == site and at_site["count"] == len(here)
    assert at_site["total_value"] == pytest.approx(
        sum(max(0, q) * cost for q, cost in here), abs=ROUNDING * len(here)
    )
    assert at_site["total_value"] == pytest.approx(data["sites"][0]["value"], abs=0.01)


async def test_inventory_value_of_a_category_here_and_nowhere(
    nlx: httpx.AsyncClient, inventory: InventoryService, tools: InventoryTools
) -> None:
    category = sorted(await categories(tools))[0]
    here = [
        (s.on_hand, v.product.unit_cost)
        for v in await all_views(inventory)
        if v.product.category == category
        for s in v.stock
    ]
    data = await ask(nlx, VALUE, {"category": category})
    assert data["found"] is True and data["category"] == category and data["count"] == len(here)
    assert data["total_value"] == pytest.approx(
        sum(max(0, q) * cost for q, cost in here), abs=ROUNDING * len(here)
    )
    assert data["text"].startswith(f"{category.capitalize()} stock is worth about")
    nowhere = await ask(nlx, VALUE, {"category": category, "site": "nowhere"})
    assert nowhere["found"] is True and nowhere["total_value"] == 0 and nowhere["items"] == []
    assert "zero dollars" in nowhere["text"]


async def test_inventory_value_of_one_item(nlx: httpx.AsyncClient, inventory: InventoryService) -> None:
    view = await inventory.lookup("coffee filters")
    data = await ask(nlx, VALUE, {"item": "coffee filters"})
    assert data["sku"] == view.sku and {i["sku"] for i in data["items"]} == {view.sku}
    expected = sum(max(0, s.on_hand) for s in view.stock) * view.product.unit_cost
    assert data["total_value"] == pytest.approx(expected, abs=ROUNDING * len(view.stock))
    assert "coffee filters" in data["text"]


# ---- reorder list -----------------------------------------------------------------------------------------


async def test_reorder_list_is_the_due_advice_paged(nlx: httpx.AsyncClient, tools: InventoryTools) -> None:
    due = [a for a in (await tools.recommend_restock(None)).items if a.recommended_order_quantity > 0]
    data = await ask(nlx, REORDER, {})
    assert data["count"] == len(due) > 0
    assert data["text"].split(":")[0].endswith("ordering")
    items = await every_page(nlx, REORDER, {}, "items")
    assert [(i["sku"], i["site"], i["recommended_quantity"]) for i in items] == [
        (a.product_id, a.site, a.recommended_order_quantity) for a in due
    ]
    nowhere = await ask(nlx, REORDER, {"site": "nowhere"})
    assert nowhere["count"] == 0 and nowhere["text"] == "Nothing needs ordering right now."


# ---- the edge: auth, envelope, validation ------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
async def test_auth_is_the_other_routes(nlx: httpx.AsyncClient, path: str) -> None:
    refused = await nlx.post(
        path, json={"item": "paper cups"}, headers={"Authorization": f"Bearer {API_TOKEN}"}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    anonymous = await nlx.post(path, json={"item": "paper cups"})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (RISK, {"days": 0}),
        (TOTAL, {"days": "soon"}),
        (SALES, {"months": 3}),  # no item
        (VALUE, {"page": 0}),
        (REORDER, {"pageSize": 500}),
    ],
)
async def test_malformed_requests_get_the_standard_422(
    nlx: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    r = await nlx.post(path, json=body, headers=BEARER)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


async def test_junk_json_and_the_legacy_envelope(nlx: httpx.AsyncClient, tools: InventoryTools) -> None:
    junk = await nlx.post(RISK, content=b"{days: 7", headers=BEARER)
    assert junk.status_code == 400 and junk.json()["code"] == "invalid_json"
    body = {"variables": [{"variableId": "Risk", "payload": {"days": 14}}], "state": {}, "context": {}}
    r = await nlx.post(RISK, json=body, headers=BEARER)
    value = r.json()["resolvedVariables"][0]
    assert r.status_code == 200 and value["variableId"] == "Risk"
    assert value["value"]["count"] == len((await tools.stockout_risk(14)).items)
    bad = {"variables": [{"variableId": "Risk", "payload": {"days": 0}}]}
    r = await nlx.post(RISK, json=bad, headers=BEARER)
    assert r.status_code == 422 and r.json()["responseCode"] == 422

"""Every NLX data request: current shape, legacy envelope, missing field, unknown item, no/wrong credentials."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from inventory_core.service import InventoryService
from tests.conftest import API_TOKEN
from tests.nlx.conftest import BEARER, NLX_TOKEN, OTHER_NLX_TOKEN

pytestmark = pytest.mark.nlx

PATHS = [
    "/api/nlx/inventory/check",
    "/api/nlx/inventory/low-stock",
    "/api/nlx/reorder/recommendation",
    "/api/nlx/orders/propose",
    "/api/nlx/orders/confirm",
    "/api/nlx/orders/status",
    "/api/nlx/forecast",
    "/api/nlx/lifecycle",
]


def legacy(payload: dict[str, Any], variable: str = "Result", **extra: Any) -> dict[str, Any]:
    return {"variables": [{"variableId": variable, "payload": payload}], "state": {}, "context": {}, **extra}


def resolved(body: dict[str, Any], variable: str = "Result") -> dict[str, Any]:
    found = [v["value"] for v in body["resolvedVariables"] if v["variableId"] == variable]
    assert len(found) == 1, body
    value: dict[str, Any] = found[0]
    return value


async def post(client: httpx.AsyncClient, path: str, body: Any, **headers: str) -> httpx.Response:
    return await client.post(path, json=body, headers=headers or BEARER)


# ---- auth ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-the-token"},
        {"Authorization": f"Basic {NLX_TOKEN}"},
        {"x-api-key": NLX_TOKEN + "x"},
    ],
    ids=["none", "wrong-bearer", "wrong-scheme", "wrong-key"],
)
async def test_unauthenticated_calls_get_401(
    nlx: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    r = await nlx.post(path, json={"item": "coffee filters"}, headers=headers)
    assert r.status_code == 401
    assert r.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("path", PATHS[:1])
async def test_a_known_token_without_the_right_gets_403(nlx: httpx.AsyncClient, path: str) -> None:
    """The API token is known, but it is not an NLX token once NLX tokens are set."""
    r = await nlx.post(
        path, json={"item": "coffee filters"}, headers={"Authorization": f"Bearer {API_TOKEN}"}
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


@pytest.mark.parametrize(
    "headers",
    [{"x-api-key": NLX_TOKEN}, {"Authorization": f"Bearer {OTHER_NLX_TOKEN}"}],
    ids=["x-api-key", "second"],
)
async def test_x_api_key_and_every_configured_token_are_accepted(
    nlx: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    r = await nlx.post("/api/nlx/inventory/check", json={"item": "coffee filters"}, headers=headers)
    assert r.status_code == 200
    assert r.json()["found"] is True


# ---- check inventory ----------------------------------------------------------------------------------------


async def test_check_inventory_by_name_and_by_sku(
    nlx: httpx.AsyncClient, inventory: InventoryService
) -> None:
    view = await inventory.lookup("coffee filters")
    for body in ({"item": "coffee filters"}, {"sku": view.sku.lower()}, {"itemName": "Coffee Filters"}):
        r = await post(nlx, "/api/nlx/inventory/check", body)
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["found"] is True
        assert data["sku"] == view.sku
        assert data["on_hand"] == view.on_hand
        assert {s["site"]: s["on_hand"] for s in data["sites"]} == {s.site: s.on_hand for s in view.stock}
        assert "coffee filters" in data["text"]


async def test_check_inventory_at_one_site(nlx: httpx.AsyncClient, inventory: InventoryService) -> None:
    view = await inventory.lookup("sponges")
    east = view.at("east")
    assert east is not None
    data = (await post(nlx, "/api/nlx/inventory/check", {"item": "sponges", "site": "east"})).json()
    assert data["on_hand"] == east.on_hand
    assert data["low"] is east.is_low
    assert [s["site"] for s in data["sites"]] == ["east"]


async def test_check_inventory_resolves_a_misheard_name(nlx: httpx.AsyncClient) -> None:
    data = (await post(nlx, "/api/nlx/inventory/check", {"item": "cofee filter"})).json()
    assert data["found"] is True
    assert data["name"] == "coffee filters"


async def test_check_inventory_legacy_envelope(nlx: httpx.AsyncClient, inventory: InventoryService) -> None:
    view = await inventory.lookup("paper cups")
    r = await post(nlx, "/api/nlx/inventory/check", legacy({"item": "paper cups"}, "Stock"))
    assert r.status_code == 200
    value = resolved(r.json(), "Stock")
    assert value["sku"] == view.sku and value["on_hand"] == view.on_hand
    assert r.json()["unresolvedVariables"] == []


async def test_legacy_envelope_fills_fields_from_state_slots(nlx: httpx.AsyncClient) -> None:
    body = legacy({}, "Stock", state={"item": {"value": "napkins"}})
    value = resolved((await post(nlx, "/api/nlx/inventory/check", body)).json(), "Stock")
    assert value["name"] == "napkins"


async def test_check_inventory_missing_field(nlx: httpx.AsyncClient) -> None:
    r = await post(nlx, "/api/nlx/inventory/check", {"site": "main"})
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_request"
    r = await post(nlx, "/api/nlx/inventory/check", legacy({"site": "main"}))
    assert r.status_code == 422
    assert r.json()["responseCode"] == 422 and "item" in r.json()["errorMessage"]


async def test_check_inventory_unknown_item(nlx: httpx.AsyncClient) -> None:
    r = await post(nlx, "/api/nlx/inventory/check", {"item": "flux capacitor"})
    assert r.status_code == 200
    data = r.json()
    assert data["found"] is False and data["sku"] is None
    assert data["miss"]["reason"] == "not_found"
    assert "flux capacitor" in data["text"]


async def test_not_json_and_not_an_object_are_client_errors(nlx: httpx.AsyncClient) -> None:
    r = await nlx.post("/api/nlx/inventory/check", content=b"{nope", headers=BEARER)
    assert r.status_code == 400
    r = await post(nlx, "/api/nlx/inventory/check", ["coffee filters"])
    assert r.status_code == 422


# ---- low stock ------------------------------------------------------------------------------------------------


async def test_low_stock_lists_every_low_site(nlx: httpx.AsyncClient, inventory: InventoryService) -> None:
    expected = {(v.sku, s.site) for v in await inventory.low_stock() for s in v.stock if s.is_low}
    data = (await post(nlx, "/api/nlx/inventory/low-stock", {"limit": 3})).json()
    assert data["count"] == len(expected) > 0
    assert {(i["sku"], i["site"]) for i in data["items"]} == expected
    assert data["items"][0]["name"] in data["text"]
    legacy_value = resolved(
        (await post(nlx, "/api/nlx/inventory/low-stock", legacy({"site": "east"}))).json()
    )
    assert {(i["sku"], i["site"]) for i in legacy_value["items"]} == {x for x in expected if x[1] == "east"}


async def test_low_stock_bad_field_and_unknown_site(nlx: httpx.AsyncClient) -> None:
    assert (await post(nlx, "/api/nlx/inventory/low-stock", {"limit": 0})).status_code == 422
    data = (await post(nlx, "/api/nlx/inventory/low-stock", {"site": "nowhere"})).json()
    assert data["count"] == 0 and data["text"].startswith("Nothing is below")


# ---- reorder -------------------------------------------------------------------------------------------------


async def test_reorder_for_one_item_and_for_all(nlx: httpx.AsyncClient, inventory: InventoryService) -> None:
    recs = await inventory.recommendations()
    sponge = [r for r in recs if r.name == "sponges"]
    assert sponge
    one = (await post(nlx, "/api/nlx/reorder/recommendation", {"item": "sponges"})).json()
    assert one["needs_order"] is True
    assert [(r["site"], r["recommended_quantity"]) for r in one["recommendations"]] == [
        (r.site, r.recommended_quantity) for r in sponge
    ]
    every = resolved((await post(nlx, "/api/nlx/reorder/recommendation", legacy({}))).json())
    assert len(every["recommendations"]) == len(recs)
    assert "orders" in every["text"]


async def test_reorder_unknown_item_and_bad_field(nlx: httpx.AsyncClient) -> None:
    data = (await post(nlx, "/api/nlx/reorder/recommendation", {"item": "unobtainium rods"})).json()
    assert data["found"] is False and data["recommendations"] == []
    assert (await post(nlx, "/api/nlx/reorder/recommendation", {"limit": "many"})).status_code == 422


# ---- forecast ------------------------------------------------------------------------------------------------


async def test_forecast_missing_field_and_unknown_item(nlx: httpx.AsyncClient) -> None:
    r = await post(nlx, "/api/nlx/forecast", {"horizon_days": 14})
    assert r.status_code == 422
    r = await post(nlx, "/api/nlx/forecast", legacy({"horizon_days": 14}))
    assert r.status_code == 422 and "errorMessage" in r.json()
    data = (await post(nlx, "/api/nlx/forecast", {"item": "moon boots"})).json()
    assert data["found"] is False and data["predicted_units"] is None


async def test_forecast_answers_for_a_known_item(nlx: httpx.AsyncClient, inventory: InventoryService) -> None:
    view = await inventory.lookup("paper plates")
    r = await post(nlx, "/api/nlx/forecast", legacy({"item": "paper plates", "horizonDays": 14}))
    data = resolved(r.json())
    assert data["found"] is True and data["sku"] == view.sku
    if data["predicted_units"] is not None:  # no forecast when the store cannot give a movement rate
        assert data["horizon_days"] == 14
        assert data["low"] <= data["predicted_units"] <= data["high"]
        assert data["on_hand"] == view.on_hand
    assert "paper plates" in data["text"]

"""Forecast answers come through the dialogue's tool layer: the engine's own result type is read by
``EngineForecasts``, and a slow (cold) or failing engine falls back to the movement rate."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from dialogue.forecasts import EngineForecasts
from forecasting.results import ForecastResult
from inventory_core.models import Recommendation
from inventory_core.service import InventoryService
from tests.nlx.conftest import BEARER, nlx_app

pytestmark = pytest.mark.nlx


def result(sku: str, days: int = 14) -> ForecastResult:
    mean = tuple(2.0 + (i % 7) for i in range(days))
    return ForecastResult(
        sku=sku,
        site=None,
        model="holt_damped",
        model_label="damped trend",
        first_day=date(2030, 1, 1),
        mean=mean,
        lo=tuple(m - 2 for m in mean),
        hi=tuple(m + 2 for m in mean),
        total=sum(mean),
        total_lo=sum(mean) - 9,
        total_hi=sum(mean) + 9,
        next_month="2030-02",
        next_month_total=0.0,
        next_month_lo=0.0,
        next_month_hi=0.0,
        interval_level=0.95,
        run_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


@dataclass
class FakeForecaster:
    latest: Any = "a run"
    fail: bool = False
    delay_s: float = 0.0  # a cold engine computes its first run inside the call
    calls: list[tuple[str, int, str | None]] = field(default_factory=list)

    async def forecast(self, sku: str, horizon_days: int = 28, site: str | None = None) -> ForecastResult:
        self.calls.append((sku, horizon_days, site))
        await asyncio.sleep(self.delay_s)
        if self.fail:
            raise RuntimeError("engine down")
        return result(sku, horizon_days)

    async def recommend(self, sku: str | None = None) -> list[Recommendation]:
        return [
            Recommendation(
                sku=sku or "X-1",
                name="thing",
                site="main",
                on_hand=5,
                reorder_point=3,
                recommended_quantity=0,
                rationale="Not due yet.",
            )
        ]


async def test_the_forecast_result_is_read_by_its_totals(inventory: InventoryService) -> None:
    r = result("PKG-1", 14)
    outlook = await EngineForecasts(FakeForecaster(), inventory).forecast("PKG-1", 14)
    assert (outlook.predicted, outlook.low, outlook.high) == (r.total, r.total_lo, r.total_hi)
    assert outlook.daily_rate == pytest.approx(r.total / 14)
    assert outlook.method == "damped trend"


async def test_the_forecaster_answers_through_the_webhook(inventory: InventoryService) -> None:
    fake = FakeForecaster()
    view = await inventory.lookup("paper plates")
    app = nlx_app(inventory, forecaster=fake)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        body = {"item": "paper plates", "horizon_days": 14, "site": "main"}
        data = (await client.post("/api/nlx/forecast", json=body, headers=BEARER)).json()
        assert fake.calls == [(view.sku, 14, "main")]
        assert data["method"] == "damped trend"
        assert data["predicted_units"] == pytest.approx(result(view.sku, 14).total, abs=0.1)
        advice = (
            await client.post(
                "/api/nlx/reorder/recommendation", json={"item": "paper plates"}, headers=BEARER
            )
        ).json()
        assert advice["needs_order"] is False and len(advice["recommendations"]) == 1
        assert advice["text"].startswith("paper plates does not need ordering")


@pytest.mark.parametrize(
    "fake",
    [FakeForecaster(latest=None, delay_s=5.0), FakeForecaster(fail=True)],
    ids=["not-ready", "failing"],
)
async def test_an_unready_or_failing_forecaster_falls_back(
    inventory: InventoryService, fake: FakeForecaster
) -> None:
    view = await inventory.lookup("paper plates")
    outlook = await EngineForecasts(fake, inventory, timeout_s=0.05).forecast(view.sku, 14)
    assert len(fake.calls) == 1  # the tool layer asks a cold engine, and waits at most its deadline
    assert outlook.method == "movement_rate"

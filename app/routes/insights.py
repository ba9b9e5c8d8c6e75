"""Insight, forecast and restock routes. Each parses, calls the forecasting service (``services.forecaster``)
or the inventory, and maps the result. ``/reorder`` is the seed specification's name for the restock advice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from app.deps import ActorDep, InventoryDep, ServicesDep
from app.routes.common import PathText, SkuQuery
from app.routes.schemas import Problem
from forecasting.results import ForecastResult
from forecasting.service import MAX_HORIZON_DAYS, ForecastService
from inventory_core.models import RECOMMENDATION_EXAMPLE, Insight, Recommendation

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (400, 401, 403, 404, 422, 503)
}
router = APIRouter(prefix="/api/insights", tags=["insights"], responses=ERRORS)


def get_forecaster(services: ServicesDep) -> ForecastService:
    forecaster: ForecastService | None = services.forecaster
    if forecaster is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={
                "code": "forecasting_unavailable",
                "message": "forecasting is not running on this server",
            },
        )
    return forecaster


ForecasterDep = Annotated[ForecastService, Depends(get_forecaster)]
Horizon = Annotated[int, Query(ge=1, le=MAX_HORIZON_DAYS, description="Days to forecast from today.")]
Site = Annotated[str | None, Query(max_length=64, description="One site; all sites together when omitted.")]


class ForecastPoint(BaseModel):
    date: date
    mean: float
    lo: float
    hi: float


class ForecastTotal(BaseModel):
    label: str
    mean: float
    lo: float
    hi: float


class ForecastOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "sku": "TLS-1143", "site": "main", "model": "holt_winters", "model_label": "Holt-Winters weekly",
            "interval_level": 0.8, "run_at": "2025-06-02T03:00:00Z", "backtest_mase": 0.74,
            "horizon": {"label": "next 7 days", "mean": 63.2, "lo": 48.0, "hi": 78.4},
            "next_month": {"label": "2025-07", "mean": 271.5, "lo": 221.0, "hi": 322.0},
            "series": [{"date": "2025-06-03", "mean": 10.4, "lo": 6.1, "hi": 14.7}],
        }]}
    )  # fmt: skip

    sku: str
    site: str | None
    model: str
    model_label: str
    interval_level: float = Field(description="Central coverage of lo..hi.")
    run_at: datetime
    backtest_mase: float | None = Field(
        description="Error of the chosen model in the backtest, vs seasonal naive."
    )
    horizon: ForecastTotal
    next_month: ForecastTotal
    series: list[ForecastPoint]

    @classmethod
    def of(cls, r: ForecastResult) -> ForecastOut:
        return cls(
            sku=r.sku,
            site=r.site,
            model=r.model,
            model_label=r.model_label,
            interval_level=r.interval_level,
            run_at=r.run_at,
            backtest_mase=r.backtest_mase,
            horizon=ForecastTotal(
                label=f"next {r.horizon_days} days", mean=r.total, lo=r.total_lo, hi=r.total_hi
            ),
            next_month=ForecastTotal(
                label=r.next_month, mean=r.next_month_total, lo=r.next_month_lo, hi=r.next_month_hi
            ),
            series=[
                ForecastPoint(date=d, mean=m, lo=lo, hi=hi)
                for d, m, lo, hi in zip(r.dates, r.mean, r.lo, r.hi, strict=True)
            ],
        )


@router.get(
    "", response_model=list[Insight], summary="List insights: low stock, predicted stock-outs, anomalies"
)
async def list_insights(
    _: ActorDep,
    inventory: InventoryDep,
    unread: Annotated[bool, Query(description="Only insights not yet marked read.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[Insight]:
    return await inventory.insights(unread_only=unread, limit=limit)


@router.get("/forecast/{sku}", response_model=ForecastOut, summary="Forecast one product's demand")
async def forecast(
    _: ActorDep, forecaster: ForecasterDep, sku: PathText, days: Horizon = 28, site: Site = None
) -> ForecastOut:
    return ForecastOut.of(await forecaster.forecast(sku, days, site))


@router.get(
    "/forecast/{sku}/chart.svg",
    response_class=Response,
    summary="Chart one product's forecast (SVG)",
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "history, forecast, interval, reorder point"}
    },
)
async def forecast_chart(
    _: ActorDep, forecaster: ForecasterDep, sku: PathText, days: Horizon = 28, site: Site = None
) -> Response:
    svg = await forecaster.chart_svg(sku, site, days)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


AdviceSource = Literal["forecast", "minimum"]


class RestockOut(Recommendation):
    """A restock recommendation, with the seed specification's names for its main fields beside ours."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [RECOMMENDATION_EXAMPLE | {
            "source": "forecast", "product_id": "TLS-1143", "recommended_order": 48, "when": "2025-06-05",
            "reason": RECOMMENDATION_EXAMPLE["rationale"],
        }]}
    )  # fmt: skip

    source: AdviceSource = Field(
        description="forecast: the forecasting engine's plan; minimum: the item is below its minimum now "
        "(the advice when forecasting is not running)."
    )
    product_id: str = Field(description="The same as sku.")
    recommended_order: int = Field(description="The same as recommended_quantity.")
    when: date | None = Field(
        description="The day of order_by; today for minimum advice; null when no order is foreseen."
    )
    reason: str = Field(description="The same as rationale.")

    @classmethod
    def of(cls, r: Recommendation, source: AdviceSource) -> RestockOut:
        today = datetime.now(UTC).date()
        when = r.order_by.date() if r.order_by else (today if source == "minimum" else None)
        return cls(
            **r.model_dump(),
            source=source,
            product_id=r.sku,
            recommended_order=r.recommended_quantity,
            when=when,
            reason=r.rationale,
        )


@router.get(
    "/recommendation",
    response_model=list[RestockOut],
    summary="Restock recommendations: what to order and by when",
)
async def recommendation(_: ActorDep, forecaster: ForecasterDep, sku: SkuQuery = None) -> list[RestockOut]:
    """The forecasting engine's orders due now, most urgent first; for one item, its plan at every site even
    when no order is due."""
    return [RestockOut.of(r, "forecast") for r in await forecaster.recommend(sku)]


@router.get(
    "/reorder",
    response_model=list[RestockOut],
    summary="Restock recommendations (the seed specification's route)",
)
async def reorder(
    _: ActorDep, services: ServicesDep, inventory: InventoryDep, sku: SkuQuery = None
) -> list[RestockOut]:
    """What ``/recommendation`` answers while forecasting runs; otherwise, rather than 503, the items below
    their minimum now, each with an order back up to twice its minimum (``source`` says which)."""
    forecaster: ForecastService | None = services.forecaster
    if forecaster is not None:
        return [RestockOut.of(r, "forecast") for r in await forecaster.recommend(sku)]
    return [RestockOut.of(r, "minimum") for r in await inventory.recommendations(sku)]

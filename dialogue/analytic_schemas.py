"""What the analytic tools return (``analytics``): pydantic models, as ``schemas``: their JSON schemas are the
MCP tools' output schemas, and the dialogue words the very same objects."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class StockoutRisk(_Out):
    product_id: str
    name: str
    category: str
    on_hand: int = Field(description="On hand across every site.")
    daily_demand: float = Field(description="Forecast units a day.")
    days_of_cover: float = Field(description="on_hand / daily_demand: days until it runs out.")


class StockoutRiskList(_Out):
    days: int = Field(description="The window: items with fewer days of cover than this are listed.")
    items: list[StockoutRisk] = Field(description="Fewest days of cover first.")


class ForecastLine(_Out):
    product_id: str
    name: str
    category: str
    predicted_demand: float
    value: float = Field(description="predicted_demand × unit cost.")


class ForecastTotal(_Out):
    days: int
    category: str | None = Field(description="The category summed, or None for every item.")
    total_demand: float = Field(description="Units, summed over the items.")
    total_value: float = Field(description="At unit cost.")
    item_count: int
    items: list[ForecastLine] = Field(description="Largest demand first (the first `limit` of them).")


class SalesPeriod(_Out):
    label: str = Field(description='"2026-03" for a month, "last_14_days" for a span of days.')
    start: date
    end: date
    units: int


class SalesHistory(_Out):
    product_id: str
    name: str
    site: str | None
    start: date | None
    end: date | None = Field(description="The last day of history.")
    total_units: int
    periods: list[SalesPeriod] = Field(description="Oldest first; a month per period when asked by months.")


class SiteValue(_Out):
    site: str
    value: float
    units: int


class ValueLine(_Out):
    product_id: str
    name: str
    category: str
    site: str
    on_hand: int
    unit_cost: float
    value: float


class InventoryValue(_Out):
    site: str | None
    category: str | None
    total_value: float = Field(description="Sum of on hand × unit cost.")
    units: int
    sites: list[SiteValue]
    items: list[ValueLine] = Field(description="Largest value first (the first `limit` of them).")

"""What the tools return: pydantic models, because they cross the MCP boundary as JSON (their JSON schemas are
the tools' output schemas) and the dialogue reads the very same objects."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class SiteStock(_Out):
    site: str
    on_hand: int
    reorder_threshold: int
    bins: list[str] = Field(default_factory=list)


class InventoryRecord(_Out):
    product_id: str = Field(description="The SKU.")
    name: str
    category: str
    unit: str = "each"
    pack_size: int = 1
    current_quantity: int = Field(description="On hand across all sites.")
    reorder_threshold: int = Field(description="Sum of the effective minimums across sites.")
    is_low: bool
    supplier_id: str | None = None
    last_updated: datetime | None = None
    sites: list[SiteStock] = Field(default_factory=list)


class InventoryList(_Out):
    items: list[InventoryRecord]
    total: int


class LowStockItem(_Out):
    product_id: str
    name: str
    site: str
    current_quantity: int
    threshold: int


class LowStockList(_Out):
    items: list[LowStockItem]


class StockUpdate(_Out):
    product_id: str
    site: str
    kind: Literal["pick", "sale", "receipt", "adjustment", "count", "opening"]
    previous_quantity: int
    updated_quantity: int
    status: Literal["updated successfully", "already applied"]
    movement_id: str


class SupplierEntry(_Out):
    supplier_id: str
    supplier_name: str
    in_stock_qty: int
    price_per_unit: float
    lead_time_days: int
    min_order_qty: int = 1
    preferred: bool = False


class SupplierInfo(_Out):
    product_id: str
    name: str
    suppliers: list[SupplierEntry]


class DemandForecast(_Out):
    product_id: str
    name: str
    period: str = Field(description='e.g. "next_30_days"')
    period_days: int
    predicted_demand: float
    confidence_interval: tuple[float, float]
    daily_rate: float
    method: str = Field(description="Which model produced it.")


class RestockAdvice(_Out):
    product_id: str
    name: str
    site: str
    current_quantity: int
    reorder_point: int
    recommended_order_quantity: int
    recommended_order_date: datetime | None = None
    expected_stock_out_date: datetime | None = None
    basis: str
    supplier_id: str | None = None


class RestockList(_Out):
    items: list[RestockAdvice]


class OrderOut(_Out):
    order_id: str
    product_id: str
    quantity: int
    supplier_id: str
    site: str
    unit_price: float
    status: str
    created_at: datetime
    expected_date: datetime | None = None


class OrderList(_Out):
    items: list[OrderOut]


class MinimumSet(_Out):
    product_id: str
    site: str | None
    min_qty: int
    status: Literal["updated successfully"] = "updated successfully"

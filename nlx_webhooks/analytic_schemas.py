"""Request and response models of the analytic data requests (``analytic_requests``): stock-out risk, forecast
totals, sales history, inventory value and the reorder list.

Requests follow ``schemas``: snake_case names plus the camelCase spellings a flow builder tends to use, bounded
strings, unknown fields ignored. Lists are paged as the voice dialogue reads them: ``page`` 1 is what the
dialogue says first, and each later page is what it says on "more"; a response gives the page's rows and
``next_page`` (null on the last page), so a flow asks for "the others" by sending ``page = next_page``."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dialogue.policy.analytics import DEFAULT_SALES_MONTHS
from dialogue.policy.state import PolicyConfig
from inventory_core.text import MAX_NAME_CHARS
from nlx_webhooks.schemas import (
    ItemMiss,
    RecommendationOut,
    _extra,
    _ItemRequest,
    _names,
    _Request,
    _RequiresItem,
    _Response,
)

DEFAULT_PAGE_SIZE = PolicyConfig().list_page
"""Lines per spoken page: the dialogue's ``list_page``."""


def _category() -> Any:
    return Field(
        default=None,
        max_length=MAX_NAME_CHARS,
        validation_alias=_names("category", "categoryName", "group"),
        description='A catalogue category in any usual wording ("cleaning supplies"); leave out for every item.',
    )


class _PagedRequest(_Request):
    page: int = Field(
        default=1,
        ge=1,
        le=1000,
        validation_alias=_names("page", "pageNumber", "next_page", "nextPage"),
        description="1 for the first answer; the previous answer's next_page for the others.",
    )
    page_size: int = Field(
        default=DEFAULT_PAGE_SIZE,
        ge=1,
        le=50,
        validation_alias=_names("page_size", "pageSize", "limit"),
        description="Lines spoken (and rows returned) per later page.",
    )


class StockoutRiskRequest(_PagedRequest):
    model_config = ConfigDict(
        json_schema_extra=_extra({"days": 7}, {"days": 14, "category": "cleaning", "page": 2})
    )

    days: int = Field(
        default=7, ge=1, le=366, validation_alias=_names("days", "horizon_days", "horizonDays", "window_days")
    )
    category: str | None = _category()


class ForecastTotalRequest(_PagedRequest):
    model_config = ConfigDict(json_schema_extra=_extra({"days": 30}, {"days": 7, "category": "paper goods"}))

    days: int = Field(
        default=30, ge=1, le=366, validation_alias=_names("days", "horizon_days", "horizonDays")
    )
    category: str | None = _category()


class SalesHistoryRequest(_RequiresItem, _PagedRequest):
    """By calendar month (the last ``months``, six unless said), or over the last ``days`` days when given."""

    model_config = ConfigDict(
        json_schema_extra=_extra(
            {"item": "paper cups", "months": 6},
            {"sku": "TLS-1143", "days": 14, "site": "main"},
            one_of_required=("item", "sku"),
        )
    )

    months: int = Field(
        default=DEFAULT_SALES_MONTHS, ge=1, le=24, validation_alias=_names("months", "pastMonths")
    )
    days: int | None = Field(
        default=None,
        ge=1,
        le=730,
        validation_alias=_names("days", "pastDays"),
        description="Wins over months.",
    )


class InventoryValueRequest(_ItemRequest, _PagedRequest):
    """At one ``site`` or all; of one item, a category, or everything."""

    model_config = ConfigDict(
        json_schema_extra=_extra({"site": "main"}, {"category": "cleaning"}, {"item": "paper cups"})
    )

    category: str | None = _category()


class ReorderListRequest(_PagedRequest):
    """Every item that needs ordering now (at ``site``, or anywhere), as the dialogue reads the list."""

    model_config = ConfigDict(json_schema_extra=_extra({}, {"site": "main", "page": 2}))

    site: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, validation_alias=_names("site", "warehouse", "location")
    )


# ---- responses --------------------------------------------------------------------------------------------


class _PagedResponse(_Response):
    count: int = Field(default=0, description="Rows in the whole list (every page).")
    page: int = 1
    next_page: int | None = Field(default=None, description="Send it as page for the others; null: no more.")


class _GroupResponse(_PagedResponse):
    found: bool = Field(default=True, description="False when the category asked for is not known.")
    category: str | None = Field(default=None, description="The catalogue category answered for.")
    categories: list[str] = Field(
        default_factory=list, description="The known categories, when the one asked for is not one of them."
    )


class StockoutRow(BaseModel):
    sku: str
    name: str
    category: str
    on_hand: int = Field(description="Across every site.")
    daily_demand: float = Field(description="Forecast units a day.")
    days_of_cover: float
    expected_stockout: date = Field(description="Today plus the whole days of cover.")


class StockoutRiskResponse(_GroupResponse):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "Four items may run out in the next week: sponges, about two days left; paper cups, about"
            " three days left; napkins, about five days left. And one more — say more.",
            "found": True, "days": 7, "category": None, "count": 4, "page": 1, "next_page": 2,
            "items": [{
                "sku": "CLN-2001", "name": "sponges", "category": "cleaning", "on_hand": 12, "daily_demand": 5.5,
                "days_of_cover": 2.2, "expected_stockout": "2025-06-04",
            }],
        })
    )  # fmt: skip

    days: int
    items: list[StockoutRow] = Field(default_factory=list, description="This page's rows, fewest days first.")


class ForecastRow(BaseModel):
    sku: str
    name: str
    category: str
    predicted_units: float
    value: float = Field(description="predicted_units × unit cost.")


class ForecastTotalResponse(_GroupResponse):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "For all items, we expect to use about nine hundred units in the next thirty days, about two"
            " thousand dollars at cost. The most: paper cups, about two hundred. And eleven more — say more.",
            "found": True, "days": 30, "category": None, "total_units": 903.4, "total_value": 2041.5,
            "item_count": 40, "count": 12, "page": 1, "next_page": 2,
            "items": [{"sku": "PAP-1001", "name": "paper cups", "category": "paper goods",
                       "predicted_units": 201.0, "value": 120.6}],
        })
    )  # fmt: skip

    days: int
    total_units: float | None = Field(default=None, description="Forecast units, summed over the items.")
    total_value: float | None = Field(default=None, description="At unit cost.")
    item_count: int | None = Field(
        default=None, description="Items summed (count: the largest ones, offered as a list)."
    )
    items: list[ForecastRow] = Field(default_factory=list, description="This page's rows, largest first.")


class SalesPeriodRow(BaseModel):
    label: str = Field(description='"2026-03" for a month, "last_14_days" for a span of days.')
    start: date
    end: date
    units: int


class SalesHistoryResponse(_PagedResponse):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "We sold sixty paper cups in the last fourteen days.", "found": True, "sku": "PAP-1001",
            "name": "paper cups", "site": None, "start": "2025-05-20", "end": "2025-06-02", "total_units": 60,
            "count": 1, "page": 1, "next_page": None,
            "periods": [{"label": "last_14_days", "start": "2025-05-20", "end": "2025-06-02", "units": 60}],
        })
    )  # fmt: skip

    found: bool
    sku: str | None = None
    name: str | None = None
    site: str | None = None
    start: date | None = None
    end: date | None = Field(default=None, description="The last day of history.")
    total_units: int | None = None
    periods: list[SalesPeriodRow] = Field(
        default_factory=list, description="This page's periods, oldest first."
    )
    miss: ItemMiss | None = None


class SiteValueRow(BaseModel):
    site: str
    value: float
    units: int


class ValueRow(BaseModel):
    sku: str
    name: str
    category: str
    site: str
    on_hand: int
    unit_cost: float
    value: float = Field(description="on_hand × unit_cost (nothing for a negative count).")


class InventoryValueResponse(_GroupResponse):
    """The spoken ``text`` is a summary on every page (the dialogue reads no list of values); ``items`` pages."""

    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "Our stock at the main warehouse is worth about twelve thousand dollars at cost.",
            "found": True, "site": "main", "category": None, "sku": None, "total_value": 12034.5, "units": 4210,
            "sites": [{"site": "main", "value": 12034.5, "units": 4210}], "count": 40, "page": 1, "next_page": 2,
            "items": [{"sku": "TLS-1143", "name": "zip knives", "category": "tools", "site": "main", "on_hand": 42,
                       "unit_cost": 11.2, "value": 470.4}],
        })
    )  # fmt: skip

    site: str | None = None
    sku: str | None = Field(default=None, description="The item valued, when one was asked for.")
    total_value: float | None = Field(default=None, description="Sum of on hand × unit cost.")
    units: int | None = None
    sites: list[SiteValueRow] = Field(default_factory=list)
    items: list[ValueRow] = Field(default_factory=list, description="This page's rows, largest value first.")
    miss: ItemMiss | None = None


class ReorderListResponse(_PagedResponse):
    model_config = ConfigDict(
        json_schema_extra=_extra({
            "text": "Two items need ordering: zip knives, forty eight for the main warehouse; sponges, twenty for"
            " the east annex.", "count": 2, "page": 1, "next_page": None,
            "items": [{
                "sku": "TLS-1143", "name": "zip knives", "site": "main", "on_hand": 42, "reorder_point": 55,
                "recommended_quantity": 48, "supplier_id": "SUP07", "order_by": "2025-06-05T00:00:00Z",
                "expected_stockout": "2025-06-11T00:00:00Z",
                "rationale": "zip knives at main sells about 9 a day; order 48 by Thursday.",
            }],
        })
    )  # fmt: skip

    items: list[RecommendationOut] = Field(
        default_factory=list, description="This page's items that need ordering (a quantity above zero)."
    )

"""Reading a supplier's prices and stock: one ``SupplierFeed`` per kind of publication, behind one Protocol.

- ``RestFeed``: a JSON API, ``GET url?page=N`` with a bearer token, ``{"items": [...], "next_page": N | null}``;
- ``CsvFeed``: a CSV file over HTTP with a header (``sku,price,stock,lead_time_days[,min_order_qty]``);
- ``HtmlFeed``: a catalogue page, one ``tr[data-sku]`` per product with ``.price``, ``.stock``, ``.lead`` cells
  (and ``.moq``), read with selectolax.

A row that does not read (a price that is not a number, a missing field) is skipped and counted in ``errors``;
a publication that cannot be read at all (HTTP error, not JSON, an HTML page without the expected rows: a layout
change) raises ``FeedError`` (``retryable`` for timeouts and 5xx, not for garbage or a layout change)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from selectolax.lexbor import LexborHTMLParser

from inventory_core.models import Connector

MAX_PAGES = 1000
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class FeedError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class FeedRow:
    sku: str
    price: float
    on_hand: int
    lead_time_days: int
    min_order_qty: int = 1


@dataclass
class FeedResult:
    rows: list[FeedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Rows that did not read, each with why (they are skipped)."""


class SupplierFeed(Protocol):
    async def fetch(self, client: httpx.AsyncClient) -> FeedResult: ...


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int | float):
        return float(value)
    found = _NUMBER.search(str(value).replace(",", ""))
    if found is None:
        raise ValueError(f"{value!r} is not a number")
    return float(found.group())


def _row(sku: Any, price: Any, stock: Any, lead: Any, moq: Any = 1) -> FeedRow:
    if not isinstance(sku, str) or not sku.strip():
        raise ValueError("no sku")
    row = FeedRow(
        sku.strip().upper(), _number(price), int(_number(stock)), int(_number(lead)), int(_number(moq or 1))
    )
    if row.price < 0 or row.on_hand < 0 or row.lead_time_days < 0 or row.min_order_qty < 1:
        raise ValueError("a negative figure")
    return row


async def _get(client: httpx.AsyncClient, url: str, connector: Connector, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {connector.token}"} if connector.token else {}
    try:
        response = await client.get(url, params=params or None, headers=headers)
    except httpx.TimeoutException as exc:
        raise FeedError(f"{url} timed out", retryable=True) from exc
    except httpx.HTTPError as exc:
        raise FeedError(f"{url}: {type(exc).__name__}", retryable=True) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise FeedError(f"{url} answered {response.status_code}", retryable=True)
    if response.status_code >= 400:
        raise FeedError(f"{url} answered {response.status_code}", retryable=False)
    return response


@dataclass(frozen=True)
class RestFeed:
    connector: Connector

    async def fetch(self, client: httpx.AsyncClient) -> FeedResult:
        result, page = FeedResult(), 1
        for _ in range(MAX_PAGES):
            response = await _get(client, self.connector.url, self.connector, page=page)
            try:
                body = response.json()
                items, next_page = body["items"], body.get("next_page")
            except (ValueError, KeyError, TypeError) as exc:
                raise FeedError(f"page {page} is not the expected JSON", retryable=False) from exc
            for i, item in enumerate(items):
                try:
                    result.rows.append(
                        _row(item.get("sku"), item.get("price"), item.get("stock"), item.get("lead_time_days"),
                             item.get("min_order_qty", 1))
                    )  # fmt: skip
                except (ValueError, AttributeError) as exc:
                    result.errors.append(f"page {page} item {i}: {exc}")
            if not next_page:
                return result
            page = int(next_page)
        raise FeedError(f"more than {MAX_PAGES} pages", retryable=False)


@dataclass(frozen=True)
class CsvFeed:
    connector: Connector

    async def fetch(self, client: httpx.AsyncClient) -> FeedResult:
        text = (await _get(client, self.connector.url, self.connector)).text
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"sku", "price", "stock", "lead_time_days"} <= set(reader.fieldnames):
            raise FeedError("the CSV has no sku, price, stock, lead_time_days header", retryable=False)
        result = FeedResult()
        for n, rec in enumerate(reader, start=2):
            try:
                result.rows.append(
                    _row(rec.get("sku"), rec.get("price"), rec.get("stock"), rec.get("lead_time_days"),
                         rec.get("min_order_qty") or 1)
                )  # fmt: skip
            except ValueError as exc:
                result.errors.append(f"line {n}: {exc}")
        return result


@dataclass(frozen=True)
class HtmlFeed:
    connector: Connector

    async def fetch(self, client: httpx.AsyncClient) -> FeedResult:
        tree = LexborHTMLParser((await _get(client, self.connector.url, self.connector)).text)
        rows = tree.css("tr[data-sku]")
        if not rows:
            raise FeedError("no product rows on the page (its layout changed?)", retryable=False)
        result = FeedResult()
        for node in rows:
            cells = {c: node.css_first(f".{c}") for c in ("price", "stock", "lead", "moq")}
            try:
                if cells["price"] is None or cells["stock"] is None or cells["lead"] is None:
                    raise ValueError("a price, stock or lead cell is missing")
                moq = cells["moq"].text() if cells["moq"] is not None else 1
                result.rows.append(
                    _row(node.attributes.get("data-sku"), cells["price"].text(), cells["stock"].text(),
                         cells["lead"].text(), moq)
                )  # fmt: skip
            except ValueError as exc:
                result.errors.append(f"row {node.attributes.get('data-sku')!r}: {exc}")
        if not result.rows:
            raise FeedError("no product row on the page reads (its layout changed?)", retryable=False)
        return result


def feed_for(connector: Connector) -> SupplierFeed:
    if connector.kind == "rest":
        return RestFeed(connector)
    if connector.kind == "csv":
        return CsvFeed(connector)
    return HtmlFeed(connector)

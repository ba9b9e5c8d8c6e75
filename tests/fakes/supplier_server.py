"""Fake suppliers on loopback, speaking the three publications the supplier sync reads: a paged JSON API with a
bearer token (``/api/{supplier}/stock?page=N``), a CSV feed (``/csv/{supplier}.csv``) and an HTML catalogue page
(``/html/{supplier}``), with faults per supplier: a delay, HTTP 500s, garbage, a changed page layout.

    async with SupplierServer() as fake:
        fake.stock["ACME"] = {"ABC-1001": Item(price=4.25, stock=500, lead=3)}
        fake.faults["ACME"] = Fault(delay_s=30)        # a supplier that times out
        connector = fake.connector("ACME", "rest")
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from inventory_core.embedded_mongo import free_port
from inventory_core.models import Connector
from tests.fakes.clock import eventually

TOKEN = "supplier-token"
PAGE_SIZE = 2


@dataclass
class Item:
    price: float
    stock: int
    lead: int
    moq: int = 1


@dataclass
class Fault:
    delay_s: float = 0.0
    errors: int = 0
    """Answer this many requests with HTTP 500 first."""
    garbage: bool = False
    """Answer something that is not the publication (not JSON, a CSV without its header, an empty page)."""
    new_layout: bool = False
    """HTML only: the catalogue page in a layout the connector does not know."""
    bad_row: bool = False
    """One row with a price that is not a number."""


@dataclass
class SupplierServer:
    stock: dict[str, dict[str, Item]] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def connector(self, supplier: str, kind: Literal["rest", "csv", "html"]) -> Connector:
        base = f"http://127.0.0.1:{self.port}"
        url = {"rest": f"{base}/api/{supplier}/stock", "csv": f"{base}/csv/{supplier}.csv",
               "html": f"{base}/html/{supplier}"}[kind]  # fmt: skip
        return Connector(kind=kind, url=url, token=TOKEN if kind == "rest" else None)

    async def _faulted(self, supplier: str) -> Response | None:
        self.requests.append(supplier)
        fault = self.faults.get(supplier, Fault())
        if fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault.errors > 0:
            fault.errors -= 1
            return PlainTextResponse("upstream trouble", status_code=500)
        return None

    def _rows(self, supplier: str) -> list[tuple[str, Item | None]]:
        rows: list[tuple[str, Item | None]] = list(self.stock.get(supplier, {}).items())
        if self.faults.get(supplier, Fault()).bad_row:
            rows.append(("BAD-0001", None))
        return rows

    async def rest(self, request: Request) -> Response:
        supplier = request.path_params["supplier"]
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if (faulted := await self._faulted(supplier)) is not None:
            return faulted
        if self.faults.get(supplier, Fault()).garbage:
            return PlainTextResponse("<html>maintenance</html>")
        rows = self._rows(supplier)
        page = int(request.query_params.get("page", "1"))
        chunk = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        items = [
            {"sku": sku, "price": i.price, "stock": i.stock, "lead_time_days": i.lead, "min_order_qty": i.moq}
            if i else {"sku": sku, "price": "call us", "stock": 1, "lead_time_days": 1}
            for sku, i in chunk
        ]  # fmt: skip
        more = page * PAGE_SIZE < len(rows)
        return JSONResponse({"items": items, "next_page": page + 1 if more else None})

    async def csv(self, request: Request) -> Response:
        supplier = request.path_params["supplier"]
        if (faulted := await self._faulted(supplier)) is not None:
            return faulted
        if self.faults.get(supplier, Fault()).garbage:
            return PlainTextResponse("this,is,not\n1,2,3\n")
        lines = ["sku,price,stock,lead_time_days,min_order_qty"]
        for sku, i in self._rows(supplier):
            lines.append(f"{sku},{i.price},{i.stock},{i.lead},{i.moq}" if i else f"{sku},n/a,1,1,1")
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/csv")

    async def html(self, request: Request) -> Response:
        supplier = request.path_params["supplier"]
        if (faulted := await self._faulted(supplier)) is not None:
            return faulted
        fault = self.faults.get(supplier, Fault())
        if fault.garbage:
            return HTMLResponse("<html><body><h1>We are moving!</h1></body></html>")
        rows = []
        for sku, i in self._rows(supplier):
            price = f"${i.price:,.2f}" if i else "ask"
            if fault.new_layout:
                rows.append(f'<div class="product" data-code="{sku}"><span>{price}</span></div>')
            else:
                stock, lead, moq = (i.stock, i.lead, i.moq) if i else (1, 1, 1)
                rows.append(
                    f'<tr data-sku="{sku}"><td class="price">{price}</td><td class="stock">{stock:,} in stock</td>'
                    f'<td class="lead">{lead} days</td><td class="moq">{moq}</td></tr>'
                )
        body = "".join(rows) if fault.new_layout else f"<table>{''.join(rows)}</table>"
        return HTMLResponse(f"<html><body><h1>{supplier} catalogue</h1>{body}</body></html>")

    async def __aenter__(self) -> SupplierServer:
        app = Starlette(routes=[
            Route("/api/{supplier}/stock", self.rest), Route("/csv/{supplier}.csv", self.csv),
            Route("/html/{supplier}", self.html),
        ])  # fmt: skip
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        await eventually(lambda: self._server.started)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

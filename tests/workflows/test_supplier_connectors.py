"""The three supplier connectors against fake suppliers on loopback: the same stock read from a paged JSON API, a
CSV feed and an HTML page; bad rows skipped and counted; outages retryable, garbage and layout changes not."""

from __future__ import annotations

from typing import Literal

import httpx
import pytest

from tests.fakes.supplier_server import Fault, Item, SupplierServer
from workflows.suppliers.connectors import FeedError, FeedRow, feed_for

KINDS: tuple[Literal["rest", "csv", "html"], ...] = ("rest", "csv", "html")
STOCK = {
    "ABC-1001": Item(price=4.25, stock=500, lead=3, moq=10),
    "ABC-1002": Item(price=1299.5, stock=0, lead=14),
    "ABC-1003": Item(price=0.4, stock=12_000, lead=2, moq=100),
}
EXPECTED = [
    FeedRow("ABC-1001", 4.25, 500, 3, 10),
    FeedRow("ABC-1002", 1299.5, 0, 14, 1),
    FeedRow("ABC-1003", 0.4, 12_000, 2, 100),
]


async def read(fake: SupplierServer, kind: Literal["rest", "csv", "html"], timeout_s: float = 5.0) -> object:
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        return await feed_for(fake.connector("ACME", kind)).fetch(client)


@pytest.mark.parametrize("kind", KINDS)
async def test_each_connector_reads_the_same_stock(kind: Literal["rest", "csv", "html"]) -> None:
    async with SupplierServer(stock={"ACME": dict(STOCK)}) as fake:
        result = await read(fake, kind)
    assert result.rows == EXPECTED and result.errors == []  # type: ignore[attr-defined]
    if kind == "rest":
        assert len(fake.requests) == 2  # two pages of two


@pytest.mark.parametrize("kind", KINDS)
async def test_a_bad_row_is_skipped_and_counted(kind: Literal["rest", "csv", "html"]) -> None:
    async with SupplierServer(stock={"ACME": dict(STOCK)}, faults={"ACME": Fault(bad_row=True)}) as fake:
        result = await read(fake, kind)
    assert result.rows == EXPECTED and len(result.errors) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", KINDS)
async def test_outages_are_retryable_garbage_is_not(kind: Literal["rest", "csv", "html"]) -> None:
    async with SupplierServer(stock={"ACME": dict(STOCK)}, faults={"ACME": Fault(errors=1)}) as fake:
        with pytest.raises(FeedError) as down:
            await read(fake, kind)
        assert down.value.retryable
        assert (await read(fake, kind)).rows == EXPECTED  # type: ignore[attr-defined]
        fake.faults["ACME"] = Fault(delay_s=1.0)
        with pytest.raises(FeedError) as slow:
            await read(fake, kind, timeout_s=0.2)
        assert slow.value.retryable
        fake.faults["ACME"] = Fault(garbage=True)
        with pytest.raises(FeedError) as garbage:
            await read(fake, kind)
        assert not garbage.value.retryable


async def test_a_changed_page_layout_is_an_error_not_an_empty_catalogue() -> None:
    async with SupplierServer(stock={"ACME": dict(STOCK)}, faults={"ACME": Fault(new_layout=True)}) as fake:
        with pytest.raises(FeedError) as changed:
            await read(fake, "html")
    assert not changed.value.retryable and "layout" in changed.value.message


async def test_a_wrong_token_is_refused_for_good() -> None:
    async with SupplierServer(stock={"ACME": dict(STOCK)}) as fake:
        connector = fake.connector("ACME", "rest").model_copy(update={"token": "wrong"})
        async with httpx.AsyncClient() as client:
            with pytest.raises(FeedError) as refused:
                await feed_for(connector).fetch(client)
    assert not refused.value.retryable

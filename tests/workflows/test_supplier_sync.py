"""The supplier sync on the real Temporal dev server, through the service as it runs, against fake suppliers on
loopback: every supplier read in parallel; one timing out, one answering garbage and one whose page changed are
each recorded as an insight without stopping the others; a product created through the API gets its offer from a
sync and can then be ordered; a second sync changes nothing; price moves and stock-outs become insights once,
notified once."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from inventory_core.models import Location, Product, StockLevel, Supplier
from inventory_core.ports import OrderRequest
from tests.conftest import API_TOKEN, write_ctx
from tests.fakes.supplier_server import Fault, Item, SupplierServer
from tests.forecast.conftest import Webhook
from tests.workflows.conftest import running_service

pytestmark = pytest.mark.mongo


async def test_a_sync_reads_every_supplier_and_survives_the_broken_ones(
    mongo_uri: str, tmp_path: Path
) -> None:
    sku = f"SYN-{uuid.uuid4().int % 10**5:05d}"
    hook = Webhook()
    async with (
        SupplierServer() as fake,
        hook as hook_url,
        running_service(
            mongo_uri, tmp_path, mcp=True, supplier_timeout_s=0.5, notify_webhook_url=hook_url
        ) as services,
    ):
        inv, wf = services.inventory, services.workflows
        assert wf is not None
        product = Product(sku=sku, name="amber sync widget", category="test",
                          locations=[Location(site="main", bin="S-01-1", check_digits="11")])  # fmt: skip
        await inv.create_product(product, [StockLevel(sku=sku, site="main", on_hand=2)], write_ctx())
        with pytest.raises(Exception, match="no supplier offers"):
            await inv.quote_order(OrderRequest(sku=sku, quantity=20))
        fake.stock = {
            "SYNA": {sku: Item(price=3.0, stock=400, lead=2, moq=10), "NOT-OURS-1": Item(1, 1, 1)},
            "SYNB": {sku: Item(price=3.4, stock=90, lead=5)},
            "SYNC": {sku: Item(price=2.0, stock=10, lead=1)},
            "SYND": {sku: Item(price=2.5, stock=10, lead=1)},
            "SYNE": {sku: Item(price=2.9, stock=10, lead=1)},
        }
        fake.faults = {
            "SYNC": Fault(new_layout=True),
            "SYND": Fault(delay_s=3.0),
            "SYNE": Fault(garbage=True),
        }
        kinds = {"SYNA": "rest", "SYNB": "csv", "SYNC": "html", "SYND": "rest", "SYNE": "csv"}
        for sid, kind in kinds.items():
            await inv.suppliers.create(
                Supplier(supplier_id=sid, name=f"Supplier {sid}", connector=fake.connector(sid, kind)),  # type: ignore[arg-type]
                write_ctx(),
            )
        first = await wf.sync_suppliers()
        assert sorted(first.synced) == ["SYNA", "SYNB"] and sorted(first.failed) == ["SYNC", "SYND", "SYNE"]
        assert "layout" in first.failed["SYNC"]
        assert (
            fake.requests.count("SYND") == 3
        )  # a timeout is retried (3 attempts); garbage and layout are not
        assert fake.requests.count("SYNC") == 1 and fake.requests.count("SYNE") == 1
        offers = await inv.supplier_offers(sku)
        assert [(o.supplier_id, o.price, o.min_order_qty) for o in offers] == [
            ("SYNA", 3.0, 10),
            ("SYNB", 3.4, 1),
        ]
        assert all(o.last_checked is not None for o in offers)
        quote = await inv.quote_order(OrderRequest(sku=sku, quantity=20))  # orderable now
        assert quote.offer.supplier_id == "SYNA"
        failures = [i for i in await inv.insights(limit=500) if i.kind == "supplier_sync_failed"]
        assert sorted(i.dedupe_key.split(":")[1] for i in failures) == ["SYNC", "SYND", "SYNE"]
        assert first.notified and sorted(first.insights) == sorted(i.dedupe_key for i in failures)

        fake.faults["SYND"] = Fault(garbage=True)  # still broken, now at once: the retries were seen above
        again = await wf.sync_suppliers()
        assert again.updated == 0 and again.unchanged == 2 and not again.notified
        assert sorted(again.insights) == sorted(first.insights)  # still failing: due, already sent
        assert (
            len([i for i in await inv.insights(limit=500) if i.kind == "supplier_sync_failed"]) == 3
        )  # once a day

        fake.stock["SYNA"][sku] = Item(price=3.6, stock=0, lead=9, moq=10)  # +20 % and out of stock
        moved = await wf.sync_suppliers()
        moves = sorted(k for k in moved.insights if not k.startswith("supplier_sync_failed"))
        assert moved.updated == 1 and [k.split(":")[0] for k in moves] == ["supplier_out", "supplier_price"]
        assert moved.notified
        assert sorted(i["dedupe_key"] for i in hook.bodies[-1]["insights"]) == moves  # only the new ones
        last = await wf.sync_suppliers()
        assert sorted(last.insights) == sorted(first.insights) and not last.notified  # the same day: once
        assert len(hook.bodies) == 2

        app = create_app(services=services)
        app.state.services = services
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
        ) as c:
            on_demand = await c.post("/api/suppliers/sync")
        assert on_demand.status_code == 200 and sorted(on_demand.json()["synced"]) == ["SYNA", "SYNB"]
        assert services.mcp is not None  # and as an MCP tool
        _, by_mcp = await services.mcp.server.call_tool("sync_suppliers", {})
        assert isinstance(by_mcp, dict) and sorted(by_mcp["synced"]) == ["SYNA", "SYNB"]
        assert sorted(by_mcp["failed"]) == ["SYNC", "SYND", "SYNE"] and by_mcp["notified"] is False

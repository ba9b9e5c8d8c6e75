"""InventoryService: the ``Inventory`` port over MongoDB (products, stock, suppliers, insights, reconcile).
Purchase orders live in ``orders.py``; stock movements in ``stock_ops.py``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from pymongo.errors import DuplicateKeyError

from inventory_core.business_events import NO_EVENTS, BusinessEvents
from inventory_core.errors import Conflict, InvalidInput, NotFound
from inventory_core.insights import InsightBook
from inventory_core.models import (
    Insight,
    MovementKind,
    MovementResult,
    OrderStatus,
    Product,
    ProductView,
    PurchaseOrder,
    Recommendation,
    ReconcileReport,
    StockLevel,
    SupplierOffer,
    WriteContext,
)
from inventory_core.naming import name_key, sku_key, sku_key_to_id, suggestions
from inventory_core.orders import OrderBook, primary_site
from inventory_core.ports import (
    CatalogueSnapshot,
    DailySales,
    MovementRequest,
    OrderQuote,
    OrderRequest,
    Page,
    ProductFilter,
    ProductUpdate,
    StockCrossed,
    StockWatcher,
)
from inventory_core.sales import SalesHistory
from inventory_core.stock_ops import StockLedger, stock_id
from inventory_core.store import Doc, MongoStore, bulk_budget, store_errors, utcnow
from inventory_core.suppliers import OfferTerms, SupplierBook
from inventory_core.text import MAX_NAME_CHARS

log = logging.getLogger("inventorypulse.inventory")


def product_doc(product: Product) -> Doc:
    doc = product.model_dump(mode="python")
    doc["_id"] = product.sku
    doc["name_key"] = name_key(product.name)
    doc["alias_keys"] = [name_key(a) for a in product.aliases]
    doc["sites"] = [loc.site for loc in product.locations]
    return doc


def stock_doc(level: StockLevel) -> Doc:
    doc = level.model_dump(mode="python")
    doc["_id"] = stock_id(level.sku, level.site)
    doc["effective_min"] = level.effective_min  # denormalised so "low" is one indexed comparison
    return doc


@store_errors
class InventoryService:
    """Public methods raise ``StoreUnavailable`` (retryable) when the store does not answer."""

    def __init__(self, store: MongoStore) -> None:
        self.store = store
        self.ledger = StockLedger(store)
        self.orders = OrderBook(store, self)
        self.suppliers = SupplierBook(store)
        self.insight_book = InsightBook(store)
        self.sales = SalesHistory(store)
        self._catalogue: CatalogueSnapshot | None = None
        self._version = 0
        self._name_index: dict[str, str] = {}
        self._names_version = -1
        self.watchers: list[StockWatcher] = []
        """Told when a write takes an item below its reorder point or to zero (the stock-insight workflow)."""
        self.events: BusinessEvents = NO_EVENTS

    @property
    def events(self) -> BusinessEvents:
        """Told of every write (movements, orders, minimums: not replays) and insight, whatever the channel."""
        return self._events

    @events.setter
    def events(self, events: BusinessEvents) -> None:
        self._events = self.insight_book.events = self.orders.events = events

    # ---- reads ----------------------------------------------------------------------------------------

    async def _views(self, product_docs: list[Doc]) -> list[ProductView]:
        skus = [d["sku"] for d in product_docs]
        levels: dict[str, list[StockLevel]] = {s: [] for s in skus}
        if skus:
            async for doc in self.store.stock.find({"sku": {"$in": skus}}):
                levels[doc["sku"]].append(StockLevel.model_validate(doc))
        return [
            ProductView(
                product=Product.model_validate(d), stock=sorted(levels[d["sku"]], key=lambda s: s.site)
            )
            for d in product_docs
        ]

    async def _product_doc(self, sku: str) -> Doc:
        doc = await self.store.products.find_one({"_id": sku.strip().upper()})
        if doc is None:
            doc = await self.store.products.find_one({"_id": sku_key_to_id(sku)})
        if doc is None:
            raise NotFound(f"no product with SKU {sku}", sku=sku, suggestions=await self._suggest(sku))
        return doc

    async def _suggest(self, query: str) -> list[str]:
        catalogue = await self.catalogue()
        names = [p.name for p in catalogue.products] + [p.sku for p in catalogue.products]
        return await asyncio.to_thread(suggestions, query, names)  # fuzzy over the catalogue: off the loop

    async def get_product(self, sku: str) -> ProductView:
        return (await self._views([await self._product_doc(sku)]))[0]

    async def lookup(self, sku_or_name: str) -> ProductView:
        if len(sku_or_name) > MAX_NAME_CHARS:
            raise InvalidInput(f"a product name or SKU is at most {MAX_NAME_CHARS} characters")
        key = name_key(sku_or_name)
        if not key:
            raise InvalidInput("say or type a product name or SKU")
        doc = await self.store.products.find_one({"_id": sku_key_to_id(sku_or_name)})
        if doc is None:
            sku = (await self._names()).get(key)
            doc = await self.store.products.find_one({"_id": sku}) if sku else None
        if doc is None:
            raise NotFound(
                f"no product called {sku_or_name!r}",
                query=sku_or_name,
                suggestions=await self._suggest(sku_or_name),
            )
        return (await self._views([doc]))[0]

    async def list_products(self, flt: ProductFilter) -> Page:
        if flt.limit < 1 or flt.limit > 500 or flt.offset < 0:
            raise InvalidInput("limit must be 1-500 and offset at least 0")
        query: Doc = {}
        if flt.category:
            query["category"] = flt.category
        # Narrow to a set of SKUs in Python: the embedded server mishandles $in combined with array matches.
        allowed: set[str] | None = None
        if flt.site:
            allowed = {d["sku"] async for d in self.store.stock.find({"site": flt.site}, {"sku": 1})}
        if flt.q:
            needle, sku_needle = name_key(flt.q), sku_key(flt.q)
            hits = {
                p.sku
                for p in (await self.catalogue()).products
                if needle in name_key(p.name)
                or any(needle in name_key(a) for a in p.aliases)
                or (sku_needle and sku_needle in sku_key(p.sku))
            }
            allowed = hits if allowed is None else allowed & hits
        excluded: set[str] = set()
        if flt.low_stock is not None:
            stock_query: Doc = {"$expr": {"$lt": ["$on_hand", "$effective_min"]}}
            if flt.site:
                stock_query["site"] = flt.site
            low = {d["sku"] async for d in self.store.stock.find(stock_query, {"sku": 1})}
            if flt.low_stock:
                allowed = low if allowed is None else allowed & low
            else:
                excluded = low
        if allowed is not None:
            query["sku"] = {"$in": sorted(allowed - excluded)}
        elif excluded:
            query["sku"] = {"$nin": sorted(excluded)}
        total = await self.store.products.count_documents(query)
        docs = (
            await self.store.products.find(query).sort("sku", 1).skip(flt.offset).limit(flt.limit).to_list()
        )
        return Page(items=await self._views(docs), total=total, offset=flt.offset, limit=flt.limit)

    async def low_stock(self, site: str | None = None) -> list[ProductView]:
        page = await self.list_products(ProductFilter(site=site, low_stock=True, limit=500))
        return page.items

    async def _names(self) -> dict[str, str]:
        """Normalised name or alias -> SKU, rebuilt with the catalogue snapshot."""
        snapshot = await self.catalogue()
        if self._names_version != snapshot.version:
            names: dict[str, str] = {}
            for p in snapshot.products:
                for alias in p.aliases:
                    names.setdefault(name_key(alias), p.sku)
            names.update({name_key(p.name): p.sku for p in snapshot.products})  # a name beats an alias
            self._name_index, self._names_version = names, snapshot.version
        return self._name_index

    async def catalogue(self) -> CatalogueSnapshot:
        if self._catalogue is None or self._catalogue.version != self._version:
            docs = await self.store.products.find({}).sort("sku", 1).to_list()
            sites = {str(d["_id"]): str(d["name"]) async for d in self.store.sites.find({}) if d.get("name")}
            self._catalogue = CatalogueSnapshot(
                version=self._version, products=[Product.model_validate(d) for d in docs], site_names=sites
            )
        return self._catalogue

    async def name_site(self, site: str, name: str, ctx: WriteContext) -> None:
        """Record how ``site`` is spoken ("east" → "east annex"); recognizer grammars and replies follow."""
        site, name = site.strip().lower(), " ".join(name.split())
        if not site or not name or len(site) > 64 or len(name) > 64:
            raise InvalidInput("a site id and a name of 1 to 64 characters are needed", site=site)
        before = await self.store.sites.find_one({"_id": site})
        await self.store.sites.update_one({"_id": site}, {"$set": {"name": name}}, upsert=True)
        await self.store.audit("site.name", site, ctx, before and before.get("name"), name)
        self._version += 1

    async def supplier_offers(self, sku: str) -> list[SupplierOffer]:
        await self._product_doc(sku)
        docs = await self.store.offers.find({"sku": sku_key_to_id(sku)}).sort("price", 1).to_list()
        return [SupplierOffer.model_validate(d) for d in docs]

    async def put_offer(
        self, sku: str, supplier_id: str, terms: OfferTerms, ctx: WriteContext
    ) -> SupplierOffer:
        """Create or replace a supplier's offer for a product (which must exist)."""
        doc = await self._product_doc(sku)
        return await self.suppliers.put_offer(doc["sku"], supplier_id, terms, ctx)

    async def typical_daily_movement(self, sku: str, days: int = 28) -> float:
        return await self.sales.typical_daily_movement(sku, days)

    async def daily_sales(self, sku: str | None = None, days: int | None = None) -> list[DailySales]:
        return await self.sales.daily_sales(sku, days)

    # ---- catalogue writes ----------------------------------------------------------------------------

    async def create_product(
        self, product: Product, stock: list[StockLevel], ctx: WriteContext
    ) -> ProductView:
        sites = {loc.site for loc in product.locations}
        if any(level.sku != product.sku or level.site not in sites for level in stock):
            raise InvalidInput("every stock level must be for this SKU at one of its locations")
        now = utcnow()
        product = product.model_copy(
            update={"sku": sku_key_to_id(product.sku), "created_at": now, "updated_at": now}
        )
        try:
            await self.store.products.insert_one(product_doc(product))
        except DuplicateKeyError as exc:
            raise Conflict(f"SKU {product.sku} exists already", sku=product.sku) from exc
        for site in sorted(sites):
            level = next(
                (s for s in stock if s.site == site), StockLevel(sku=product.sku, site=site, on_hand=0)
            )
            await self.store.stock.insert_one(stock_doc(level.model_copy(update={"updated_at": now})))
            await self.ledger.opening(product.sku, site, level.on_hand, ctx)
        await self.store.audit("product.create", product.sku, ctx, None, product.model_dump(mode="json"))
        self._version += 1
        return await self.get_product(product.sku)

    async def update_product(self, sku: str, update: ProductUpdate, ctx: WriteContext) -> ProductView:
        before = await self.get_product(sku)
        changes: Doc = {}
        for field in ("name", "aliases", "category", "pack_size", "unit_cost"):
            value = getattr(update, field)
            if value is not None:
                changes[field] = value
        if "name" in changes:
            changes["name_key"] = name_key(changes["name"])
        if "aliases" in changes:
            changes["alias_keys"] = [name_key(a) for a in changes["aliases"]]
        if changes:
            changes["updated_at"] = utcnow()
            await self.store.products.update_one({"_id": before.sku}, {"$set": changes})
            self._version += 1
        if update.min_qty is not None:
            await self._set_min(before, "min_qty", update.min_qty, update.site)
            self.events.write("set_min", ctx.channel)
        after = await self.get_product(before.sku)
        await self.store.audit(
            "product.update", before.sku, ctx, before.model_dump(mode="json"), after.model_dump(mode="json")
        )
        return after

    async def _set_min(self, view: ProductView, field: str, value: int, site: str | None) -> None:
        if value < 0:
            raise InvalidInput("a minimum cannot be negative")
        levels = [s for s in view.stock if site is None or s.site == site]
        if not levels:
            raise NotFound(f"{view.sku} is not stocked at {site}", sku=view.sku, site=site)
        for level in levels:
            updated = level.model_copy(update={field: value})
            await self.store.stock.update_one(
                {"_id": stock_id(level.sku, level.site)},
                {"$set": {field: value, "effective_min": updated.effective_min, "updated_at": utcnow()}},
            )

    async def set_dynamic_min(self, sku: str, site: str, value: int) -> None:
        """Forecast-driven reorder point (the user-set minimum still wins when higher)."""
        await self._set_min(await self.get_product(sku), "dynamic_min", int(value), site)

    # ---- stock movements -----------------------------------------------------------------------------

    async def record_movement(self, sku: str, req: MovementRequest, ctx: WriteContext) -> MovementResult:
        view = await self.get_product(sku)
        site = req.site or primary_site(view)
        if site is None or view.at(site) is None:
            raise NotFound(
                f"{view.product.name} is not stocked at {site}",
                sku=view.sku,
                sites=[s.site for s in view.stock],
            )
        result = await self.ledger.apply(
            view.sku, site, req.kind, req.quantity, ctx, reason=req.reason, bin_=req.bin
        )
        if not result.replayed:
            self.events.write(req.kind, ctx.channel)
        level, m = view.at(site), result.movement
        event = StockCrossed.of(view.sku, site, m.before, m.after, level.effective_min) if level else None
        if event is not None and not result.replayed:
            self._tell(event)
        return result

    def _tell(self, event: StockCrossed) -> None:
        for watcher in self.watchers:
            try:
                watcher(event)
            except Exception:  # a watcher's failure never fails the write it was told of
                log.exception("stock watcher failed on %s", event)

    async def reconcile(self, sku: str | None = None) -> ReconcileReport:
        with bulk_budget(15.0):  # the whole ledger may be read
            return await self.ledger.reconcile(sku_key_to_id(sku) if sku else None)

    # ---- orders (delegated) --------------------------------------------------------------------------

    async def quote_order(self, req: OrderRequest) -> OrderQuote:
        return await self.orders.quote(req)

    async def place_order(self, req: OrderRequest, ctx: WriteContext) -> PurchaseOrder:
        return await self.orders.place(req, ctx)

    async def get_order(self, order_id: str) -> PurchaseOrder:
        return await self.orders.get(order_id)

    async def list_orders(
        self, status: OrderStatus | None = None, sku: str | None = None, limit: int = 50
    ) -> list[PurchaseOrder]:
        return await self.orders.list_orders(status, sku, limit)

    async def set_order_status(self, order_id: str, status: OrderStatus, ctx: WriteContext) -> PurchaseOrder:
        order = await self.orders.transition(order_id, status, ctx)
        if status == OrderStatus.RECEIVED:
            receipt = MovementRequest(kind=MovementKind.RECEIPT, quantity=order.quantity, site=order.site)
            key = WriteContext(
                actor=ctx.actor, channel=ctx.channel, idempotency_key=f"po-received-{order_id}"
            )
            await self.record_movement(order.sku, receipt, key)
        return order

    async def recommendations(self, sku: str | None = None) -> list[Recommendation]:
        """Below-minimum items' order-up-to advice: every item's, or one item's (read alone)."""
        if sku is None:
            return await self.orders.simple_recommendations(await self.low_stock())
        view = await self.get_product(sku)
        return await self.orders.simple_recommendations([view] if view.is_low else [])

    # ---- insights ------------------------------------------------------------------------------------

    async def insights(self, unread_only: bool = False, limit: int = 50) -> list[Insight]:
        return await self.insight_book.latest(unread_only, limit)

    async def add_insight(
        self,
        kind: str,
        message: str,
        dedupe_key: str,
        sku: str | None = None,
        site: str | None = None,
        severity: str = "info",
    ) -> Insight | None:
        return await self.insight_book.add(kind, message, dedupe_key, sku, site, severity)

    async def mark_insights_read(self, insight_ids: list[str]) -> None:
        await self.insight_book.mark_read(insight_ids)

    async def insights_to_notify(self, dedupe_keys: Sequence[str]) -> list[Insight]:
        return await self.insight_book.to_notify(dedupe_keys)

    async def mark_insights_notified(self, dedupe_keys: Sequence[str]) -> None:
        await self.insight_book.mark_notified(dedupe_keys)

    async def health(self) -> dict[str, Any]:
        """``{"store": "ok" | "not answering" | "unreachable"}``, within half a second whatever the store does."""
        return {"store": await self.store.ping()}

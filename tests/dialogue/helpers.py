"""Pure-policy drivers: a small catalogue built from Product objects, and a driver that answers the policy's
``Fetch`` queries from in-test data (no I/O), recording every ``Commit`` so tests can check what would be written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dialogue.contract import HeardWords
from dialogue.policy.policy import Policy
from dialogue.policy.state import (
    Action,
    AskLlm,
    Commit,
    DataReady,
    DialogueState,
    Escalate,
    Event,
    Fetch,
    LlmDone,
    PolicyConfig,
    Query,
    Speak,
    UserSaid,
    WriteDone,
)
from dialogue.schemas import (
    DemandForecast,
    InventoryRecord,
    LowStockItem,
    LowStockList,
    MinimumSet,
    OrderList,
    OrderOut,
    RestockAdvice,
    RestockList,
    SiteStock,
    StockUpdate,
    SupplierEntry,
    SupplierInfo,
)
from dialogue.understanding.nlu import Slots
from dialogue.understanding.resolve import CatalogueIndex
from inventory_core.models import Location, Product

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def product(sku: str, name: str, *aliases: str, pack: int = 1, site_bins: tuple[tuple[str, str, str], ...] = (),
            pallet: int | None = None) -> Product:  # fmt: skip
    locs = [Location(site=s, bin=b, check_digits=c) for s, b, c in site_bins]
    return Product(sku=sku, name=name, aliases=list(aliases), category="test", pack_size=pack, pallet_size=pallet,
                   locations=locs)  # fmt: skip


CATALOGUE = [
    product("W-1", "widget a", site_bins=(("main", "A-01-1", "47"),)),
    product("W-2", "widget b", site_bins=(("main", "A-01-2", "52"),)),
    product("HB-3", "half-inch hex bolts", "half inch bolts", pack=100, pallet=4000,
            site_bins=(("main", "B-07-3", "31"), ("east", "C-02-1", "88"))),
    product("NG-4", "nitrile gloves large", "large nitrile gloves", pack=100, site_bins=(("main", "D-04-2", "15"),)),
    product("NG-5", "nitrile gloves medium", pack=100, site_bins=(("main", "D-04-1", "16"),)),
    product("PW-6", "pallet wrap", "stretch wrap", pack=4, site_bins=(("main", "E-01-1", ""),)),
    product("NV-7", "nine volt batteries", pack=24, site_bins=(("main", "F-03-3", "07"),)),
    product("TB-8", "trash bags thirty three gallon", "garbage bags thirty three gallon", pack=100,
            site_bins=(("main", "G-01-1", "60"),)),
    product("ST-9", "steel toe boots size ten", "work boots size ten", site_bins=(("main", "H-02-2", "19"),)),
    product("EC-10", "extension cords twenty five foot", "twenty five foot extension cord", pack=5,
            site_bins=(("main", "H-05-1", "44"),)),
    product("CT-11", "cable ties eight inch", "zip ties eight inch", pack=1000, site_bins=(("east", "K-01-1", "23"),)),
    product("CP-12", "coffee pods", pack=12, site_bins=(("main", "M-01-1", "90"),)),
    product("TP-13", "toilet paper", pack=12, site_bins=(("main", "M-02-1", "91"),)),
    product("MO-14", "motor oil", pack=6, site_bins=(("east", "N-01-1", "12"),)),
    product("BW-15", "bubble wrap twelve inch", pack=4, site_bins=(("main", "P-01-1", "33"),)),
    product("HH-16", "hard hats white", "white hard hat", pack=10, site_bins=(("main", "R-01-1", "54"),)),
]  # fmt: skip


def index() -> CatalogueIndex:
    return CatalogueIndex.build(CATALOGUE, version=1)


@dataclass
class World:
    """What the queries answer: on-hand per (sku, site), typical daily movement, recommendations."""

    on_hand: dict[tuple[str, str], int] = field(default_factory=dict)
    daily: dict[str, float] = field(default_factory=dict)
    recommend: dict[str, int] = field(default_factory=dict)
    low: list[tuple[str, str, int, int]] = field(default_factory=list)
    minimum: dict[str, int] = field(default_factory=dict)  # reorder threshold per site (default 20)
    min_order: dict[str, int] = field(default_factory=dict)  # the preferred supplier's minimum order quantity
    fail_writes: str | None = None  # error code for the next commit
    retryable: bool = False


class Driver:
    """Runs the pure policy the way the runner does, answering queries from ``World``."""

    def __init__(self, world: World | None = None, config: PolicyConfig | None = None,
                 catalogue: CatalogueIndex | None = None, **state: Any) -> None:  # fmt: skip
        self.policy = Policy(catalogue or index(), config or PolicyConfig())
        self.state = DialogueState(session_id=state.pop("session_id", "s1"), **state)
        self.world = world or World()
        self.commits: list[Commit] = []
        self.escalations: list[Escalate] = []
        self.transcript: list[tuple[str, str]] = []  # ("user"|"agent", text)
        self.speaks: list[Speak] = []
        self.t = 0.0
        self.llm_answer: str | None = None

    def say(self, text: str, dt: float = 1.0) -> Speak:
        self.t += dt
        self.transcript.append(("user", text))
        return self.send(UserSaid(text, self.t))

    def hear(
        self, text: str, unsure: tuple[str, ...] = (), confidence: float = 0.95, low: float = 0.3
    ) -> Speak:
        """``text`` as recognized speech: each word at ``confidence``, the words in ``unsure`` at ``low``."""
        self.t += 1.0
        self.transcript.append(("user", text))
        words = tuple((w, low if w in unsure else confidence) for w in text.split())
        return self.send(UserSaid(text, self.t, HeardWords(confidence, words)))

    def send(self, event: Event) -> Speak:
        spoken: list[Speak] = []
        current: Event | None = event
        for _ in range(8):
            if current is None:
                break
            self.state, actions = self.policy.step(self.state, current)
            current = self._run(actions, spoken)
        for s in spoken:
            self.transcript.append(("agent", s.text))
        self.speaks.extend(spoken)
        return spoken[-1] if spoken else Speak("")

    def _run(self, actions: list[Action], spoken: list[Speak]) -> Event | None:
        nxt: Event | None = None
        for a in actions:
            if isinstance(a, Speak):
                spoken.append(a)
            elif isinstance(a, Fetch):
                nxt = DataReady({q.name: self.answer(q) for q in a.queries}, at=self.t)
            elif isinstance(a, Commit):
                self.commits.append(a)
                nxt = self.commit(a)
            elif isinstance(a, Escalate):
                self.escalations.append(a)
            elif isinstance(a, AskLlm):
                nxt = LlmDone(self.llm_answer)
        return nxt

    def record(self, sku: str) -> InventoryRecord:
        p = self.policy.index.products[sku]
        least = self.world.minimum.get(sku, 20)
        sites = [SiteStock(site=loc.site, on_hand=self.world.on_hand.get((sku, loc.site), 50), reorder_threshold=least,
                           bins=[loc.bin]) for loc in p.locations]  # fmt: skip
        total = sum(s.on_hand for s in sites)
        return InventoryRecord(product_id=sku, name=p.name, category="test", pack_size=p.pack_size,
                               current_quantity=total, reorder_threshold=least * len(sites),
                               is_low=any(s.on_hand < least for s in sites), sites=sites)  # fmt: skip

    def answer(self, q: Query) -> Any:
        w = self.world
        sku = q.sku or ""
        if q.name == "stock":
            return self.record(sku)
        if q.name == "movement":
            return w.daily.get(sku, 5.0)
        if q.name == "suppliers":
            return SupplierInfo(product_id=sku, name=self.policy.index.name(sku), suppliers=[
                SupplierEntry(supplier_id="SUP01", supplier_name="Acme Industrial Supply", in_stock_qty=900,
                              price_per_unit=0.25, lead_time_days=5, preferred=True,
                              min_order_qty=w.min_order.get(sku, 1)),
                SupplierEntry(supplier_id="SUP02", supplier_name="Bolt and Nut Company", in_stock_qty=100,
                              price_per_unit=0.2, lead_time_days=9)])  # fmt: skip
        if q.name == "recommend":
            skus = [q.sku] if q.sku else list(w.recommend)
            return RestockList(items=[
                RestockAdvice(product_id=s, name=self.policy.index.name(s), site="main", current_quantity=10,
                              reorder_point=40, recommended_order_quantity=w.recommend.get(s, 0), basis="low")
                for s in skus if w.recommend.get(s, 0) > 0])  # fmt: skip
        if q.name == "forecast":
            rate = w.daily.get(sku, 5.0)
            return DemandForecast(product_id=sku, name=self.policy.index.name(sku), period=f"next_{q.days}_days",
                                  period_days=q.days or 30, predicted_demand=rate * (q.days or 30),
                                  confidence_interval=(rate * 20, rate * 40), daily_rate=rate, method="test")  # fmt: skip
        if q.name == "orders":
            return OrderList(items=[])
        if q.name == "low_stock":
            return LowStockList(items=[LowStockItem(product_id=s, name=self.policy.index.name(s), site=site,
                                                    current_quantity=qty, threshold=t)
                                       for s, site, qty, t in w.low])  # fmt: skip
        if q.name == "insights":
            return []
        raise AssertionError(q)

    def commit(self, c: Commit) -> WriteDone:
        from dialogue.policy.state import ErrorInfo

        d = c.draft
        if self.world.fail_writes:
            code, self.world.fail_writes = self.world.fail_writes, None
            return WriteDone(
                error=ErrorInfo(code, "no", {"on_hand": 3}), retryable=self.world.retryable, at=self.t
            )
        site = d.site or "main"
        before = self.world.on_hand.get((d.sku, site), 50)
        if d.kind == "order":
            return WriteDone(result=OrderOut(order_id="PO-00AB12", product_id=d.sku, quantity=d.quantity,
                                             supplier_id=d.supplier_id or "SUP01", site=site, unit_price=0.25,
                                             status="placed", created_at=NOW), at=self.t)  # fmt: skip
        if d.kind == "set_min":
            return WriteDone(result=MinimumSet(product_id=d.sku, site=d.site, min_qty=d.quantity), at=self.t)
        after = {"receipt": before + d.quantity, "pick": before - d.quantity, "count": d.quantity}[d.kind]
        self.world.on_hand[(d.sku, site)] = after
        kind = {"receipt": "receipt", "pick": "pick", "count": "count"}[d.kind]
        return WriteDone(result=StockUpdate(product_id=d.sku, site=site, kind=kind, previous_quantity=before,  # type: ignore[arg-type]
                                            updated_quantity=after, status="updated successfully",
                                            movement_id="m1"), at=self.t)  # fmt: skip


__all__ = ["CATALOGUE", "Driver", "Slots", "World", "index", "product"]

"""Generated catalogues of other trades (food service, pharmacy, auto parts, apparel) that share no item name or
SKU prefix with the demo warehouse: odd names, numbers in names, near-homophones, families with sizes and
colours, pack sizes, suppliers with minimum order quantities, and two spoken sites per trade.

Everything is drawn from a seeded ``random.Random``: the same seed gives the same catalogue."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Site:
    site_id: str
    spoken: str


@dataclass(frozen=True)
class Supplier:
    supplier_id: str
    name: str
    lead_time_days: int


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    category: str
    unit: str
    pack_size: int
    unit_cost: float
    stock: dict[str, int]  # site id -> on hand; the first site is the primary location
    bins: dict[str, tuple[str, str]]  # site id -> (bin, check digits)
    supplier_id: str
    min_order_qty: int
    family: str | None = None  # the family name ("wiper blades") when the item is one of several variants
    variant: str | None = None  # "twenty two inch", "navy", "large"
    aliases: tuple[str, ...] = ()

    @property
    def primary_site(self) -> str:
        return next(iter(self.stock))

    def create_body(self) -> dict[str, Any]:
        """The ``POST /api/inventory`` body a client would send."""
        return {
            "sku": self.sku,
            "name": self.name,
            "aliases": list(self.aliases),
            "category": self.category,
            "unit": self.unit,
            "pack_size": self.pack_size,
            "unit_cost": self.unit_cost,
            "locations": [{"site": s, "bin": b, "check_digits": d} for s, (b, d) in self.bins.items()],
            "stock": [{"site": s, "on_hand": q, "min_qty": max(1, q // 4)} for s, q in self.stock.items()],
        }


@dataclass(frozen=True)
class Catalogue:
    trade: str
    sites: tuple[Site, ...]
    suppliers: tuple[Supplier, ...]
    items: tuple[Item, ...]
    unknown: tuple[str, ...]  # things a caller may ask for that this store does not carry
    families: dict[str, tuple[str, ...]] = field(default_factory=dict)  # family -> SKUs

    def item(self, sku: str) -> Item:
        return next(i for i in self.items if i.sku == sku)

    def site(self, site_id: str) -> Site:
        return next(s for s in self.sites if s.site_id == site_id)


@dataclass(frozen=True)
class Trade:
    """The word pools of one trade; a catalogue draws its items from them."""

    name: str
    prefix: str
    category: str
    unit: str
    sites: tuple[tuple[str, str], ...]
    suppliers: tuple[str, ...]
    families: tuple[tuple[str, str, tuple[str, ...]], ...]  # (family, pattern with {v}, variants)
    singles: tuple[str, ...]
    unknown: tuple[str, ...]


# fmt: off
TRADES: dict[str, Trade] = {
    "food_service": Trade(
        "food_service", "FSV", "food service", "case",
        (("dry", "dry store"), ("cool", "walk in cooler")),
        ("Harbour Provisions", "Milltown Foods", "Kestrel Catering Supply"),
        (("deli containers", "deli containers {v}", ("eight ounce", "sixteen ounce", "thirty two ounce")),
         ("cutting boards", "{v} cutting boards", ("red", "yellow", "green", "purple"))),
        ("tomato paste number ten cans", "fryer oil", "flour tortillas", "parchment sheets", "sriracha",
         "half size sheet pans", "two percent milk", "canola spray", "sugar packets", "butter pats",
         "lemon juice", "lime juice", "pita rounds", "cocktail picks", "ramekins four ounce", "cornstarch",
         "corn starch noodles", "anchovy fillets"),
        ("unicorn saddles", "truffle shavers", "lobster bibs", "caviar spoons", "ostrich eggs"),
    ),
    "pharmacy": Trade(
        "pharmacy", "RXP", "pharmacy", "box",
        (("front", "front counter"), ("vault", "back vault")),
        ("Cardinal Reach", "Meadow Health Supply", "Tidewater Pharma"),
        (("syringes", "{v} syringes", ("one mil", "three mil", "ten mil")),
         ("compression stockings", "compression stockings {v}", ("small", "medium", "large"))),
        ("ibuprofen two hundred", "saline flush", "alcohol swabs", "pill crushers", "lancets",
         "glucose test strips", "zinc lozenges", "vitamin d three", "cough drops", "cough syrup", "gauze rolls",
         "blister packs", "amber vials", "insulin coolers", "pill splitters", "thermometer covers",
         "nasal spray", "heat wraps"),
        ("unicorn saddles", "leech jars", "walrus oil", "snake venom kits", "tuba valves"),
    ),
    "auto_parts": Trade(
        "auto_parts", "AUT", "auto parts", "each",
        (("bay", "service bay"), ("yard", "north yard")),
        ("Redline Distributors", "Ox Bow Auto Supply", "Castellan Parts"),
        (("wiper blades", "wiper blades {v}", ("sixteen inch", "twenty two inch", "twenty six inch")),
         ("motor oil", "motor oil {v}", ("five w thirty", "ten w forty", "zero w twenty"))),
        ("oxygen sensors", "serpentine belts", "cabin air filters", "lug nuts", "coolant fifty fifty",
         "headlight bulbs h eleven", "tire valve stems", "battery terminals", "radiator caps",
         "brake fluid dot four", "wheel weights", "front brake pads", "rear brake rotors", "spark plugs",
         "fuel injectors", "tail light lenses", "horn relays", "cv boots"),
        ("unicorn saddles", "flux capacitors", "jet skis", "wagon wheels", "saddle soap"),
    ),
    "apparel": Trade(
        "apparel", "APR", "apparel", "each",
        (("floor", "shop floor"), ("loft", "stock loft")),
        ("Loom and Lark", "Pennine Textiles", "Bluebell Garments"),
        (("crew socks", "{v} crew socks", ("black", "white", "heather grey")),
         ("polo shirts", "polo shirts {v}", ("small", "medium", "large", "extra large"))),
        ("hangers", "garment bags", "size stickers", "denim jackets", "fleece vests", "tank tops",
         "hoodies", "leggings", "shoe horns", "swing tags", "lint rollers", "cargo shorts", "bucket hats",
         "beanies", "bow ties", "boat shoes", "flannel shirts", "rain ponchos"),
        ("unicorn saddles", "ballet tutus", "chain mail", "space suits", "kilt pins"),
    ),
}
# fmt: on

ITEMS_PER_CATALOGUE = 15
PACK_SIZES = (1, 4, 6, 10, 12, 24, 50)
MOQS = (1, 5, 10, 20, 25)


def build_catalogue(trade_name: str, seed: int) -> Catalogue:
    """One catalogue of ``trade_name``, deterministic for ``seed``: both families, then singles to 15 items."""
    trade = TRADES[trade_name]
    rng = random.Random(f"{trade_name}:{seed}")
    sites = tuple(Site(s, spoken) for s, spoken in trade.sites)
    suppliers = tuple(
        Supplier(f"{trade.prefix}S{k + 1}", name, rng.randint(2, 12))
        for k, name in enumerate(trade.suppliers)
    )
    named: list[tuple[str, str | None, str | None]] = []
    for fam, pattern, variants in trade.families:
        named += [(pattern.format(v=v), fam, v) for v in variants]
    named += [(n, None, None) for n in rng.sample(trade.singles, ITEMS_PER_CATALOGUE - len(named))]
    items: list[Item] = []
    families: dict[str, list[str]] = {}
    numbers = rng.sample(range(100, 999), len(named))
    for k, (name, family, variant) in enumerate(named):
        sku = f"{trade.prefix}-{numbers[k]}"
        site_ids = [s.site_id for s in sites]
        rng.shuffle(site_ids)
        stocked = site_ids[: rng.choice((1, 2, 2))]
        stock = {s: rng.randint(12, 480) for s in stocked}
        bins = {s: (f"{s[0].upper()}{rng.randint(1, 40)}", f"{rng.randint(10, 99)}") for s in stocked}
        items.append(Item(
            sku=sku, name=name, category=trade.category, unit=trade.unit, pack_size=rng.choice(PACK_SIZES),
            unit_cost=round(rng.uniform(0.5, 60.0), 2), stock=stock, bins=bins,
            supplier_id=rng.choice(suppliers).supplier_id, min_order_qty=rng.choice(MOQS),
            family=family, variant=variant,
        ))  # fmt: skip
        if family:
            families.setdefault(family, []).append(sku)
    return Catalogue(
        trade=trade_name, sites=sites, suppliers=suppliers, items=tuple(items), unknown=trade.unknown,
        families={f: tuple(s) for f, s in families.items()},
    )  # fmt: skip


TUNE_TRADES = ("food_service",)
HELDOUT_TRADES = ("pharmacy", "auto_parts", "apparel")


def catalogues_for(which: str, seed: int) -> list[Catalogue]:
    """The catalogues of the ``tune`` or ``heldout`` set."""
    trades = TUNE_TRADES if which == "tune" else HELDOUT_TRADES
    return [build_catalogue(t, seed) for t in trades]

"""A deterministic demo warehouse: 315 products across 11 categories at two sites, 20 suppliers with offers,
and two years of daily sales per product and site (trend, weekly seasonality, promotions, slow movers)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from inventory_core.demo_catalogue import FAMILIES, SITE_NAMES, SITES, SUPPLIER_NAMES
from inventory_core.models import Location, Product, StockLevel, Supplier, SupplierOffer

HISTORY_DAYS = 730


@dataclass(frozen=True)
class SalesSeries:
    sku: str
    site: str
    start: datetime  # UTC midnight of the first day
    qty: list[int]


@dataclass(frozen=True)
class DemoDataset:
    products: list[Product]
    stock: list[StockLevel]
    suppliers: list[Supplier]
    offers: list[SupplierOffer]
    sales: list[SalesSeries]
    site_names: dict[str, str] = field(default_factory=lambda: dict(SITE_NAMES))


def _bin(rng: random.Random) -> tuple[str, str]:
    aisle = rng.choice("ABCDEFGH")
    bin_code = f"{aisle}-{rng.randint(1, 24):02d}-{rng.randint(1, 5)}"
    check = f"{rng.randint(10, 99)}"
    return bin_code, check


def demo_products(seed: int = 7) -> list[Product]:
    rng = random.Random(seed)
    products: list[Product] = []
    number = 1001
    for family in FAMILIES:
        for variant in family.variants:
            name = family.pattern.format(v=variant)
            aliases = [a.format(v=variant) for a in family.aliases]
            sites = ["main"] + (["east"] if rng.random() < 0.6 else [])
            locations = []
            for site in sites:
                bin_code, check = _bin(rng)
                locations.append(Location(site=site, bin=bin_code, check_digits=check))
            products.append(
                Product(
                    sku=f"{family.prefix}-{number}",
                    name=name,
                    aliases=aliases,
                    category=family.category,
                    unit="each",
                    pack_size=family.pack_size,
                    pallet_size=family.pack_size * 40,
                    locations=locations,
                    unit_cost=round(family.unit_cost * rng.uniform(0.8, 1.25), 2),
                    preferred_supplier_id=None,
                )
            )
            number += 1
    return products


def _sales(rng: np.random.Generator, days: int) -> np.ndarray:
    """One daily demand series: level x trend x weekday profile, with promotions; a fifth are slow movers."""
    t = np.arange(days)
    if rng.random() < 0.2:  # intermittent slow mover
        rate = rng.uniform(0.05, 0.4)
        return rng.poisson(rate, days).astype(np.int64)
    level = float(rng.lognormal(mean=2.2, sigma=0.9))
    trend = 1.0 + rng.uniform(-0.25, 0.45) * t / days
    weekday = np.array([1.15, 1.1, 1.05, 1.1, 1.2, 0.45, 0.3])  # Mon..Sun
    profile = weekday[(t + 3) % 7]
    promo = np.ones(days)
    for _ in range(int(rng.integers(1, 5))):
        start = int(rng.integers(0, days - 10))
        promo[start : start + int(rng.integers(3, 10))] *= rng.uniform(1.6, 2.8)
    mean = np.maximum(level * trend * profile * promo, 0.0)
    return rng.poisson(mean).astype(np.int64)


def demo_dataset(seed: int = 7, today: datetime | None = None) -> DemoDataset:
    """Everything the demo store holds. ``today`` anchors the history so that it ends yesterday."""
    rng = random.Random(seed + 1)
    nrng = np.random.default_rng(seed)
    now = today or datetime.now(UTC)
    start = (now - timedelta(days=HISTORY_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    suppliers = [
        Supplier(supplier_id=f"SUP{i + 1:02d}", name=name, email=f"orders@sup{i + 1:02d}.example")
        for i, name in enumerate(SUPPLIER_NAMES)
    ]
    products: list[Product] = []
    stock: list[StockLevel] = []
    offers: list[SupplierOffer] = []
    sales: list[SalesSeries] = []
    for product in demo_products(seed):
        chosen = rng.sample(suppliers, k=rng.randint(1, 3))
        for supplier in chosen:
            offers.append(
                SupplierOffer(
                    sku=product.sku,
                    supplier_id=supplier.supplier_id,
                    supplier_name=supplier.name,
                    price=round(product.unit_cost * rng.uniform(0.85, 1.2), 2),
                    supplier_on_hand=rng.randint(0, 5000),
                    lead_time_days=rng.randint(2, 21),
                    min_order_qty=product.pack_size,
                    last_checked=now - timedelta(hours=rng.randint(1, 72)),
                )
            )
        products.append(product.model_copy(update={"preferred_supplier_id": chosen[0].supplier_id}))
        for loc in product.locations:
            series = _sales(nrng, HISTORY_DAYS)
            daily = float(series[-56:].mean())
            min_qty = max(1, round(daily * rng.uniform(5, 12) / product.pack_size)) * product.pack_size
            low = rng.random() < 0.08
            cover_days = rng.uniform(0.2, 0.9) if low else rng.uniform(1.5, 6.0)
            on_hand = max(0, round(max(min_qty, product.pack_size) * cover_days))
            stock.append(
                StockLevel(sku=product.sku, site=loc.site, on_hand=on_hand, min_qty=min_qty, updated_at=now)
            )
            sales.append(SalesSeries(sku=product.sku, site=loc.site, start=start, qty=series.tolist()))
    assert {s.site for s in stock} <= set(SITES)
    return DemoDataset(products=products, stock=stock, suppliers=suppliers, offers=offers, sales=sales)

"""Synthetic daily demand for tests and benchmarks: a seeded mix of the shapes warehouses see."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("seasonal", "trended", "smooth", "intermittent", "lumpy")


@dataclass(frozen=True)
class SyntheticDemand:
    y: np.ndarray  # (n, days) units per day
    kind: np.ndarray  # (n,) index into KINDS
    rate: np.ndarray  # (n, days) the expected demand the counts were drawn from


def synthetic_demand(
    n: int, days: int, seed: int = 0, mix: tuple[float, ...] | None = None
) -> SyntheticDemand:
    """``n`` series of ``days`` days. ``mix`` gives the share of each of ``KINDS`` (default: a realistic
    assortment where a quarter of the items sell a few times a month)."""
    rng = np.random.default_rng(seed)
    shares = np.asarray(mix or (0.35, 0.15, 0.2, 0.2, 0.1), dtype=float)
    kind = rng.choice(len(KINDS), size=n, p=shares / shares.sum())
    t = np.arange(days)[None, :]
    level = rng.lognormal(mean=2.0, sigma=0.9, size=(n, 1))
    weekday = np.array([1.15, 1.1, 1.05, 1.1, 1.2, 0.45, 0.3])
    weekly = np.where((kind == 0)[:, None], weekday[(t + rng.integers(0, 7, size=(n, 1))) % 7], 1.0)
    yearly = 1.0 + rng.uniform(0.0, 0.25, size=(n, 1)) * np.sin(
        2 * np.pi * (t / 365.0) + rng.uniform(0, 6.3, (n, 1))
    )
    slope = np.where(
        (kind == 1)[:, None], rng.uniform(-0.4, 0.8, size=(n, 1)), rng.uniform(-0.1, 0.1, size=(n, 1))
    )
    trend = np.maximum(1.0 + slope * t / days, 0.05)
    rate = level * weekly * yearly * trend
    shift = rng.random(n) < 0.15  # a level shift part-way through (new customer, lost listing)
    when = rng.integers(days // 3, days, size=n)
    factor = rng.uniform(0.5, 1.8, size=n)
    rate = np.where(shift[:, None] & (t >= when[:, None]), rate * factor[:, None], rate)
    counts = rng.poisson(rate)
    # Intermittent: a demand on a few days; lumpy: rarer and in bigger lots.
    p_demand = np.where(kind == 3, rng.uniform(0.03, 0.3, n), rng.uniform(0.01, 0.08, n))
    lot = np.where(kind == 3, rng.uniform(1.0, 4.0, n), rng.uniform(5.0, 40.0, n))
    sparse = (rng.random((n, days)) < p_demand[:, None]) * (1 + rng.poisson(lot[:, None] - 1.0, (n, days)))
    intermittent = (kind >= 3)[:, None]
    y = np.where(intermittent, sparse, counts).astype(float)
    rate = np.where(intermittent, (p_demand * lot)[:, None] * np.ones((1, days)), rate)
    return SyntheticDemand(y=y, kind=kind, rate=rate)

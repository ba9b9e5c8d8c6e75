"""Reorder points and order quantities from forecasts, for every series at once.

Dynamic reorder point = forecast demand over the supplier lead time + z·σ·√lead-time, where σ is the series'
daily forecast error from the backtest and z comes from the service level. A minimum set by a person wins when
higher. The order brings the inventory position (on hand + on order) up to the demand over lead time plus one
review period (with its own safety stock), rounded up to whole packs and the supplier's minimum."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


@dataclass(frozen=True)
class RestockPolicy:
    service_level: float = 0.95
    """Probability of not running out during a replenishment cycle."""
    review_period_days: int = 7
    """Days between ordering opportunities; the order covers them too."""
    default_lead_time_days: int = 7
    """Used when an item has no supplier offer."""

    @property
    def z(self) -> float:
        return NormalDist().inv_cdf(self.service_level)


@dataclass(frozen=True)
class RestockInputs:
    """Per series, aligned with the forecast rows."""

    on_hand: np.ndarray
    on_order: np.ndarray  # units on open purchase orders
    min_qty: np.ndarray  # minimum set by a person (0: none)
    lead_time_days: np.ndarray
    pack_size: np.ndarray
    min_order_qty: np.ndarray


@dataclass(frozen=True)
class RestockPlan:
    dynamic_min: np.ndarray  # reorder point from the forecast alone
    reorder_point: np.ndarray  # max(dynamic_min, min_qty)
    order_up_to: np.ndarray
    quantity: np.ndarray  # 0 when no order is due
    demand_rate: np.ndarray  # mean forecast units per day over lead time + review period
    lead_demand: np.ndarray  # forecast units over the lead time
    safety_stock: np.ndarray
    days_to_stockout: np.ndarray  # whole days from today until on-hand runs out; inf when never
    order_in_days: np.ndarray  # days from today until the order is due (0: now); inf when never

    @property
    def needs_order(self) -> np.ndarray:
        return self.quantity > 0


def _extend_mean(mean: np.ndarray, days: int) -> np.ndarray:
    """Pad the forecast to ``days`` by repeating the average of its last week."""
    if mean.shape[1] >= days:
        return mean
    tail = mean[:, -min(7, mean.shape[1]) :].mean(axis=1, keepdims=True)
    return np.concatenate([mean, np.repeat(tail, days - mean.shape[1], axis=1)], axis=1)


def _first_crossing(cum: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """First day index where ``cum`` reaches ``threshold``; inf where it never does within the horizon, or an
    extrapolation from the tail rate where the horizon is too short."""
    hit = cum >= threshold[:, None]
    found = hit.any(axis=1)
    first = np.argmax(hit, axis=1).astype(float)
    tail_rate = (cum[:, -1] - cum[:, -8]) / 7.0 if cum.shape[1] > 8 else cum[:, -1] / max(cum.shape[1], 1)
    remaining = threshold - cum[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        beyond = cum.shape[1] - 1 + np.ceil(remaining / tail_rate)
    beyond = np.where(tail_rate > 1e-9, beyond, np.inf)
    return np.where(found, first, beyond)


def plan_restock(
    mean: np.ndarray, sigma_daily: np.ndarray, inputs: RestockInputs, policy: RestockPolicy
) -> RestockPlan:
    """``mean`` is the daily forecast (n, H) starting today; ``sigma_daily`` the daily error (n,)."""
    n = mean.shape[0]
    lead = np.clip(np.asarray(inputs.lead_time_days, dtype=int), 1, 365)
    review = max(int(policy.review_period_days), 1)
    cover = lead + review
    span = int(cover.max(initial=1)) + 1
    cum = np.cumsum(_extend_mean(np.maximum(mean, 0.0), span), axis=1)
    rows = np.arange(n)
    z = policy.z
    sigma = np.maximum(np.asarray(sigma_daily, dtype=float), 0.0)

    lead_demand = cum[rows, lead - 1]
    safety = z * sigma * np.sqrt(lead)
    dynamic_min = np.ceil(lead_demand + safety - 1e-9).astype(int)
    min_qty = np.asarray(inputs.min_qty, dtype=int)
    reorder_point = np.maximum(dynamic_min, min_qty)

    cover_demand = cum[rows, cover - 1]
    review_demand = cover_demand - lead_demand
    target = np.ceil(cover_demand + z * sigma * np.sqrt(cover) - 1e-9)
    order_up_to = np.maximum(target, reorder_point + np.ceil(review_demand)).astype(int)

    on_hand = np.asarray(inputs.on_hand, dtype=int)
    position = on_hand + np.asarray(inputs.on_order, dtype=int)
    due = position <= reorder_point
    pack = np.maximum(np.asarray(inputs.pack_size, dtype=int), 1)
    moq = np.maximum(np.asarray(inputs.min_order_qty, dtype=int), 1)
    raw = np.maximum(order_up_to - position, 1)
    packs = np.ceil(np.maximum(raw, moq) / pack)
    quantity = np.where(due, packs * pack, 0).astype(int)

    days_to_stockout = _first_crossing(cum, on_hand + 1e-9)
    zero_stock = on_hand <= 0
    days_to_stockout = np.where(zero_stock, 0.0, days_to_stockout)
    # The order is due on the first day the projected position falls to the reorder point.
    with_zero = np.concatenate([np.zeros((n, 1)), cum], axis=1)
    order_in = _first_crossing(with_zero, (position - reorder_point).astype(float))
    order_in_days = np.where(due, 0.0, order_in)
    return RestockPlan(
        dynamic_min=dynamic_min,
        reorder_point=reorder_point,
        order_up_to=order_up_to,
        quantity=quantity,
        demand_rate=cover_demand / cover,
        lead_demand=lead_demand,
        safety_stock=safety,
        days_to_stockout=days_to_stockout,
        order_in_days=order_in_days,
    )

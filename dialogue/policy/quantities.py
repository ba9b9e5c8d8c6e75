"""What a normal quantity is for one write, and when a quantity is unusual enough for a second "yes".

Pure: the evidence arrives through the write's ``Fetch`` (the ``movement``, ``stock`` and ``suppliers`` queries)
and the catalogue. Two sources, in this order:

**History** — the item's mean daily movement from its sales, when it says the item moves at least one unit in
the period a write is compared with (a week for orders, receipts and minimums, a day for picks and counts). The
typical amount is that rate × the period; a write is unusual above ``factor`` × max(typical, one pack, one unit),
a count when it differs from on-hand by more than that. (Unchanged from before the prior existed.)

**Catalogue prior** — when there is no history, or too little (the rate is missing, zero, or under one unit a
period: a mean over a handful of sales says nothing about scale), the item's own catalogue data give the scale.
With pack size ``P``, the chosen supplier's minimum order quantity ``M``, the reorder point (effective minimum)
``R`` and on-hand ``H`` at the write's site, and the stock the item is kept at ``S = max(R, H)``:

- an order or receipt normally restocks about the stock kept, and is never less than the supplier's minimum or
  a few (``PRIOR_PACKS`` = 3) packs: typical ``T = max(M, S, 3P)``. Unusual above ``factor`` × T, except a whole
  number of packs up to one pallet (a full pallet of a new item is a normal first order). With factor 10, an
  item with P = 12, R = 20, H = 30 and M = 24 has T = 36: up to 360 units (30 cases) goes through on one yes,
  and one pallet of whole cases too; 1000 cases (12,000) is warned.
- a pick is about a pack or a tenth of the stock kept: ``T = max(P, S / factor)``, so it is unusual only above
  both ``factor`` packs and the whole stock kept. When on-hand is known that never happens for a pick the
  store would take — a pick larger than on-hand is the store's own refusal ("Only three on hand") — so the
  prior only warns when on-hand could not be read.
- a count is compared with on-hand the same way: unusual when it differs from on-hand by more than
  max(``factor`` packs, the stock kept).

In both modes an order of exactly the chosen supplier's minimum order quantity is never unusual: the supplier
takes nothing smaller, so a warning could only be answered with the same figure. Minimums are never warned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PRIOR_PACKS = 3
"""A normal order or receipt of an item without history is at least this many packs."""

Source = Literal["history", "catalogue"]
_COVERED = frozenset(
    {"order", "receipt", "set_min"}
)  # compared with a week's movement, the rest with a day's
_RESTOCK = frozenset({"order", "receipt"})


@dataclass(frozen=True)
class Usual:
    """The typical amount one write of its kind moves, where that figure comes from, and the catalogue facts
    the exemptions need. ``limit`` is the quantity (for a count: the distance from on-hand) above which the
    write is unusual."""

    typical: float
    limit: float
    source: Source
    pack: int = 1
    pallet: int | None = None
    min_order: int | None = None


def usual(
    kind: str,
    *,
    factor: float,
    cover_days: float,
    daily: float | None,
    pack: int = 1,
    pallet: int | None = None,
    min_order: int | None = None,
    reorder_point: int | None = None,
    on_hand: int | None = None,
) -> Usual:
    """The usual amount for a write of ``kind`` from the evidence there is (see the module docstring).
    ``daily`` is the mean daily movement from history (None when it could not be read), ``cover_days`` the
    period an order or receipt is compared with."""
    pack = max(int(pack), 1)
    period = cover_days if kind in _COVERED else 1.0
    if daily is not None and daily > 0 and daily * period >= 1.0:
        typical = float(daily) * period
        base = max(typical, float(pack), 1.0)
        return Usual(typical, factor * base, "history", pack, pallet, min_order)
    kept = float(max(reorder_point or 0, on_hand or 0, 0))
    if kind in _RESTOCK:
        typical = max(float(min_order or 0), kept, float(PRIOR_PACKS * pack))
    else:
        typical = max(float(pack), kept / factor)
    return Usual(typical, factor * typical, "catalogue", pack, pallet, min_order)


def is_unusual(kind: str, quantity: int, current: int | None, u: Usual | None) -> bool:
    """Whether ``quantity`` needs a second, explicit yes. ``current`` is on-hand at the write's site."""
    if u is None or kind == "set_min":
        return False
    if kind == "order" and u.min_order is not None and u.min_order > 1 and quantity == u.min_order:
        return False
    if kind == "count":
        return current is not None and abs(quantity - current) > u.limit
    if quantity <= u.limit:
        return False
    if u.source == "catalogue":
        if kind in _RESTOCK and u.pack > 1 and quantity % u.pack == 0 and quantity <= (u.pallet or 0):
            return False  # whole cases up to one pallet
        if kind == "pick" and current is not None:
            return False  # more than on-hand: the store refuses it and says why
    return True


__all__ = ["PRIOR_PACKS", "Source", "Usual", "is_unusual", "usual"]

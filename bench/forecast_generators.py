"""The synthetic demand generators ``bench/forecast.py`` reports accuracy on, by letter, with their standing.

A is the tune set. B and C were looked at during engine work; D was looked at once, after the engine change
of commit e0adf63; E once, after commit 'series grouped by backtest windows' (the engine of the second
judgement run); F and G once, with the engine of commit 60a5e1b; H once as well; I once, with the engine of
commit ff18af7; J once, with the engine of commit 9914ae5 (fourteenth session); K, written for the final
judgement, once, with the engine of commit 5d52b2d (eighteenth session). None of them is a clean judge any
more (``all`` runs A-K). L is unseen: written by a helper after A-K had all been read, without running or
reading the engine, it is not in ``all`` nor ``both`` and is run only by ``--generator l``, once, for a final
judgement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecasting.synthetic import KINDS, synthetic_demand
from forecasting.synthetic_blind_h import H_SEED, blind_h_demand
from forecasting.synthetic_blind_i import I_SEED, blind_i_demand
from forecasting.synthetic_blind_j import J_SEED, blind_j_demand
from forecasting.synthetic_blind_k import K_SEED, blind_k_demand
from forecasting.synthetic_blind_l import L_SEED, blind_l_demand
from forecasting.synthetic_final_f import F_SEED, final_f_demand
from forecasting.synthetic_fresh import DEFAULT_SEED as FRESH_SEED
from forecasting.synthetic_fresh import fresh_demand
from forecasting.synthetic_heldout import DEFAULT_SEED as HELDOUT_SEED
from forecasting.synthetic_heldout import heldout_demand
from forecasting.synthetic_holdout_e import E_SEED, holdout_e_demand
from forecasting.synthetic_judge_g import G_SEED, judge_g_demand
from forecasting.synthetic_unseen import UNSEEN_SEED, unseen_demand

SEEDS = {
    "A": 2025,
    "B": HELDOUT_SEED,
    "C": FRESH_SEED,
    "D": UNSEEN_SEED,
    "E": E_SEED,
    "F": F_SEED,
    "G": G_SEED,
    "H": H_SEED,
    "I": I_SEED,
    "J": J_SEED,
    "K": K_SEED,
    "L": L_SEED,
}
"""Each generator's default seed."""

GENERATORS = {
    "a": "A",
    "b": "B",
    "c": "C",
    "d": "D",
    "e": "E",
    "f": "F",
    "g": "G",
    "h": "H",
    "i": "I",
    "j": "J",
    "k": "K",
    "l": "L",  # unseen: only on its own, never in "both" or "all"
    "both": "AB",
    "all": "ABCDEFGHIJK",
}
"""``--generator`` choice: the generators whose accuracy is reported, in order (L only by ``l``)."""

TITLES = {
    "A": "generator A (tune set)",
    "B": "generator B (held out, but looked at during engine work: never tune on it)",
    "C": "generator C (fresh, but looked at during engine work: never tune on it)",
    "D": "generator D (held out, but looked at once: not a clean judge)",
    "E": "generator E (held out, but looked at once: not a clean judge)",
    "F": "generator F (held out, but looked at once: not a clean judge)",
    "G": "generator G (held out, but looked at once: not a clean judge)",
    "H": "generator H (held out, but looked at once: not a clean judge)",
    "I": "generator I (looked at once: not a clean judge)",
    "J": "generator J (looked at once: not a clean judge)",
    "K": "generator K (looked at once: not a clean judge)",
    "L": "generator L (unseen: never tune on it)",
}


STANDING = {
    "A": ", for information only: they count on generators B to L",
    "B": ", binding, but B was looked at during engine work: not a clean judge",
    "C": ", binding, but C was looked at during engine work: not a clean judge",
    "D": ", binding; D was held out, but looked at once: not a clean judge"
    " (after the engine change of commit e0adf63)",
    "E": ", binding; E was held out, but looked at once: not a clean judge"
    " (after commit 'series grouped by backtest windows')",
    "F": ", binding; F was held out, but looked at once: not a clean judge"
    " (with the engine of commit 60a5e1b)",
    "G": ", binding; G was held out, but looked at once: not a clean judge"
    " (with the engine of commit 60a5e1b)",
    "H": ", binding; H was held out, but looked at once: not a clean judge"
    " (with the engine of commit 1f3648c)",
    "I": ", binding; I was held out, but looked at once: not a clean judge"
    " (with the engine of commit ff18af7)",
    "J": ", binding; J was held out, but looked at once: not a clean judge (with the engine of commit 9914ae5)",
    "K": ", binding; K was written for the final judgement, but looked at once: not a clean judge"
    " (with the engine of commit 5d52b2d)",
    "L": ", binding: L is unseen, never tuned on",
}
"""How far each generator's acceptance checks bind (its standing as a judge), as the bench prints it."""


@dataclass(frozen=True)
class Demand:
    """One generator's SKUs, with each SKU's segment."""

    key: str  # "A" to "L"
    title: str
    y: np.ndarray
    start: np.ndarray | None  # first observed day per SKU; None: every SKU from day 0
    segment: np.ndarray
    names: tuple[str, ...]


MAKERS: dict[str, Callable[..., Any]] = {
    "B": heldout_demand,
    "C": fresh_demand,
    "D": unseen_demand,
    "E": holdout_e_demand,
    "F": final_f_demand,
    "G": judge_g_demand,
    "H": blind_h_demand,
    "I": blind_i_demand,
    "J": blind_j_demand,
    "K": blind_k_demand,
    "L": blind_l_demand,
}
"""Generators B-L share one shape of result: ``y``, ``start``, ``segment``, ``names``."""


def demand(key: str, skus: int, days: int, seed: int) -> Demand:
    """Generator ``key``'s ``skus`` series of ``days`` days from ``seed``."""
    title = f"{TITLES[key]}, seed {seed}"
    if key == "A":
        a = synthetic_demand(skus, days, seed=seed)
        return Demand("A", title, a.y, None, a.kind, KINDS)
    if key not in MAKERS:
        raise ValueError(f"no generator {key!r}")
    made = MAKERS[key](skus, days, seed=seed)
    return Demand(key, title, made.y, made.start, made.segment, made.names)

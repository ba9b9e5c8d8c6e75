"""Name normalisation and close-match suggestions for products ("Half-Inch  Hex Bolts" == "half inch hex bolts")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from inventory_core.text import MAX_NAME_CHARS

_NON_WORD = re.compile(r"[^a-z0-9]+")


def name_key(text: str) -> str:
    """Lower case, punctuation and runs of spaces folded to single spaces."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def sku_key(text: str) -> str:
    return _NON_WORD.sub("", text.lower()).upper()


def sku_key_to_id(sku: str) -> str:
    """SKUs are stored as ``ABC-1234``; accept ``abc1234``, ``ABC 1234`` and ``abc-1234`` alike."""
    compact = sku_key(sku)
    match = re.fullmatch(r"([A-Z]+)(\d+)", compact)
    return f"{match.group(1)}-{match.group(2)}" if match else sku.strip().upper()


def suggestions(query: str, names: Iterable[str], limit: int = 3, cutoff: float = 55.0) -> list[str]:
    """The closest names to ``query``, best first. Only the first ``MAX_NAME_CHARS`` of ``query`` are compared
    (the cost of fuzzy matching grows with its length)."""
    matches = process.extract(
        name_key(query[:MAX_NAME_CHARS]), list(names), scorer=fuzz.WRatio, processor=name_key, limit=limit
    )
    return [name for name, score, _ in matches if score >= cutoff]

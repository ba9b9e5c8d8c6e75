"""The acceptance checks of issue 17, printed as met / not met by ``bench/forecast.py``."""

from __future__ import annotations

from bench.forecast_generators import STANDING
from forecasting.accuracy import Summary

CHOICE = "per-SKU choice"
"""The engine's own choice among the rows of a table (the others are single models)."""


def _gap(rows: dict[str, Summary]) -> tuple[float, str]:
    """How much worse the choice's median MASE is than the segment's best single model's, and which model."""
    best = min((k for k in rows if k != CHOICE), key=lambda k: rows[k].median_mase)
    return rows[CHOICE].median_mase / rows[best].median_mase - 1.0, best


ZERO_BIAS = -0.5
"""A model whose median bias is at most this wins MASE by forecasting (next to) nothing: on a slow mover whose
days are mostly zero, absolute error is smallest at zero. Such a segment is also judged on the pinball loss at
the restock service level, where forecasting nothing is punished (it leaves the shelf empty)."""


def _pinball_gap(rows: dict[str, Summary]) -> tuple[float, str]:
    best = min((k for k in rows if k != CHOICE), key=lambda k: rows[k].mean_pinball)
    return rows[CHOICE].mean_pinball / rows[best].mean_pinball - 1.0, best


def checks(overall: dict[str, Summary], segments: dict[str, dict[str, Summary]], key: str) -> list[bool]:
    """Print the acceptance checks of issue 17 as met / not met; return them. They count only on generators
    B to L (``key``); on the tune set they are printed for information."""
    chosen = overall[CHOICE]
    best = min((k for k in overall if k != CHOICE), key=lambda k: overall[k].median_mase)
    gaps = {seg: _gap(rows) for seg, rows in segments.items()}
    over = [f"{seg} {gap:+.1%} vs {model}" for seg, (gap, model) in gaps.items() if gap > 0.01]
    # Segments over only because the best MASE forecasts nothing are judged again on the pinball loss.
    zero = {
        seg: _pinball_gap(segments[seg])
        for seg, (gap, model) in gaps.items()
        if gap > 0.01 and segments[seg][model].median_bias <= ZERO_BIAS
    }
    still = [
        f"{seg} {gap:+.1%} vs {model}" for seg, (gap, model) in gaps.items() if gap > 0.01 and seg not in zero
    ]
    still += [f"{seg} pinball {gap:+.1%} vs {model}" for seg, (gap, model) in zero.items() if gap > 0.01]
    why = ", ".join(
        f"{seg}: {gaps[seg][1]} wins MASE at median bias {segments[seg][gaps[seg][1]].median_bias:+.2f}; "
        f"on pinball the choice is {gap:+.1%} vs {model}"
        for seg, (gap, model) in zero.items()
    )
    outside = [
        f"{seg} {rows[CHOICE].coverage:.3f}"
        for seg, rows in segments.items()
        if not 0.93 <= rows[CHOICE].coverage <= 0.97
    ]
    results = [
        (
            f"median MASE {chosen.median_mase:.4f} better than the best single model "
            f"({best} {overall[best].median_mase:.4f})",
            chosen.median_mase < overall[best].median_mase,
        ),
        (f"median MASE {chosen.median_mase:.4f} <= 0.78", chosen.median_mase <= 0.78),
        (f"mean MASE {chosen.mean_mase:.4f} <= 0.84", chosen.mean_mase <= 0.84),
        (
            "no segment's median MASE more than 1 % above its best single model's"
            + (f" (over: {', '.join(over)})" if over else ""),
            not over,
        ),
        (
            "the same, where the best MASE forecasts nothing judged on pinball loss instead"
            + (f" ({why})" if why else "")
            + (f" (over: {', '.join(still)})" if still else ""),
            not still,
        ),
        (
            "95% coverage within 0.93-0.97 in every segment"
            + (f" (outside: {', '.join(outside)})" if outside else ""),
            not outside,
        ),
    ]
    note = STANDING[key]
    print(f"  acceptance checks (issue 17){note}:")
    for text, ok in results:
        print(f"    [{'met' if ok else 'NOT MET'}] {text}")
    return [ok for _, ok in results]

"""A small, dependency-free SVG chart of one item in two panels: daily demand (history, forecast, interval band),
and the stock projected from today's on-hand against the reorder point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape

import numpy as np

WIDTH = 760
LEFT, RIGHT = 56, 16
DEMAND_TOP, DEMAND_H = 36, 200
STOCK_TOP, STOCK_H = 276, 110
HEIGHT = STOCK_TOP + STOCK_H + 44


@dataclass(frozen=True)
class ChartData:
    title: str
    history_start: date
    history: np.ndarray  # daily units, oldest first
    forecast_start: date
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    reorder_point: float | None = None
    on_hand: float | None = None


def _f(v: float) -> str:
    return f"{v:.1f}"


@dataclass(frozen=True)
class _Panel:
    first: date
    span: int
    top: float  # value at the top edge
    y0: float  # pixel of the top edge
    height: float

    def x(self, day: date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.first).days / self.span

    def y(self, v: float) -> float:
        return self.y0 + self.height * (1.0 - max(v, 0.0) / self.top)

    def points(self, start: date, values: Sequence[float]) -> str:
        return " ".join(
            f"{_f(self.x(start + timedelta(days=i)))},{_f(self.y(v))}" for i, v in enumerate(values)
        )

    def frame(self, label: str) -> list[str]:
        out = [f'<text x="{LEFT}" y="{_f(self.y0 - 6)}" fill="#333">{escape(label)}</text>']
        for frac in (0.0, 0.5, 1.0):
            v = self.top * frac
            py = _f(self.y(v))
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py}" y2="{py}" stroke="#eee"/>')
            out.append(
                f'<text x="{LEFT - 6}" y="{_f(self.y(v) + 4)}" text-anchor="end" fill="#666">{v:.0f}</text>'
            )
        return out


def render_svg(data: ChartData) -> str:
    hist = np.asarray(data.history, dtype=float)
    mean, lo, hi = (np.asarray(a, dtype=float) for a in (data.mean, data.lo, data.hi))
    first = min(data.history_start, data.forecast_start)
    last = data.forecast_start + timedelta(days=max(len(mean) - 1, 0))
    span = max((last - first).days, 1)
    demand = _Panel(first, span, max([1.0, *hist.tolist(), *hi.tolist()]) * 1.08, DEMAND_TOP, DEMAND_H)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(data.title)}" font-family="sans-serif" '
        'font-size="11">',
        f"<title>{escape(data.title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
        f'<text x="{LEFT}" y="16" font-size="14" font-weight="bold">{escape(data.title)}</text>',
        *demand.frame("units per day: history (solid), forecast (dashed), interval (shaded)"),
    ]
    if len(mean):
        days = [data.forecast_start + timedelta(days=i) for i in range(len(lo))]
        lower = " ".join(
            f"{_f(demand.x(d))},{_f(demand.y(v))}" for d, v in zip(days[::-1], lo[::-1], strict=True)
        )
        parts.append(
            f'<polygon class="interval" points="{demand.points(data.forecast_start, hi.tolist())} {lower}" '
            'fill="#4a90d9" fill-opacity="0.2" stroke="none"/>'
        )
        parts.append(
            f'<polyline class="forecast" points="{demand.points(data.forecast_start, mean.tolist())}" '
            'fill="none" stroke="#1f6fc5" stroke-width="2" stroke-dasharray="5 3"/>'
        )
    if len(hist):
        parts.append(
            f'<polyline class="history" points="{demand.points(data.history_start, hist.tolist())}" fill="none" '
            'stroke="#333" stroke-width="1.2"/>'
        )
    if data.on_hand is not None and len(mean):
        projected = np.maximum(data.on_hand - np.cumsum(mean), 0.0)
        rop = data.reorder_point or 0.0
        stock = _Panel(first, span, max(1.0, data.on_hand, rop) * 1.1, STOCK_TOP, STOCK_H)
        parts += stock.frame(f"projected stock from {data.on_hand:.0f} on hand")
        parts.append(
            f'<polyline class="projected-stock" points="{stock.points(data.forecast_start, projected.tolist())}" '
            'fill="none" stroke="#2a7d2a" stroke-width="2"/>'
        )
        if data.reorder_point is not None:
            ry = _f(stock.y(rop))
            parts.append(
                f'<line class="reorder-point" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ry}" y2="{ry}" '
                'stroke="#d9534f" stroke-dasharray="4 3"/>'
            )
            parts.append(
                f'<text x="{WIDTH - RIGHT}" y="{_f(stock.y(rop) - 4)}" text-anchor="end" fill="#d9534f">'
                f"reorder point {rop:.0f}</text>"
            )
    for i in range(0, span + 1, max(span // 6, 1)):  # about six date ticks
        day = first + timedelta(days=i)
        parts.append(
            f'<text x="{_f(demand.x(day))}" y="{HEIGHT - 24}" text-anchor="middle" fill="#666">{day:%d %b}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)

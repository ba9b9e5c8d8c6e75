"""Turn a restock plan and demand anomalies into insight drafts with stable dedupe keys (one per item, kind and
day), worded to be read aloud in the next session's greeting."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from forecasting.anomaly import Anomaly
from forecasting.results import PlannedItem, spoken_day


@dataclass(frozen=True)
class InsightDraft:
    kind: str  # low_stock | predicted_stockout | anomaly
    message: str
    dedupe_key: str
    sku: str
    site: str
    severity: str


def stock_alerts(planned: list[PlannedItem], today: date, review_period_days: int) -> list[InsightDraft]:
    drafts: list[InsightDraft] = []
    for p in planned:
        rec = p.recommendation
        who = f"{rec.name} at {rec.site}"
        order = ""
        if rec.recommended_quantity > 0:
            when = spoken_day(rec.order_by.date(), today) if rec.order_by else "today"
            order = f"; suggest ordering {rec.recommended_quantity} {'today' if when == 'today' else 'by ' + when}"
        if rec.on_hand < rec.reorder_point:
            if rec.on_hand <= 0:
                message = f"{who} is out of stock{order}."
            else:
                left = (
                    f", about {int(p.days_to_stockout)} days of demand"
                    if math.isfinite(p.days_to_stockout) and p.days_to_stockout < 60
                    else ""
                )
                message = f"{who} is low: {rec.on_hand} left{left}, below its reorder point of {rec.reorder_point}{order}."
            drafts.append(
                InsightDraft(
                    kind="low_stock",
                    message=message,
                    dedupe_key=f"low_stock:{rec.sku}@{rec.site}:{today.isoformat()}",
                    sku=rec.sku,
                    site=rec.site,
                    severity="critical"
                    if rec.on_hand <= 0 or p.days_to_stockout < p.lead_time_days
                    else "warning",
                )
            )
        elif (
            p.days_to_stockout <= p.lead_time_days + review_period_days and rec.expected_stockout is not None
        ):
            day = spoken_day(rec.expected_stockout.date(), today)
            drafts.append(
                InsightDraft(
                    kind="predicted_stockout",
                    message=(
                        f"{who} is forecast to run out in about {int(p.days_to_stockout)} days, around {day}; "
                        f"delivery takes {p.lead_time_days} days{order}."
                    ),
                    dedupe_key=f"predicted_stockout:{rec.sku}@{rec.site}:{today.isoformat()}",
                    sku=rec.sku,
                    site=rec.site,
                    severity="warning",
                )
            )
    return drafts


def _compare(value: float, expected: float) -> str:
    if expected >= 1 and value >= 2 * expected:
        return f"about {value / expected:.0f} times the usual {expected:.0f}"
    if value > expected:
        return f"well above the usual {expected:.0f}"
    return f"well below the usual {expected:.0f}"


def anomaly_alerts(
    found: list[tuple[str, str, date, Anomaly]], names: dict[str, str], today: date
) -> list[InsightDraft]:
    drafts: list[InsightDraft] = []
    for sku, site, day, a in found:
        name = names.get(sku, sku)
        drafts.append(
            InsightDraft(
                kind="anomaly",
                message=(
                    f"Demand for {name} at {site} {_on_day(day, today)} was {a.value:.0f}, "
                    f"{_compare(a.value, a.expected)}."
                ),
                dedupe_key=f"anomaly:{sku}@{site}:{day.isoformat()}",
                sku=sku,
                site=site,
                severity="info",
            )
        )
    return drafts


def _on_day(day: date, today: date) -> str:
    """ "yesterday", "today", or "on Friday 20 November"."""
    spoken = spoken_day(day, today)
    return spoken if spoken in ("today", "yesterday", "tomorrow") else f"on {spoken}"

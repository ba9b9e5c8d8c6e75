"""Anomalies, the SVG chart, calendar helpers and the sentences read aloud."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import date

import numpy as np
import pytest

from forecasting.anomaly import demand_anomalies
from forecasting.chart import ChartData, render_svg
from forecasting.ports import ItemFacts
from forecasting.results import next_month_span, rationale, spoken_day, spoken_rate

pytestmark = pytest.mark.unit

SVG = "{http://www.w3.org/2000/svg}"


def test_a_spike_in_the_last_week_is_flagged_and_ordinary_noise_is_not() -> None:
    rng = np.random.default_rng(3)
    y = rng.poisson(12.0, (300, 120)).astype(float)
    y[17, -2] = 60.0
    y[42, -5] = 0.0  # a drop to nothing on an item that sells about 12 a day
    found = demand_anomalies(y)
    spikes = {(a.row, a.day) for a in found if a.spike}
    drops = {(a.row, a.day) for a in found if not a.spike}
    assert (17, 118) in spikes
    assert (42, 115) in drops
    assert len(found) <= 4  # 2,100 ordinary days tested, at most a couple of false alarms


def test_a_single_sale_of_a_slow_mover_is_not_news() -> None:
    y = np.zeros((1, 100))
    y[0, ::20] = 1.0
    y[0, -1] = 2.0
    assert demand_anomalies(y) == []


def test_weekday_pattern_is_not_mistaken_for_an_anomaly() -> None:
    profile = np.array([30, 30, 30, 30, 30, 2, 1], dtype=float)
    y = np.tile(profile, 20)[None, :]
    assert demand_anomalies(y) == []


def test_chart_is_valid_svg_with_every_layer() -> None:
    data = ChartData(
        title="Hex bolts & nuts <M8>",
        history_start=date(2025, 1, 1),
        history=np.arange(56, dtype=float) % 9,
        forecast_start=date(2025, 2, 26),
        mean=np.full(28, 5.0),
        lo=np.full(28, 2.0),
        hi=np.full(28, 8.0),
        reorder_point=40.0,
        on_hand=90.0,
    )
    root = ET.fromstring(render_svg(data))
    classes = {el.get("class") for el in root.iter() if el.get("class")}
    assert {"history", "forecast", "interval", "projected-stock", "reorder-point"} <= classes
    assert (
        root.find(f"{SVG}title").text == "Hex bolts & nuts <M8>"
    )  # escaped in the markup, intact when parsed
    history = next(el for el in root.iter(f"{SVG}polyline") if el.get("class") == "history")
    assert len(history.get("points", "").split()) == 56


def test_chart_without_stock_facts_still_draws_demand() -> None:
    data = ChartData(
        "x", date(2025, 1, 1), np.ones(7), date(2025, 1, 8), np.ones(3), np.zeros(3), np.ones(3) * 2
    )
    root = ET.fromstring(render_svg(data))
    classes = {el.get("class") for el in root.iter() if el.get("class")}
    assert "projected-stock" not in classes and "forecast" in classes


@pytest.mark.parametrize(
    ("first", "label", "start", "end"),
    [
        (date(2025, 3, 10), "2025-04", 22, 51),
        (date(2025, 12, 31), "2026-01", 1, 31),
        (date(2024, 1, 5), "2024-02", 27, 55),
    ],
)
def test_next_month_offsets(first: date, label: str, start: int, end: int) -> None:
    assert next_month_span(first) == (label, start, end)


def test_spoken_days_and_rates() -> None:
    today = date(2025, 3, 10)
    assert spoken_day(today, today) == "today"
    assert spoken_day(date(2025, 3, 11), today) == "tomorrow"
    assert spoken_day(date(2025, 3, 9), today) == "yesterday"
    assert spoken_day(date(2025, 3, 14), today) == "Friday 14 March"
    assert spoken_rate(12.4) == "about 12 a day"
    assert spoken_rate(0.3) == "about 2 a week"
    assert spoken_rate(0.05) == "about 2 a month"


def test_rationale_is_one_sentence_with_the_numbers_that_matter() -> None:
    item = ItemFacts(
        sku="HB-1", site="main", name="hex bolts", on_hand=30, pack_size=12, supplier_name="Acme", on_order=0
    )
    text = rationale(
        item,
        rate=10.0,
        lead=5,
        reorder_point=58,
        user_min_wins=False,
        quantity=96,
        days_to_stockout=3.0,
        order_by=date(2025, 3, 10),
        today=date(2025, 3, 10),
    )
    assert text.count(".") == 1 and text.endswith(".")
    for part in (
        "hex bolts at main",
        "about 10 a day",
        "Acme takes 5 days",
        "reorder point of 58",
        "30 on hand",
        "about 3 days",
        "order 96 (8 packs of 12) today",
    ):
        assert part in text
    calm = rationale(
        item,
        rate=1.0,
        lead=5,
        reorder_point=20,
        user_min_wins=True,
        quantity=0,
        days_to_stockout=math.inf,
        order_by=None,
        today=date(2025, 3, 10),
    )
    assert "your minimum of 20" in calm and "no order is needed" in calm

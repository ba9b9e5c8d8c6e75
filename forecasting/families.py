"""Every model family the engine can fit, and the models they yield, by name."""

from __future__ import annotations

from forecasting.smoothing import TSB, Croston, DampedHolt, Family, SimpleES
from forecasting.weekly import HoltWinters, HoltWintersMultiplicative, SeasonalNaive

FAMILIES: tuple[Family, ...] = (
    SimpleES(), DampedHolt(), HoltWinters(), HoltWintersMultiplicative(), Croston(), TSB(), SeasonalNaive()
)  # fmt: skip
MODEL_NAMES: tuple[str, ...] = tuple(m for f in FAMILIES for m in f.models)

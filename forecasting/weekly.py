"""The weekly models: Holt-Winters in its additive and multiplicative forms (one filter, two ways of putting the
weekday into the level), and seasonal naive. Each runs over every series at once like the families in
``smoothing``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from forecasting.smoothing import (
    F32,
    SEASON,
    FilterOutput,
    InitStats,
    Series,
    State,
    _column,
    _damped_sums,
    _grid,
    _observed,
    _Recorder,
    _tile,
)


class _WeeklyHoltWinters:
    """Weekly seasonality with a damped trend, in error-correction form: the filter both forms share. A form says
    how it starts (``_start``), fits a day from its level and weekday slot (``_fit``), learns from the day's
    error (``_learn``) and forecasts (``_combine``)."""

    grid: ClassVar[np.ndarray] = _grid([0.03, 0.08, 0.2, 0.4], [0.02, 0.1], [0.003], [0.9])

    def _start(self, init: InitStats) -> tuple[np.ndarray, np.ndarray]:
        """Each series' starting level (n,) and weekday slots (n, SEASON)."""
        raise NotImplementedError

    def _fit(self, level: np.ndarray, slot: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _learn(self, level: np.ndarray, trend: np.ndarray, slot: np.ndarray, err: np.ndarray,
               alpha: np.ndarray, beta: np.ndarray, gamma: np.ndarray) -> None:  # fmt: skip
        """Move the states (in place) by the day's one-step error."""
        raise NotImplementedError

    def _combine(self, base: np.ndarray, season: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def run(
        self, series: Series, init: InitStats, origins: Sequence[int], fit_end: int
    ) -> list[FilterOutput]:
        alpha, gamma, beta, phi = (_column(self.grid, i) for i in range(4))
        g = len(self.grid)
        start, slots = self._start(init)
        level = _tile(start, g)
        trend = np.zeros_like(level)
        season = np.repeat(slots.T.astype(F32)[:, None, :], g, axis=1)  # (SEASON, G, n): slot-major
        rec = _Recorder(series, g, origins, fit_end)
        t_len = series.y.shape[1]
        for t in range(t_len):
            if t in rec.origins:
                rec.snapshot(t, level, trend, np.moveaxis(season, 0, -1), np.array(t))
            slot = season[t % SEASON]
            trend *= phi
            level += trend
            fitted = self._fit(level, slot)
            err = _observed(series, t, fitted) - fitted
            rec.score(t, err)
            self._learn(level, trend, slot, err, alpha, beta, gamma)
        rec.snapshot(t_len, level, trend, np.moveaxis(season, 0, -1), np.array(t_len))
        return [rec.output(origins)]

    def project(self, model: int, state: State, params: np.ndarray, horizon: int) -> np.ndarray:
        level, trend, season, origin = state
        slots = (int(origin) + np.arange(horizon)) % SEASON
        base = level[:, None] + trend[:, None] * _damped_sums(params[:, 3], horizon)
        return self._combine(base, season[:, slots])


class HoltWinters(_WeeklyHoltWinters):
    """Additive weekly seasonality: the weekday slots are added to the level."""

    models: ClassVar[tuple[str, ...]] = ("holt_winters",)
    labels: ClassVar[tuple[str, ...]] = ("Holt-Winters weekly",)

    def _start(self, init: InitStats) -> tuple[np.ndarray, np.ndarray]:
        return init.level, init.season

    def _fit(self, level: np.ndarray, slot: np.ndarray) -> np.ndarray:
        return level + slot

    def _learn(self, level: np.ndarray, trend: np.ndarray, slot: np.ndarray, err: np.ndarray,
               alpha: np.ndarray, beta: np.ndarray, gamma: np.ndarray) -> None:  # fmt: skip
        level += alpha * err
        trend += beta * err
        slot += gamma * err

    def _combine(self, base: np.ndarray, season: np.ndarray) -> np.ndarray:
        return np.maximum(base + season, 0.0)


class HoltWintersMultiplicative(_WeeklyHoltWinters):
    """Multiplicative weekly seasonality (ETS(A,Ad,M)): the weekday factors scale the level, so a weekly swing
    grows and shrinks with it (a season's peak, a fading line, a launch) where the additive form carries last
    month's swing in units. A closed day's factor goes to zero and stays there. Guards: the level never falls
    below ``_FLOOR`` (a factor divides by it) and a factor under 0.1 does not blow its day's error up when it
    moves the level."""

    models: ClassVar[tuple[str, ...]] = ("holt_winters_mult",)
    labels: ClassVar[tuple[str, ...]] = ("Holt-Winters weekly, proportional",)
    _FLOOR = 0.01

    def _start(self, init: InitStats) -> tuple[np.ndarray, np.ndarray]:
        mean = init.level[:, None]
        factor = np.where(mean > 0, (mean + init.season) / np.maximum(mean, 1e-6), 1.0).clip(0.0, 10.0)
        return np.maximum(init.level, 0.05), factor

    def _fit(self, level: np.ndarray, slot: np.ndarray) -> np.ndarray:
        return level * slot

    def _learn(self, level: np.ndarray, trend: np.ndarray, slot: np.ndarray, err: np.ndarray,
               alpha: np.ndarray, beta: np.ndarray, gamma: np.ndarray) -> None:  # fmt: skip
        scaled = err / np.maximum(slot, 0.1)
        level += alpha * scaled
        np.maximum(level, self._FLOOR, out=level)
        trend += beta * scaled
        slot += gamma * err / np.maximum(level, 0.05)
        np.clip(slot, 0.0, 10.0, out=slot)

    def _combine(self, base: np.ndarray, season: np.ndarray) -> np.ndarray:
        return np.asarray(np.maximum(base, 0.0) * season)


class SeasonalNaive:
    """Next week repeats last week: the benchmark every other family must beat."""

    models: ClassVar[tuple[str, ...]] = ("seasonal_naive",)
    labels: ClassVar[tuple[str, ...]] = ("last week's pattern",)
    grid: ClassVar[np.ndarray] = np.zeros((1, 1))

    def run(
        self, series: Series, init: InitStats, origins: Sequence[int], fit_end: int
    ) -> list[FilterOutput]:
        y = series.y
        snaps: list[State] = []
        for o in origins:
            last = y[:, max(o - SEASON, 0) : o]
            last = np.pad(last, ((0, 0), (SEASON - last.shape[1], 0)))
            snaps.append((last[None, :, :].copy(),))
        n = y.shape[0]
        return [FilterOutput(sse=np.zeros((1, n), dtype=F32), count=np.zeros(n), snapshots=snaps)]

    def project(self, model: int, state: State, params: np.ndarray, horizon: int) -> np.ndarray:
        return np.asarray(state[0][:, np.arange(horizon) % SEASON], dtype=float)

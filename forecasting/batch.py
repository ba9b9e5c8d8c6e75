"""The engine's answer for many series at once (``ForecastBatch``), and joining the answers of groups of them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class ForecastBatch:
    """Forecasts for ``n`` series over ``horizon`` days. Rows follow the input matrix."""

    mean: np.ndarray  # (n, H) daily forecast
    lo: np.ndarray  # (n, H)
    hi: np.ndarray  # (n, H)
    sigma: np.ndarray  # (n, H) standard deviation of the daily forecast error
    cum_sigma: np.ndarray  # (n, H) standard deviation of the error of the cumulative total up to each day
    sigma_daily: np.ndarray  # (n,) pooled daily error (used for safety stock)
    model: np.ndarray  # (n,) index into ``families``
    families: tuple[str, ...]
    labels: tuple[str, ...]
    backtest_mase: np.ndarray  # (n, F) MASE of every family in the backtest; NaN where not evaluated
    scale: np.ndarray  # (n,) in-sample seasonal-naive mean absolute error
    level: float
    z: float = field(default=0.0)
    partner: np.ndarray | None = None
    """(n,) the model averaged in equal parts with ``model`` (a short history), -1 where none."""
    annual: np.ndarray | None = None
    """(n,) the forecast was moved by last year's shape (``annual.py``)."""

    @property
    def horizon(self) -> int:
        return int(self.mean.shape[1])

    @property
    def chosen_mase(self) -> np.ndarray:
        return np.take_along_axis(self.backtest_mase, self.model[:, None], axis=1)[:, 0]

    def model_name(self, row: int) -> str:
        other = self._partner(row)
        name = self.families[int(self.model[row])]
        return name if other < 0 else f"{name}+{self.families[other]}"

    def model_label(self, row: int) -> str:
        other = self._partner(row)
        label = self.labels[int(self.model[row])]
        label = label if other < 0 else f"{label} averaged with {self.labels[other]}"
        return (
            f"{label}, moved by last year's season" if self.annual is not None and self.annual[row] else label
        )

    def _partner(self, row: int) -> int:
        return -1 if self.partner is None else int(self.partner[row])


def stitch(n: int, parts: list[tuple[np.ndarray, ForecastBatch]]) -> ForecastBatch:
    """One batch from the groups' batches, rows back in input order."""

    def rows_of(name: str) -> np.ndarray:
        sample = getattr(parts[0][1], name)
        out = np.zeros((n, *sample.shape[1:]), dtype=sample.dtype)
        for rows, batch in parts:
            out[rows] = getattr(batch, name)
        return out

    head = parts[0][1]
    return replace(
        head,
        mean=rows_of("mean"),
        lo=rows_of("lo"),
        hi=rows_of("hi"),
        sigma=rows_of("sigma"),
        cum_sigma=rows_of("cum_sigma"),
        sigma_daily=rows_of("sigma_daily"),
        model=rows_of("model"),
        partner=rows_of("partner"),
        annual=rows_of("annual"),
        backtest_mase=rows_of("backtest_mase"),
        scale=rows_of("scale"),
    )

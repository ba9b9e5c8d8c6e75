"""The forecast engine on synthetic series: model choice, accuracy against the truth, intervals, ragged starts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from forecasting.choice import LEVEL_ONLY
from forecasting.diagnostics import clip_spikes, intermittent, seasonal_scale, weekday_pattern
from forecasting.engine import DEFAULT_MODELS, EngineConfig, backtest_origins, forecast_batch
from forecasting.families import MODEL_NAMES
from forecasting.smoothing import SEASON, Series, init_stats
from forecasting.synthetic import synthetic_demand

pytestmark = pytest.mark.unit


def _holdout_mase(y: np.ndarray, config: EngineConfig | None = None, hold: int = 28) -> np.ndarray:
    train, test = y[:, :-hold], y[:, -hold:]
    batch = forecast_batch(train, config or EngineConfig(horizon_days=hold))
    scale = seasonal_scale(Series(train.astype(np.float32), np.zeros(len(y), dtype=int)), train.shape[1])
    return np.abs(test - batch.mean).mean(axis=1) / scale


def test_weekly_pattern_is_learned_and_holt_winters_chosen() -> None:
    rng = np.random.default_rng(1)
    profile = np.array([20, 22, 21, 23, 25, 6, 3], dtype=float)
    y = np.stack([rng.poisson(np.tile(profile * f, 60)) for f in (1.0, 2.0, 0.5)]).astype(float)  # 420 days
    batch = forecast_batch(y, EngineConfig(horizon_days=14))
    assert set(batch.families[m] for m in batch.model) <= {"holt_winters", "holt_winters_mult"}
    expected = np.stack([np.tile(profile * f, 2) for f in (1.0, 2.0, 0.5)])  # 420 is a multiple of 7
    assert np.abs(batch.mean - expected).mean(axis=1).max() < 0.15 * expected.mean()
    # Weekend days are forecast low, weekdays high: the shape, not just the level.
    assert (batch.mean[:, 5:7].max(axis=1) < batch.mean[:, 0:5].min(axis=1)).all()


def test_a_weekly_swing_that_grows_with_the_level_is_forecast_in_proportion() -> None:
    """A line whose sales double over the year keeps its weekday shares, so its weekly swing doubles too: the
    proportional form carries today's swing, the additive one last months' (in units), and the backtest sees
    the difference."""
    rng = np.random.default_rng(6)
    days = 560
    shares = np.array([1.6, 1.3, 1.1, 1.0, 1.4, 0.4, 0.2])
    growth = np.exp(np.log(3.0) * np.arange(days + 28) / days)  # x3 over the history
    rate = 8.0 * growth * np.tile(shares, days // 7 + 4)[: days + 28]
    y = rng.poisson(np.tile(rate, (30, 1))).astype(float)
    train, test = y[:, :days], y[:, days:]
    batch = forecast_batch(train, EngineConfig(horizon_days=28))
    assert np.mean([batch.model_name(i) == "holt_winters_mult" for i in range(30)]) > 0.5
    additive = forecast_batch(train, EngineConfig(horizon_days=28, peer_models=(), models=("holt_winters",)))
    assert np.abs(test - batch.mean).mean() < np.abs(test - additive.mean).mean()
    assert (batch.mean >= 0).all() and np.isfinite(batch.sigma).all()


def test_a_closed_weekday_stays_closed_in_the_proportional_form() -> None:
    rng = np.random.default_rng(7)
    weekday = np.arange(420) % 7
    y = np.where(weekday == 6, 0.0, rng.poisson(12.0, (5, 420))).astype(float)  # shut on one weekday
    batch = forecast_batch(y, EngineConfig(horizon_days=14, peer_models=(), models=("holt_winters_mult",)))
    shut = (420 + np.arange(14)) % 7 == 6
    assert np.abs(batch.mean[:, shut]).max() < 0.5
    assert np.abs(batch.mean[:, ~shut].mean() - 12.0) < 1.5


def test_constant_demand_gives_that_constant_and_a_tight_interval() -> None:
    y = np.full((2, 200), 7.0)
    batch = forecast_batch(y, EngineConfig(horizon_days=10))
    np.testing.assert_allclose(batch.mean, 7.0, atol=1e-3)
    assert batch.sigma.max() < 1e-3
    np.testing.assert_allclose(batch.cum_sigma[:, -1], 0.0, atol=1e-2)


def test_intermittent_demand_rate_is_estimated_without_bias() -> None:
    rng = np.random.default_rng(2)
    demand_days = rng.random((200, 500)) < 0.1
    y = demand_days * rng.integers(1, 6, size=(200, 500))  # mean 0.1 * 3 = 0.3 a day
    for config in (EngineConfig(horizon_days=7), EngineConfig(horizon_days=7, models=MODEL_NAMES)):
        batch = forecast_batch(y.astype(float), config)
        assert abs(float(np.median(batch.mean.mean(axis=1))) - 0.3) < 0.06
    chosen = {batch.families[m] for m in batch.model}  # with every model: the intermittent methods
    assert chosen & {"croston", "sba", "tsb"}


def test_interval_coverage_matches_the_requested_level() -> None:
    data = synthetic_demand(600, 500, seed=5)
    train, test = data.y[:, :-28], data.y[:, -28:]
    for level in (0.8, 0.95):
        batch = forecast_batch(train, EngineConfig(horizon_days=28, interval_level=level))
        inside = ((test >= batch.lo) & (test <= batch.hi)).mean()
        # normal intervals on count errors (heavier-tailed than normal) run a little wide at 80 %
        assert level - 0.05 <= inside <= min(level + 0.06, 1.0)


def test_per_series_choice_beats_seasonal_naive_and_plain_smoothing() -> None:
    data = synthetic_demand(400, 600, seed=9)
    chosen = float(np.median(_holdout_mase(data.y)))
    naive = float(
        np.median(
            _holdout_mase(data.y, EngineConfig(horizon_days=28, peer_models=(), models=("seasonal_naive",)))
        )
    )
    ses = float(
        np.median(_holdout_mase(data.y, EngineConfig(horizon_days=28, peer_models=(), models=("ses",))))
    )
    assert chosen < 1.0
    assert chosen < naive
    assert chosen < ses


def test_backtest_mase_is_reported_for_every_model() -> None:
    data = synthetic_demand(20, 300, seed=3)
    default = forecast_batch(data.y)  # the peers' models are fitted and backtested too
    assert default.families == MODEL_NAMES and default.backtest_mase.shape == (20, len(MODEL_NAMES))
    batch = forecast_batch(data.y, EngineConfig(models=MODEL_NAMES))  # every model: the guards below apply
    assert batch.backtest_mase.shape == (20, len(MODEL_NAMES))
    assert np.isfinite(batch.backtest_mase).all()
    # The best in the backtest is chosen; an intermittent series chooses among the level-only methods (and
    # Holt-Winters only when its weekdays differ).
    eligible = batch.backtest_mase.copy()
    series = Series(data.y.astype(np.float32), np.zeros(20, dtype=int))
    sparse = intermittent(series, data.y.shape[1])
    weekly = weekday_pattern(series, data.y.shape[1])
    for m, name in enumerate(MODEL_NAMES):
        if name not in LEVEL_ONLY:
            eligible[sparse & ~(weekly & (name == "holt_winters")), m] = np.inf
    assert sparse.any() and (~sparse).any()
    np.testing.assert_allclose(batch.chosen_mase, eligible.min(axis=1))
    chosen = {batch.model_name(i) for i in np.flatnonzero(sparse & ~weekly)}
    assert chosen and chosen <= set(LEVEL_ONLY)


def test_weekday_pattern_needs_more_than_chance_and_lumpy_lots() -> None:
    rng = np.random.default_rng(11)
    days = 420
    weekday = np.arange(days) % 7
    mondays = np.where(weekday == 0, rng.poisson(2.0, days), 0)  # a few sales, all on one weekday
    flat = rng.poisson(0.3, days)  # the same few sales on any day
    lumpy = (rng.random(days) < 0.05) * rng.integers(10, 60, days)  # big lots on random days
    late = np.where(np.arange(days) >= 400, mondays, 0)  # three weeks of history: too little to tell
    # Six weeks of a quiet five-day week: the weekend gap is itself most of the spread, so
    # the dispersion is measured within weekdays (over all days it would hide the pattern).
    workweek = np.where(weekday < 5, rng.poisson(3.0, days), 0)
    new_line = np.where(np.arange(days) >= 378, workweek, 0)
    y = np.stack([mondays, flat, lumpy, late, new_line]).astype(np.float32)
    start = np.array([0, 0, 0, 400, 378])
    assert weekday_pattern(Series(y, start), days).tolist() == [True, False, False, False, True]


def test_days_before_a_series_starts_are_ignored() -> None:
    rng = np.random.default_rng(4)
    y = np.zeros((1, 400))
    y[0, 300:] = rng.poisson(10.0, 100)  # a product launched 100 days ago
    # One model both ways: only the start differs.
    ses = EngineConfig(horizon_days=7, peer_models=(), models=("ses",))
    late = forecast_batch(y, ses, start=np.array([300]))
    padded = forecast_batch(y, ses)
    assert abs(float(late.mean.mean()) - 10.0) < 1.5
    assert np.isfinite(late.sigma).all() and (late.sigma > 0).all()
    # Counting the 300 empty days as zero demand would drag a slow-adapting model down; ignoring them does not.
    assert abs(float(late.mean.mean()) - 10.0) <= abs(float(padded.mean.mean()) - 10.0) + 1e-6


def test_a_short_history_without_a_clear_weekly_shape_averages_ses_and_holt_winters() -> None:
    rng = np.random.default_rng(5)
    days = 400
    y = np.zeros((2, days))
    y[0, 340:] = rng.poisson(6.0, 60)  # launched 60 days ago: two backtest windows, too few to choose by
    weekday = np.arange(days) % 7
    y[1, 340:] = np.where(weekday[340:] < 5, rng.poisson(9.0, 60), 0)  # a clear working week
    start = np.array([340, 340])
    assert {forecast_batch(y, EngineConfig(horizon_days=7), start=start).model_name(i) for i in (0, 1)} == {
        "holt_winters"
    }  # the default models: the first of them, additive Holt-Winters
    both = forecast_batch(y, EngineConfig(horizon_days=7, models=MODEL_NAMES), start=start)
    assert both.model_name(0) == "ses+holt_winters"
    assert both.model_label(0) == "simple exponential smoothing averaged with Holt-Winters weekly"
    assert both.model_name(1) == "holt_winters"
    alone = {
        m: forecast_batch(y, EngineConfig(horizon_days=7, peer_models=(), models=(m,)), start=start)
        for m in ("ses", "holt_winters")
    }
    expected = (alone["ses"].mean[0] + alone["holt_winters"].mean[0]) / 2
    np.testing.assert_allclose(both.mean[0], expected, rtol=1e-6)
    np.testing.assert_allclose(both.mean[1], alone["holt_winters"].mean[1], rtol=1e-6)
    assert np.isfinite(both.sigma).all() and (both.sigma > 0).all()


def test_short_history_falls_back_without_a_backtest() -> None:
    y = np.random.default_rng(0).poisson(4.0, (3, 40)).astype(float)
    assert backtest_origins(40, EngineConfig()) == []
    batch = forecast_batch(y, EngineConfig(horizon_days=5, models=MODEL_NAMES))
    assert {batch.families[m] for m in batch.model} == {"ses"}
    default = forecast_batch(y, EngineConfig(horizon_days=5))
    assert {default.families[m] for m in default.model} == {"holt_winters"}
    assert np.isnan(batch.backtest_mase).all()
    assert (batch.sigma > 0).all()
    assert abs(float(batch.mean.mean()) - 4.0) < 1.0


def test_model_subset_and_horizon_are_configurable() -> None:
    data = synthetic_demand(10, 300, seed=1)
    batch = forecast_batch(data.y, EngineConfig(horizon_days=45, peer_models=(), models=("croston", "tsb")))
    assert batch.families == ("croston", "tsb")
    assert batch.mean.shape == (10, 45) and batch.lo.shape == (10, 45)
    assert (batch.lo <= batch.mean).all() and (batch.mean <= batch.hi).all() and (batch.lo >= 0).all()
    # Uncertainty does not shrink with the horizon.
    assert (np.diff(batch.sigma, axis=1) >= -1e-9).all()


def test_a_promotion_does_not_lift_the_level_carried_forward() -> None:
    """A 4-day spike at 5x near the end of a steady series: clipped for fitting, so the forecast stays near
    the usual level; without the clip the level it carries forward is inflated. The clipped days still count
    at the cap (3.5 robust deviations over the block's median), and Holt-Winters' damped trend carries some of
    that: about a fifth of the level, where the unclipped promotion lifts it by over two thirds. (Unclipped, the
    parameters chosen again at the end of history, on errors that include the promotion, are the smoothest and
    lift the level less: the comparison keeps the parameters chosen before the first origin. Clipped, the recent
    days at the cap weigh on that choice: SES's lift went from 1.5 to 3.4 when recent errors began to weigh
    more, against 5.5 unclipped.)"""
    rng = np.random.default_rng(11)
    y = rng.poisson(20.0, (40, 400)).astype(float)
    y[:, 390:394] *= 5  # the promotion, 6 days before the end
    for models in (DEFAULT_MODELS, ("ses",)):
        alone = EngineConfig(horizon_days=7, models=models, peer_models=())  # these models, without peers
        robust = forecast_batch(y, alone)
        naive = forecast_batch(y, replace(alone, spike_cutoff=None, params_per_origin=False))
        lift, unclipped = float(np.median(robust.mean)) - 20.0, float(np.median(naive.mean)) - 20.0
        assert lift < 4.0
        assert unclipped > (2.0 * lift + 1.0 if models == DEFAULT_MODELS else lift + 2.0)


def test_spike_clipping_leaves_sparse_series_and_ordinary_days_alone() -> None:
    rng = np.random.default_rng(12)
    steady = rng.poisson(30.0, (1, 112)).astype(float)
    steady[0, 100] = 400.0
    sparse = (rng.random((1, 112)) < 0.1) * 50.0
    series = Series(np.vstack([steady, sparse]).astype(np.float32), np.zeros(2, dtype=int))
    clipped = clip_spikes(series, np.array([True, False]), 3.5)
    assert clipped.y[0, 100] < 100 and np.array_equal(clipped.y[0, :100], series.y[0, :100])
    assert np.array_equal(clipped.y[1], series.y[1])


def test_days_before_a_launch_do_not_count_as_zero_demand_when_clipping_spikes() -> None:
    """An item launched six days ago selling 20 a day: its 4-week block's median is 20, not the zero of the 22
    days before it existed (which made every sale a spike and clipped it to 3.5)."""
    y = np.zeros((2, 112), dtype=np.float32)
    y[0, 106:] = [18, 22, 20, 19, 21, 20]
    y[1, 106:] = [18, 22, 20, 19, 21, 200]  # the same launch with a real spike on its last day
    clipped = clip_spikes(Series(y, np.array([106, 106])), np.array([True, True]), 3.5)
    assert np.array_equal(clipped.y[0], y[0])
    assert 20.0 < clipped.y[1, -1] < 60.0 and np.array_equal(clipped.y[1, :-1], y[1, :-1])


def test_an_item_younger_than_the_warm_up_starts_from_the_days_it_has() -> None:
    """Ten days of history: the starting level is their mean (the last day used to stand in for the 18 missing
    ones), and three days of history leave the four unseen weekdays without a deviation."""
    y = np.zeros((2, 60), dtype=np.float32)
    y[0, 50:] = [5, 5, 5, 5, 5, 5, 5, 5, 5, 50]
    y[1, 57:] = [4, 8, 6]
    init = init_stats(Series(y, np.array([50, 57])))
    np.testing.assert_allclose(init.level, [9.5, 6.0])
    seen = np.isin(np.arange(SEASON), np.arange(57, 60) % SEASON)
    np.testing.assert_allclose(init.season[1, ~seen], 0.0)
    np.testing.assert_allclose(np.sort(init.season[1, seen]), [-2.0, 0.0, 2.0])


def test_an_item_launched_three_weeks_ago_gets_an_interval_that_holds_next_month() -> None:
    """200 items launched 14-27 days ago, their daily demand negative-binomial around a level of their own: no
    one-step error is scored yet, so the interval comes from the spread of the days seen, widening with the
    horizon. It held 56 % of the next 28 days when it was Poisson noise around the first forecast day."""
    rng = np.random.default_rng(31)
    n, t_len, hold = 200, 300, 28
    start = t_len - hold - rng.integers(14, 28, n)
    rate = rng.gamma(4.0, 3.0, n)[:, None] * rng.gamma(3.0, 1 / 3.0, (n, t_len))
    y = np.where(np.arange(t_len)[None, :] >= start[:, None], rng.poisson(rate), 0).astype(float)
    batch = forecast_batch(y[:, :-hold], EngineConfig(horizon_days=hold), start=start)
    held = (y[:, -hold:] >= batch.lo) & (y[:, -hold:] <= batch.hi)
    assert 0.9 <= float(held.mean()) <= 0.99
    assert (batch.sigma[:, -1] > batch.sigma[:, 0]).all()


def test_a_history_shorter_than_the_warm_up_is_forecast_from_the_days_it_has() -> None:
    """A warehouse with 20 days of sales in all: every item is younger than the warm-up."""
    y = np.random.default_rng(5).poisson(10.0, (4, 20)).astype(float)
    batch = forecast_batch(y, EngineConfig(horizon_days=7))
    spread = y.std(
        axis=1, ddof=1
    )  # the interval is at least the spread of those days, widening with the horizon
    assert (batch.sigma[:, 0] >= spread * np.sqrt(1 + 1 / 20) - 1e-9).all()
    assert (batch.sigma[:, -1] > batch.sigma[:, 0]).all()


def test_a_faded_items_interval_is_sized_for_todays_level() -> None:
    """An item that sold 40 a day and now sells 10: its backtest months at 40 are rescaled to today's level, so
    its interval is close to that of an item that always sold 10, not twice as wide."""
    rng = np.random.default_rng(13)
    fallen = np.concatenate([rng.poisson(40.0, (30, 500)), rng.poisson(10.0, (30, 230))], axis=1)
    steady = rng.poisson(10.0, (30, 730))
    batch = forecast_batch(np.vstack([fallen, steady]).astype(float), EngineConfig(horizon_days=7))
    width = (batch.hi - batch.lo)[:, 0]
    assert float(np.median(width[:30])) < 1.5 * float(np.median(width[30:]))


def test_a_recent_launch_gets_an_honest_interval_and_no_choice_from_one_window() -> None:
    rng = np.random.default_rng(21)
    y = np.zeros((3, 500))
    y[0, 460:] = rng.poisson(12.0, 40)  # launched 40 days ago: no backtest window at all
    y[1, 400:] = rng.poisson(12.0, 100)  # one or two windows: too few to choose a model on
    y[2] = rng.poisson(12.0, 500)  # a long history
    start = np.array([460, 400, 0])
    batch = forecast_batch(y, EngineConfig(horizon_days=28), start=start)
    # Poisson noise at least, growing with the horizon (it used to be zero: no one-step errors were scored).
    assert (batch.sigma[0] >= np.sqrt(batch.mean[0, 0]) - 1e-9).all()
    assert batch.sigma[0, -1] > batch.sigma[0, 0]
    assert {batch.model_name(0), batch.model_name(1)} == {"holt_winters"}  # not chosen from one window
    assert abs(float(batch.mean[1].mean()) - 12.0) < 2.0
    # Each series is forecast as if alone: grouping by history length only reorders the work.
    for i in range(3):
        alone = forecast_batch(y[i : i + 1], EngineConfig(horizon_days=28), start=start[i : i + 1])
        np.testing.assert_allclose(alone.mean[0], batch.mean[i])
        np.testing.assert_allclose(alone.sigma[0], batch.sigma[i])


def test_parameters_are_chosen_again_at_each_origin_on_what_was_known_there() -> None:
    """A level that held still for a year and a half, then began to wander: the smoothing chosen on the quiet
    months (before the first backtest origin) lags; chosen again on the whole history, it follows."""
    rng = np.random.default_rng(11)
    level = np.full((40, 700), 50.0)
    level[:, -240:] += rng.normal(0.0, 4.0, (40, 240)).cumsum(axis=1)
    y = rng.poisson(np.clip(level, 1.0, None)).astype(float)
    cfg = EngineConfig(horizon_days=28, peer_models=(), models=("ses",))
    error = {
        per_origin: np.abs(
            y[:, -28:] - forecast_batch(y[:, :-28], replace(cfg, params_per_origin=per_origin)).mean
        ).mean()
        for per_origin in (True, False)
    }
    assert error[True] < 0.85 * error[False]

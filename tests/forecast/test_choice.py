"""Choosing each series' model with its peers: from numbers, then through the engine."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.choice import MIN_PEERS, candidate_error, peer_class, peer_models, shrunk_error
from forecasting.engine import EngineConfig, forecast_batch

pytestmark = pytest.mark.unit

NAMES = ["ses", "holt_winters", "holt_winters_mult", "sba", "seasonal_naive"]


def test_a_class_names_the_model_with_the_lowest_median_and_needs_enough_peers() -> None:
    rng = np.random.default_rng(0)
    n = MIN_PEERS + 10
    mase = rng.uniform(0.8, 1.2, (n + 5, len(NAMES)))
    mase[:n, 0] -= 0.3  # SES best on the median of the big class ...
    mase[0, 0] = 50.0  # ... whatever one series' outlier says
    mase[n:, 1] -= 0.5  # the small class's best, but five series are too few to say so
    classes = np.r_[np.zeros(n, int), np.ones(5, int)]
    named = peer_models(mase, NAMES, classes, np.zeros(n + 5, bool))
    assert named == {0: 0}
    mase[3, 2] = np.nan  # a series without a full backtest does not count: one short of enough peers
    few = peer_models(mase[:MIN_PEERS], NAMES, classes[:MIN_PEERS], np.zeros(MIN_PEERS, bool))
    assert few == {}


def test_sparse_classes_never_name_seasonal_naive() -> None:
    n = MIN_PEERS
    mase = np.full((n, len(NAMES)), 1.0)
    mase[:, 4] = 0.5  # repeating last week's zeros scores best on absolute error
    mase[:, 3] = 0.9
    sparse = np.ones(n, bool)
    assert peer_models(mase, NAMES, np.zeros(n, int), sparse) == {0: 3}
    assert peer_models(mase, NAMES, np.zeros(n, int), ~sparse) == {0: 4}


def test_a_series_chooses_among_its_own_models_and_its_peers_model() -> None:
    mae = np.array([[1.0, 2.0, 3.0, 0.5, 0.1], [3.0, 2.0, 2.5, 0.5, 0.1], [3.0, 2.0, 1.5, np.nan, 0.1]])
    sparse, weekly = np.zeros(3, bool), np.array([False, True, False])
    classes = peer_class(sparse, weekly)
    error = candidate_error(mae, NAMES, [1, 2], sparse, weekly, classes, {0: 3})
    # Class 0 (rows 0 and 2) may take SBA; row 1's class named nothing; seasonal naive is nobody's candidate.
    assert np.argmin(error, axis=1).tolist() == [3, 1, 2]  # row 2's SBA was never backtested
    assert np.isinf(error[:, [0, 4]]).all()


def test_series_without_a_weekly_shape_may_take_their_peers_level_model() -> None:
    """Sixty items whose level wanders with no weekday shape, forty with a clear working week. The peers of the
    first name a level-only model, and it beats Holt-Winters' extra weekday noise out of sample; the second keep
    Holt-Winters."""
    rng = np.random.default_rng(3)
    days, hold = 560, 28
    walk = 30.0 * np.exp(np.cumsum(rng.normal(0, 0.03, (60, days + hold)), axis=1))
    flat = rng.poisson(walk)
    week = np.tile(np.array([1.4, 1.2, 1.1, 1.0, 1.3, 0.0, 0.0]), days // 7 + 5)[: days + hold]
    weekly = rng.poisson(25.0 * week, (40, days + hold))
    y = np.vstack([flat, weekly]).astype(float)
    train, test = y[:, :days], y[:, days:]
    peers = forecast_batch(train, EngineConfig(horizon_days=hold))
    alone = forecast_batch(train, EngineConfig(horizon_days=hold, peer_models=()))
    names = [peers.model_name(i) for i in range(100)]
    assert {names[i] for i in range(60, 100)} <= {"holt_winters", "holt_winters_mult"}
    level = [n for n in names[:60] if n not in ("holt_winters", "holt_winters_mult")]
    assert len(level) >= 20 and len(set(level)) == 1  # one peers' model for the class
    err_peers = np.abs(test[:60] - peers.mean[:60]).mean()
    err_alone = np.abs(test[:60] - alone.mean[:60]).mean()
    assert err_peers < err_alone
    np.testing.assert_allclose(peers.mean[60:], alone.mean[60:])


def test_shrinking_to_the_class_chases_less_noise_than_each_series_alone() -> None:
    # Holt-Winters' multiplicative form is truly 4 % better on every series of the class; one series' backtest
    # sees that through noise of 10 %. Its own backtest alone picks the worse form for about two in five; moved
    # half-way to the class's median, a series needs a 4 % margin of its own to pick it (about one in four).
    rng = np.random.default_rng(1)
    n = 400
    scale = rng.uniform(0.5, 5.0, n)
    truth = np.array([1.0, 0.96])
    mae = (truth + rng.normal(0.0, 0.10, (n, 2))) * scale[:, None]
    classes = np.zeros(n, int)
    own = np.argmin(mae / scale[:, None], axis=1)
    shrunk = np.argmin(shrunk_error(mae, mae, scale, classes), axis=1)
    assert (own == 0).mean() > 0.35
    assert (shrunk == 0).mean() < (own == 0).mean() - 0.05
    assert truth[shrunk].mean() < truth[own].mean()  # the choices' true error
    # A series whose own backtest is decisive keeps its own verdict: a 30 % margin survives halving.
    mae[0] = np.array([0.7, 1.0]) * scale[0]
    assert np.argmin(shrunk_error(mae, mae, scale, classes)[0]) == 0


def test_shrinking_leaves_small_classes_weight_one_and_non_candidates_alone() -> None:
    rng = np.random.default_rng(2)
    n = MIN_PEERS - 1
    scale = rng.uniform(1.0, 2.0, n)
    mae = rng.uniform(0.8, 1.2, (n, 3)) * scale[:, None]
    error = mae.copy()
    error[:, 2] = np.inf  # not a candidate
    own = error / scale[:, None]
    assert np.array_equal(shrunk_error(error, mae, scale, np.zeros(n, int)), own)  # too few peers
    big = np.r_[mae, mae]
    big_scale = np.r_[scale, scale]
    big_error = np.r_[error, error]
    out = shrunk_error(big_error, big, big_scale, np.zeros(2 * n, int))
    assert np.isinf(out[:, 2]).all() and not np.array_equal(out[:, :2], np.r_[own, own][:, :2])
    assert np.array_equal(shrunk_error(big_error, big, big_scale, np.zeros(2 * n, int), weight=1.0)[:, :2],
                          np.r_[own, own][:, :2])  # fmt: skip

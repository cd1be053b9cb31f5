"""Calibration, interval members and the population check, each on data with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from prospects.serving.calibration import Calibration, fit_platt, sigmoid
from prospects.serving.forest import Forest
from prospects.serving.interval import IntervalEnsemble
from prospects.serving.ood import QUANTILE, Population
from prospects.training.model import TrainParams
from prospects.training.uncertainty import (
    decile_coverage,
    fit_members,
    half_width_factor,
    leave_one_out_coverage,
)


def test_platt_recovers_a_known_miscalibration():
    rng = np.random.default_rng(0)
    logit = rng.normal(0, 2, 20000)
    y = (rng.random(20000) < sigmoid(-0.5 + 0.6 * logit)).astype(int)
    fitted = fit_platt(logit, y)
    assert fitted.a == pytest.approx(-0.5, abs=0.08)
    assert fitted.b == pytest.approx(0.6, abs=0.05)


def test_a_calibration_survives_its_round_trip_and_defaults_to_the_identity():
    c = Calibration(0.2, 0.9, "platt")
    assert Calibration.from_json(c.to_json()) == c
    assert Calibration.from_json(None)(np.array([0.0]))[0] == 0.5


def test_the_half_width_factor_is_wider_than_the_normal_quantile():
    assert half_width_factor(10, 0.8) > 1.2816
    assert half_width_factor(1000, 0.8) == pytest.approx(1.2816, abs=0.01)


def test_leave_one_out_coverage_holds_its_level_for_exchangeable_members():
    rng = np.random.default_rng(2)
    margins = rng.normal(0, 0.3, (10, 5000)) + rng.normal(0, 1, 5000)
    assert leave_one_out_coverage(margins, 0.8) == pytest.approx(0.8, abs=0.02)


def test_decile_coverage_reads_observed_rates_against_the_mean_interval():
    y = np.array([0] * 9 + [1] + [1] * 10)
    p = np.r_[np.full(10, 0.1), np.full(10, 0.9)]
    rows = decile_coverage(y, p, p - 0.05, p + 0.05, bins=2)
    assert [r.observed for r in rows] == [0.1, 1.0]
    assert [r.covered for r in rows] == [True, False]


@pytest.fixture(scope="module")
def ensemble() -> tuple[IntervalEnsemble, pd.DataFrame]:
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    y = (rng.random(600) < sigmoid(X["a"].to_numpy())).astype(int)
    members = fit_members(
        X, y, np.arange(600) // 3, TrainParams(nthread=1, learning_rate=0.05), 50, members=4
    )
    return IntervalEnsemble(0.8, members, half_width_factor(4, 0.8)), X


def test_interval_members_come_from_different_resamples(ensemble):
    members, X = ensemble
    assert np.all(members.spread(X.to_numpy(np.float32)) > 0)


def test_the_interval_holds_the_answer_and_survives_its_round_trip(ensemble):
    members, X = ensemble
    logit = np.zeros(len(X))
    low, high = members.bounds(logit, members.spread(X.to_numpy(np.float32)))
    assert np.all(low < logit) and np.all(logit < high)
    again = IntervalEnsemble.from_json(members.to_json())
    assert again.level == 0.8 and again.factor == members.factor
    np.testing.assert_allclose(
        again.spread(X.to_numpy(np.float32)), members.spread(X.to_numpy(np.float32)), rtol=1e-5
    )


def test_the_vectorised_forest_gives_xgboosts_own_margins(ensemble):
    members, X = ensemble
    A = X.to_numpy(np.float32).copy()
    A[::7, 0] = np.nan  # missing values follow each split's default branch
    dm = xgb.DMatrix(A, feature_names=list(X.columns), missing=np.nan)
    expected = np.stack([m.predict(dm, output_margin=True) for m in members.members])
    forest = Forest.of(members.members, A.shape[1])
    np.testing.assert_allclose(forest.margins(A), expected, rtol=0, atol=1e-5)


def test_the_population_flags_its_own_tail_and_a_profile_nobody_had():
    rng = np.random.default_rng(6)
    cov = np.array([[1.0, 0.9], [0.9, 1.0]])
    X = rng.multivariate_normal([0, 0], cov, 5000)
    population = Population.fit(X)
    assert population.unusual(X).mean() == pytest.approx(1 - QUANTILE, abs=0.002)
    # each coordinate is ordinary on its own; together they contradict the correlation
    assert population.unusual(np.array([[1.5, -1.5]]))[0]
    assert not population.unusual(np.array([[1.5, 1.5]]))[0]


def test_a_feature_nobody_has_leaves_the_distance_alone():
    """A club's data without scouting reports: the grade columns are empty, not an error."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(1000, 3))
    X[:, 1] = np.nan
    population = Population.fit(X)
    assert np.isfinite(population.threshold)
    assert not population.unusual(np.array([[0.5, np.nan, 0.5]]))[0]
    assert population.unusual(np.array([[6.0, np.nan, 6.0]]))[0]


def test_a_missing_value_reads_as_the_training_mean():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(1000, 3))
    X[:500, 2] = np.nan  # hitters have no pitching line
    population = Population.fit(X)
    assert population.distance(np.array([[0.0, 0.0, np.nan]]))[0] < 0.5
    again = Population.from_json(population.to_json())
    assert again.threshold == population.threshold

"""Metrics and time splits: the numbers training reports must be right."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from prospects.labels import label_known_on, reference_date
from prospects.training.metrics import classification_metrics, expected_calibration_error
from prospects.training.model import TrainParams, fit_booster, kept_trees
from prospects.training.split import time_split


def test_ece_is_zero_for_perfectly_calibrated_bins():
    y = np.array([0, 0, 0, 1] * 25 + [1, 1, 1, 0] * 25)
    p = np.array([0.25] * 100 + [0.75] * 100)
    assert expected_calibration_error(y, p) == pytest.approx(0.0)


def test_ece_measures_overconfidence():
    y = np.array([0, 1] * 50)
    p = np.full(100, 0.9)
    assert expected_calibration_error(y, p) == pytest.approx(0.4)


def test_metrics_of_a_perfect_ranker():
    y = np.array([0, 0, 1, 1])
    m = classification_metrics(y, np.array([0.1, 0.2, 0.8, 0.9]))
    assert m["auc"] == 1.0
    assert m["accuracy"] == 1.0
    assert m["brier"] == pytest.approx((0.01 + 0.04 + 0.04 + 0.01) / 4)


def test_auc_is_nan_when_only_one_class():
    m = classification_metrics(np.zeros(5, dtype=int), np.full(5, 0.2))
    assert np.isnan(m["auc"])
    assert m["accuracy"] == 1.0


def test_time_split_trains_only_on_labels_known_by_the_holdout_reference_date():
    split = time_split(range(2008, 2023))
    assert split.holdout == (2022,)
    assert split.valid == (2018,)  # its window 2019-2022 closed on the holdout's date
    assert split.train == tuple(range(2008, 2018))
    # A label for season Y is final on October 1 of Y + 4: none comes after the holdout's date.
    for season in split.train + split.valid:
        assert label_known_on(reference_date(season)) <= reference_date(split.holdout[0])


def test_time_split_leaves_out_seasons_whose_labels_come_after_the_holdout_date():
    split = time_split(range(2008, 2023))
    unused = set(range(2008, 2023)) - set(split.train + split.valid + split.holdout)
    assert unused == {2019, 2020, 2021}
    assert all(label_known_on(reference_date(s)) > reference_date(2022) for s in unused)


def test_time_split_masks_never_overlap():
    seasons = pd.Series(list(range(2010, 2020)) * 3)
    train, valid, holdout = time_split(seasons.unique()).masks(seasons)
    assert not (train & valid).any() and not (valid & holdout).any()
    assert not (train & holdout).any()


def test_time_split_keeps_holdout_prospects_out_of_train_and_valid():
    seasons = pd.Series([2010, 2011, 2014, 2015, 2010, 2015, 2011])
    prospects = pd.Series([1, 2, 3, 4, 5, 5, 4])
    train, valid, holdout = time_split(seasons.unique()).masks(seasons, prospects)
    assert set(prospects[holdout]) == {4, 5}
    assert set(prospects[train | valid]) == {1, 2}  # 4 and 5 appear in the holdout


def test_time_split_refuses_a_league_too_short_for_an_honest_split():
    with pytest.raises(ValueError, match="at least 4 before the holdout season 2021"):
        time_split([2017, 2018, 2019, 2020, 2021])


def test_fit_booster_keeps_the_rounds_up_to_the_best_validation_logloss():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(600, 4)), columns=["a", "b", "c", "d"]).astype("float32")
    y = (rng.random(600) < 1 / (1 + np.exp(-X["a"] * 2))).to_numpy().astype(int)
    params = TrainParams(
        n_estimators=300, learning_rate=0.3, early_stopping_rounds=10, early_stopping_min_delta=0
    )
    curve: dict = {}
    booster = fit_booster(X[:400], y[:400], X[400:], y[400:], params, evals_result=curve)
    losses = curve["valid"]["logloss"]
    best = int(np.argmin(losses))
    assert len(losses) == best + 1 + 10 < 300  # stopped 10 rounds after the best
    assert booster.num_boosted_rounds() == best + 1 == kept_trees(booster)
    assert booster.attr("n_trees") == str(best + 1)


def test_rounds_that_gain_less_than_the_tolerance_in_all_are_not_kept():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(600, 4)), columns=["a", "b", "c", "d"]).astype("float32")
    y = (rng.random(600) < 1 / (1 + np.exp(-X["a"] * 2))).to_numpy().astype(int)
    slow = TrainParams(n_estimators=600, learning_rate=0.02, early_stopping_rounds=50)
    curves: dict[float, dict] = {}
    kept = {}
    for tolerance in (0.0, 0.005):
        curves[tolerance] = {}
        params = replace(slow, early_stopping_min_delta=tolerance)
        booster = fit_booster(
            X[:400], y[:400], X[400:], y[400:], params, evals_result=curves[tolerance]
        )
        kept[tolerance] = kept_trees(booster)
    losses = curves[0.005]["valid"]["logloss"]
    best = kept[0.005] - 1
    # stopped 50 rounds after a round that no later round beats by 0.005 ...
    assert len(losses) == best + 1 + 50
    assert min(losses[best + 1 :]) > losses[best] - 0.005
    # ... though without the tolerance boosting went on, and kept more trees
    assert kept[0.005] < kept[0.0]
    assert min(curves[0.0]["valid"]["logloss"]) < losses[best]


def test_validation_curve_figure_marks_the_kept_trees():
    from prospects.training import plots

    fig = plots.validation_curve_figure([0.7, 0.6, 0.55, 0.56], 3)
    assert fig.axes[0].get_xlabel() == "boosting round"
    plots.close(fig)

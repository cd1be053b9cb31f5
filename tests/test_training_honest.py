"""The evaluation cannot flatter: on a generated league, the split, the population and the refit."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from prospects.eligibility import assess
from prospects.features.data import LeagueData
from prospects.features.examples import build_examples
from prospects.labels import label_known_on, reference_date
from prospects.training.model import TrainParams
from prospects.training.pipeline import train
from prospects.training.split import time_split
from tests.leagues import generated_league

SMALL = TrainParams(n_estimators=40, learning_rate=0.2, early_stopping_rounds=10, nthread=1)


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> LeagueData:
    return generated_league(
        tmp_path_factory.mktemp("honest"),
        n_prospects=900,
        first_season=2008,
        last_season=2026,
        seed=3,
    )


@pytest.fixture(scope="module")
def examples(league):
    return build_examples(league)


@pytest.fixture(scope="module")
def result(league, examples):
    return train(league, SMALL, examples=examples)


def test_no_training_label_comes_from_after_the_holdout_reference_date(examples):
    X, meta = examples
    split = time_split(meta["season"].unique())
    train_mask, valid_mask, holdout_mask = split.masks(meta["season"], meta["prospect_id"])
    holdout_day = reference_date(split.holdout[0])
    used = meta.loc[train_mask | valid_mask, "ref_date"].dt.date.unique()
    assert len(used) and all(label_known_on(day) <= holdout_day for day in used)
    # and the seasons in between exist in the data: they were left out, not missing
    assert set(meta["season"]) - set(split.train + split.valid + split.holdout)


def test_no_prospect_is_on_both_sides_of_the_split(examples):
    _, meta = examples
    split = time_split(meta["season"].unique())
    train_mask, valid_mask, holdout_mask = split.masks(meta["season"], meta["prospect_id"])
    seen = set(meta.loc[train_mask | valid_mask, "prospect_id"])
    held = set(meta.loc[holdout_mask, "prospect_id"])
    assert held and not seen & held


def test_every_example_was_a_prospect_on_its_reference_date(league, examples):
    _, meta = examples
    for season, rows in meta.groupby("season"):
        ref = reference_date(int(season))
        standing = assess(league.as_of(ref), ref, rows["prospect_id"].to_numpy())
        assert standing["eligible"].all(), season


def test_labels_are_known_zeros_and_ones(examples):
    _, meta = examples
    assert set(np.unique(meta["label"])) == {0, 1}


def test_the_registered_model_is_refit_on_every_labelled_example(result, examples):
    X, _ = examples
    assert result.refit and result.counts["n_refit"] == len(X)
    assert result.evaluation_booster is not None
    n_trees = int(result.evaluation_booster.attr("n_trees"))
    assert result.booster.num_boosted_rounds() == n_trees == result.best_iteration + 1
    # the refit saw the holdout's labels; the reported figures are the evaluation model's
    assert result.metrics["holdout_auc_eligible"] == pytest.approx(
        result.report.figures["model"]["auc"].value
    )
    p_eval = result.evaluation_booster.inplace_predict(result.holdout_X.to_numpy(np.float32))
    np.testing.assert_allclose(result.holdout_p, p_eval, rtol=1e-5)


def test_holdout_metrics_come_with_intervals_and_the_baselines(result):
    m = result.metrics
    for name in (
        "holdout_auc_eligible",
        "holdout_pr_auc_eligible",
        "holdout_brier_eligible",
        "holdout_ece_eligible",
        "level_age_baseline_holdout_auc_eligible",
        "grades_baseline_holdout_auc_eligible",
        "base_rate_holdout_auc_eligible",
        "holdout_auc_level_AA",
        "holdout_auc_role_hitter",
    ):
        assert name in m, name
    assert m["holdout_auc_eligible_ci_low"] < m["holdout_auc_eligible"]
    assert m["holdout_auc_eligible"] < m["holdout_auc_eligible_ci_high"]
    assert m["base_rate_holdout_auc_eligible"] == pytest.approx(0.5)
    low = m["holdout_auc_gain_over_level_age_ci_low"]
    assert low < m["holdout_auc_gain_over_level_age"] < m["holdout_auc_gain_over_level_age_ci_high"]


def test_a_league_too_short_for_an_honest_split_is_refused_clearly(league):
    short = league.as_of(date(2016, 12, 1))  # labels known only for seasons up to 2012
    with pytest.raises(ValueError, match="at least 4 before the holdout season"):
        train(short, SMALL)

"""Metrics and time splits: the numbers training reports must be right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prospects.labels import label_known_on, reference_date
from prospects.training.metrics import classification_metrics, expected_calibration_error
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

"""Metrics and time splits: the numbers training reports must be right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


def test_time_split_holds_out_the_latest_seasons():
    split = time_split([2015, 2012, 2013, 2014, 2016, 2016])
    assert split.train == (2012, 2013, 2014)
    assert split.valid == (2015,)
    assert split.holdout == (2016,)


def test_time_split_masks_never_overlap():
    seasons = pd.Series([2012, 2013, 2014, 2015, 2016] * 3)
    train, valid, holdout = time_split(seasons.unique()).masks(seasons)
    assert not (train & valid).any() and not (valid & holdout).any()
    assert (train | valid | holdout).all()


def test_time_split_refuses_too_few_seasons():
    with pytest.raises(ValueError, match="at least 3 labelled seasons"):
        time_split([2020, 2021])

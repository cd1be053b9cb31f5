"""Exact contributions: XGBoost's pred_contribs is TreeSHAP, and agrees with ``shap``."""

from __future__ import annotations

import numpy as np
import pytest
import shap
import xgboost as xgb

from prospects.serving.explain import contributions, top_factors
from prospects.serving.loaded import LoadedModel

NAMES = ["age", "fv", "k_pct", "bb_pct", "iso"]


@pytest.fixture(scope="module")
def booster_and_rows() -> tuple[xgb.Booster, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, len(NAMES))).astype(np.float32)
    X[rng.random(X.shape) < 0.1] = np.nan  # missing values take the default branch
    logit = 1.5 * np.nan_to_num(X[:, 1]) - np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 4])
    y = (rng.random(400) < 1 / (1 + np.exp(-logit))).astype(int)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 4, "eta": 0.2, "seed": 1},
        xgb.DMatrix(X, label=y, feature_names=NAMES, missing=np.nan),
        num_boost_round=40,
    )
    return booster, X[:50]


def _loaded(booster: xgb.Booster) -> LoadedModel:
    return LoadedModel.from_bytes("test", 1, bytes(booster.save_raw(raw_format="ubj")), "digest")


def test_contributions_sum_to_the_margin(booster_and_rows):
    booster, X = booster_and_rows
    contrib = contributions(_loaded(booster), X)
    margin = booster.predict(xgb.DMatrix(X, feature_names=NAMES), output_margin=True)
    assert contrib.shape == (50, len(NAMES) + 1)
    np.testing.assert_allclose(contrib.sum(axis=1), margin, rtol=1e-5, atol=1e-5)


def test_contributions_agree_with_shap_tree_explainer(booster_and_rows):
    booster, X = booster_and_rows
    ours = contributions(_loaded(booster), X)
    explainer = shap.TreeExplainer(booster)
    theirs = explainer.shap_values(X)
    np.testing.assert_allclose(ours[:, :-1], theirs, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours[:, -1], explainer.expected_value, rtol=1e-4, atol=1e-4)


def test_top_factors_split_by_sign_and_order_by_size():
    contrib = np.array([0.5, -0.2, 0.1, -0.7, 0.0, -1.0])  # last entry is the bias
    values = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    pro, con = top_factors(contrib, values, NAMES, {"fv": "FV grade"}, k=2)
    assert [f.feature for f in pro] == ["age", "k_pct"]
    assert [f.feature for f in con] == ["bb_pct", "fv"]
    assert con[1].label == "FV grade"
    assert pro[1].value is None  # missing values are reported as missing, not as NaN


def test_top_factors_never_list_zero_contributions():
    pro, con = top_factors(np.zeros(6), np.ones(5), NAMES, {})
    assert pro == [] and con == []

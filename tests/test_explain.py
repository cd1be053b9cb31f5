"""Exact contributions: XGBoost's pred_contribs is TreeSHAP, and agrees with ``shap``.

XGBoost 3.3+ computes them with QuadratureTreeSHAP, not the path-enumerating
TreeSHAP of 3.2: the tests below hold it to ``shap``'s TreeExplainer on a
champion-like model and to what 3.2 computed for a model it saved.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shap
import xgboost as xgb

from prospects.serving.explain import contributions, top_factors
from prospects.serving.loaded import LoadedModel
from prospects.serving.scoring import probabilities
from prospects.training.model import TrainParams, fit_booster

NAMES = ["age", "fv", "k_pct", "bb_pct", "iso"]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXACT = 1e-5  # log-odds: contributions must agree this closely, whichever algorithm


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


def shap_reference(booster: xgb.Booster, X: np.ndarray) -> tuple[np.ndarray, float]:
    """Contributions and bias by ``shap``'s own TreeSHAP (its C extension), not XGBoost's.

    ``shap.TreeExplainer(booster)`` hands an XGBoost booster straight back to
    ``pred_contribs``, so comparing with it would compare XGBoost with itself. Its
    parsed trees, passed as a plain tree model, go through shap's implementation.
    """
    parsed = shap.TreeExplainer(booster).model
    keys = ("children_left", "children_right", "children_default", "features", "thresholds")
    keys += ("values", "node_sample_weight")
    trees = [{k: getattr(t, k) for k in keys} for t in parsed.trees]
    explainer = shap.TreeExplainer({"trees": trees, "base_offset": parsed.base_offset})
    # Its expected value for such a model leaves out the trees (shap 0.54), so its own
    # additivity check would fail; the bias is every leaf weighted by the cover reaching it.
    phi = explainer.shap_values(X, check_additivity=False)
    bias = float(np.ravel(parsed.base_offset)[0]) + sum(
        float((t.values[leaf, 0] * t.node_sample_weight[leaf]).sum() / t.node_sample_weight[0])
        for t in parsed.trees
        for leaf in [t.children_left < 0]
    )
    return phi, bias


def test_contributions_sum_to_the_margin(booster_and_rows):
    booster, X = booster_and_rows
    contrib = contributions(_loaded(booster), X)
    margin = booster.predict(xgb.DMatrix(X, feature_names=NAMES), output_margin=True)
    assert contrib.shape == (50, len(NAMES) + 1)
    np.testing.assert_allclose(contrib.sum(axis=1), margin, rtol=1e-5, atol=1e-5)


def test_contributions_agree_with_shap_tree_explainer(booster_and_rows):
    booster, X = booster_and_rows
    ours = contributions(_loaded(booster), X)
    theirs, bias = shap_reference(booster, X)
    np.testing.assert_allclose(ours[:, :-1], theirs, rtol=0, atol=EXACT)
    np.testing.assert_allclose(ours[:, -1], bias, rtol=0, atol=EXACT)


@pytest.fixture(scope="module")
def champion_like() -> tuple[xgb.Booster, np.ndarray]:
    """The product's parameters (depth 6, subsampled rows and columns, early stopping, the
    booster trimmed to its best round) on 40 features, a fifth of the values missing."""
    rng = np.random.default_rng(11)
    names = [f"f{i}" for i in range(40)]
    X = pd.DataFrame(rng.normal(size=(3000, len(names))), columns=names).astype("float32")
    X = X.mask(rng.random(X.shape) < 0.2)
    filled = X.fillna(0).to_numpy()
    logit = filled[:, :8] @ rng.normal(size=8) + 0.8 * filled[:, 8] * filled[:, 9] - 1.0
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    params = TrainParams(n_estimators=400, learning_rate=0.05, early_stopping_rounds=50, nthread=2)
    booster = fit_booster(X[:2000], y[:2000], X[2000:2600], y[2000:2600], params)
    rows = X[2600:2700].to_numpy()
    rows[0, :] = np.nan  # a prospect with nothing known takes every default branch
    return booster, rows


def test_contributions_are_exact_on_a_champion_like_model(champion_like):
    booster, X = champion_like
    assert booster.num_boosted_rounds() > 100  # a model of the product's shape, not a stub
    assert np.isnan(X).mean() > 0.15
    model = _loaded(booster)
    ours = contributions(model, X)
    theirs, bias = shap_reference(booster, X)
    np.testing.assert_allclose(ours[:, :-1], theirs, rtol=0, atol=EXACT)
    np.testing.assert_allclose(ours[:, -1], bias, rtol=0, atol=EXACT)
    # Efficiency: they add up to the model's own margin, the probability served.
    p = probabilities(model, pd.DataFrame(X, columns=model.feature_names))
    np.testing.assert_allclose(1 / (1 + np.exp(-ours.sum(axis=1))), p, rtol=0, atol=1e-6)


def test_a_model_saved_by_xgboost_3_2_still_serves():
    """A version registered before the move to XGBoost 3.4 loads, and scores and explains as
    3.2 did (``tests/fixtures/make_xgb32_model.py`` wrote the booster and the figures)."""
    expected = json.loads((FIXTURES / "xgb32_expected.json").read_text())
    assert expected["xgboost"].startswith("3.2.")
    raw = (FIXTURES / "xgb32_model.ubj").read_bytes()
    model = LoadedModel.from_bytes("test", 1, raw, "digest")
    assert model.feature_names == tuple(expected["features"])
    assert model.booster.num_boosted_rounds() == expected["n_trees"]
    X = np.array(expected["rows"], dtype=float).astype(np.float32)  # None → NaN
    assert np.isnan(X).any()
    frame = pd.DataFrame(X, columns=model.feature_names)
    np.testing.assert_allclose(
        probabilities(model, frame), expected["probabilities"], rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(
        contributions(model, X), expected["contributions"], rtol=0, atol=EXACT
    )


CATALOG_NAMES = ["age", "sc_fv", "age_vs_aa_first", "h_k_rel", "hist_knn_distance"]


def test_top_factors_split_by_sign_and_order_by_size():
    contrib = np.array([0.5, -0.2, 0.1, -0.7, 0.0, -1.0])  # last entry is the bias
    values = np.array([21.0, 2.0, np.nan, -0.06, 5.0])
    pro, con = top_factors(contrib, values, CATALOG_NAMES, k=2)
    assert [f.feature for f in pro] == ["age", "age_vs_aa_first"]
    assert [f.feature for f in con] == ["h_k_rel", "sc_fv"]
    assert con[1].label == "FV" and con[1].display == "FV 70"
    assert pro[1].value is None  # missing values are reported as missing, not as NaN
    assert pro[1].display == "has not reached AA yet"


def test_top_factors_never_list_zero_contributions():
    pro, con = top_factors(np.zeros(6), np.ones(5), CATALOG_NAMES)
    assert pro == [] and con == []


def test_top_factors_never_name_a_diagnostic():
    contrib = np.array([0.1, 0.0, 0.0, 0.0, 2.0, -1.0])
    shown = np.array([True, True, True, True, False])
    pro, _ = top_factors(contrib, np.ones(5), CATALOG_NAMES, shown=shown)
    assert [f.feature for f in pro] == ["age"]


def test_serving_uses_exactly_the_trees_the_model_keeps(booster_and_rows):
    """A booster saved with rounds past its kept ones (40, of which it keeps 25) is served
    with the 25: predictions and explanations never reach into a larger iteration range."""
    booster, X = booster_and_rows
    untrimmed = booster.copy()
    untrimmed.set_attr(best_iteration="24", n_trees="25")
    model = _loaded(untrimmed)
    assert model.n_trees == 25 and model.booster.num_boosted_rounds() == 25
    assert model.iteration_range == (0, 25)
    assert model.feature_names == tuple(NAMES)

    ours = contributions(model, X)
    p = probabilities(model, pd.DataFrame(X, columns=NAMES))
    dm = xgb.DMatrix(X, feature_names=NAMES, missing=np.nan)
    kept = booster.predict(dm, pred_contribs=True, iteration_range=(0, 25))
    np.testing.assert_allclose(ours, kept, rtol=0, atol=1e-6)
    np.testing.assert_allclose(p, booster.predict(dm, iteration_range=(0, 25)), rtol=0, atol=1e-6)
    assert not np.allclose(ours, booster.predict(dm, pred_contribs=True))  # all 40 differ


def test_a_trimmed_model_serves_all_its_trees(champion_like):
    booster, _ = champion_like
    model = _loaded(booster)
    assert model.n_trees == booster.num_boosted_rounds() == int(booster.attr("n_trees"))
    assert model.iteration_range == (0, model.n_trees)

"""Concept points: probability-space Shapley values that add up exactly to the answer."""

from __future__ import annotations

import numpy as np
import pytest

from prospects.features.catalog import FEATURE_NAMES
from prospects.features.wording import CONCEPTS
from prospects.serving.calibration import Calibration
from prospects.serving.concepts import concept_index, group_logits, shapley_points, tenths

LINK = Calibration(a=-0.3, b=0.8, method="platt")


@pytest.fixture
def rows() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    return rng.normal(-1.5, 0.5, 200), rng.normal(0, 0.6, (200, 7))


def test_points_sum_exactly_to_the_answer_minus_the_base(rows):
    bias, groups = rows
    points = shapley_points(bias, groups, LINK)
    answer, base = LINK(bias + groups.sum(axis=1)), LINK(bias)
    np.testing.assert_allclose(points.sum(axis=1), answer - base, rtol=0, atol=1e-12)


def test_a_group_that_moves_nothing_gets_no_points(rows):
    bias, groups = rows
    groups[:, 3] = 0.0
    assert np.all(shapley_points(bias, groups, LINK)[:, 3] == 0.0)


def test_points_follow_the_sign_of_the_log_odds_under_a_monotone_link(rows):
    bias, groups = rows
    points = shapley_points(bias, groups, LINK)
    assert np.all(np.sign(points) == np.sign(groups))


def test_one_group_takes_the_whole_difference():
    bias, groups = np.array([-1.0]), np.array([[0.7]])
    assert shapley_points(bias, groups, LINK)[0, 0] == pytest.approx(
        LINK(np.array([-0.3]))[0] - LINK(np.array([-1.0]))[0]
    )


def test_displayed_tenths_add_up_to_the_displayed_answer(rows):
    bias, groups = rows
    points = shapley_points(bias, groups, LINK)
    answers, bases = LINK(bias + groups.sum(axis=1)), LINK(bias)
    for p, b, row in zip(answers, bases, points, strict=True):
        shown = tenths(p, b, row)
        assert shown.sum() == round(p * 1000) - round(b * 1000)
        assert np.all(np.abs(shown - row * 1000) < 1.0)  # each within a tenth of a point


def test_every_catalog_concept_is_grouped():
    concepts, index = concept_index(list(FEATURE_NAMES))
    assert set(concepts) == set(CONCEPTS)
    assert index.shape == (len(FEATURE_NAMES),)


def test_group_log_odds_add_up_to_the_features(rows):
    rng = np.random.default_rng(1)
    contrib = rng.normal(size=(10, 5))  # 4 features + bias
    index = np.array([0, 1, 0, 2])
    grouped = group_logits(contrib, index, 3)
    np.testing.assert_allclose(grouped.sum(axis=1), contrib[:, :4].sum(axis=1))
    np.testing.assert_allclose(grouped[:, 0], contrib[:, 0] + contrib[:, 2])

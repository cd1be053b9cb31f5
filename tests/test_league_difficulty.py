"""The default league is hard in the right ways: stat lines carry signal the other families lack.

Trains on the default league (``callup seed``: 6,000 prospects, 2008-2026, seed 7)
with the honest split and the product's settings, exactly as ``callup evaluate``
does, and refits without the stat lines and without each other family (not the
hitting and pitching families alone). The product's settings are needed: at a
higher learning rate (0.05, 400 trees) the stat-line loss measured +0.026, under
the floor, so the effect is not robust to the shortcut. A few minutes.
"""

from __future__ import annotations

import pytest

from prospects.features.examples import build_examples
from prospects.training.evaluation import STAT_LINES, ablate
from prospects.training.model import TrainParams
from prospects.training.pipeline import train
from tests.leagues import DEFAULT_LEAGUE, generated_league

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

PRODUCT = TrainParams()
STAT_LINES_FLOOR = 0.03  # eligible holdout AUC lost without every batting and pitching feature
OTHER_FAMILIES = ("bio", "progression", "scouting", "history")


@pytest.fixture(scope="module")
def ablations(tmp_path_factory) -> dict[str, float]:
    data = generated_league(tmp_path_factory.mktemp("difficulty"), **DEFAULT_LEAGUE)
    X, meta = build_examples(data)
    result = train(data, PRODUCT, refit=False, examples=(X, meta))
    rows = (STAT_LINES, *OTHER_FAMILIES)
    return {a.family: a.loss.value for a in ablate(X, meta, result, PRODUCT, only=rows)}


# Known misses, measured on the default league (docs/model-card.md): strict, so the day the
# league meets them the test says so.
MISSED = "measured on the default league (docs/model-card.md)"


def test_dropping_every_stat_line_costs_at_least_0_03_auc(ablations) -> None:
    assert ablations[STAT_LINES] >= STAT_LINES_FLOOR, ablations


@pytest.mark.parametrize(
    "family",
    [
        pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=f"{f} adds nothing: {MISSED}"))
        if f in ("bio", "history")
        else f
        for f in OTHER_FAMILIES
    ],
)
def test_every_other_family_adds_something(ablations, family) -> None:
    assert ablations[family] > 0, ablations

"""The default league is hard in the right ways: stat lines carry signal the other families lack.

Trains on the default league (``callup seed``: 6,000 prospects, 2008-2026, seed 7)
with the honest split of ``callup evaluate`` and refits without each feature
family. To keep the test to a few minutes it uses a higher learning rate than the
product (0.05 instead of 0.01, at most 400 trees): the losses it checks are far
from their floors at both rates (docs/league.md).
"""

from __future__ import annotations

import pytest

from prospects.db.session import init_db, reset_engine, session_scope
from prospects.features.data import load_league
from prospects.features.examples import build_examples
from prospects.league.generator import generate_league
from prospects.training.evaluation import ablate
from prospects.training.model import TrainParams
from prospects.training.pipeline import train

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

DEFAULT_LEAGUE = {"n_prospects": 6000, "first_season": 2008, "last_season": 2026, "seed": 7}
FAST = TrainParams(learning_rate=0.05, n_estimators=400, early_stopping_rounds=50)
STAT_LINES_FLOOR = 0.03  # eligible holdout AUC lost without every batting and pitching feature


@pytest.fixture(scope="module")
def ablations(tmp_path_factory) -> dict[str, float]:
    url = f"sqlite:///{tmp_path_factory.mktemp('difficulty') / 'league.db'}"
    init_db(url)
    try:
        with session_scope(url) as session:
            generate_league(session, **DEFAULT_LEAGUE)
        with session_scope(url) as session:
            data = load_league(session)
    finally:
        reset_engine(url)
    X, meta = build_examples(data)
    result = train(data, FAST, refit=False, examples=(X, meta))
    return {a.family: a.loss.value for a in ablate(X, meta, result, FAST)}


def test_dropping_every_stat_line_costs_at_least_0_03_auc(ablations) -> None:
    assert ablations["stat lines"] >= STAT_LINES_FLOOR, ablations


@pytest.mark.parametrize("family", ["bio", "progression", "scouting", "history"])
def test_every_other_family_adds_something(ablations, family) -> None:
    assert ablations[family] > 0, ablations

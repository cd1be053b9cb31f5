"""The true chance of success a synthetic league knows: the replay is the league, and its
estimate agrees with what actually happened."""

from __future__ import annotations

import numpy as np
import pytest

from prospects.features.data import LeagueData
from prospects.labels import labels_for, reference_date, succeeded_before
from prospects.league_truth import true_success_rates
from tests.leagues import generated_league

SETTINGS = {"n_prospects": 1500, "first_season": 2008, "last_season": 2026, "seed": 3}
SEASONS = (2016, 2018)
REPLICATES = 40


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> LeagueData:
    return generated_league(tmp_path_factory.mktemp("truth"), **SETTINGS)


@pytest.fixture(scope="module")
def truth():
    return true_success_rates(**SETTINGS, reference_seasons=SEASONS, replicates=REPLICATES)


def test_the_replay_is_the_stored_league_up_to_the_reference_date(league, truth):
    """Who had passed the success bar by each reference date, from the replay, is exactly who
    had in the league's stored MLB outcomes: the same careers, not a look-alike."""
    ids = league.prospects["id"].to_numpy()
    for season in SEASONS:
        mine = truth[truth["season"] == season].set_index("prospect_id")
        stored = succeeded_before(league.outcomes, ids, reference_date(season))
        assert stored.sum() > 10
        assert (mine.loc[ids, "passed_before"].to_numpy() == stored.to_numpy()).all()


def test_the_true_chances_add_up_to_the_successes_that_happened(league, truth):
    """Over every prospect with a label, the expected number of successes under the truth
    is the observed number within four standard deviations of the outcomes' own noise; and
    the truth ranks better than chance could (a prospect it gives 0 almost never succeeds)."""
    ids = league.prospects["id"].to_numpy()
    for season in SEASONS:
        y = labels_for(league.outcomes, ids, reference_date(season))
        mine = truth[truth["season"] == season].set_index("prospect_id").loc[ids]
        known = y.notna().to_numpy()
        t, outcome = mine["p_true"].to_numpy()[known], y.to_numpy()[known]
        assert outcome.sum() > 20
        sd = np.sqrt(np.sum(t * (1 - t)))
        assert abs(outcome.sum() - t.sum()) < 4 * sd, (outcome.sum(), t.sum())
        assert outcome[t == 0].mean() < 0.01
        assert t[outcome == 1].mean() > 5 * t.mean()


def test_a_window_past_the_leagues_last_season_is_refused():
    with pytest.raises(ValueError, match="runs past"):
        true_success_rates(100, 2008, 2026, 1, reference_seasons=[2023], replicates=2)

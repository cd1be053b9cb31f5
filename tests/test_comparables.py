"""Comparable players: the earlier prospects most like this one, as known on the date only."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from prospects.features.build import build_features
from prospects.features.context import LeagueContext
from prospects.features.data import LeagueData
from prospects.features.wording import LEVELS
from prospects.labels import label_known_on, reference_date
from prospects.serving.comparables import BAR, COMPARABLES, MLB, NOT, comparables, phrase
from tests.leagues import generated_league

AS_OF = date(2021, 6, 1)


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> LeagueData:
    return generated_league(
        tmp_path_factory.mktemp("comparables"),
        n_prospects=900,
        first_season=2008,
        last_season=2026,
        seed=3,
    )


@pytest.fixture(scope="module")
def answered(league) -> tuple[LeagueContext, pd.DataFrame, list[list[dict]]]:
    context = LeagueContext.build(league, AS_OF)
    features = build_features(league, AS_OF, context=context)
    features = features.loc[~np.isnan(features["highest_level"])]
    return context, features, comparables(context, features)


def test_each_answer_names_k_earlier_prospects_at_his_level_and_role(answered):
    context, features, players = answered
    assert len(players) == len(features)
    assert all(len(p) == COMPARABLES for p in players)
    base = context.history.examples.set_index(["prospect_id", "season"])
    for (pid, row), mine in zip(features.iterrows(), players, strict=True):
        assert len({p["prospect_id"] for p in mine}) == len(mine)  # each player once
        for p in mine:
            assert p["prospect_id"] != pid
            assert p["level"] == LEVELS[int(row["highest_level"])]
            ex = base.loc[(p["prospect_id"], p["season"])]
            assert int(ex["is_pitcher"]) == int(row["is_pitcher"])
            assert p["name"] == context.names[p["prospect_id"]]


def test_comparables_are_examples_whose_outcome_was_known_on_the_date(answered):
    _, _, players = answered
    for mine in players:
        for p in mine:
            assert label_known_on(reference_date(p["season"])) <= AS_OF


def test_outcomes_are_told_as_known_on_the_date(league, answered):
    _, _, players = answered
    known = league.as_of(AS_OF).outcomes
    for mine in players[:200]:
        for p in mine:
            mlb = known.loc[
                (known["prospect_id"] == p["prospect_id"])
                & (known["season"] >= p["season"])
                & ((known["mlb_pa"] > 0) | (known["mlb_outs"] > 0))
            ]
            if p["outcome"] == NOT:
                assert mlb.empty
            else:
                assert p["outcome"] in (BAR, MLB) and not mlb.empty


def test_what_happens_after_the_date_changes_nothing(league, answered):
    """The same answer from a league that ends on the date: no future row reaches it."""
    _, features, players = answered
    cut = league.as_of(AS_OF)
    context = LeagueContext.build(cut, AS_OF)
    again = comparables(context, build_features(cut, AS_OF, list(features.index), context))
    assert again == players


def test_a_prospect_without_a_level_has_none(answered):
    context, features, _ = answered
    unplaced = features.iloc[:1].copy()
    unplaced["highest_level"] = np.nan  # signed, no professional line yet
    assert comparables(context, unplaced) == [[]]


def test_the_narrative_phrase_names_three():
    players = [
        {"name": f"P{i}", "level": "AA", "age": 21.0 + i, "season": 2015, "outcome": NOT}
        for i in range(5)
    ]
    assert phrase(players) == (
        "P0 (AA at 21.0 in 2015: did not reach MLB), P1 (AA at 22.0 in 2015: did not reach MLB), "
        "P2 (AA at 23.0 in 2015: did not reach MLB)"
    )

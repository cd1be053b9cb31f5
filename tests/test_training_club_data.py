"""Training on the data a club has: no scouting reports; clear reasons when nothing is labelled."""

from __future__ import annotations

from datetime import date

import pytest

from prospects.features.data import LeagueData
from prospects.training.model import TrainParams
from prospects.training.pipeline import train
from prospects.training.report import format_report
from tests.leagues import generated_league

SMALL = TrainParams(n_estimators=30, learning_rate=0.2, early_stopping_rounds=10, nthread=1)


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> LeagueData:
    return generated_league(
        tmp_path_factory.mktemp("club"),
        n_prospects=600,
        first_season=2008,
        last_season=2026,
        seed=5,
    )


def _without(league: LeagueData, *tables: str) -> LeagueData:
    frames = {
        attr: None if attr in tables else getattr(league, attr)
        for attr in ("prospects", "batting", "pitching", "reports", "outcomes", "releases")
    }
    return LeagueData(**frames)


def test_training_without_scouting_reports_says_the_grades_baseline_is_unavailable(league):
    result = train(_without(league, "reports"), SMALL, refit=False)
    assert result.metrics["grades_baseline_available"] == 0.0
    assert not any(key.startswith("grades_baseline_holdout") for key in result.metrics)
    assert "base_rate_holdout_auc" in result.metrics
    text = format_report(result.report)
    assert "grades only" in text
    assert "unavailable: no scouting grades in the training seasons" in text


def test_training_with_reports_has_the_grades_baseline(league):
    result = train(league, SMALL, refit=False)
    assert result.metrics["grades_baseline_available"] == 1.0
    assert "grades_baseline_holdout_auc" in result.metrics
    assert "unavailable" not in format_report(result.report)


def test_no_prospects_is_named(league):
    with pytest.raises(ValueError, match="the prospects table is empty"):
        train(LeagueData.empty(), SMALL)


def test_no_minor_league_lines_is_named_even_with_matured_outcomes(league):
    with pytest.raises(ValueError, match="batting_lines and pitching_lines are empty"):
        train(_without(league, "batting", "pitching"), SMALL)


def test_no_outcomes_is_named_with_the_unlabelled_seasons(league):
    with pytest.raises(ValueError, match="the outcomes table is empty, so no season from 2008"):
        train(_without(league, "outcomes"), SMALL)


def test_outcomes_not_yet_matured_name_the_day_they_are_needed(league):
    young = league.as_of(date(2012, 1, 15))
    with pytest.raises(ValueError, match=r"seasons 2008-2011 are all unlabelled") as info:
        train(young, SMALL)
    assert "is labelled only once outcomes are known through" in str(info.value)

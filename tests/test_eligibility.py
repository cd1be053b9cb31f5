"""Who is a prospect on a date: the one rule, case by case (prospects.eligibility)."""

from __future__ import annotations

from datetime import date

import pytest

from prospects import eligibility
from prospects.eligibility import GRADUATED, INACTIVE, OVER_AGE, RELEASED, SUCCEEDED
from tests.test_features_support import LeagueBuilder

DEC_2026 = date(2026, 12, 6)


def _standing(b: LeagueBuilder, pid: int = 1, day: date = DEC_2026):
    return eligibility.assess(b.data().as_of(day), day).loc[pid]


def _active_hitter(pid: int = 1, **kw) -> LeagueBuilder:
    b = LeagueBuilder().prospect(pid, birth=date(2003, 5, 1), signing_year=2021, **kw)
    return b.bat(pid, 2025, "A+").bat(pid, 2026, "AA")


def test_an_active_young_minor_leaguer_is_eligible():
    row = _standing(_active_hitter())
    assert row["eligible"] and row["reason"] == "" and row["reasons"] == ()
    assert eligibility.status(row)["message"] == "Rookie-eligible, active prospect."


def test_a_hitter_past_the_rookie_at_bat_limit_has_graduated():
    row = _standing(_active_hitter().outcome(1, 2025, pa=eligibility.ROOKIE_PA + 1))
    assert not row["eligible"] and row["reason"] == GRADUATED
    assert row["graduated_in"] == 2025
    assert "graduated in 2025: 147 MLB PA through 2025" in eligibility.explain(row)


def test_a_hitter_at_the_rookie_limit_is_still_a_prospect():
    row = _standing(_active_hitter().outcome(1, 2025, pa=eligibility.ROOKIE_PA))
    assert row["eligible"]


def test_a_pitcher_past_fifty_innings_has_graduated():
    b = LeagueBuilder().prospect(2, birth=date(2002, 1, 1), position="RP", signing_year=2021)
    b.pitch(2, 2026, "AAA").outcome(2, 2025, outs=100).outcome(2, 2026, outs=51)
    row = _standing(b, 2)
    assert row["reason"] == GRADUATED and row["graduated_in"] == 2026
    assert "50.1 MLB IP" in eligibility.explain(row)


def test_a_player_past_the_success_bar_has_succeeded_and_graduated():
    b = _active_hitter().outcome(1, 2024, pa=300).outcome(1, 2025, pa=250)
    row = _standing(b)
    assert row["reason"] == SUCCEEDED and row["reasons"] == (SUCCEEDED, GRADUATED)
    assert row["succeeded_in"] == 2025 and row["graduated_in"] == 2024
    text = eligibility.explain(row)
    assert text.startswith("Not a prospect: already reached the success bar in 2025")
    assert "550 MLB PA through 2025" in text


def test_mlb_time_not_yet_known_on_the_date_does_not_count():
    b = _active_hitter().outcome(1, 2026, pa=600)  # known on 2026-10-01
    assert _standing(b, day=date(2026, 9, 30))["eligible"]
    assert _standing(b, day=date(2026, 10, 1))["reason"] == SUCCEEDED


def test_a_player_without_a_line_in_the_last_two_seasons_is_inactive():
    b = LeagueBuilder().prospect(3, birth=date(2002, 1, 1), signing_year=2019).bat(3, 2024, "A")
    row = _standing(b, 3)
    assert row["reasons"] == (INACTIVE,)
    assert "last minor-league line in 2024, none in 2025 or 2026" in eligibility.explain(row)


def test_a_recent_signee_without_a_line_yet_is_active():
    b = LeagueBuilder().prospect(4, birth=date(2007, 3, 1), signing_year=2026)
    assert _standing(b, 4)["eligible"]


def test_the_reference_season_turns_with_opening_day():
    b = LeagueBuilder().prospect(5, birth=date(2003, 1, 1), signing_year=2020).bat(5, 2024, "A")
    assert _standing(b, 5, date(2026, 3, 31))["eligible"]  # 2025 season: 2024 is "the one before"
    assert _standing(b, 5, date(2026, 4, 1))["reason"] == INACTIVE


def test_a_released_player_is_not_a_prospect():
    b = _active_hitter().release(1, date(2026, 10, 15))
    row = _standing(b)
    assert row["reasons"] == (RELEASED,)
    assert "released on 2026-10-15 and not signed since" in eligibility.explain(row)
    assert eligibility.status(row)["facts"]["released_on"] == "2026-10-15"


def test_a_release_known_only_later_does_not_count_yet():
    b = _active_hitter().release(1, date(2026, 10, 15))
    assert _standing(b, day=date(2026, 10, 14))["eligible"]


def test_a_released_player_who_signed_again_is_a_prospect():
    b = LeagueBuilder().prospect(6, birth=date(2002, 1, 1), signing_year=2020)
    b.bat(6, 2025, "A").release(6, date(2025, 10, 15)).bat(6, 2026, "A+")
    assert _standing(b, 6)["eligible"]


@pytest.mark.parametrize(
    ("birth", "eligible"), [(date(1998, 7, 2), True), (date(1998, 7, 1), False)]
)
def test_players_older_than_27_in_the_reference_season_are_over_age(birth, eligible):
    b = LeagueBuilder().prospect(7, birth=birth, signing_year=2021).bat(7, 2026, "AAA")
    row = _standing(b, 7)
    assert bool(row["eligible"]) is eligible
    if not eligible:
        assert row["reason"] == OVER_AGE
        assert "past the prospect age limit of 27" in eligibility.explain(row)


def test_every_reason_that_applies_is_named_in_order():
    b = LeagueBuilder().prospect(8, birth=date(1990, 1, 1), signing_year=2010).bat(8, 2012, "AA")
    b.outcome(8, 2014, pa=700).release(8, date(2013, 10, 15))
    row = _standing(b, 8)
    assert row["reasons"] == (SUCCEEDED, GRADUATED, RELEASED, INACTIVE, OVER_AGE)
    assert eligibility.status(row)["reason"] == SUCCEEDED


def test_each_excluded_player_has_one_first_reason():
    b = _active_hitter(1).outcome(1, 2025, pa=600)  # succeeded (and graduated)
    b.prospect(2, birth=date(2003, 1, 1), signing_year=2019).bat(2, 2023, "A")  # inactive
    b.prospect(3, birth=date(2004, 1, 1), signing_year=2022).bat(3, 2026, "A")  # eligible
    frame = eligibility.assess(b.data().as_of(DEC_2026), DEC_2026)
    excluded = frame.loc[~frame["eligible"], "reason"].value_counts().to_dict()
    assert excluded == {SUCCEEDED: 1, INACTIVE: 1}
    assert eligibility.eligible_ids(b.data().as_of(DEC_2026), DEC_2026).tolist() == [3]

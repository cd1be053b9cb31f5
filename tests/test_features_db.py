"""load_league and data_version against real databases (SQLite, and PostgreSQL when reachable)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from prospects.db.models import ScoutingReport
from prospects.db.session import session_scope
from prospects.features.build import build_features
from prospects.features.data import LeagueData, data_version, load_league
from prospects.league.generator import clear_league, generate_league
from tests.test_features_support import LeagueBuilder

KEYS = {
    "prospects": ["id"],
    "batting": ["prospect_id", "season", "level"],
    "pitching": ["prospect_id", "season", "level"],
    "reports": ["prospect_id", "report_date"],
    "outcomes": ["prospect_id", "season"],
}


def small_league() -> LeagueBuilder:
    b = LeagueBuilder()
    b.prospect(1, position="SS").bat(1, 2020, "A", age=20).bat(1, 2021, "AA", age=21)
    b.prospect(2, position="SP", draft_round=None).pitch(2, 2021, "A+", age=22)
    b.prospect(3, signing_year=2022)
    b.report(1, date(2021, 5, 1), 55, hit=60, power=50, run=45, arm=50, field=55)
    b.report(2, date(2021, 11, 1), 50, fastball=55, breaking=50, changeup=45, control=50)
    b.outcome(1, 2021, pa=20).outcome(1, 2022, pa=300)
    return b


def assert_same(left: LeagueData, right: LeagueData) -> None:
    for table, keys in KEYS.items():
        a = getattr(left, table).sort_values(keys, kind="stable").reset_index(drop=True)
        b = getattr(right, table).sort_values(keys, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_categorical=True, obj=table)


def test_load_league_round_trips(db_url: str) -> None:
    built = small_league()
    with session_scope(db_url) as session:
        built.write(session)
    with session_scope(db_url) as session:
        loaded = load_league(session)
        assert_same(loaded, built.data())
        day = date(2021, 10, 1)
        assert_same(load_league(session, as_of=day), built.data().as_of(day))
        assert_same(load_league(session, [2, 99]), built.data().for_prospects([2]))
        assert_same(load_league(session, []), LeagueData.empty())
        one = load_league(session, [1], as_of=day)
        pd.testing.assert_frame_equal(
            build_features(one, day, [1]),
            build_features(built.data().for_prospects([1]), day, [1]),
        )
    assert loaded.batting["start_date"].dtype == "datetime64[ns]"
    assert list(loaded.batting["level"].cat.categories) == ["Rk", "A", "A+", "AA", "AAA"]


def test_data_version_changes_when_a_row_is_added(db_url: str) -> None:
    with session_scope(db_url) as session:
        empty = data_version(session)
        small_league().write(session)
    with session_scope(db_url) as session:
        first = data_version(session)
        assert first != empty and data_version(session) == first
        session.add(ScoutingReport(prospect_id=3, report_date=date(2022, 8, 1), fv=45, hit=45))
    with session_scope(db_url) as session:
        assert data_version(session) != first


def test_data_version_sees_deletes_and_a_regenerated_league(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        generate_league(session, n_prospects=40, first_season=2015, last_season=2020, seed=1)
    with session_scope(sqlite_url) as session:
        first = data_version(session)
        report = session.get(ScoutingReport, 1)
        session.delete(report)
    with session_scope(sqlite_url) as session:
        assert data_version(session) != first
        clear_league(session)
        generate_league(session, n_prospects=40, first_season=2015, last_season=2020, seed=2)
    with session_scope(sqlite_url) as session:
        assert data_version(session) != first

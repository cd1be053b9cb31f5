"""Materialized feature vectors: the serving day's rows equal the ones built on the fly."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest

from prospects.db.session import session_scope
from prospects.features.context import LeagueContext
from prospects.features.data import load_league
from prospects.league.generator import generate_league
from prospects.serving.league_day import LeagueDays, ProspectRows, serving_day

LEAGUE = {"n_prospects": 400, "first_season": 2012, "last_season": 2026, "seed": 11}
DATES = [date(2019, 6, 15), date(2024, 3, 1), serving_day()]


@pytest.fixture(scope="module")
def league_url(tmp_path_factory) -> str:
    from prospects.db.session import init_db

    url = f"sqlite:///{tmp_path_factory.mktemp('league_day') / 'league.db'}"
    init_db(url)
    with session_scope(url) as session:
        generate_league(session, **LEAGUE)
    return url


def _sample(ids: pd.Index, n: int = 25) -> list[int]:
    rng = np.random.default_rng(3)
    return sorted(int(i) for i in rng.choice(ids.to_numpy(), size=min(n, len(ids)), replace=False))


def assert_same_rows(bulk: ProspectRows, single: ProspectRows) -> None:
    pd.testing.assert_frame_equal(bulk.features, single.features)
    pd.testing.assert_frame_equal(bulk.people, single.people)
    # object columns (reasons) compare by value; dtypes may differ by who else was read
    left = bulk.standing.to_dict("index")
    right = single.standing.to_dict("index")
    assert left.keys() == right.keys()
    for pid in left:
        for column, value in left[pid].items():
            other = right[pid][column]
            if isinstance(value, float) and np.isnan(value):
                assert isinstance(other, float) and np.isnan(other), (pid, column)
            else:
                assert value == other, (pid, column, value, other)
    for pid in single.features.index:
        assert bulk.level.get(pid) == single.level.get(pid)
        assert bulk.organization[pid] == single.organization[pid]


@pytest.mark.parametrize("day", DATES, ids=str)
def test_a_materialized_vector_equals_the_one_built_on_the_fly(league_url: str, day: date) -> None:
    with session_scope(league_url) as session:
        data = load_league(session, as_of=day)
        context = LeagueContext.build(data, day)
        everyone = ProspectRows.build(data, day, context)
        ids = _sample(everyone.features.index)
        taken = everyone.take(ids)
        assert taken is not None
        assert list(taken.features.index) == ids
        for pid in ids:
            single = ProspectRows.load(session, [pid], day, context)
            assert_same_rows(everyone.take([pid]), single)  # type: ignore[arg-type]
        assert_same_rows(taken, ProspectRows.load(session, ids, day, context))


def test_the_serving_day_is_materialized_and_a_past_date_is_not(league_url: str) -> None:
    days = LeagueDays()
    today = datetime.now(UTC).date()
    with session_scope(league_url) as session:
        served = days.get(session, "v1", today)
        past = days.get(session, "v1", date(2020, 7, 1))
    assert served.vectors is not None and len(served.vectors.features) > 300
    assert past.vectors is None


def test_a_past_date_builds_its_rows_on_the_fly_through_the_same_code(league_url: str) -> None:
    day = date(2020, 7, 1)
    days = LeagueDays()
    with session_scope(league_url) as session:
        league_day = days.get(session, "v1", day)
        data = load_league(session, as_of=day)
        everyone = ProspectRows.build(data, day, league_day.context)
        ids = _sample(everyone.features.index, 10)
        assert_same_rows(everyone.take(ids), league_day.rows(session, ids))  # type: ignore[arg-type]


def test_a_prospect_the_vectors_lack_is_read_from_the_database(league_url: str) -> None:
    days = LeagueDays()
    with session_scope(league_url) as session:
        today = days.get(session, "v1", serving_day())
        unknown = today.rows(session, [10_000_000])
    assert today.vectors is not None and today.vectors.take([10_000_000]) is None
    assert unknown.features.empty


def test_a_new_data_version_builds_the_day_again(league_url: str) -> None:
    days = LeagueDays()
    with session_scope(league_url) as session:
        first = days.get(session, "v1", serving_day())
        again = days.get(session, "v1", serving_day())
        changed = days.get(session, "v2", serving_day())
    assert again is first
    assert changed is not first and changed.vectors is not None

"""Migrations: the first revision is the schema before issue 14, the next one keeps every row."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from cli.main import main
from prospects.db.migrate import FIRST_REVISION, current_revision, head_revision, upgrade
from prospects.db.models import Base
from tests.conftest import throwaway_schema


@pytest.fixture
def empty_sqlite(tmp_path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A schema with no tables at all (the shared fixture would already migrate it)."""
    with throwaway_schema("callup_mig") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request) -> str:
    return request.getfixturevalue(f"empty_{request.param}")


# One row per league table and a user, written as the first revision's schema takes them.
_ROWS_AT_0001 = [
    "INSERT INTO prospects (id, name, birth_date, position, bats, throws, organization,"
    " signing_year, draft_round, signed_on) VALUES"
    " (1, 'Drafted Guy', '2000-03-01', 'SS', 'R', 'R', 'SEA', 2019, 2, '2019-06-20'),"
    " (2, 'Intl Guy', '2002-05-05', 'SP', 'L', 'L', 'NYY', 2018, NULL, '2018-07-02')",
    "INSERT INTO batting_lines (id, prospect_id, season, level, age, start_date, end_date,"
    " pa, ab, h, doubles, triples, hr, bb, so, sb, cs, hbp, sf) VALUES"
    " (10, 1, 2020, 'A', 20.3, '2020-04-05', '2020-09-01',"
    " 400, 350, 100, 20, 3, 10, 40, 90, 12, 4, 6, 4)",
    "INSERT INTO pitching_lines (id, prospect_id, season, level, age, start_date, end_date,"
    " outs, bf, h, er, hr, bb, so, hbp) VALUES"
    " (20, 2, 2020, 'Rk', 18.1, '2020-06-20', '2020-08-30', 150, 210, 40, 20, 3, 20, 60, 4)",
    "INSERT INTO scouting_reports (id, prospect_id, report_date, hit, power, fv) VALUES"
    " (30, 1, '2020-05-01', 50, 45, 50)",
    "INSERT INTO outcomes (id, prospect_id, season, mlb_pa, mlb_outs, debut_date, known_on)"
    " VALUES (40, 1, 2023, 120, 0, '2023-08-01', '2023-10-01')",
    "INSERT INTO releases (id, prospect_id, released_on) VALUES (50, 2, '2022-03-15')",
    "INSERT INTO users (id, name, role, created_at) VALUES (60, 'ana', 'admin', '2024-01-01')",
]


def _at_first_revision_with_data(url: str) -> None:
    engine = create_engine(url)
    upgrade(engine, FIRST_REVISION)
    with engine.begin() as conn:
        for sql in _ROWS_AT_0001:
            conn.execute(text(sql))
    engine.dispose()


def test_every_revision_replayed_gives_the_models_schema(empty_url) -> None:
    engine = create_engine(empty_url)
    upgrade(engine, FIRST_REVISION)
    upgrade(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diffs == []


def test_an_empty_database_is_created_at_the_newest_revision(empty_url) -> None:
    engine = create_engine(empty_url)
    assert upgrade(engine) == f"created every table at revision {head_revision()}"
    assert current_revision(engine) == head_revision()
    assert upgrade(engine) == f"already at revision {head_revision()}"
    engine.dispose()


@pytest.mark.postgres
def test_threads_migrating_at_once_take_turns(empty_postgres) -> None:
    """The API's first burst of requests each ask for the schema (``events.ensure_tables``):
    Alembic's module-level context must not be torn down by a neighbour's migration."""
    _at_first_revision_with_data(empty_postgres)
    engine = create_engine(empty_postgres)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: upgrade(engine), range(8)))
    assert current_revision(engine) == head_revision()
    assert sum(o.startswith("upgraded from") for o in outcomes) == 1
    assert outcomes.count(f"already at revision {head_revision()}") == 7
    engine.dispose()


def test_upgrade_from_the_first_revision_keeps_every_row(empty_url) -> None:
    _at_first_revision_with_data(empty_url)
    engine = create_engine(empty_url)
    assert upgrade(engine).startswith(f"upgraded from revision {FIRST_REVISION} to")
    with engine.connect() as conn:
        prospects = conn.execute(
            text(
                "SELECT id, name, signing_year, draft_round, signed_on, signing_type, ingested_on,"
                " supplemental_round FROM prospects ORDER BY id"
            )
        ).all()
        batting = conn.execute(
            text("SELECT id, pa, hr, stint, level, ingested_on FROM batting_lines")
        ).one()
        pitching = conn.execute(
            text("SELECT id, outs, stint, ingested_on FROM pitching_lines")
        ).one()
        report = conn.execute(text("SELECT id, fv, ingested_on FROM scouting_reports")).one()
        outcome = conn.execute(text("SELECT id, mlb_pa, ingested_on FROM outcomes")).one()
        release = conn.execute(text("SELECT id, ingested_on FROM releases")).one()
        users = conn.execute(text("SELECT name FROM users")).scalars().all()
    engine.dispose()

    def day(value: object) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value))

    assert [(p.id, p.name, p.signing_year, p.draft_round) for p in prospects] == [
        (1, "Drafted Guy", 2019, 2),
        (2, "Intl Guy", 2018, None),
    ]
    # An empty round meant "international" before; a set one, a draft.
    assert [p.signing_type for p in prospects] == ["draft", "international"]
    # Picks stored before the supplemental round existed are regular picks.
    assert [bool(p.supplemental_round) for p in prospects] == [False, False]
    # Stored rows are a backfill: each arrived on the day it became known.
    assert [day(p.ingested_on) for p in prospects] == [date(2019, 6, 20), date(2018, 7, 2)]
    assert (batting.id, batting.pa, batting.hr, batting.stint, batting.level) == (
        10,
        400,
        10,
        1,
        "A",
    )
    assert day(batting.ingested_on) == date(2020, 9, 1)
    assert (pitching.id, pitching.outs, pitching.stint) == (20, 150, 1)
    assert day(pitching.ingested_on) == date(2020, 8, 30)
    assert (report.id, report.fv, day(report.ingested_on)) == (30, 50, date(2020, 5, 1))
    assert (outcome.id, outcome.mlb_pa, day(outcome.ingested_on)) == (40, 120, date(2023, 10, 1))
    assert (release.id, day(release.ingested_on)) == (50, date(2022, 3, 15))
    assert users == ["ana"]


def test_the_upgraded_schema_takes_what_issue_14_allows(empty_url) -> None:
    """A second stint at one level and the new level codes, refused at 0001, now load."""
    _at_first_revision_with_data(empty_url)
    engine = create_engine(empty_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO batting_lines (id, prospect_id, season, level, stint, age,"
                " start_date, end_date, pa, ab, h, doubles, triples, hr, bb, so, sb, cs, hbp,"
                " sf, ingested_on) VALUES (11, 1, 2020, 'A', 2, 20.3, '2020-07-01',"
                " '2020-09-01', 10, 10, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, '2020-09-02'),"
                " (12, 1, 2019, 'A-', 1, 19.3, '2019-06-20', '2019-09-01',"
                " 10, 10, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, '2019-09-02')"
            )
        )
        count = conn.execute(text("SELECT COUNT(*) FROM batting_lines")).scalar()
    engine.dispose()
    assert count == 3


def test_a_database_made_before_migrations_is_stamped_and_upgraded(empty_url) -> None:
    """Main before issue 14 made tables with create_all and recorded no revision."""
    _at_first_revision_with_data(empty_url)
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    assert current_revision(engine) is None
    message = upgrade(engine)
    assert "stamped" in message
    assert current_revision(engine) == head_revision()
    assert "stint" in {c["name"] for c in inspect(engine).get_columns("batting_lines")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM prospects")).scalar() == 2
    engine.dispose()


def test_callup_db_upgrade_and_init_migrate(empty_sqlite, monkeypatch) -> None:
    _at_first_revision_with_data(empty_sqlite)
    monkeypatch.setenv("DATABASE_URL", empty_sqlite)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"upgraded from revision {FIRST_REVISION} to {head_revision()}" in result.output
    again = CliRunner().invoke(main, ["db", "init"])
    assert again.exit_code == 0, again.output
    assert f"already at revision {head_revision()}" in again.output

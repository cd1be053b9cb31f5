"""The living league: weekly deliveries from a season played ahead, a bad week, a shift."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from prospects.db.models import (
    BattingLine,
    LeagueFeedRow,
    Outcome,
    PitchingLine,
    Prospect,
    ScoutingReport,
)
from prospects.db.session import session_scope
from prospects.league.generator import generate_league
from prospects.league.simulate import HINDSIGHT_FV, league_clock, simulate_weeks


@pytest.fixture
def small_league(db_url: str) -> str:
    """A 300-prospect league, on SQLite and on PostgreSQL (explicit ids, JSON payloads)."""
    with session_scope(db_url) as session:
        generate_league(session, n_prospects=300, first_season=2008, last_season=2026, seed=5)
    return db_url


def _count(url: str, column, *where) -> int:  # type: ignore[no-untyped-def]
    with session_scope(url) as session:
        return session.scalar(select(func.count(column)).where(*where))


def test_a_year_of_weeks_delivers_the_next_season(small_league):
    with session_scope(small_league) as session:
        start = league_clock(session)
        weeks = simulate_weeks(session, 52)
        clock = league_clock(session)
        pending = session.execute(select(LeagueFeedRow.table_name, LeagueFeedRow.deliver_on)).all()
        lines = session.scalars(select(BattingLine).where(BattingLine.season == 2027)).all()

    assert start == date(2026, 10, 5)  # the Monday after the seeded league's last outcomes
    assert clock == date(2027, 10, 4) and weeks[-1].end == clock
    # All that waits is the winter's releases (October 15), not yet known on the clock's day.
    assert {table for table, _ in pending} <= {"releases"}
    assert all(day > clock for _, day in pending)
    assert lines and all(x.ab == x.pa - x.bb - x.hbp - x.sf for x in lines)
    assert all(x.end_date <= clock for x in lines)
    assert _count(small_league, PitchingLine.id, PitchingLine.season == 2027) > 0
    assert _count(small_league, Outcome.id, Outcome.known_on == date(2027, 10, 1)) > 0
    assert _count(small_league, Prospect.id, Prospect.signing_year == 2027) > 0
    assert _count(small_league, ScoutingReport.id, ScoutingReport.report_date == date(2027, 3, 1))


def test_rows_arrive_only_once_they_are_known(small_league):
    with session_scope(small_league) as session:
        simulate_weeks(session, 20)  # to mid-February 2027: the season is planned, not played
        waiting = session.scalar(select(func.count(LeagueFeedRow.id)))

    assert waiting > 0
    assert _count(small_league, BattingLine.id, BattingLine.season == 2027) == 0
    with session_scope(small_league) as session:
        simulate_weeks(session, 32)
    assert _count(small_league, BattingLine.id, BattingLine.season == 2027) > 0


def test_a_corrupt_week_is_a_feed_batch_the_feed_holds(small_league):
    from prospects.config import var_dir
    from prospects.db.models import ModelEvent
    from prospects.feed.ingest import HELD, feed_hold

    hindsight_day = ScoutingReport.report_date == date(2020, 9, 29)
    before = _count(small_league, ScoutingReport.id, hindsight_day)
    with session_scope(small_league) as session:
        [bad] = simulate_weeks(session, 1, corrupt_feed=True)
        hold = feed_hold(session)
        [alert] = session.scalars(select(ModelEvent).where(ModelEvent.kind == "alert")).all()

    assert bad.corrupted > 0 and bad.held is not None
    assert (bad.held.batch, bad.held.status) == (f"{bad.end}-resend", HELD)
    assert bad.held.reason.startswith(f"back-dated reports: {bad.corrupted} of {bad.corrupted}")
    assert _count(small_league, ScoutingReport.id, hindsight_day) == before  # nothing loaded
    assert hold is not None and "-resend" in hold  # the Beat's retrain waits
    assert f"feed batch {bad.end}-resend held, retraining held back" in alert.reason
    rejected = var_dir() / "feed" / "rejected" / f"{bad.end}-resend"
    assert (rejected / "REASON.txt").read_text().startswith("held: back-dated reports")
    assert f"feed batch {bad.end}-resend: held: back-dated" in bad.describe()


def test_a_forced_corrupt_week_leaks_hindsight_and_a_clean_week_restates_it(
    small_league, monkeypatch
):
    from prospects.feed.location import drop_location
    from prospects.feed.override import accept_held

    monkeypatch.setenv("DATABASE_URL", small_league)
    before = _count(small_league, ScoutingReport.id)
    with session_scope(small_league) as session:
        [bad] = simulate_weeks(session, 1, corrupt_feed=True)
    accept_held(drop_location(), bad.held.batch, by="drill", backfill=True)
    with session_scope(small_league) as session:
        fvs = set(
            session.scalars(
                select(ScoutingReport.fv).where(ScoutingReport.report_date == date(2020, 9, 29))
            )
        )

    assert _count(small_league, ScoutingReport.id) == before + bad.corrupted
    assert fvs <= set(HINDSIGHT_FV) and fvs
    with session_scope(small_league) as session:
        [clean] = simulate_weeks(session, 1)
    assert clean.restated == bad.corrupted
    assert _count(small_league, ScoutingReport.id) == before


def test_a_shift_raises_the_grading_scale_of_what_it_delivers(small_league):
    with session_scope(small_league) as session:
        simulate_weeks(session, 22, shift=True)  # through March 1, 2027
        shifted = list(
            session.scalars(
                select(ScoutingReport.fv).where(ScoutingReport.report_date == date(2027, 3, 1))
            )
        )
        earlier = list(
            session.scalars(
                select(ScoutingReport.fv).where(ScoutingReport.report_date == date(2026, 3, 1))
            )
        )

    assert shifted and sum(shifted) / len(shifted) > sum(earlier) / len(earlier) + 6


def test_a_simulated_week_arrives_through_the_feed_and_is_archived(small_league, tmp_path):
    from prospects.config import var_dir
    from prospects.db.models import Ingest

    with session_scope(small_league) as session:
        weeks = simulate_weeks(session, 30)  # into spring: reports and signings arrive
    delivered = [w for w in weeks if any(w.delivered.values())]
    assert delivered
    archive = var_dir() / "feed" / "archive"
    assert sorted(p.name for p in archive.iterdir()) == sorted(w.end.isoformat() for w in delivered)
    assert not list((var_dir() / "feed" / "incoming").iterdir())
    with session_scope(small_league) as session:
        ingests = session.scalars(select(Ingest).order_by(Ingest.id)).all()
        assert [i.arrived_on for i in ingests] == [w.end for w in delivered]
        assert all(i.source.startswith("feed:") and i.mode == "upsert" for i in ingests)
        # Each delivered row arrived at the end of its week, not before it was known.
        week = delivered[-1]
        reports = session.execute(
            select(ScoutingReport.report_date, ScoutingReport.ingested_on).where(
                ScoutingReport.ingested_on == week.end
            )
        ).all()
    assert len(reports) == week.delivered.get("scouting_reports", 0)
    assert all(week.start <= r.report_date <= r.ingested_on for r in reports)

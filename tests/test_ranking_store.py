"""Ranking snapshots on SQLite and PostgreSQL: idempotent chunk writes, one-pass ranks, reads."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from prospects.db.models import RankingEntry, RankingSnapshot
from prospects.db.session import session_scope
from prospects.ranking.filters import RankingFilters
from prospects.ranking.plan import chunked
from prospects.ranking.queries import entries_page, iter_entries, latest_snapshot
from prospects.ranking.store import (
    RankingError,
    RankingSpec,
    claim_snapshot,
    fail_snapshot,
    finalize_snapshot,
    write_entries,
)

AS_OF = date(2026, 6, 1)


def _spec(**filters) -> RankingSpec:
    return RankingSpec(RankingFilters(**filters), AS_OF, "m", 3, "champion", "dv1")


def _row(pid: int, probability: float, org: str = "NYY", age: float = 21.0) -> dict:
    return {
        "prospect_id": pid,
        "probability": probability,
        "confidence": "medium",
        "top_factors": {"for": [], "against": []},
        "prospect_name": f"P{pid}",
        "organization": org,
        "position": "SS" if pid % 2 else "SP",
        "kind": "hitter" if pid % 2 else "pitcher",
        "level": "AA",
        "age": age,
    }


ROWS = [_row(1, 0.2), _row(2, 0.9, "BOS", 19.5), _row(3, 0.5), _row(4, 0.5), _row(5, 0.05)]


def _claim(url: str, spec: RankingSpec, job: str = "job-1") -> tuple[int, bool, int]:
    with session_scope(url) as session:
        snapshot, work = claim_snapshot(session, spec, job, "alice")
        snapshot.total = len(ROWS)
        return snapshot.id, work, snapshot.total


def _count(url: str, snapshot_id: int) -> int:
    with session_scope(url) as session:
        return session.scalar(
            select(func.count())
            .select_from(RankingEntry)
            .where(RankingEntry.snapshot_id == snapshot_id)
        )


def test_a_chunk_written_twice_leaves_no_duplicates_and_ranks_are_one_pass(db_url):
    snapshot_id, work, _ = _claim(db_url, _spec())
    assert work
    for part in chunked(ROWS, 2):
        with session_scope(db_url) as session:
            write_entries(session, snapshot_id, part)
    with session_scope(db_url) as session:  # chunk 0 redelivered after its commit
        write_entries(session, snapshot_id, ROWS[:2])
    with session_scope(db_url) as session:  # overlapping rows from another job's chunking
        write_entries(session, snapshot_id, ROWS[1:4])
    assert _count(db_url, snapshot_id) == len(ROWS)

    with session_scope(db_url) as session:
        finalize_snapshot(session, snapshot_id)
    with session_scope(db_url) as session:  # the finalizer delivered twice
        assert finalize_snapshot(session, snapshot_id).status == "succeeded"
        ranked = session.execute(
            select(RankingEntry.rank, RankingEntry.prospect_id)
            .where(RankingEntry.snapshot_id == snapshot_id)
            .order_by(RankingEntry.rank)
        ).all()
    # probability descending; the 0.5 tie goes to the lower prospect id
    assert ranked == [(1, 2), (2, 3), (3, 4), (4, 1), (5, 5)]


def test_a_failed_chunk_write_commits_nothing(db_url):
    snapshot_id, _, _ = _claim(db_url, _spec())
    with pytest.raises(RuntimeError), session_scope(db_url) as session:
        write_entries(session, snapshot_id, ROWS[:3])
        raise RuntimeError("worker died mid-chunk")
    assert _count(db_url, snapshot_id) == 0


def test_finalize_refuses_a_board_with_missing_rows(db_url):
    snapshot_id, _, _ = _claim(db_url, _spec())
    with session_scope(db_url) as session:
        write_entries(session, snapshot_id, ROWS[:3])
    with pytest.raises(RankingError, match="3 of its 5 rows"), session_scope(db_url) as session:
        finalize_snapshot(session, snapshot_id)


def test_claims_reuse_finished_snapshots_and_retry_failed_ones(db_url):
    spec = _spec(organization="NYY")
    first, work, _ = _claim(db_url, spec, "job-1")
    again, work_again, _ = _claim(db_url, spec, "job-1")  # a redelivered coordinator
    assert (again, work_again) == (first, True)

    with session_scope(db_url) as session:
        fail_snapshot(session, first, "chunk 3 failed")
    retried, work, _ = _claim(db_url, spec, "job-2")
    assert (retried, work) == (first, True)
    with session_scope(db_url) as session:
        write_entries(session, first, ROWS)
        finalize_snapshot(session, first)
    reused, work, _ = _claim(db_url, spec, "job-3")
    assert (reused, work) == (first, False)
    with session_scope(db_url) as session:
        snapshot = session.get(RankingSnapshot, first)
        assert snapshot.job_id == "job-2" and snapshot.filters == '{"organization":"NYY"}'

    other, work, _ = _claim(db_url, _spec(organization="BOS"), "job-4")
    assert other != first and work


def test_pages_filter_sort_and_the_latest_covering_snapshot(db_url):
    snapshot_id, _, _ = _claim(db_url, _spec())
    with session_scope(db_url) as session:
        write_entries(session, snapshot_id, ROWS)
        finalize_snapshot(session, snapshot_id)

    with session_scope(db_url) as session:
        items, total = entries_page(session, snapshot_id, RankingFilters(organization="nyy"))
        assert total == 4 and [i["rank"] for i in items] == [2, 3, 4, 5]
        items, total = entries_page(
            session, snapshot_id, RankingFilters(), sort="-age", page=1, per_page=2
        )
        assert total == 5 and items[0]["age"] == 21.0 and len(items) == 2
        items, _ = entries_page(session, snapshot_id, RankingFilters(max_age=20))
        assert [i["prospect_id"] for i in items] == [2]
        items, _ = entries_page(session, snapshot_id, RankingFilters(kind="pitcher"), sort="name")
        assert [i["name"] for i in items] == ["P2", "P4"]

        assert latest_snapshot(session, RankingFilters(organization="BOS")).id == snapshot_id
        assert latest_snapshot(session, RankingFilters(), model_version=99) is None

    exported = list(
        iter_entries(lambda: session_scope(db_url), snapshot_id, RankingFilters(), batch=2)
    )
    assert [e.rank for e in exported] == [1, 2, 3, 4, 5]


def test_filters_are_canonical_validated_and_know_what_they_cover():
    assert RankingFilters(organization="nyy", min_age=20).canonical() == (
        RankingFilters.from_dict({"min_age": 20.0, "organization": "NYY"}).canonical()
    )
    for bad in (
        {"organization": "N1"},
        {"level": "AAAA"},
        {"kind": "catcher"},
        {"position": "SP", "kind": "hitter"},
        {"min_age": 25, "max_age": 20},
        {"min_age": 5},
        {"max_age": True},
        {"team": "NYY"},
    ):
        with pytest.raises(ValueError):
            RankingFilters.from_dict(bad)

    board = RankingFilters()
    assert board.covers(RankingFilters(organization="NYY", level="AA"))
    pitchers = RankingFilters(kind="pitcher", min_age=20)
    assert pitchers.covers(RankingFilters(position="SP", min_age=22))
    assert not pitchers.covers(RankingFilters(position="SP"))
    assert not pitchers.covers(RankingFilters(kind="hitter", min_age=22))
    assert not RankingFilters(organization="NYY").covers(board)


def test_the_progress_line_shows_rate_and_time_left():
    from cli.rank import ProgressLine

    line = ProgressLine(width=10)
    assert "--/s  ETA --:--" in line.render(500, 10000, 100.0)  # no rate from one report
    text = line.render(3000, 10000, 104.0)
    assert "[###.......] 3,000/10,000  30%" in text
    assert "625/s" in text and "ETA 0:11" in text and "elapsed 0:04" in text

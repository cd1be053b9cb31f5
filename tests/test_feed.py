"""The weekly feed: batches from a drop location upserted and archived, or held with an alert,
and a held feed holding back the weekly retrain."""

from __future__ import annotations

import shutil
import uuid
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from prospects.db.models import BattingLine, Ingest, ModelEvent, ScoutingReport
from prospects.db.session import reset_engine, session_scope
from prospects.feed.ingest import APPLIED, HELD, REJECTED_STATUS, feed_hold, ingest_pending
from prospects.feed.location import FolderDrop, S3Drop, drop_location
from tests.test_csvio import BATTING, PROSPECT, REPORT, write_csv

WEEK = date(2021, 9, 26)


def _hitters(n: int) -> list[dict[str, str]]:
    return [PROSPECT | {"id": str(i), "name": f"Player {i}"} for i in range(1, n + 1)]


def _lines(n: int, pa: int = 400) -> list[dict[str, str]]:
    return [
        BATTING | {"id": "", "prospect_id": str(i), "pa": str(pa), "ab": str(pa - 50)}
        for i in range(1, n + 1)
    ]


def _batch(tmp_path: Path, name: str, **files: list[dict[str, str]]) -> Path:
    folder = tmp_path / "build" / name
    for table, rows in files.items():
        write_csv(folder, f"{table}.csv", rows)
    return folder


@pytest.fixture
def drop(tmp_path) -> FolderDrop:
    return FolderDrop(tmp_path / "feed")


def test_a_batch_is_upserted_and_archived(db_url, drop, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    drop.put("2021-09-19", _batch(tmp_path, "w1", prospects=_hitters(3), batting_lines=_lines(3)))
    drop.put("2021-09-26", _batch(tmp_path, "w2", batting_lines=_lines(3, pa=430)))
    results = ingest_pending(drop, arrived_on=WEEK)
    assert [(r.batch, r.status) for r in results] == [
        ("2021-09-19", APPLIED),
        ("2021-09-26", APPLIED),
    ]
    assert results[1].counts["batting_lines"] == {"inserted": 0, "updated": 3, "unchanged": 0}
    assert drop.pending() == []
    assert sorted(p.name for p in (drop.root / "archive").iterdir()) == ["2021-09-19", "2021-09-26"]
    with session_scope(db_url) as s:
        assert set(s.scalars(select(BattingLine.pa))) == {430}
        assert feed_hold(s) is None


def test_a_batch_with_a_bad_row_is_rejected_whole_and_stops_the_next(
    db_url, drop, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", db_url)
    bad = _lines(2)
    bad[1]["hr"] = "-1"
    drop.put("2021-09-19", _batch(tmp_path, "w1", prospects=_hitters(2), batting_lines=bad))
    drop.put("2021-09-26", _batch(tmp_path, "w2", prospects=_hitters(2)))
    [result] = ingest_pending(drop, arrived_on=WEEK)
    assert result.status == REJECTED_STATUS
    assert "batting_lines.csv, row 3, column hr: must be at least 0, got -1" in result.reason
    assert drop.pending() == ["2021-09-26"]  # waits for a person
    rejected = drop.root / "rejected" / "2021-09-19"
    assert (rejected / "REASON.txt").read_text().startswith("rejected: 1 problem")
    with session_scope(db_url) as s:
        assert s.scalar(select(BattingLine.id)) is None
        assert "was rejected" in (feed_hold(s) or "")
        [event] = s.scalars(select(ModelEvent)).all()
    assert (event.kind, event.trigger) == ("alert", "feed")


def test_a_batch_cut_short_is_held_not_loaded(sqlite_url, drop, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for week, name in enumerate(("2021-08-29", "2021-09-05", "2021-09-12")):
        files = {"batting_lines": _lines(40, pa=300 + week)}
        if week == 0:
            files["prospects"] = _hitters(40)
        drop.put(name, _batch(tmp_path, name, **files))
    drop.put("2021-09-19", _batch(tmp_path, "short", batting_lines=_lines(5, pa=999)))
    results = ingest_pending(drop, arrived_on=WEEK)
    assert [r.status for r in results] == [APPLIED, APPLIED, APPLIED, HELD]
    assert results[-1].reason.startswith("a sudden drop in rows: 5 minor-league line rows")
    with session_scope(sqlite_url) as s:
        assert 999 not in set(s.scalars(select(BattingLine.pa)))  # rolled back
        held = s.scalars(select(Ingest).order_by(Ingest.id.desc())).first()
        assert (held.status, held.changed) == (HELD, 0)


def test_back_dated_reports_are_held(sqlite_url, drop, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    hindsight = [
        REPORT | {"id": "", "prospect_id": str(i), "report_date": "2020-09-29", "fv": "70"}
        for i in range(1, 13)
    ]
    drop.put(
        "2021-09-26", _batch(tmp_path, "w", prospects=_hitters(12), scouting_reports=hindsight)
    )
    [result] = ingest_pending(drop, arrived_on=WEEK)
    assert result.status == HELD
    assert result.reason.startswith("back-dated reports: 12 of 12 scouting reports")
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(ScoutingReport.id)) is None


def test_a_shifted_grade_scale_is_held(sqlite_url, drop, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)

    def reports(fv: int, day: str) -> list[dict[str, str]]:
        return [
            REPORT | {"id": "", "prospect_id": str(i), "report_date": day, "fv": str(fv)}
            for i in range(1, 13)
        ]

    drop.put("2021-09-19", _batch(tmp_path, "a", prospects=_hitters(12),
                                  scouting_reports=reports(45, "2021-09-15")))  # fmt: skip
    drop.put("2021-09-26", _batch(tmp_path, "b", scouting_reports=reports(55, "2021-09-22")))
    results = ingest_pending(drop, arrived_on=WEEK)
    assert [r.status for r in results] == [APPLIED, HELD]
    assert results[1].reason.startswith("a shifted distribution: mean FV 55.0")


def test_a_held_feed_holds_back_the_beat_retrain_until_a_batch_is_applied(
    tmp_path, monkeypatch, drop, redis_url
):
    """The retrain task's own gate, run as Celery would call it (no broker needed)."""
    url = f"sqlite:///{tmp_path / 'hold.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    from tasks.train import retrain

    bad = _lines(1)
    bad[0]["so"] = "x"
    drop.put("2021-09-26", _batch(tmp_path, "bad", prospects=_hitters(1), batting_lines=bad))
    assert CliRunner().invoke(main, ["ingest-feed", "--url", str(drop.root)]).exit_code == 3
    job_id = f"hold-{uuid.uuid4().hex[:8]}"
    result = retrain.apply(kwargs={"trigger": "beat"}, task_id=job_id).get()
    assert result["skipped"] is True
    assert result["reason"].startswith("retraining held back: the feed's newest batch")
    # A person fixes the batch and drops it again: the hold lifts.
    shutil.rmtree(drop.root / "rejected")
    good = _batch(tmp_path, "good", prospects=_hitters(1), batting_lines=_lines(1))
    drop.put("2021-09-27", good)
    out = CliRunner().invoke(main, ["ingest-feed", "--url", str(drop.root)])
    assert out.exit_code == 0, out.output
    assert "2021-09-27: applied: prospects 1 inserted" in out.output
    with session_scope(url) as s:
        assert feed_hold(s) is None
    reset_engine(url)


def test_the_drop_location_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CALLUP_FEED_URL", f"file://{tmp_path}/drop")
    assert isinstance(drop_location(), FolderDrop)
    assert drop_location().describe() == f"{tmp_path}/drop"
    with pytest.raises(ValueError, match="must be a folder, file:// or s3://"):
        drop_location("ftp://example.org/feed")


# --- S3: a real S3-compatible server (moto's), as a separate process ----------------------------


# The ``s3_endpoint`` fixture (moto_server on a free port) is in tests/conftest.py.


def test_an_s3_drop_location_is_ingested_and_archived(
    s3_endpoint, sqlite_url, tmp_path, monkeypatch
):
    import boto3

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    client.create_bucket(Bucket="mlflow")
    drop = S3Drop("mlflow", "feed", client=client)
    drop.put("2021-09-19", _batch(tmp_path, "w1", prospects=_hitters(2), batting_lines=_lines(2)))
    assert drop.pending() == ["2021-09-19"]
    [result] = ingest_pending(drop, arrived_on=WEEK)
    assert result.status == APPLIED
    assert result.counts["batting_lines"]["inserted"] == 2
    assert drop.pending() == []
    archived = client.list_objects_v2(Bucket="mlflow", Prefix="feed/archive/2021-09-19/")
    assert sorted(o["Key"] for o in archived["Contents"]) == [
        "feed/archive/2021-09-19/batting_lines.csv",
        "feed/archive/2021-09-19/prospects.csv",
    ]


def test_the_ingest_task_is_a_durable_job_like_any_other(tmp_path, monkeypatch, drop, redis_url):
    from prospects.db.models import Job
    from tasks.feed import ingest_feed

    url = f"sqlite:///{tmp_path / 'task.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CALLUP_FEED_URL", str(drop.root))
    monkeypatch.setenv("REDIS_URL", redis_url)
    from prospects.db.session import init_db

    init_db(url)
    drop.put("2021-09-26", _batch(tmp_path, "w", prospects=_hitters(2), batting_lines=_lines(2)))
    job_id = f"ingest-{uuid.uuid4().hex[:8]}"
    result = ingest_feed.apply(kwargs={"trigger": "beat"}, task_id=job_id).get()
    assert result["held"] is False
    assert result["batches"] == [
        "2021-09-26: applied: prospects 2 inserted, 0 updated, 0 unchanged; "
        "batting_lines 2 inserted, 0 updated, 0 unchanged"
    ]
    with session_scope(url) as s:
        job = s.get(Job, job_id)
        assert (job.kind, job.state, job.requested_by) == ("ingest", "succeeded", "beat")
        assert job.result == result
        # The job shows in the models' history (the dashboard's event list) as an ingest.
        [event] = s.scalars(select(ModelEvent)).all()
    assert (event.kind, event.trigger, event.job_id) == ("ingest", "beat", job_id)
    assert event.reason == f"feed ingest: {result['batches'][0]}"
    assert event.metrics == {"batches": {"2021-09-26": APPLIED}}
    reset_engine(url)


def _hindsight(n: int) -> list[dict[str, str]]:
    return [
        REPORT | {"id": "", "prospect_id": str(i), "report_date": "2020-09-29", "fv": "70"}
        for i in range(1, n + 1)
    ]


def test_a_held_batch_is_forced_in_only_on_purpose_and_it_is_recorded(tmp_path, monkeypatch, drop):
    url = f"sqlite:///{tmp_path / 'force.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    run = CliRunner().invoke
    drop.put("2021-09-19", _batch(tmp_path, "p", prospects=_hitters(12)))
    drop.put("2021-09-26", _batch(tmp_path, "h", scouting_reports=_hindsight(12)))
    held = run(main, ["ingest-feed", "--url", str(drop.root), "--arrived-on", "2021-09-26"])
    assert held.exit_code == 3 and "2021-09-26: held: back-dated reports" in held.output

    no_name = run(main, ["ingest-feed", "--url", str(drop.root), "--accept-held", "2021-09-26"])
    assert no_name.exit_code == 2 and "needs --by NAME" in no_name.output
    unknown = run(main, ["ingest-feed", "--url", str(drop.root), "--accept-held", "2021-01-01",
                         "--by", "anna"])  # fmt: skip
    assert unknown.exit_code == 1 and "no held or rejected batch '2021-01-01'" in unknown.output
    with session_scope(url) as s:
        assert s.scalar(select(ScoutingReport.id)) is None
        assert feed_hold(s) is not None

    forced = run(main, ["ingest-feed", "--url", str(drop.root), "--accept-held", "2021-09-26",
                        "--by", "anna", "--arrived-on", "2021-09-27"])  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert "2021-09-26: applied: scouting_reports 12 inserted" in forced.output
    assert drop.held() == [] and drop.pending() == []
    note = (drop.root / "archive" / "2021-09-26" / "REASON.txt").read_text()
    assert note.startswith("forced in by anna on 2021-09-27; it had been held: back-dated")
    with session_scope(url) as s:
        assert set(s.scalars(select(ScoutingReport.fv))) == {70}
        # Arriving the day it was forced in: invisible to every earlier reference date.
        assert set(s.scalars(select(ScoutingReport.ingested_on))) == {date(2021, 9, 27)}
        assert feed_hold(s) is None  # the person took responsibility: the hold lifts
        newest = s.scalars(select(Ingest).order_by(Ingest.id.desc())).first()
        assert newest.source.endswith("/2021-09-26 (forced by anna)")
        assert (newest.status, newest.arrived_on) == (APPLIED, date(2021, 9, 27))
        events = s.scalars(select(ModelEvent).order_by(ModelEvent.id)).all()
    # The first run's alert and its own ingest event; the override's event (refusals record none).
    assert [(e.kind, e.trigger) for e in events] == [
        ("alert", "feed"), ("ingest", "cli"), ("ingest", "cli"),
    ]  # fmt: skip
    assert events[-1].actor == "anna"
    assert "forced in by anna over its hold (held: back-dated reports" in events[-1].reason
    reset_engine(url)


def test_forced_in_as_history_the_reports_arrive_at_their_own_dates(
    sqlite_url, drop, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from prospects.feed.override import accept_held

    drop.put("2021-09-19", _batch(tmp_path, "p", prospects=_hitters(12)))
    drop.put("2021-09-26", _batch(tmp_path, "h", scouting_reports=_hindsight(12)))
    assert [r.status for r in ingest_pending(drop, arrived_on=WEEK)] == [
        APPLIED, HELD,
    ]  # fmt: skip
    usage = CliRunner().invoke(main, ["ingest-feed", "--url", str(drop.root), "--backfill"])
    assert usage.exit_code == 2 and "go with --accept-held" in usage.output
    result = accept_held(drop, "2021-09-26", by="drill", backfill=True)
    assert result.counts["scouting_reports"]["inserted"] == 12
    with session_scope(sqlite_url) as s:
        assert set(s.scalars(select(ScoutingReport.ingested_on))) == {date(2020, 9, 29)}
        event = s.scalars(select(ModelEvent).where(ModelEvent.kind == "ingest")).one()
    assert "forced in as history (arriving at their own dates) by drill" in event.reason
    assert event.metrics["backfill"] is True


def test_a_batch_with_problems_in_its_files_cannot_be_forced_in(
    sqlite_url, drop, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from prospects.csvio import CsvValidationError
    from prospects.feed.override import accept_held

    bad = _lines(1)
    bad[0]["hr"] = "-1"
    drop.put("2021-09-26", _batch(tmp_path, "bad", prospects=_hitters(1), batting_lines=bad))
    [result] = ingest_pending(drop, arrived_on=WEEK)
    assert result.status == REJECTED_STATUS
    with pytest.raises(CsvValidationError):
        accept_held(drop, "2021-09-26", by="anna")
    with pytest.raises(ValueError, match="say who forces"):
        accept_held(drop, "2021-09-26", by="  ")
    assert drop.held() == ["2021-09-26"]  # still set aside, with its reason
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(BattingLine.id)) is None
        assert [e.kind for e in s.scalars(select(ModelEvent))] == ["alert"]


def test_a_batch_without_line_files_is_not_taken_for_one_cut_short(
    sqlite_url, drop, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    for week, name in enumerate(("2021-08-29", "2021-09-05")):
        files = {"batting_lines": _lines(40, pa=300 + week)}
        if week == 0:
            files["prospects"] = _hitters(40)
        drop.put(name, _batch(tmp_path, name, **files))
    reports = [REPORT | {"id": "", "report_date": "2021-09-20"}]
    drop.put("2021-09-26", _batch(tmp_path, "reports", scouting_reports=reports))
    results = ingest_pending(drop, arrived_on=WEEK)
    assert [r.status for r in results] == [APPLIED, APPLIED, APPLIED]


def test_in_session_ingest_holds_and_rejects_without_loading(sqlite_url, drop, tmp_path):
    """The path ``callup simulate`` takes inside its own transaction."""
    from prospects.feed.ingest import ingest_in_session

    bad = _lines(1)
    bad[0]["hr"] = "-1"
    drop.put("2021-09-12", _batch(tmp_path, "p", prospects=_hitters(12)))
    drop.put("2021-09-19", _batch(tmp_path, "b", batting_lines=bad))
    drop.put("2021-09-26", _batch(tmp_path, "h", scouting_reports=_hindsight(12)))
    with session_scope(sqlite_url) as s:
        results = [ingest_in_session(s, drop, b, WEEK) for b in drop.pending()]
    assert [r.status for r in results] == [APPLIED, REJECTED_STATUS, HELD]
    assert "column hr: must be at least 0, got -1" in results[1].reason
    assert drop.held() == ["2021-09-19", "2021-09-26"]
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(BattingLine.id)) is None
        assert s.scalar(select(ScoutingReport.id)) is None
        assert "2021-09-26) was held: back-dated" in (feed_hold(s) or "")
        assert [e.kind for e in s.scalars(select(ModelEvent))] == ["alert", "alert"]

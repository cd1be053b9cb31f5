"""Durable job records and the sweeper: state moves only forward, and a lost job is re-sent once."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import redis
from sqlalchemy import update

from prospects.db.models import Job
from prospects.db.session import session_scope
from prospects.jobrecords import records
from prospects.jobrecords.accept import Accepted, accept
from prospects.jobrecords.sweep import LOCK_KEY, queued_ids, sweep
from prospects.jobs import JobStore
from tests.stack import REDIS_BASE

SWEEP_REDIS_URL = f"{REDIS_BASE}/2"  # bench/rank.py flushes db 3


@pytest.fixture
def sweep_redis():
    client = redis.Redis.from_url(SWEEP_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _age(url: str, job_id: str, seconds: float) -> None:
    """Pretend the job has been silent for ``seconds``."""
    with session_scope(url) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(updated_at=records.now() - timedelta(seconds=seconds))
        )


def _job(url: str, job_id: str, kind: str = "predict", **kwargs: Any) -> None:
    """A job accepted the way every enqueue accepts one; its message is lost (never sent)."""
    params = kwargs or {"prospect_id": 7, "requested_by": "alice"}
    assert accept(job_id, kind, "alice", params, lambda: None, database_url=url) is Accepted.SENT


def _row(url: str, job_id: str) -> Job:
    with session_scope(url) as session:
        return records.get(session, job_id)


class Sent:
    """A stand-in for Celery's sending: what was sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, dict[str, Any], str]] = []

    def send(self, task: str, job_id: str, kwargs: dict[str, Any], queue: str) -> None:
        self.messages.append((task, job_id, kwargs, queue))


def test_a_job_moves_only_forward(sqlite_url):
    _job(sqlite_url, "job-00000001")
    with session_scope(sqlite_url) as session:
        assert records.start(session, "job-00000001", "predict")
        assert records.succeed(session, "job-00000001", {"p": 0.4}) is records.Finish.DONE
        again = records.succeed(session, "job-00000001", {"p": 0.5})
        assert again is records.Finish.ALREADY_SUCCEEDED
        assert records.succeed(session, "job-00000404", {}) is records.Finish.MISSING
        assert not records.fail(session, "job-00000001", {"code": "x", "message": "y"})
        assert not records.start(session, "job-00000001", "predict")  # a late redelivery
    row = _row(sqlite_url, "job-00000001")
    assert (row.state, row.result, row.attempts) == ("succeeded", {"p": 0.4}, 1)
    assert row.started_at is not None and row.finished_at is not None


def test_a_job_about_a_prospect_is_recorded_only_if_the_prospect_exists(db_url):
    from datetime import date

    from sqlalchemy.exc import IntegrityError

    from prospects.db.models import Prospect
    from prospects.db.session import get_engine

    params = {"prospect_id": 7, "requested_by": "alice"}
    with session_scope(db_url) as session:
        session.add(
            Prospect(
                id=7,
                name="A B",
                birth_date=date(2001, 1, 1),
                position="SS",
                bats="R",
                throws="R",
                organization="ORG",
                signing_year=2019,
                signed_on=date(2019, 7, 1),
            )
        )
    with get_engine(db_url).begin() as conn:
        assert not records.create_for_prospect(conn, "job-00000002", "predict", "bob", params, 8)
        assert records.create_for_prospect(conn, "job-00000003", "predict", "bob", params, 7)
    assert _row(db_url, "job-00000002") is None
    row = _row(db_url, "job-00000003")
    assert (row.kind, row.state, row.requested_by, row.params) == (
        "predict",
        "queued",
        "bob",
        params,
    )
    assert (row.attempts, row.requeues) == (0, 0) and row.created_at is not None
    with pytest.raises(IntegrityError), get_engine(db_url).begin() as conn:
        records.create_for_prospect(conn, "job-00000003", "predict", "eve", params, 7)


def test_a_job_sent_without_a_record_gets_one_when_it_starts(sqlite_url):
    with session_scope(sqlite_url) as session:
        assert records.start(session, "beat-0000001", "rank", "beat", {"requested_by": "beat"})
    row = _row(sqlite_url, "beat-0000001")
    assert (row.kind, row.state, row.attempts, row.params) == (
        "rank",
        "running",
        1,
        {"requested_by": "beat"},
    )


def test_a_lost_job_is_sent_again_once_with_its_id_and_arguments(sqlite_url, sweep_redis):
    _job(sqlite_url, "lost-0000001", prospect_id=7, as_of="2026-05-01", requested_by="alice")
    _job(sqlite_url, "fresh-000001")  # accepted a moment ago: not stuck
    _age(sqlite_url, "lost-0000001", 120)
    celery = Sent()

    report = sweep(sweep_redis, celery.send, older_than=60, database_url=sqlite_url)

    assert report.requeued == ["lost-0000001"]
    assert celery.messages == [
        (
            "callup.predict",
            "lost-0000001",
            {"prospect_id": 7, "as_of": "2026-05-01", "requested_by": "alice"},
            "predict",
        )
    ]
    row = _row(sqlite_url, "lost-0000001")
    assert (row.state, row.requeues) == ("queued", 1)
    assert sweep_redis.keys("callup:job:*") == []  # the row is the job's record: no copy
    again = sweep(sweep_redis, celery.send, older_than=60, database_url=sqlite_url)
    assert again.requeued == [] and len(celery.messages) == 1  # it just moved: not stuck


@pytest.mark.parametrize(
    ("kind", "task", "queue", "params"),
    [
        ("promote", "callup.promote", "predict", {"version": 2, "requested_by": "root"}),
        ("rollback", "callup.rollback", "predict", {"to_version": None, "requested_by": "root"}),
        ("monitor", "callup.monitor", "train", {"trigger": "beat"}),
        ("retrain", "callup.retrain", "train", {"trigger": "api", "requested_by": "root"}),
    ],
)
def test_a_lost_lifecycle_job_is_sent_again_to_its_own_task_and_queue(
    kind, task, queue, params, sqlite_url, sweep_redis
):
    _job(sqlite_url, f"lost-{kind}", kind, **params)
    _age(sqlite_url, f"lost-{kind}", 4000)  # past every kind's threshold (retrain: 3900 s)
    celery = Sent()

    report = sweep(sweep_redis, celery.send, database_url=sqlite_url)

    assert report.requeued == [f"lost-{kind}"]
    assert celery.messages == [(task, f"lost-{kind}", params, queue)]


def test_a_job_still_waiting_in_its_queue_is_left_alone(sqlite_url, sweep_redis):
    _job(sqlite_url, "wait-0000001")
    _age(sqlite_url, "wait-0000001", 120)
    message = {"headers": {"id": "wait-0000001", "task": "callup.predict"}, "body": ""}
    sweep_redis.rpush("predict", json.dumps(message))
    celery = Sent()

    report = sweep(sweep_redis, celery.send, older_than=60, database_url=sqlite_url)

    assert report.waiting == 1 and celery.messages == []


@pytest.mark.parametrize("priority", [0, 1, 3, 5, 6, 9])
def test_a_message_sent_at_any_priority_is_found_waiting_in_its_queue(priority, sweep_redis):
    from celery import Celery

    from workers.celery_app import celery_settings

    sender = Celery("callup")
    sender.conf.update(celery_settings(SWEEP_REDIS_URL))
    job_id = f"prio-{priority}"
    sender.send_task(
        "callup.predict", kwargs={}, task_id=job_id, queue="predict", priority=priority
    )

    assert job_id in queued_ids(sweep_redis, "predict")
    assert queued_ids(sweep_redis, "rank") == set()


def test_a_job_whose_worker_missed_its_row_is_resent_and_the_redelivery_settles_it(
    sqlite_url, sweep_redis
):
    # The worker ranked, then the database refused its last write: the row says running,
    # and Celery keeps no result to say otherwise. The row decides: the job is sent again.
    _job(sqlite_url, "done-0000001", "rank", requested_by="alice")
    with session_scope(sqlite_url) as session:
        records.start(session, "done-0000001", "rank")
    _age(sqlite_url, "done-0000001", 120)
    celery = Sent()

    report = sweep(sweep_redis, celery.send, older_than=60, database_url=sqlite_url)

    assert report.requeued == ["done-0000001"]
    assert [m[:2] for m in celery.messages] == [("callup.rank", "done-0000001")]
    assert "synced" not in report.as_dict()
    # The redelivery finds its work done (a finished snapshot) and finishes the row, once.
    with session_scope(sqlite_url) as session:
        assert records.start(session, "done-0000001", "rank")
        summary = {"ranking_id": 4, "total": 9}
        assert records.succeed(session, "done-0000001", summary, "ranking:4") is records.Finish.DONE
    again = sweep(sweep_redis, celery.send, older_than=0, database_url=sqlite_url)
    assert again.stuck == 0 and len(celery.messages) == 1


def test_a_row_write_is_tried_again_through_a_database_blip(sqlite_url):
    from sqlalchemy.exc import OperationalError

    _job(sqlite_url, "blip-0000001")
    tries: list[int] = []

    def finish(session: Any) -> None:
        tries.append(1)
        if len(tries) < 3:  # the database restarting: two refused connections
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        records.succeed(session, "blip-0000001", {"p": 0.3})

    assert records.apply(finish, "blip-0000001", sqlite_url, pauses=(0, 0, 0))
    assert len(tries) == 3 and _row(sqlite_url, "blip-0000001").state == "succeeded"

    def down(session: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    assert not records.apply(down, "blip-0000001", sqlite_url, pauses=(0, 0))


def test_a_job_resent_too_often_fails_as_lost(sqlite_url, sweep_redis, monkeypatch):
    monkeypatch.setenv("CALLUP_JOB_MAX_REQUEUES", "2")
    _job(sqlite_url, "gone-0000001")
    with session_scope(sqlite_url) as session:
        session.execute(update(Job).where(Job.id == "gone-0000001").values(requeues=2))
    _age(sqlite_url, "gone-0000001", 120)
    celery = Sent()

    report = sweep(sweep_redis, celery.send, older_than=60, database_url=sqlite_url)

    assert report.lost == ["gone-0000001"] and celery.messages == []
    assert _row(sqlite_url, "gone-0000001").error["code"] == "job_lost"
    assert JobStore(sweep_redis).wait_done("gone-0000001", 0) == {}  # its waiters woken


def test_a_second_sweep_while_one_runs_sends_nothing(sqlite_url, sweep_redis):
    _job(sqlite_url, "lock-0000001")
    _age(sqlite_url, "lock-0000001", 120)
    sweep_redis.set(LOCK_KEY, "another-sweeper", ex=30)
    celery = Sent()

    report = sweep(sweep_redis, celery.send, older_than=60, database_url=sqlite_url)

    assert report.locked and celery.messages == []
    assert sweep_redis.get(LOCK_KEY) == b"another-sweeper"  # not ours to free


def test_two_sweepers_without_the_lock_send_a_job_once(sqlite_url):
    _job(sqlite_url, "race-0000001")
    _age(sqlite_url, "race-0000001", 120)
    seen = _row(sqlite_url, "race-0000001")  # both sweepers read the same row
    cutoff = records.now() - timedelta(seconds=60)
    wins: list[bool] = []
    barrier = threading.Barrier(2)

    def claim() -> None:
        barrier.wait()
        with session_scope(sqlite_url) as session:
            wins.append(records.claim_requeue(session, seen, cutoff))

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(wins) == [False, True]
    assert _row(sqlite_url, "race-0000001").requeues == 1


def test_predict_writes_the_job_before_enqueueing_and_polls_survive_a_redis_flush(
    client, headers, prospects, redis_client, sqlite_url, queued
):
    accepted = client.post("/api/ml/predict", json={"prospect_id": 101}, headers=headers)
    assert accepted.status_code == 202
    job_id = accepted.get_json()["job_id"]
    row = _row(sqlite_url, job_id)
    assert (row.kind, row.state, row.requested_by) == ("predict", "queued", "alice")
    assert row.params == queued()[0]["kwargs"]  # exactly what was sent: it can be sent again

    redis_client.flushdb()  # Redis restarted without persistence
    polled = client.get(f"/api/ml/jobs/{job_id}", headers=headers)
    assert polled.status_code == 200
    assert polled.get_json() == {"job_id": job_id, "kind": "predict", "status": "queued"}

    with session_scope(sqlite_url) as session:
        records.succeed(session, job_id, {"prospect_id": 101, "probability": 0.31})
    done = client.get(f"/api/ml/jobs/{job_id}", headers=headers).get_json()
    assert done["status"] == "succeeded" and done["result"]["probability"] == 0.31


def test_someone_elses_recorded_job_is_404(client, headers, make_key, prospects, redis_client):
    job_id = client.post("/api/ml/predict", json={"prospect_id": 101}, headers=headers).get_json()
    redis_client.flushdb()
    bob = {"Authorization": f"Bearer {make_key('bob', 'analyst')}"}
    admin = {"Authorization": f"Bearer {make_key('root', 'admin')}"}

    assert client.get(f"/api/ml/jobs/{job_id['job_id']}", headers=bob).status_code == 404
    assert client.get(f"/api/ml/jobs/{job_id['job_id']}", headers=admin).status_code == 200


def test_a_failed_send_leaves_no_record(app, client, headers, prospects, sqlite_url, monkeypatch):
    celery = app.extensions["callup.celery"]

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise redis.exceptions.ConnectionError("broker down")

    monkeypatch.setattr(celery, "send_task", refuse)
    started = time.monotonic()
    response = client.post("/api/ml/predict", json={"prospect_id": 101}, headers=headers)

    assert response.status_code == 503 and time.monotonic() - started < 3
    with session_scope(sqlite_url) as session:
        assert session.query(Job).count() == 0
    assert _keys(app) == []


def _keys(app) -> list[bytes]:
    return list(redis.Redis.from_url(app.config["REDIS_URL"]).scan_iter("callup:job:*"))


def test_a_finished_job_whose_celery_result_is_gone_answers_from_its_record(
    client, headers, prospects, sqlite_url
):
    job_id = client.post("/api/ml/predict", json={"prospect_id": 101}, headers=headers).get_json()
    job_id = job_id["job_id"]  # Celery has no result for it: the row is the record
    assert client.get(f"/api/ml/jobs/{job_id}", headers=headers).get_json()["status"] == "queued"

    with session_scope(sqlite_url) as session:
        records.succeed(session, job_id, {"prospect_id": 101, "probability": 0.42})
    body = client.get(f"/api/ml/jobs/{job_id}", headers=headers).get_json()

    assert body == {
        "job_id": job_id,
        "kind": "predict",
        "status": "succeeded",
        "result": {"prospect_id": 101, "probability": 0.42},
    }


def test_a_replay_racing_the_first_request_gets_its_job_and_sends_nothing(
    client, headers, prospects, queued, sqlite_url
):
    from prospects.jobrecords.accept import Accepted, accept

    keyed = {**headers, "Idempotency-Key": "twin-requests-1"}
    first = client.post("/api/ml/predict", json={"prospect_id": 101}, headers=keyed)
    job_id = first.get_json()["job_id"]

    replay = client.post("/api/ml/predict", json={"prospect_id": 101}, headers=keyed)
    # A twin that found no row yet and went on to accept the same id: the row's key refuses it.
    sends: list[str] = []
    twin = accept(
        job_id, "predict", "alice", {}, lambda: sends.append(job_id), prospect_id=101,
        database_url=sqlite_url,
    )  # fmt: skip

    assert replay.status_code == 202, replay.get_json()
    assert replay.get_json()["job_id"] == job_id
    assert twin is Accepted.DUPLICATE and sends == []
    assert [m["id"] for m in queued()] == [job_id]  # sent once


def _unacked(client: redis.Redis, job_id: str) -> None:
    """Put ``job_id``'s message in a worker's hands, as kombu's Redis transport records it."""
    message = {"headers": {"id": job_id, "task": "callup.predict"}, "body": ""}
    client.hset("unacked", "tag-1", json.dumps([message, "", "predict"]))


def test_a_queued_job_whose_message_redis_lost_is_resent_after_a_minute(
    sqlite_url, sweep_redis, monkeypatch
):
    monkeypatch.delenv("CALLUP_JOB_STALE_SECONDS", raising=False)  # 900 s: far off
    monkeypatch.delenv("CALLUP_JOB_LOST_SECONDS", raising=False)  # 60 s
    _job(sqlite_url, "wiped-000001")  # accepted; then Redis restarted empty
    _job(sqlite_url, "young-000001")
    _age(sqlite_url, "wiped-000001", 61)
    _age(sqlite_url, "young-000001", 30)
    celery = Sent()

    report = sweep(sweep_redis, celery.send, database_url=sqlite_url)

    assert report.requeued == ["wiped-000001"]
    assert [m[1] for m in celery.messages] == ["wiped-000001"]


def test_a_queued_job_a_worker_holds_is_not_resent_early(sqlite_url, sweep_redis, monkeypatch):
    monkeypatch.delenv("CALLUP_JOB_STALE_SECONDS", raising=False)
    _job(sqlite_url, "held-0000001")
    _age(sqlite_url, "held-0000001", 61)
    _unacked(sweep_redis, "held-0000001")  # prefetched by a busy worker
    celery = Sent()

    report = sweep(sweep_redis, celery.send, database_url=sqlite_url)

    assert report.waiting == 1 and celery.messages == []


def test_a_running_job_is_not_resent_before_the_stale_threshold(
    sqlite_url, sweep_redis, monkeypatch
):
    monkeypatch.delenv("CALLUP_JOB_STALE_SECONDS", raising=False)
    _job(sqlite_url, "busy-0000001")
    with session_scope(sqlite_url) as session:
        records.start(session, "busy-0000001", "predict")
    _age(sqlite_url, "busy-0000001", 120)  # a worker computes it; Redis lost its message
    celery = Sent()

    report = sweep(sweep_redis, celery.send, database_url=sqlite_url)

    assert report.stuck == 0 and celery.messages == []

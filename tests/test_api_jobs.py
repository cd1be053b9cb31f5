"""GET /api/ml/jobs/<id>: ownership, 404s, and each state of the job's row as a poll shows it.

The row is the job's one record (docs/jobs.md): each test moves it the way
its one writer does (``prospects.jobrecords.records``) and reads it back
through the API, with no Redis record and no Celery result to consult.
"""

from __future__ import annotations

import uuid

import pytest

from prospects.db.session import session_scope
from prospects.jobrecords import records
from prospects.jobrecords.accept import accept


@pytest.fixture
def job_id(sqlite_url) -> str:
    """A predict job accepted for alice: queued, no worker has seen it."""
    job_id = str(uuid.uuid4())
    _accept(sqlite_url, job_id, "predict", "alice", {"prospect_id": 101})
    return job_id


def _accept(url: str, job_id: str, kind: str, requested_by: str, params: dict) -> None:
    """A job accepted the way every enqueue accepts one (its message goes nowhere)."""
    accept(job_id, kind, requested_by, params, lambda: None, database_url=url)


def _move(url: str, change) -> None:  # type: ignore[no-untyped-def]
    with session_scope(url) as session:
        change(session)


def _get(client, job_id, headers):
    return client.get(f"/api/ml/jobs/{job_id}", headers=headers)


def test_unknown_job_is_404(client, headers):
    response = _get(client, str(uuid.uuid4()), headers)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "job_not_found"


@pytest.mark.parametrize("garbage", ["x", "a" * 65, "..%2F..%2Fetc", "abc def ghi", "*" * 10])
def test_garbage_job_ids_are_404(client, headers, garbage):
    assert _get(client, garbage, headers).status_code == 404


def test_other_users_job_is_404_but_admin_sees_it(client, make_key, job_id):
    bob = {"Authorization": f"Bearer {make_key('bob', 'analyst')}"}
    root = {"Authorization": f"Bearer {make_key('root', 'admin')}"}

    assert _get(client, job_id, bob).status_code == 404
    assert _get(client, job_id, root).status_code == 200


def test_a_ranking_is_visible_to_every_user(client, make_key, sqlite_url):
    job_id = str(uuid.uuid4())
    _accept(sqlite_url, job_id, "rank", "alice", {})
    bob = {"Authorization": f"Bearer {make_key('bob', 'viewer')}"}

    assert _get(client, job_id, bob).get_json()["status"] == "queued"


def test_accepted_is_queued(client, headers, job_id):
    response = _get(client, job_id, headers)

    assert response.status_code == 200
    assert response.get_json() == {"job_id": job_id, "kind": "predict", "status": "queued"}
    assert response.headers["X-RateLimit-Limit"] == "10000"


def test_started_is_running(client, headers, job_id, sqlite_url):
    _move(sqlite_url, lambda s: records.start(s, job_id, "predict"))

    assert _get(client, job_id, headers).get_json() == {
        "job_id": job_id,
        "kind": "predict",
        "status": "running",
    }


def test_progress_is_running_with_progress(client, headers, job_id, sqlite_url):
    _move(sqlite_url, lambda s: records.start(s, job_id, "predict"))
    _move(sqlite_url, lambda s: records.heartbeat(s, job_id, {"done": 3, "total": 10}))

    body = _get(client, job_id, headers).get_json()

    assert body["status"] == "running"
    assert body["progress"] == {"done": 3, "total": 10}


def test_a_retrainings_stage_is_not_shown_but_its_counts_are(client, headers, job_id, sqlite_url):
    _move(sqlite_url, lambda s: records.start(s, job_id, "predict"))
    shown = {"stage": "train", "done": 2, "total": 5}
    _move(sqlite_url, lambda s: records.heartbeat(s, job_id, shown))

    assert _get(client, job_id, headers).get_json()["progress"] == {"done": 2, "total": 5}


def test_success_carries_the_result_and_drops_the_progress(client, headers, job_id, sqlite_url):
    _move(sqlite_url, lambda s: records.start(s, job_id, "predict"))
    _move(sqlite_url, lambda s: records.heartbeat(s, job_id, {"done": 9, "total": 10}))
    _move(sqlite_url, lambda s: records.succeed(s, job_id, {"probability": 0.4}))

    body = _get(client, job_id, headers).get_json()

    assert body == {
        "job_id": job_id,
        "kind": "predict",
        "status": "succeeded",
        "result": {"probability": 0.4},
    }


def test_failure_carries_the_workers_reason(client, headers, job_id, sqlite_url):
    error = {"code": "no_champion", "message": "no model"}
    _move(sqlite_url, lambda s: records.fail(s, job_id, error))

    body = _get(client, job_id, headers).get_json()

    assert body == {"job_id": job_id, "kind": "predict", "status": "failed", "error": error}


def test_failure_without_a_reason_is_generic(client, headers, job_id, sqlite_url):
    _move(sqlite_url, lambda s: records.fail(s, job_id, {}))

    body = _get(client, job_id, headers).get_json()

    assert body["status"] == "failed"
    assert body["error"] == {"code": "job_failed", "message": "the job failed"}


def test_a_requeued_job_is_queued_again(client, headers, job_id, sqlite_url):
    from datetime import timedelta

    _move(sqlite_url, lambda s: records.start(s, job_id, "predict"))
    with session_scope(sqlite_url) as session:
        job = records.get(session, job_id)  # as the sweeper reads it, then claims it apart
    with session_scope(sqlite_url) as session:
        assert records.claim_requeue(session, job, records.now() + timedelta(seconds=1))

    assert _get(client, job_id, headers).get_json()["status"] == "queued"


def test_a_user_named_like_a_system_requester_does_not_own_its_jobs(client, make_key, sqlite_url):
    from schedules.calendar import JOB_BY_NAME, RANKINGS
    from tasks.monitor import MONITOR

    retraining = str(uuid.uuid4())
    _accept(sqlite_url, retraining, "retrain", MONITOR, {})
    monitor = {"Authorization": f"Bearer {make_key('monitor', 'analyst')}"}

    assert _get(client, retraining, monitor).status_code == 404
    assert MONITOR == "system:monitor"
    assert JOB_BY_NAME[RANKINGS].kwargs["requested_by"] == "system:beat"

"""GET /api/ml/jobs/<id>: ownership, 404s and the Celery state → public status mapping."""

from __future__ import annotations

import uuid

import pytest

from prospects.jobs import JobStore


@pytest.fixture
def job_id(redis_client) -> str:
    """A predict job recorded for alice, with no Celery state yet."""
    job_id = str(uuid.uuid4())
    JobStore(redis_client).create(job_id, "predict", "alice", {"prospect_id": 101})
    return job_id


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


def test_queued_before_any_worker_state(client, headers, job_id):
    response = _get(client, job_id, headers)

    assert response.status_code == 200
    assert response.get_json() == {"job_id": job_id, "kind": "predict", "status": "queued"}
    assert response.headers["X-RateLimit-Limit"] == "10000"


def test_started_is_running(client, headers, job_id, celery):
    celery.backend.store_result(job_id, {"pid": 1}, "STARTED")

    assert _get(client, job_id, headers).get_json()["status"] == "running"


def test_progress_is_running_with_progress(client, headers, job_id, celery):
    celery.backend.store_result(job_id, {"done": 3, "total": 10}, "PROGRESS")

    body = _get(client, job_id, headers).get_json()

    assert body["status"] == "running"
    assert body["progress"] == {"done": 3, "total": 10}


def test_success_carries_the_result(client, headers, job_id, celery):
    celery.backend.store_result(job_id, {"probability": 0.4}, "SUCCESS")

    body = _get(client, job_id, headers).get_json()

    assert body == {
        "job_id": job_id,
        "kind": "predict",
        "status": "succeeded",
        "result": {"probability": 0.4},
    }


def test_failure_carries_the_workers_reason_not_a_traceback(
    client, headers, job_id, celery, redis_client
):
    JobStore(redis_client).record_error(job_id, {"code": "no_champion", "message": "no model"})
    celery.backend.mark_as_failure(job_id, RuntimeError("secret internals"))

    body = _get(client, job_id, headers).get_json()

    assert body["status"] == "failed"
    assert body["error"] == {"code": "no_champion", "message": "no model"}
    assert "secret" not in str(body)


def test_failure_without_a_reason_is_generic(client, headers, job_id, celery):
    celery.backend.mark_as_failure(job_id, RuntimeError("secret internals"))

    body = _get(client, job_id, headers).get_json()

    assert body["status"] == "failed" and body["error"]["code"] == "job_failed"
    assert "secret" not in str(body)


def test_revoked_is_failed(client, headers, job_id, celery):
    celery.backend.mark_as_revoked(job_id)

    body = _get(client, job_id, headers).get_json()

    assert body["status"] == "failed" and body["error"]["code"] == "job_revoked"


def test_recorded_error_wins_before_celery_stores_failure(
    client, headers, job_id, celery, redis_client
):
    celery.backend.store_result(job_id, None, "STARTED")
    JobStore(redis_client).record_error(job_id, {"code": "model_unavailable", "message": "x"})

    body = _get(client, job_id, headers).get_json()

    assert body["status"] == "failed" and body["error"]["code"] == "model_unavailable"


def test_a_user_named_like_a_system_requester_does_not_own_its_jobs(client, make_key, redis_client):
    from schedules.calendar import JOB_BY_NAME, RANKINGS
    from tasks.monitor import MONITOR

    retraining = str(uuid.uuid4())
    JobStore(redis_client).create(retraining, "retrain", MONITOR, {})
    monitor = {"Authorization": f"Bearer {make_key('monitor', 'analyst')}"}

    assert _get(client, retraining, monitor).status_code == 404
    assert MONITOR == "system:monitor"
    assert JOB_BY_NAME[RANKINGS].kwargs["requested_by"] == "system:beat"

"""``Prefer: wait`` holds a thread: capped per user and in all, and never loses the job id."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from app import create_app
from app.waiters import WaiterSlots
from prospects.jobs import JobStore

pytest_plugins = ["tests.api_fixtures"]

URL = "/api/ml/predict"


def _waiting(app, user: str | None = None) -> int:
    return app.extensions["callup.waiters"].in_use(user)


def _until(condition, what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


def _park_a_waiter(app, headers, prospect_id: int) -> tuple[threading.Thread, dict]:
    """A request that waits (up to 10 s) on its job in a thread of its own."""
    answer: dict = {}

    def call() -> None:
        response = app.test_client().post(
            URL, json={"prospect_id": prospect_id}, headers={**headers, "Prefer": "wait=10"}
        )
        answer["status"], answer["body"] = response.status_code, response.get_json()

    thread = threading.Thread(target=call)
    thread.start()
    return thread, answer


def _finish_every_job(app, redis_client, result: dict) -> None:
    """Act as the worker for every job sent: the row's final state, then the wake-up."""
    from prospects.db.session import session_scope
    from prospects.jobrecords import records

    store = JobStore(redis_client)
    for message in _messages(redis_client):
        job_id = message["headers"]["id"]
        with session_scope(app.extensions["callup.database_url"]) as session:
            records.succeed(session, job_id, result)
        store.notify_done(job_id)


@pytest.fixture
def capped(app_config):
    def make(total: int, per_user: int):
        return create_app(
            {**app_config, "CALLUP_MAX_WAITERS": total, "CALLUP_MAX_WAITERS_PER_USER": per_user}
        )

    return make


def test_a_wait_over_the_per_user_cap_is_answered_at_once_with_202(
    capped, headers, prospects, redis_client
):
    app = capped(total=8, per_user=1)
    thread, _ = _park_a_waiter(app, headers, 101)
    _until(lambda: _waiting(app) == 1, "the first waiter")

    response = app.test_client().post(
        URL, json={"prospect_id": 102}, headers={**headers, "Prefer": "wait=10"}
    )

    assert response.status_code == 202
    assert "Preference-Applied" not in response.headers  # it did not wait
    assert response.get_json()["status"] == "queued" and response.get_json()["job_id"]
    assert _waiting(app) == 1
    _finish_every_job(app, redis_client, {"probability": 0.5})
    thread.join(10)


def test_a_wait_over_the_cap_in_all_is_answered_at_once_even_for_another_user(
    capped, headers, make_key, prospects, redis_client
):
    app = capped(total=1, per_user=4)
    thread, _ = _park_a_waiter(app, headers, 101)
    _until(lambda: _waiting(app) == 1, "the first waiter")
    bob = {"Authorization": f"Bearer {make_key('bob')}", "Prefer": "wait=10"}

    response = app.test_client().post(URL, json={"prospect_id": 102}, headers=bob)

    assert response.status_code == 202
    assert "Preference-Applied" not in response.headers
    _finish_every_job(app, redis_client, {"probability": 0.5})
    thread.join(10)


def test_a_finished_wait_gives_its_slot_back(capped, headers, prospects, redis_client):
    app = capped(total=1, per_user=1)
    thread, answer = _park_a_waiter(app, headers, 101)
    _until(lambda: _waiting(app) == 1, "the waiter")

    _finish_every_job(app, redis_client, {"probability": 0.5})
    thread.join(10)

    assert answer["status"] == 200 and answer["body"]["result"] == {"probability": 0.5}
    assert _waiting(app) == 0


def test_slots_count_per_user_and_in_all():
    slots = WaiterSlots(total=2, per_user=1)
    with slots.slot("alice") as first, slots.slot("alice") as second:
        assert (first, second) == (True, False)
        with slots.slot("bob") as third, slots.slot("carol") as fourth:
            assert (third, fourth) == (True, False)
            assert slots.in_use() == 2 and slots.in_use("alice") == 1
    assert slots.in_use() == 0


def test_a_wait_cut_short_by_a_redis_outage_answers_503_with_the_job_id(
    app, headers, prospects, redis_client
):
    # Redis goes away after the job was sent: the waiting connection finds nobody there.
    app.extensions["callup.redis_blocking"] = redis.Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=1
    )

    response = app.test_client().post(
        URL, json={"prospect_id": 101}, headers={**headers, "Prefer": "wait=5"}
    )

    body = response.get_json()
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert body["error"]["code"] == "unavailable"
    sent = [m["headers"]["id"] for m in _messages(redis_client)]
    assert body["job_id"] == sent[0] and len(sent) == 1
    assert body["status_url"] == f"/api/ml/jobs/{sent[0]}"
    assert _waiting(app) == 0


def _messages(redis_client) -> list[dict]:
    import json

    return [json.loads(raw) for raw in redis_client.lrange("predict", 0, -1)]


def test_a_waiter_woken_by_a_failed_job_answers_from_its_row_at_once(
    app, headers, prospects, redis_client, sqlite_url
):
    from prospects.db.session import session_scope
    from prospects.jobrecords import records

    thread, answer = _park_a_waiter(app, headers, 101)
    _until(lambda: _waiting(app) == 1, "the waiter")
    job_id = _messages(redis_client)[0]["headers"]["id"]
    error = {"code": "model_unavailable", "message": "the model registry is unreachable"}

    # As the worker does it: the row's final state, then the wake-up (Celery stores nothing).
    with session_scope(sqlite_url) as session:
        assert records.fail(session, job_id, error)
    JobStore(redis_client).notify_done(job_id)
    thread.join(timeout=10)

    assert answer["status"] == 503, answer
    assert answer["body"]["error"]["code"] == "model_unavailable"
    assert answer["body"]["job_id"] == job_id  # Celery still says PENDING: the row answered

"""POST /api/ml/predict: enqueue, refuse bad input, answer from cache, deduplicate, wait."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta

import pytest

from prospects import ab
from prospects.db.session import session_scope
from prospects.db.version import data_version
from prospects.jobrecords import records
from prospects.jobrecords.accept import withdraw
from prospects.jobs import DATA_VERSION_KEY, JobStore, alias_key, prediction_cache_key

URL = "/api/ml/predict"
RESULT = {
    "prospect_id": 101,
    "prospect_name": "Avery Quinn",
    "as_of": "2024-06-01",
    "model": {"name": "prospect-success", "version": 3, "variant": "champion"},
    "probability": 0.42,
    "interval": {"low": 0.3, "high": 0.55, "level": 0.8},
    "base_rate": 0.1,
    "confidence": "medium",
    "confidence_reasons": [],
    "top_group": {
        "concept": "scouting",
        "label": "scouting reports",
        "points": 32.0,
        "text": "scouting reports +32.0 points",
    },
    "groups": [
        {
            "concept": "scouting",
            "label": "scouting reports",
            "points": 32.0,
            "exact_points": 32.0,
            "facts": ["FV 60"],
        }
    ],
    "contributions": {"sc_fv": 1.2},
    "top_factors": {"for": [], "against": []},
    "comparables": [],
    "narrative": "...",
    "base_value": -0.3,
    "eligibility": {
        "eligible": True,
        "reason": None,
        "reasons": [],
        "message": "Rookie-eligible, active prospect.",
        "facts": {
            "mlb_pa": 0,
            "mlb_ip": "0",
            "graduated_in": None,
            "succeeded_in": None,
            "last_minor_league_season": 2023,
            "released_on": None,
            "age": 21.4,
            "reference_season": 2024,
        },
    },
    "data_version": "x",
    "latency_ms": 12.0,
}


def test_enqueue_answers_202_records_the_job_and_sends_one_message(
    client, headers, prospects, redis_client, queued, sqlite_url
):
    response = client.post(URL, json={"prospect_id": 101, "as_of": "2024-06-01"}, headers=headers)

    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued"
    assert body["status_url"] == f"/api/ml/jobs/{body['job_id']}"
    assert response.headers["Location"] == body["status_url"]
    assert "Retry-After" not in response.headers
    assert response.headers["X-RateLimit-Limit"] == "10000"
    [message] = queued()
    row = _row(sqlite_url, body["job_id"])
    assert (row.kind, row.state, row.requested_by) == ("predict", "queued", "alice")
    assert row.params == message["kwargs"]  # the task's arguments: it can be sent again
    assert message["id"] == body["job_id"] and message["task"] == "callup.predict"
    assert message["kwargs"]["prospect_id"] == 101
    assert message["kwargs"]["as_of"] == "2024-06-01"
    assert message["kwargs"]["requested_by"] == "alice"
    assert message["kwargs"]["request_id"]
    redis_client.delete("predict")


def test_as_of_defaults_to_today_utc(client, headers, prospects, queued):
    from app.schemas import today_utc

    response = client.post(URL, json={"prospect_id": 102}, headers=headers)

    assert response.status_code == 202
    [message] = queued()
    assert message["kwargs"]["as_of"] == today_utc().isoformat()


def test_unknown_prospect_is_404_and_enqueues_nothing(client, headers, prospects, redis_client):
    response = client.post(URL, json={"prospect_id": 999}, headers=headers)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_prospect"
    assert redis_client.llen("predict") == 0
    assert not list(redis_client.scan_iter("callup:job:*"))


TOMORROW = (date.today() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "prospect_id"),
        ({"prospect_id": "101"}, "prospect_id"),
        ({"prospect_id": 101.0}, "prospect_id"),
        ({"prospect_id": True}, "prospect_id"),
        ({"prospect_id": None}, "prospect_id"),
        ({"prospect_id": -1}, "prospect_id"),
        ({"prospect_id": 0}, "prospect_id"),
        ({"prospect_id": 2**40}, "prospect_id"),
        ({"prospect_id": 10**30}, "prospect_id"),
        ({"prospect_id": [101]}, "prospect_id"),
        ({"prospect_id": 101, "extra": 1}, "extra"),
        ({"prospect_id": 101, "as_of": TOMORROW}, "as_of"),
        ({"prospect_id": 101, "as_of": "1999-12-31"}, "as_of"),
        ({"prospect_id": 101, "as_of": "2024-13-01"}, "as_of"),
        ({"prospect_id": 101, "as_of": "yesterday"}, "as_of"),
        ({"prospect_id": 101, "as_of": 20240101}, "as_of"),
        ([101], None),
        ("101", None),
    ],
)
def test_schema_errors_are_422_naming_the_field(
    client, headers, prospects, redis_client, body, field
):
    response = client.post(URL, json=body, headers=headers)

    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error.get("field") == field
    assert redis_client.llen("predict") == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b'{"prospect_id": ', "application/json", 400, "malformed_json"),
        (b"", "application/json", 400, "malformed_json"),
        (b"\xff\xfe{}", "application/json", 400, "malformed_json"),
        (b'{"prospect_id": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json", 400, None),
        (b'{"prospect_id": 101}', "text/plain", 415, "unsupported_media_type"),
        (b'{"prospect_id": 101}', None, 415, "unsupported_media_type"),
        (b"prospect_id=101", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'{"prospect_id": 101, "pad": "' + b"x" * 70_000 + b'"}', "application/json", 413, None),
    ],
)
def test_unreadable_bodies_are_4xx_json(
    client, headers, prospects, redis_client, data, content_type, status, code
):
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post(URL, data=data, headers=headers, **kwargs)

    assert response.status_code == status or (status == 400 and response.status_code == 422)
    error = response.get_json()["error"]
    if code:
        assert error["code"] == code
    assert redis_client.llen("predict") == 0


def test_cache_hit_answers_200_without_a_job(client, headers, prospects, redis_client):
    store = JobStore(redis_client)
    store.publish_alias("champion", 3)
    redis_client.set(DATA_VERSION_KEY, "dv1", ex=10)
    store.cache_prediction(prediction_cache_key(3, "dv1", date(2024, 6, 1), 101), RESULT)

    response = client.post(URL, json={"prospect_id": 101, "as_of": "2024-06-01"}, headers=headers)

    assert response.status_code == 200
    assert response.get_json() == {
        "job_id": None,
        "status": "succeeded",
        "result": RESULT,
        "cached": True,
    }
    assert redis_client.llen("predict") == 0
    assert not list(redis_client.scan_iter("callup:job:*"))


def test_a_cached_answer_is_served_under_its_own_model_version(
    client, headers, prospects, redis_client
):
    store = JobStore(redis_client)
    store.publish_alias("champion", 3)
    redis_client.set(alias_key(ab.CHALLENGER), ab.NO_VERSION)
    redis_client.set(DATA_VERSION_KEY, "dv1", ex=10)
    store.cache_prediction(prediction_cache_key(3, "dv2", date(2024, 6, 1), 101), RESULT)

    response = client.post(URL, json={"prospect_id": 101, "as_of": "2024-06-01"}, headers=headers)

    assert response.status_code == 202  # cached for other data: computed again


def test_data_version_is_computed_on_a_miss_and_shared_for_10s(
    client, headers, prospects, redis_client, sqlite_url
):
    with session_scope(sqlite_url) as session:
        version = data_version(session)
    store = JobStore(redis_client)
    store.publish_alias("champion", 3)
    store.cache_prediction(prediction_cache_key(3, version, date(2024, 6, 1), 101), RESULT)

    response = client.post(URL, json={"prospect_id": 101, "as_of": "2024-06-01"}, headers=headers)

    assert response.status_code == 200 and response.get_json()["cached"] is True
    assert redis_client.get(DATA_VERSION_KEY).decode() == version
    assert 0 < redis_client.ttl(DATA_VERSION_KEY) <= 10


def test_cache_miss_for_another_model_version_enqueues(client, headers, prospects, redis_client):
    store = JobStore(redis_client)
    store.publish_alias("champion", 4)
    redis_client.set(DATA_VERSION_KEY, "dv1", ex=10)
    store.cache_prediction(prediction_cache_key(3, "dv1", date(2024, 6, 1), 101), RESULT)

    response = client.post(URL, json={"prospect_id": 101, "as_of": "2024-06-01"}, headers=headers)

    assert response.status_code == 202
    assert redis_client.llen("predict") == 1


def test_idempotency_key_returns_the_same_job_and_enqueues_once(
    client, headers, prospects, redis_client
):
    h = {**headers, "Idempotency-Key": "order-42"}
    first = client.post(URL, json={"prospect_id": 101, "as_of": "2024-06-01"}, headers=h)
    second = client.post(URL, json={"as_of": "2024-06-01", "prospect_id": 101}, headers=h)

    assert first.status_code == 202 and second.status_code == 202
    assert first.get_json()["job_id"] == second.get_json()["job_id"]
    assert redis_client.llen("predict") == 1
    [key] = redis_client.scan_iter("callup:idem:*")
    assert 0 < redis_client.ttl(key) <= 24 * 3600


def test_idempotency_key_with_another_body_is_422(client, headers, prospects, redis_client):
    h = {**headers, "Idempotency-Key": "order-43"}
    assert client.post(URL, json={"prospect_id": 101}, headers=h).status_code == 202

    response = client.post(URL, json={"prospect_id": 102}, headers=h)

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "idempotency_key_reused"
    assert redis_client.llen("predict") == 1


def test_idempotency_keys_are_per_user(client, headers, make_key, prospects, redis_client):
    bob = {"Authorization": f"Bearer {make_key('bob', 'viewer')}", "Idempotency-Key": "k"}
    a = client.post(URL, json={"prospect_id": 101}, headers={**headers, "Idempotency-Key": "k"})
    b = client.post(URL, json={"prospect_id": 101}, headers=bob)

    assert a.get_json()["job_id"] != b.get_json()["job_id"]
    assert redis_client.llen("predict") == 2


def test_idempotent_replay_of_a_finished_job_answers_200(
    client, headers, prospects, redis_client, sqlite_url
):
    h = {**headers, "Idempotency-Key": "order-44"}
    job_id = client.post(URL, json={"prospect_id": 101}, headers=h).get_json()["job_id"]
    with session_scope(sqlite_url) as session:
        records.succeed(session, job_id, RESULT)

    response = client.post(URL, json={"prospect_id": 101}, headers=h)

    assert response.status_code == 200
    assert response.get_json() == {
        "job_id": job_id,
        "status": "succeeded",
        "result": RESULT,
        "cached": False,
    }


def test_an_unknown_prospect_releases_its_idempotency_key(client, headers, prospects, redis_client):
    h = {**headers, "Idempotency-Key": "order-45"}
    assert client.post(URL, json={"prospect_id": 999}, headers=h).status_code == 404
    assert not list(redis_client.scan_iter("callup:idem:*"))

    response = client.post(URL, json={"prospect_id": 101}, headers=h)  # the key is free again

    assert response.status_code == 202
    assert redis_client.llen("predict") == 1


def test_bad_idempotency_key_is_400(client, headers, prospects, redis_client):
    h = {**headers, "Idempotency-Key": "x" * 300}
    response = client.post(URL, json={"prospect_id": 101}, headers=h)

    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "Idempotency-Key"
    assert redis_client.llen("predict") == 0


def _row(url: str, job_id: str):  # type: ignore[no-untyped-def]
    with session_scope(url) as session:
        return records.get(session, job_id)


def _fake_worker(redis_client, url: str, outcome: str, delay: float = 0.2) -> threading.Thread:
    """Take the next predict message, then write ``outcome`` and wake waiters, as a worker does.

    ``delivered``: the answer rides on the wake-up, then the row is committed (the
    real task's order); ``success`` or a failure's code: the row, then a bare wake-up.
    """

    def run() -> None:
        popped = redis_client.blpop(["predict"], timeout=5)
        assert popped is not None
        job_id = json.loads(popped[1])["headers"]["id"]
        time.sleep(delay)
        store = JobStore(redis_client)
        if outcome == "delivered":  # the real task's way: the answer rides on the wake-up
            store.deliver_prediction(job_id, "callup:pred:test", RESULT)
        with session_scope(url) as session:
            if outcome in ("delivered", "success"):
                records.succeed(session, job_id, RESULT)
            else:
                records.fail(session, job_id, {"code": outcome, "message": f"{outcome} happened"})
        if outcome != "delivered":
            store.notify_done(job_id)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_prefer_wait_answers_200_with_the_result(
    client, headers, prospects, redis_client, sqlite_url
):
    worker = _fake_worker(redis_client, sqlite_url, "success")
    started = time.monotonic()

    response = client.post(URL, json={"prospect_id": 101}, headers={**headers, "Prefer": "wait=5"})

    worker.join(5)
    assert response.status_code == 200, response.get_json()
    assert time.monotonic() - started < 4
    body = response.get_json()
    assert body["status"] == "succeeded" and body["cached"] is False
    assert body["result"] == RESULT and body["job_id"]
    assert response.headers["Preference-Applied"] == "wait=5"


def test_prefer_wait_answers_from_the_wake_up_it_was_handed(
    client, headers, prospects, redis_client, sqlite_url
):
    worker = _fake_worker(redis_client, sqlite_url, "delivered")

    response = client.post(URL, json={"prospect_id": 101}, headers={**headers, "Prefer": "wait=5"})

    worker.join(5)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == {
        "job_id": body["job_id"],
        "status": "succeeded",
        "result": RESULT,
        "cached": False,
    }
    assert json.loads(redis_client.get("callup:pred:test")) == RESULT  # cached on the way
    response.close()  # the wake-up is handed on once the response is done
    # ... with its result, for an hour (the cache entry lives a day).
    assert 0 < redis_client.ttl(f"callup:job:{body['job_id']}:done") <= 3600


def test_a_poll_reads_the_row_alone_queued_until_the_worker_commits_it(
    client, headers, prospects, redis_client, sqlite_url
):
    job_id = client.post(URL, json={"prospect_id": 101}, headers=headers).get_json()["job_id"]
    JobStore(redis_client).deliver_prediction(job_id, "callup:pred:test", RESULT)

    before = client.get(f"/api/ml/jobs/{job_id}", headers=headers)
    with session_scope(sqlite_url) as session:
        records.succeed(session, job_id, RESULT)
    after = client.get(f"/api/ml/jobs/{job_id}", headers=headers)

    assert before.get_json()["status"] == "queued"  # a waiter has the answer; the row not yet
    assert after.get_json() == {
        "job_id": job_id,
        "kind": "predict",
        "status": "succeeded",
        "result": RESULT,
    }


def test_every_waiter_on_one_job_gets_the_answer(
    client, headers, prospects, redis_client, sqlite_url
):
    h = {**headers, "Idempotency-Key": "order-46", "Prefer": "wait=5"}
    answers: list = []

    def wait() -> None:
        response = client.post(URL, json={"prospect_id": 101}, headers=h)
        answers.append((response.status_code, response.get_json()))
        response.close()  # the server hands the wake-up on once its response is done

    worker = _fake_worker(redis_client, sqlite_url, "delivered", delay=0.5)
    first = threading.Thread(target=wait)
    first.start()
    time.sleep(0.2)  # the second request finds the job the first one enqueued
    wait()
    first.join(5)
    worker.join(5)

    assert [status for status, _ in answers] == [200, 200]
    assert answers[0][1]["job_id"] == answers[1][1]["job_id"]
    assert all(body["result"] == RESULT for _, body in answers)
    assert redis_client.llen("predict") == 0  # one message, taken by the worker


@pytest.mark.parametrize(
    ("code", "status"),
    [("no_champion", 409), ("model_unavailable", 503), ("unknown_prospect", 404)],
)
def test_prefer_wait_maps_a_failed_job_to_its_status(
    client, headers, prospects, redis_client, sqlite_url, code, status
):
    worker = _fake_worker(redis_client, sqlite_url, code)

    response = client.post(
        URL, json={"prospect_id": 101}, headers={**headers, "Prefer": "respond-async, wait=5"}
    )

    worker.join(5)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"]["code"] == code and body["job_id"]
    assert response.headers["Preference-Applied"] == "wait=5"
    if status == 503:
        assert int(response.headers["Retry-After"]) > 0


def test_prefer_wait_times_out_with_202_and_clamps(app_config, prospects, headers, redis_client):
    from app import create_app

    client = create_app({**app_config, "CALLUP_MAX_WAIT_SECONDS": 1}).test_client()
    started = time.monotonic()

    response = client.post(URL, json={"prospect_id": 101}, headers={**headers, "Prefer": "wait=90"})

    assert response.status_code == 202
    assert 0.9 <= time.monotonic() - started < 3
    assert response.headers["Preference-Applied"] == "wait=1"
    assert response.get_json()["status"] == "queued"


def test_malformed_prefer_is_ignored(client, headers, prospects):
    response = client.post(
        URL, json={"prospect_id": 101}, headers={**headers, "Prefer": "wait=soon"}
    )

    assert response.status_code == 202
    assert "Preference-Applied" not in response.headers


def _cache(redis_client, prospect_id: int = 101) -> None:
    store = JobStore(redis_client)
    store.publish_alias("champion", 3)
    redis_client.set(DATA_VERSION_KEY, "dv1", ex=10)
    key = prediction_cache_key(3, "dv1", date(2024, 6, 1), prospect_id)
    store.cache_prediction(key, {**RESULT, "prospect_id": prospect_id})


def test_a_replay_gets_its_own_job_even_after_the_answer_was_cached(
    client, headers, prospects, redis_client
):
    h = {**headers, "Idempotency-Key": "order-46"}
    body = {"prospect_id": 101, "as_of": "2024-06-01"}
    job_id = client.post(URL, json=body, headers=h).get_json()["job_id"]
    _cache(redis_client)  # the job finished and its answer is cached

    replay = client.post(URL, json=body, headers=h)

    assert replay.get_json()["job_id"] == job_id  # not a job-less cached answer
    assert redis_client.llen("predict") == 1


def test_a_replay_whose_job_row_is_gone_is_answered_from_cache_under_its_job_id(
    client, headers, prospects, redis_client, sqlite_url
):
    h = {**headers, "Idempotency-Key": "order-49"}
    body = {"prospect_id": 101, "as_of": "2024-06-01"}
    job_id = client.post(URL, json=body, headers=h).get_json()["job_id"]
    _cache(redis_client)
    withdraw(job_id, sqlite_url)  # the row is gone (purged), the claim is not

    replay = client.post(URL, json=body, headers=h)

    assert replay.status_code == 200
    assert replay.get_json()["cached"] is True and replay.get_json()["job_id"] == job_id


def test_a_reused_key_with_another_cached_body_is_still_422(
    client, headers, prospects, redis_client
):
    h = {**headers, "Idempotency-Key": "order-47"}
    assert client.post(URL, json={"prospect_id": 101, "as_of": "2024-06-01"}, headers=h)
    _cache(redis_client, 102)

    response = client.post(URL, json={"prospect_id": 102, "as_of": "2024-06-01"}, headers=h)

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "idempotency_key_reused"


def test_a_keyed_request_answered_from_cache_leaves_no_claim_behind(
    client, headers, prospects, redis_client
):
    _cache(redis_client)
    h = {**headers, "Idempotency-Key": "order-48"}
    body = {"prospect_id": 101, "as_of": "2024-06-01"}

    first, second = client.post(URL, json=body, headers=h), client.post(URL, json=body, headers=h)

    assert first.get_json()["cached"] is True and second.get_json() == first.get_json()
    assert not list(redis_client.scan_iter("callup:idem:*"))
    assert redis_client.llen("predict") == 0


def test_a_cached_answer_is_not_served_after_an_upsert_changes_the_data(
    client, headers, prospects, redis_client, redis_test_url, sqlite_url, tmp_path, monkeypatch
):
    """An in-place update of an old row moves the data version; the import drops the cached
    one, so the next request recomputes instead of answering from the old data."""
    import csv

    from click.testing import CliRunner

    from cli.main import main

    with session_scope(sqlite_url) as session:
        version = data_version(session)
    store = JobStore(redis_client)
    store.publish_alias("champion", 3)
    store.cache_prediction(prediction_cache_key(3, version, date(2024, 6, 1), 101), RESULT)
    ask = {"prospect_id": 101, "as_of": "2024-06-01"}
    assert client.post(URL, json=ask, headers=headers).get_json()["cached"] is True

    moved = {
        "id": "101", "name": "Avery Quinn", "birth_date": "2002-05-01", "position": "SS",
        "bats": "R", "throws": "R", "organization": "SEA",  # traded from NYY
    }  # fmt: skip
    with (tmp_path / "prospects.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(moved))
        writer.writeheader()
        writer.writerow(moved)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("REDIS_URL", redis_test_url)
    result = CliRunner().invoke(main, ["import-csv", "--mode", "upsert", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "prospects: 0 inserted, 1 updated, 0 unchanged" in result.output

    response = client.post(URL, json=ask, headers=headers)
    assert response.status_code == 202  # not the answer cached for the old data
    with session_scope(sqlite_url) as session:
        assert data_version(session) != version

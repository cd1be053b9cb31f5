"""Rate limits: per user, in Redis (so across API processes), polling counted apart."""

from __future__ import annotations

import time
import uuid

import pytest

from app import create_app

PREDICT = "/api/ml/predict"


@pytest.fixture
def limited_config(app_config):
    return {
        **app_config,
        "CALLUP_PREDICT_RATE_LIMIT": "10/minute",
        "CALLUP_POLL_RATE_LIMIT": "30/minute",
        "CALLUP_DEFAULT_RATE_LIMIT": "5/minute",
    }


def test_eleventh_prediction_in_a_minute_is_429_across_two_apps(
    limited_config, headers, prospects, redis_client
):
    one = create_app(limited_config).test_client()
    two = create_app(limited_config).test_client()  # a second API process, same Redis
    body = {"prospect_id": 999}  # unknown: counted, then 404, nothing enqueued

    statuses = [
        (one if i % 2 else two).post(PREDICT, json=body, headers=headers) for i in range(10)
    ]
    assert [r.status_code for r in statuses] == [404] * 10
    assert [r.headers["X-RateLimit-Remaining"] for r in statuses] == [
        str(n) for n in range(9, -1, -1)
    ]

    eleventh = one.post(PREDICT, json=body, headers=headers)

    assert eleventh.status_code == 429
    assert eleventh.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(eleventh.headers["Retry-After"]) <= 60
    assert eleventh.headers["X-RateLimit-Limit"] == "10"
    assert eleventh.headers["X-RateLimit-Remaining"] == "0"
    assert int(eleventh.headers["X-RateLimit-Reset"]) > time.time()
    assert two.post(PREDICT, json=body, headers=headers).status_code == 429


def test_limits_are_per_user(limited_config, headers, make_key, prospects):
    client = create_app(limited_config).test_client()
    for _ in range(10):
        client.post(PREDICT, json={"prospect_id": 999}, headers=headers)
    assert client.post(PREDICT, json={"prospect_id": 999}, headers=headers).status_code == 429

    bob = {"Authorization": f"Bearer {make_key('bob', 'viewer')}"}
    assert client.post(PREDICT, json={"prospect_id": 999}, headers=bob).status_code == 404


def test_unauthenticated_requests_are_not_counted(limited_config, headers, prospects):
    client = create_app(limited_config).test_client()
    for _ in range(15):
        assert client.post(PREDICT, json={"prospect_id": 999}).status_code == 401

    assert client.post(PREDICT, json={"prospect_id": 999}, headers=headers).status_code == 404


def test_polling_has_its_own_more_generous_limit(limited_config, headers, redis_client):
    from prospects.jobrecords.accept import accept

    client = create_app(limited_config).test_client()
    job_id = str(uuid.uuid4())
    accept(
        job_id, "predict", "alice", {}, lambda: None, database_url=limited_config["DATABASE_URL"]
    )
    for _ in range(10):
        client.post(PREDICT, json={"prospect_id": 999}, headers=headers)

    polls = [client.get(f"/api/ml/jobs/{job_id}", headers=headers) for _ in range(30)]

    assert {r.status_code for r in polls} == {200}
    assert polls[0].headers["X-RateLimit-Limit"] == "30"
    assert client.get(f"/api/ml/jobs/{job_id}", headers=headers).status_code == 429


def test_other_endpoints_use_the_default_limit(limited_config, headers):
    client = create_app(limited_config).test_client()
    responses = [client.get("/api/ml/prospects", headers=headers) for _ in range(6)]

    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert responses[0].headers["X-RateLimit-Limit"] == "5"


def test_health_is_not_limited(limited_config):
    client = create_app(limited_config).test_client()
    responses = [client.get("/healthz") for _ in range(20)]

    assert {r.status_code for r in responses} == {200}
    assert "X-RateLimit-Limit" not in responses[0].headers


class _Clock:
    """Time for the rate limiter, moved by hand; Redis key expiries are moved with it."""

    def __init__(self, redis_client):
        self.now = time.time()
        self.redis = redis_client

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """As if ``seconds`` passed: every key's TTL shrinks, and those that run out go."""
        self.now += seconds
        for key in self.redis.scan_iter("*"):
            left = self.redis.pttl(key)
            if left < 0:
                continue  # no expiry
            if left <= seconds * 1000:
                self.redis.delete(key)
            else:
                self.redis.pexpire(key, int(left - seconds * 1000))


def test_the_predict_limit_admits_no_more_than_its_rate_across_a_window_boundary(
    limited_config, headers, prospects, redis_client, monkeypatch
):
    import limits.storage.redis as limits_redis

    import app.ratewindow

    clock = _Clock(redis_client)
    monkeypatch.setattr(limits_redis, "time", clock)  # the moving window's timestamps
    monkeypatch.setattr(app.ratewindow, "time", clock)  # ours, read in the same round trip
    client = create_app(limited_config).test_client()
    body = {"prospect_id": 999}  # counted, then 404: nothing enqueued

    def burst(n: int) -> list[int]:
        return [client.post(PREDICT, json=body, headers=headers).status_code for _ in range(n)]

    assert burst(1) == [404]  # t = 0: a minute's window opens
    clock.advance(59.8)
    assert burst(9) == [404] * 9  # t = 59.8: the rest of the minute's 10
    clock.advance(0.3)  # t = 60.1: a fixed window would start afresh here

    admitted = burst(10)

    # Only the hit from t = 0 has left the last minute: one more, not ten.
    assert admitted == [404] + [429] * 9

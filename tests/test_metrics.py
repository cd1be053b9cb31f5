"""GET /metrics and the API's counters: real requests, then the values they must have moved.

Metrics are process-wide, so each test reads a value before and after and
asserts the difference.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from prospects.jobs import DATA_VERSION_KEY, JobStore, prediction_cache_key
from tests.test_api_predict import RESULT


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_requests_are_counted_by_route_method_and_status_with_latency(client, headers, prospects):
    route = "/api/ml/prospects/<int:prospect_id>"
    ok = value("callup_http_requests_total", endpoint=route, method="GET", status="200")
    missing = value("callup_http_requests_total", endpoint=route, method="GET", status="404")
    timed = value("callup_http_request_duration_seconds_count", endpoint=route, method="GET")

    assert client.get("/api/ml/prospects/101", headers=headers).status_code == 200
    assert client.get("/api/ml/prospects/101", headers=headers).status_code == 200
    assert client.get("/api/ml/prospects/999", headers=headers).status_code == 404

    assert value("callup_http_requests_total", endpoint=route, method="GET", status="200") == ok + 2
    after = value("callup_http_requests_total", endpoint=route, method="GET", status="404")
    assert after == missing + 1
    after = value("callup_http_request_duration_seconds_count", endpoint=route, method="GET")
    assert after == timed + 3


def test_made_up_methods_share_one_label(client):
    def series() -> int:
        return client.get("/metrics").get_data(as_text=True).count("callup_http_requests_total{")

    before_other = value(
        "callup_http_requests_total", endpoint="<unmatched>", method="other", status="405"
    )
    client.open("/healthz", method="FOO")  # settle the label set first (and /metrics' own)
    series()
    before = series()
    for i in range(20):
        client.open("/healthz", method=f"X{i}")
    assert series() == before  # no new series, however many methods a client invents
    after = value(
        "callup_http_requests_total", endpoint="<unmatched>", method="other", status="405"
    )
    assert after >= before_other + 20


def test_unrouted_paths_share_one_label(client):
    before = value("callup_http_requests_total", endpoint="<unmatched>", method="GET", status="404")
    client.get("/no/such/path/1")
    client.get("/no/such/path/2")
    after = value("callup_http_requests_total", endpoint="<unmatched>", method="GET", status="404")
    assert after == before + 2


def test_rate_limit_rejections_are_counted(app_config, make_key, prospects):
    client = create_app({**app_config, "CALLUP_DEFAULT_RATE_LIMIT": "2/minute"}).test_client()
    h = {"Authorization": f"Bearer {make_key('limited')}"}
    before = value("callup_rate_limit_rejections_total", endpoint="/api/ml/prospects")

    statuses = [client.get("/api/ml/prospects", headers=h).status_code for _ in range(4)]

    assert statuses == [200, 200, 429, 429]
    after = value("callup_rate_limit_rejections_total", endpoint="/api/ml/prospects")
    assert after == before + 2


def test_cache_hits_misses_predictions_served_and_jobs_sent(
    client, headers, prospects, redis_client
):
    store = JobStore(redis_client)
    store.publish_alias("champion", 3)
    redis_client.set(DATA_VERSION_KEY, "dv1", ex=30)
    store.cache_prediction(prediction_cache_key(3, "dv1", date(2024, 6, 1), 101), RESULT)
    hits, misses = (
        value("callup_prediction_cache_lookups_total", result="hit"),
        value("callup_prediction_cache_lookups_total", result="miss"),
    )
    served = value(
        "callup_predictions_served_total", model_version="3", variant="champion", source="cache"
    )
    sent = value("callup_jobs_submitted_total", queue="predict", task="callup.predict")

    hit = client.post(
        "/api/ml/predict", json={"prospect_id": 101, "as_of": "2024-06-01"}, headers=headers
    )
    miss = client.post(
        "/api/ml/predict", json={"prospect_id": 102, "as_of": "2024-06-01"}, headers=headers
    )

    assert (hit.status_code, miss.status_code) == (200, 202)
    assert value("callup_prediction_cache_lookups_total", result="hit") == hits + 1
    assert value("callup_prediction_cache_lookups_total", result="miss") == misses + 1
    assert (
        value(
            "callup_predictions_served_total", model_version="3", variant="champion", source="cache"
        )
        == served + 1
    )
    assert value("callup_jobs_submitted_total", queue="predict", task="callup.predict") == sent + 1


def test_metrics_endpoint_needs_no_key_and_reads_queues_from_redis(
    client, headers, prospects, redis_client
):
    for pid in (101, 102, 103):
        assert (
            client.post("/api/ml/predict", json={"prospect_id": pid}, headers=headers).status_code
            == 202
        )
    # A message a worker has taken but not finished (kombu's late-ack bookkeeping).
    redis_client.hset("unacked", "tag-1", json.dumps([{"body": "..."}, "rank", "rank"]))

    samples = scrape(client)

    assert samples[("callup_redis_up", ())] == 1
    assert samples[("callup_queue_depth", (("queue", "predict"),))] == 3
    assert samples[("callup_queue_depth", (("queue", "rank"),))] == 0
    assert samples[("callup_jobs", (("queue", "predict"), ("state", "queued")))] == 3
    assert samples[("callup_jobs", (("queue", "predict"), ("state", "reserved")))] == 0
    assert samples[("callup_jobs", (("queue", "rank"), ("state", "reserved")))] == 1
    route = (("endpoint", "/api/ml/predict"), ("method", "POST"), ("status", "202"))
    assert samples[("callup_http_requests_total", route)] >= 3


def test_metrics_answer_while_redis_is_down(app_config):
    client = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"}).test_client()

    samples = scrape(client)

    assert samples[("callup_redis_up", ())] == 0
    assert not any(name == "callup_queue_depth" for name, _ in samples)


@pytest.mark.parametrize("path", ["/metrics", "/healthz"])
def test_operator_endpoints_need_no_key(client, path):
    assert client.get(path).status_code == 200

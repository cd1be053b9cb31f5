"""The API's Prometheus metrics: requests, latency, rate limits, the prediction cache, jobs sent.

Metrics are process-wide (prometheus_client's registry), whatever the number
of apps. Under gunicorn each worker process counts its own: set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the processes
(before they start), and ``/metrics`` adds them up; unset, it reports this
process alone. Queue depth and jobs waiting are read from Redis at scrape
time (``app.queue_metrics``), so every process reports the same truth.
"""

from __future__ import annotations

import os
import time
from typing import Any

from celery.signals import after_task_publish
from flask import Flask, g, request
from flask.wrappers import Response
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

# Up to the 30 s a ``Prefer: wait`` may hold a request.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "<unmatched>"  # 404/405 before routing: one label value, never the raw path

HTTP_REQUESTS = Counter(
    "callup_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "callup_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["endpoint", "method"],
    buckets=LATENCY_BUCKETS,
)
RATE_LIMITED = Counter(
    "callup_rate_limit_rejections",
    "Requests refused with 429 by the per-user rate limits, by route template.",
    ["endpoint"],
)
PREDICTION_CACHE = Counter(
    "callup_prediction_cache_lookups",
    "Prediction cache lookups by the API, by result (hit or miss).",
    ["result"],
)
PREDICTIONS_SERVED = Counter(
    "callup_predictions_served",
    "Predictions answered to clients (200), by model version, A/B variant and source "
    "(cache, or a job finished within Prefer: wait).",
    ["model_version", "variant", "source"],
)
JOBS_SUBMITTED = Counter(
    "callup_jobs_submitted",
    "Tasks this process sent to the broker, by queue and task name.",
    ["queue", "task"],
)


def multiprocess_dir() -> str | None:
    """The directory of prometheus_client's multiprocess mode, when it is on."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def init_app(app: Flask) -> None:
    """Time every request and count it once it is answered (errors included)."""
    app.before_request(_start_timer)
    app.after_request(_count_request)


def _start_timer() -> None:
    g.callup_request_started = time.perf_counter()


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


# Methods a client can send are unbounded strings; any other is counted as "other" so an
# unauthenticated client cannot grow /metrics without bound.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method() -> str:
    return request.method if request.method in KNOWN_METHODS else "other"


def _count_request(response: Response) -> Response:
    route, method, status = _route(), _method(), response.status_code
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    started = g.get("callup_request_started")
    if started is not None:
        HTTP_LATENCY.labels(route, method).observe(time.perf_counter() - started)
    if status == 429:
        RATE_LIMITED.labels(route).inc()
    return response


def count_cache_lookup(hit: bool) -> None:
    """One lookup of the prediction cache."""
    PREDICTION_CACHE.labels("hit" if hit else "miss").inc()


def count_prediction_served(result: Any, *, cached: bool) -> None:
    """A prediction answered with 200, by the model that made it."""
    model = result.get("model") if isinstance(result, dict) else None
    if not isinstance(model, dict):
        return
    count_served(model.get("version"), model.get("variant"), cached=cached)


def count_served(version: Any, variant: Any, *, cached: bool) -> None:
    """A prediction answered with 200 by ``variant`` (model ``version``), from cache or a job."""
    PREDICTIONS_SERVED.labels(str(version), str(variant), "cache" if cached else "job").inc()


@after_task_publish.connect
def _count_published(sender: str | None = None, routing_key: str | None = None, **_: Any) -> None:
    """Every task the API sends (predict, rank, retrain...), counted where it is published."""
    JOBS_SUBMITTED.labels(routing_key or "unknown", sender or "unknown").inc()


def render(*extra: CollectorRegistry) -> bytes:
    """The exposition text: this process's (or every process's) metrics, then ``extra``."""
    directory = multiprocess_dir()
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry = REGISTRY
    return generate_latest(registry) + b"".join(generate_latest(r) for r in extra)

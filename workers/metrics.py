"""Worker metrics: tasks by name, queue and outcome, their durations, and predictions by model.

Counted in the process that runs the task (a prefork child) through Celery's
signals, and served by the worker's main process when
``CALLUP_WORKER_METRICS_PORT`` is set. Prefork children reach that exporter
through prometheus_client's multiprocess mode: set ``PROMETHEUS_MULTIPROC_DIR``
to an empty directory of this worker's own before it starts (without it, only
``-P solo``/``threads`` workers report their tasks). See docs/operations.md.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any
from wsgiref.simple_server import WSGIServer

from celery.signals import (
    task_postrun,
    task_prerun,
    task_revoked,
    worker_process_shutdown,
    worker_ready,
)
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
    start_http_server,
)

log = logging.getLogger(__name__)

PORT_ENV = "CALLUP_WORKER_METRICS_PORT"
ADDR_ENV = "CALLUP_WORKER_METRICS_ADDR"
# From a cached predict (milliseconds) to a retrain (tens of minutes).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
_STATES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried", "REJECTED": "rejected"}

TASKS = Counter(
    "callup_worker_tasks",
    "Tasks finished by this worker, by task name, queue and outcome "
    "(succeeded, failed, retried, revoked).",
    ["task", "queue", "state"],
)
TASK_DURATION = Histogram(
    "callup_worker_task_duration_seconds",
    "Time a task ran in the worker, by task name, queue and outcome.",
    ["task", "queue", "state"],
    buckets=DURATION_BUCKETS,
)
PREDICTIONS = Counter(
    "callup_worker_predictions",
    "Predictions computed, by model version and A/B variant.",
    ["model_version", "variant"],
)

_started: dict[str, float] = {}  # task id → perf_counter at prerun, in the running process


def count_predictions(model_version: int | str, variant: str, n: int = 1) -> None:
    """Count ``n`` predictions made by one model (ranking tasks call this per chunk)."""
    if n > 0:
        PREDICTIONS.labels(str(model_version), variant).inc(n)


def _queue(task: Any) -> str:
    info = getattr(getattr(task, "request", None), "delivery_info", None) or {}
    return str(info.get("routing_key") or info.get("queue") or "unknown")


@task_prerun.connect
def _on_prerun(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


@task_postrun.connect
def _on_postrun(
    task_id: str | None = None,
    task: Any = None,
    retval: Any = None,
    state: str | None = None,
    **_: Any,
) -> None:
    """Count the task and its duration; a task that returned a prediction counts it too."""
    started = _started.pop(task_id, None) if task_id else None
    name = getattr(task, "name", None) or "unknown"
    outcome = _STATES.get(state or "", (state or "unknown").lower())
    queue = _queue(task)
    TASKS.labels(name, queue, outcome).inc()
    if started is not None:
        TASK_DURATION.labels(name, queue, outcome).observe(time.perf_counter() - started)
    if outcome == "succeeded" and isinstance(retval, dict):
        model = retval.get("model")
        if isinstance(model, dict) and "probability" in retval:
            count_predictions(model.get("version", "unknown"), str(model.get("variant", "unknown")))


@task_revoked.connect
def _on_revoked(request: Any = None, **_: Any) -> None:
    name = getattr(request, "task", None) or "unknown"
    info = getattr(request, "delivery_info", None) or {}
    TASKS.labels(name, str(info.get("routing_key") or "unknown"), "revoked").inc()


def exporter_registry() -> CollectorRegistry:
    """Every process's metrics in multiprocess mode, else this process's own."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


def start_exporter() -> WSGIServer | None:
    """Serve ``/metrics`` on ``$CALLUP_WORKER_METRICS_PORT`` (unset: no exporter)."""
    raw = os.environ.get(PORT_ENV, "").strip()
    if not raw:
        return None
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"{PORT_ENV} must be a port number, got {raw!r}") from None
    addr = os.environ.get(ADDR_ENV, "0.0.0.0")  # scraped from the Prometheus host
    server, _thread = start_http_server(port, addr=addr, registry=exporter_registry())
    log.info("worker metrics on http://%s:%d/metrics", addr, server.server_port)
    return server


@worker_ready.connect
def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    """In the main process, once the pool is up, so the children never inherit the socket."""
    pool = type(getattr(sender, "pool", None)).__module__
    if os.environ.get(PORT_ENV) and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        if pool.endswith(".prefork"):
            log.warning(
                "%s is set without PROMETHEUS_MULTIPROC_DIR: prefork children's tasks "
                "will not be reported",
                PORT_ENV,
            )
    start_exporter()


@worker_process_shutdown.connect
def _on_child_exit(pid: int | None = None, **_: Any) -> None:
    """Drop a dead child's live gauges (prometheus_client's multiprocess housekeeping)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())

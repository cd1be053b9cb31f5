"""Worker metrics: the signal handlers' counts, the exporter, and a real prefork worker's numbers.

The unit tests drive Celery's signals in this process; the integration test
starts a real ``celery worker`` (prefork, multiprocess mode) and scrapes the
exporter its main process serves, after a task ran in a child process.
"""

from __future__ import annotations

import time
import urllib.request
from types import SimpleNamespace

import pytest
from celery.signals import task_postrun, task_prerun
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from prospects.db.session import init_db
from tests.api_fixtures import OPEN_LIMITS, _seed
from tests.servers import free_port
from tests.stack import stack
from workers import metrics as worker_metrics


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class _Task:
    """Enough of a Celery task for the signal handlers (hashable, as signal senders must be)."""

    def __init__(self, name: str, queue: str):
        self.name = name
        self.request = SimpleNamespace(delivery_info={"routing_key": queue})


def _task(name: str, queue: str) -> _Task:
    return _Task(name, queue)


def _run(task: _Task, task_id: str, state: str, retval: object = None) -> None:
    task_prerun.send(sender=task, task_id=task_id, task=task, args=(), kwargs={})
    task_postrun.send(
        sender=task, task_id=task_id, task=task, args=(), kwargs={}, retval=retval, state=state
    )


def test_tasks_are_counted_by_name_queue_and_outcome_with_durations():
    task = _task("callup.test_task", "rank")
    labels = {"task": "callup.test_task", "queue": "rank"}
    ok = value("callup_worker_tasks_total", **labels, state="succeeded")
    failed = value("callup_worker_tasks_total", **labels, state="failed")
    timed = value("callup_worker_task_duration_seconds_count", **labels, state="succeeded")

    _run(task, "t-1", "SUCCESS", retval={"total": 3})
    _run(task, "t-2", "SUCCESS")
    _run(task, "t-3", "FAILURE")

    assert value("callup_worker_tasks_total", **labels, state="succeeded") == ok + 2
    assert value("callup_worker_tasks_total", **labels, state="failed") == failed + 1
    assert (
        value("callup_worker_task_duration_seconds_count", **labels, state="succeeded") == timed + 2
    )


def test_a_returned_prediction_is_counted_by_model_version_and_variant():
    task = _task("callup.predict", "predict")
    prediction = {"probability": 0.4, "model": {"name": "m", "version": 7, "variant": "challenger"}}
    before = value("callup_worker_predictions_total", model_version="7", variant="challenger")

    _run(task, "p-1", "SUCCESS", retval=prediction)
    _run(task, "p-2", "FAILURE", retval=prediction)  # a failure predicted nothing
    worker_metrics.count_predictions(7, "challenger", n=5)  # a ranking chunk

    after = value("callup_worker_predictions_total", model_version="7", variant="challenger")
    assert after == before + 6


def test_exporter_is_off_without_a_port_and_serves_with_one(monkeypatch):
    monkeypatch.delenv(worker_metrics.PORT_ENV, raising=False)
    assert worker_metrics.start_exporter() is None

    monkeypatch.setenv(worker_metrics.PORT_ENV, "0")  # any free port
    monkeypatch.setenv(worker_metrics.ADDR_ENV, "127.0.0.1")
    server = worker_metrics.start_exporter()
    try:
        _run(_task("callup.exported", "train"), "e-1", "SUCCESS")
        text = _get(f"http://127.0.0.1:{server.server_port}/metrics")
    finally:
        server.shutdown()
        server.server_close()
    assert (
        'callup_worker_tasks_total{queue="train",state="succeeded",task="callup.exported"}' in text
    )


def test_a_bad_port_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(worker_metrics.PORT_ENV, "metrics")
    with pytest.raises(ValueError, match="CALLUP_WORKER_METRICS_PORT"):
        worker_metrics.start_exporter()


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local URL
        return response.read().decode()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


@pytest.mark.integration
def test_a_prefork_worker_exports_its_childrens_task_metrics(tmp_path, redis_db):
    port = free_port()
    prom_dir = tmp_path / "prometheus"
    prom_dir.mkdir()
    with stack(tmp_path, redis_db, champion=False) as s:
        init_db()
        _seed(s.env["DATABASE_URL"])
        s.env.update(
            {
                "PROMETHEUS_MULTIPROC_DIR": str(prom_dir),
                worker_metrics.PORT_ENV: str(port),
                worker_metrics.ADDR_ENV: "127.0.0.1",
            }
        )
        s.start_worker(concurrency=1)  # two children would race to create the MLflow store
        app = create_app(
            {
                "REDIS_URL": s.redis_url,
                "DATABASE_URL": s.env["DATABASE_URL"],
                "CALLUP_PREDICT_RATE_LIMIT": OPEN_LIMITS,
            }
        )
        from prospects.apikeys import create_key
        from prospects.db.session import session_scope

        with session_scope() as session:
            key, _ = create_key(session, "ops", "analyst")
        # No champion is registered: the task runs in a child and fails with no_champion.
        response = app.test_client().post(
            "/api/ml/predict",
            json={"prospect_id": 101},
            headers={"Authorization": f"Bearer {key}", "Prefer": "wait=20"},
        )
        assert response.status_code == 409, response.get_json()

        labels = (("queue", "predict"), ("state", "failed"), ("task", "callup.predict"))
        deadline = time.monotonic() + 10
        while True:  # the child records the task right after it stores the result
            samples = _samples(_get(f"http://127.0.0.1:{port}/metrics"))
            if samples.get(("callup_worker_tasks_total", labels)) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert samples[("callup_worker_tasks_total", labels)] == 1
        assert samples[("callup_worker_task_duration_seconds_count", labels)] == 1
        assert any(path.name.startswith("counter_") for path in prom_dir.iterdir())

"""With a real worker: ``/readyz`` turns green, and a request id reaches the task's log lines."""

from __future__ import annotations

import json
import logging
import time

import pytest

from app import create_app, registry_probe
from prospects import logs
from prospects.apikeys import create_key
from prospects.db.models import Prospect
from prospects.db.session import session_scope
from prospects.jobs import alias_key
from tests.stack import stack

pytestmark = pytest.mark.integration
OPEN = "10000/minute"


@pytest.fixture(scope="module")
def live(tmp_path_factory, redis_dbs):
    with redis_dbs.take() as db, stack(tmp_path_factory.mktemp("tracing"), db) as s:
        s.start_worker(concurrency=1)
        yield s


@pytest.fixture
def client(live):
    app = create_app(
        {
            "REDIS_URL": live.redis_url,
            "DATABASE_URL": live.env["DATABASE_URL"],
            "MLFLOW_TRACKING_URI": live.env["MLFLOW_TRACKING_URI"],
            "CALLUP_MODEL_NAME": live.env["CALLUP_MODEL_NAME"],
            "CALLUP_PREDICT_RATE_LIMIT": OPEN,
        }
    )
    return app.test_client()


def _worker_lines(live) -> list[dict]:
    """Every JSON line the worker has written so far."""
    entries = []
    for path in live.root.glob("test-*.log"):
        for line in path.read_text().splitlines():
            if line.startswith("{"):
                entries.append(json.loads(line))
    return entries


def test_readyz_is_green_with_a_worker_and_a_champion(client):
    response = client.get("/readyz")

    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["workers"]["answered"]


def test_readyz_finds_the_champion_in_the_registry_once_the_redis_key_expired(live, client):
    live.redis().delete(alias_key("champion"))

    champion = client.get("/readyz").get_json()["checks"]["champion"]

    assert champion["ok"] is True and champion["source"] in ("database", "registry")
    assert champion["version"] >= 1
    # The probe reads a real MLflow store's alias table (not only the tests' stand-in).
    stored = registry_probe.alias_version(
        live.env["MLFLOW_TRACKING_URI"], live.env["CALLUP_MODEL_NAME"], "champion"
    )
    assert stored == champion["version"]


def test_a_request_id_follows_a_prediction_into_the_worker_log(live, client, caplog):
    caplog.set_level(logging.INFO, logger="callup.request")
    with session_scope() as session:
        key, _ = create_key(session, f"tracer-{time.monotonic_ns()}", "analyst")
        prospect_id = session.query(Prospect.id).order_by(Prospect.id).first()[0]
    request_id = f"trace-{time.monotonic_ns()}"

    response = client.post(
        "/api/ml/predict",
        json={"prospect_id": prospect_id},
        headers={
            "Authorization": f"Bearer {key}",
            "Prefer": "wait=20",
            "X-Request-ID": request_id,
        },
    )

    assert response.status_code == 200, response.get_json()
    assert response.headers["X-Request-ID"] == request_id
    job_id = response.get_json()["job_id"]
    api_lines = [
        json.loads(logs.JsonFormatter().format(r))
        for r in caplog.records
        if r.name == "callup.request"
    ]
    assert [(e["request_id"], e["path"], e["status"]) for e in api_lines] == [
        (request_id, "/api/ml/predict", 200)
    ]
    deadline = time.monotonic() + 10
    while True:  # the worker's finish line may be flushed a moment after the answer
        traced = [e for e in _worker_lines(live) if e.get("request_id") == request_id]
        if any(e["message"].startswith("task callup.predict success") for e in traced):
            break
        assert time.monotonic() < deadline, f"no worker line with {request_id}: {traced}"
        time.sleep(0.1)
    assert {e["job_id"] for e in traced} == {job_id}
    assert {e["logger"] for e in traced} >= {"callup.task", "celery.app.trace"}

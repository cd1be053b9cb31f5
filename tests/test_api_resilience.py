"""Dependencies down → 503 with Retry-After and recovery; JSON errors; no ML stack in the API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy.exc import IntegrityError

from app import create_app
from prospects.db.session import reset_engine
from tests.servers import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def test_redis_down_is_a_quick_503_and_the_app_recovers(app_config, own_redis, prospects, headers):
    client = create_app({**app_config, "REDIS_URL": own_redis.url}).test_client()
    body = {"prospect_id": 101}
    assert client.post("/api/ml/predict", json=body, headers=headers).status_code == 202

    own_redis.stop()
    for method, url in [
        ("post", "/api/ml/predict"),
        ("get", "/api/ml/jobs/00000000-0000-0000-0000-000000000000"),
        ("get", "/api/ml/prospects"),
    ]:
        started = time.monotonic()
        response = getattr(client, method)(url, json=body, headers=headers)
        assert time.monotonic() - started < 3
        assert response.status_code == 503, (url, response.get_json())
        assert int(response.headers["Retry-After"]) > 0
        assert response.get_json()["error"]["code"] == "unavailable"
    assert client.get("/healthz").status_code == 200

    own_redis.start()  # same port, empty: the same app must reconnect by itself
    response = client.post("/api/ml/predict", json=body, headers=headers)
    assert response.status_code == 202, response.get_json()
    job = client.get(response.get_json()["status_url"], headers=headers)
    assert job.status_code == 200 and job.get_json()["status"] == "queued"
    assert redis.Redis(port=own_redis.port).llen("predict") == 1


def test_database_down_is_a_quick_503(app_config, headers):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    client = create_app({**app_config, "DATABASE_URL": url}).test_client()
    try:
        for path in ("/api/ml/prospects", "/api/ml/prospects/101"):
            started = time.monotonic()
            response = client.get(path, headers=headers)
            assert time.monotonic() - started < 3
            assert response.status_code == 503
            assert int(response.headers["Retry-After"]) > 0
            assert response.get_json()["error"]["code"] == "unavailable"
    finally:
        reset_engine(url)


@pytest.fixture
def app_with_bugs(app_config):
    app = create_app(app_config)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/integrity")
    def integrity():
        raise IntegrityError("INSERT secret", {}, Exception("secret"))

    return app


@pytest.mark.parametrize("path", ["/boom", "/integrity"])
def test_unexpected_errors_are_opaque_json_500s(app_with_bugs, path):
    response = app_with_bugs.test_client().get(path)

    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"code": "internal_error", "message": "internal error; it has been logged"}
    }


def test_unknown_route_and_wrong_method_are_json(client, headers):
    missing = client.get("/api/ml/nope", headers=headers)
    wrong = client.get("/api/ml/predict", headers=headers)

    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert wrong.status_code == 405
    assert wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"]


def test_settings_are_validated_at_start(app_config):
    with pytest.raises(ValueError, match="CALLUP_PREDICT_RATE_LIMIT"):
        create_app({**app_config, "CALLUP_PREDICT_RATE_LIMIT": "lots"})


def test_settings_come_from_the_environment(monkeypatch, sqlite_url, redis_url):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CALLUP_PREDICT_RATE_LIMIT", "3/second")
    monkeypatch.setenv("CALLUP_MAX_WAIT_SECONDS", "7")

    app = create_app()

    assert app.config["REDIS_URL"] == redis_url
    assert app.config["DATABASE_URL"] == sqlite_url
    assert app.config["CALLUP_PREDICT_RATE_LIMIT"] == "3/second"
    assert app.config["CALLUP_MAX_WAIT_SECONDS"] == 7
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    monkeypatch.setenv("CALLUP_MAX_WAIT_SECONDS", "soon")
    with pytest.raises(ValueError, match="CALLUP_MAX_WAIT_SECONDS"):
        create_app()


_NO_ML_SCRIPT = """
import json, os, sys
from app import create_app
app = create_app({"DATABASE_URL": os.environ["T_DB"], "REDIS_URL": os.environ["T_REDIS"]})
client = app.test_client()
headers = {"Authorization": "Bearer " + os.environ["T_KEY"]}
queued = client.post("/api/ml/predict", json={"prospect_id": 101}, headers=headers)
polled = client.get(queued.get_json()["status_url"], headers=headers)
listed = client.get("/api/ml/prospects/101", headers=headers)
loaded = [m for m in ("xgboost", "shap", "pandas", "mlflow") if m in sys.modules]
print(json.dumps([queued.status_code, polled.status_code, listed.status_code, loaded]))
"""


def test_the_api_process_never_imports_the_ml_stack(
    sqlite_url, redis_test_url, prospects, make_key
):
    env = {**os.environ, "T_DB": sqlite_url, "T_REDIS": redis_test_url, "T_KEY": make_key()}
    done = subprocess.run(
        [sys.executable, "-c", _NO_ML_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [202, 200, 200, []]

"""`/readyz` without a worker (see test_tracing_integration for one), and the registry probe."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, text

from app import create_app, registry_probe
from prospects import config
from prospects.db import models as db_models
from prospects.db.session import session_scope
from prospects.jobs import JobStore
from tests.servers import TcpGate

ALIAS_TABLE = (  # the columns of MLflow's table that the probe reads
    "CREATE TABLE registered_model_aliases (name VARCHAR(256), alias VARCHAR(256), version INTEGER)"
)


def test_readyz_needs_no_key_and_reports_every_check(client, redis_client):
    JobStore(redis_client).publish_alias("champion", 7)

    response = client.get("/readyz")

    body = response.get_json()
    assert response.status_code == 503  # no worker runs in these tests
    assert response.headers["Retry-After"] and response.headers["Cache-Control"] == "no-store"
    assert body["status"] == "unavailable"
    assert set(body["checks"]) == {"redis", "database", "workers", "champion"}
    assert body["checks"]["redis"]["ok"] and body["checks"]["database"]["ok"]
    assert body["checks"]["workers"]["ok"] is False
    assert body["checks"]["champion"] == {"ok": True, "version": 7, "source": "redis"}


def test_without_a_published_alias_the_registry_is_asked(app_config, tmp_path):
    store = tmp_path / "mlflow.db"
    engine = create_engine(f"sqlite:///{store}")
    with engine.begin() as conn:
        conn.execute(text(ALIAS_TABLE))
        conn.execute(text("INSERT INTO registered_model_aliases VALUES ('m', 'champion', 3)"))
    engine.dispose()
    app = create_app(
        {**app_config, "MLFLOW_TRACKING_URI": f"sqlite:///{store}", "CALLUP_MODEL_NAME": "m"}
    )

    champion = app.test_client().get("/readyz").get_json()["checks"]["champion"]

    assert champion == {"ok": True, "version": 3, "source": "registry"}


def test_the_database_mirror_of_the_registry_answers_before_the_registry(app, sqlite_url):
    model_version = getattr(db_models, "ModelVersion", None)
    if model_version is None:
        pytest.skip("no model_versions mirror in this schema")
    with session_scope(sqlite_url) as session:
        session.add(model_version(name=config.model_name(), version=2, aliases=[]))
        session.add(model_version(name=config.model_name(), version=4, aliases=["champion"]))

    champion = app.test_client().get("/readyz").get_json()["checks"]["champion"]

    assert champion == {"ok": True, "version": 4, "source": "database"}


def test_no_champion_anywhere_is_reported_with_what_to_do(app_config, tmp_path):
    app = create_app({**app_config, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'none.db'}"})

    champion = app.test_client().get("/readyz").get_json()["checks"]["champion"]

    assert champion["ok"] is False and "callup train" in champion["error"]
    assert not (tmp_path / "none.db").exists()  # looking never creates a store


def test_redis_down_is_503_and_the_worker_ping_is_not_even_tried(app_config):
    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})

    response = app.test_client().get("/readyz")

    checks = response.get_json()["checks"]
    assert response.status_code == 503
    assert checks["redis"]["ok"] is False and "error" in checks["redis"]
    assert checks["database"]["ok"] is True
    assert checks["workers"]["ok"] is False and "not asked" in checks["workers"]["error"]


def test_healthz_stays_200_while_dependencies_are_down(app_config):
    app = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert app.test_client().get("/healthz").status_code == 200


# --- the registry probe ---------------------------------------------------------------------


class _Registry(BaseHTTPRequestHandler):
    """Answers MLflow's alias endpoint: model ``m`` has ``champion`` → 5; ``boom`` fails."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != "/api/2.0/mlflow/registered-models/alias":
            self._send(404, {"error_code": "ENDPOINT_NOT_FOUND"})
        elif query.get("name") == "boom":
            self._send(500, {"error_code": "INTERNAL_ERROR"})
        elif query == {"name": "m", "alias": "champion"}:
            self._send(200, {"model_version": {"name": "m", "version": "5"}})
        else:
            self._send(404, {"error_code": "RESOURCE_DOES_NOT_EXIST"})

    def _send(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def tracking_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_tracking_server_is_asked_over_rest(tracking_server):
    assert registry_probe.alias_version(tracking_server, "m", "champion") == 5
    assert registry_probe.alias_version(tracking_server, "m", "challenger") is None
    assert registry_probe.alias_version(tracking_server + "/", "other", "champion") is None
    with pytest.raises(OSError):
        registry_probe.alias_version(tracking_server, "boom", "champion")


def test_an_empty_embedded_store_has_no_champion(tmp_path):
    store = tmp_path / "empty.db"
    engine = create_engine(f"sqlite:///{store}")
    engine.connect().close()  # a file without MLflow's tables
    engine.dispose()
    assert registry_probe.alias_version(f"sqlite:///{store}", "m", "champion") is None


def test_a_file_store_is_not_supported(tmp_path):
    with pytest.raises(registry_probe.UnsupportedStore):
        registry_probe.alias_version(str(tmp_path / "mlruns"), "m", "champion")


@pytest.mark.postgres
def test_a_postgresql_store_is_read_with_one_query(postgres_url):
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(ALIAS_TABLE))
        conn.execute(text("INSERT INTO registered_model_aliases VALUES ('m', 'champion', 9)"))
    engine.dispose()
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")

    try:
        assert registry_probe.alias_version(plain, "m", "champion") == 9
        assert registry_probe.alias_version(plain, "m", "challenger") is None
    finally:
        registry_probe.dispose_engines()  # before the fixture drops the schema


def test_a_stale_pooled_connection_is_retried_once_not_reported(app_config, redis_test_url):
    """As after a Redis restart: the pooled connection is dead, a new one is fine."""
    from app.readiness import check_redis

    redis_port = int(redis_test_url.rsplit(":", 1)[1].split("/")[0])
    gate = TcpGate(redis_port)
    gate.open()
    try:
        url = f"redis://127.0.0.1:{gate.port}/{redis_test_url.rsplit('/', 1)[1]}"
        app = create_app({**app_config, "REDIS_URL": url, "CALLUP_REDIS_TIMEOUT_SECONDS": 0.5})
        with app.app_context():
            assert check_redis()["ok"] is True  # the pool now holds a connection
            gate.silence_connections()

            check = check_redis()

            assert check["ok"] is True, check
    finally:
        gate.close()

"""Shared fixtures: a fresh database per test (SQLite file or its own PostgreSQL schema)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from prospects.db.session import init_db, reset_engine
from tests.servers import free_port, port_open, wait_for
from tests.stack import REDIS_BASE, RedisDatabases

pytest_plugins = ["tests.api_fixtures", "tests.lifecycle_support"]

POSTGRES_ADMIN_URL = os.environ.get(
    "CALLUP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


_PG_OK: bool | None = None


def postgres_ok() -> bool:
    global _PG_OK
    if _PG_OK is None:
        _PG_OK = _postgres_available()
    return _PG_OK


@pytest.fixture(autouse=True)
def _isolated_var_dir(tmp_path, monkeypatch) -> None:
    """Every test gets its own var dir, so defaults never touch ./var."""
    monkeypatch.setenv("CALLUP_VAR_DIR", str(tmp_path / "var"))


_REDIS_DATABASES = RedisDatabases()  # one pool per test process


@pytest.fixture(scope="session")
def redis_dbs() -> RedisDatabases:
    """The pool of the tests' Redis databases: module fixtures ``take()`` one for their stack."""
    if not _REDIS_DATABASES.reachable():
        pytest.skip(f"Redis at {REDIS_BASE} is not reachable")
    return _REDIS_DATABASES


@pytest.fixture
def redis_db(redis_dbs: RedisDatabases) -> Iterator[int]:
    """A Redis database number of this test's own, empty before and after it."""
    with redis_dbs.take() as number:
        yield number


@pytest.fixture
def redis_url(redis_dbs: RedisDatabases, redis_db: int) -> str:
    """The URL of this test's own Redis database (see ``redis_db``)."""
    return redis_dbs.url(redis_db)


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    init_db(url)
    yield url
    reset_engine(url)


@contextmanager
def throwaway_schema(prefix: str) -> Iterator[str]:
    """The URL of a fresh, empty schema in the shared ``test`` database, dropped afterwards."""
    if not postgres_ok():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway schema in the shared ``test`` database, migrated, dropped afterwards."""
    with throwaway_schema("callup_test") as url:
        init_db(url)
        try:
            yield url
        finally:
            reset_engine(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


# --- S3: a real S3-compatible server (moto's), as a separate process ----------------------------


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """``moto_server`` (moto[server] from PyPI) on a free port; skipped where not installed.

    Shared by the feed's S3 drop location and the object store check (tests/test_s3bucket.py):
    a real HTTP server speaking S3, where SeaweedFS itself cannot run.
    """
    pytest.importorskip(
        "moto.server", reason="moto[server] is not installed (pip install moto[server])"
    )
    pytest.importorskip("boto3")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: port_open(port), 20, "moto_server start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)

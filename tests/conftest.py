"""Shared fixtures: a fresh database per test (SQLite file or its own PostgreSQL schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from prospects.db.session import init_db, reset_engine

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


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    init_db(url)
    yield url
    reset_engine(url)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway schema in the shared ``test`` database, dropped afterwards."""
    if not postgres_ok():
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is not reachable")
    schema = f"callup_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    init_db(url)
    try:
        yield url
    finally:
        reset_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")

"""Which version an MLflow alias points at, read without importing MLflow.

The API must not load the ML stack, yet ``/readyz`` has to know whether a
champion is registered after the workers' short-lived Redis alias key has
expired. A tracking server is asked over its REST API; an embedded store
(SQLite or PostgreSQL) is read with one query on its alias table, read-only.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

_MISSING_CODES = {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"}
_ALIAS_QUERY = text(
    "SELECT version FROM registered_model_aliases WHERE name = :name AND alias = :alias"
)
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


class UnsupportedStore(ValueError):
    """A tracking URI this probe cannot read (a local file store, an unknown scheme)."""


def alias_version(
    tracking_uri: str, model_name: str, alias: str, timeout: float = 1.0
) -> int | None:
    """The version ``alias`` of ``model_name`` points at; None when there is none (yet)."""
    scheme = urllib.parse.urlsplit(tracking_uri).scheme.lower()
    if scheme in ("http", "https"):
        return _from_server(tracking_uri, model_name, alias, timeout)
    if scheme.split("+")[0] in ("sqlite", "postgresql", "postgres"):
        return _from_database(tracking_uri, model_name, alias, timeout)
    raise UnsupportedStore(f"cannot read aliases from a {scheme or 'file'} tracking store")


def _from_server(uri: str, model_name: str, alias: str, timeout: float) -> int | None:
    query = urllib.parse.urlencode({"name": model_name, "alias": alias})
    url = f"{uri.rstrip('/')}/api/2.0/mlflow/registered-models/alias?{query}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code in (400, 404) and _error_code(exc) in _MISSING_CODES:
            return None
        raise
    return int(body["model_version"]["version"])


def _error_code(exc: urllib.error.HTTPError) -> str | None:
    try:
        return json.loads(exc.read() or b"{}").get("error_code")
    except ValueError:
        return None


def _from_database(uri: str, model_name: str, alias: str, timeout: float) -> int | None:
    engine = _engine(uri, timeout)
    if engine is None:
        return None
    with engine.connect() as conn:
        if not inspect(conn).has_table("registered_model_aliases"):
            return None
        version = conn.execute(_ALIAS_QUERY, {"name": model_name, "alias": alias}).scalar()
    return int(version) if version is not None else None


def _engine(uri: str, timeout: float) -> Engine | None:
    """A pooled engine per store; None for a SQLite file that does not exist yet."""
    url = make_url(uri)
    if url.drivername == "sqlite":
        path = Path(url.database or "")
        if not url.database or not path.exists():
            return None  # never create an empty store by looking at it
        url = url.set(database=f"file:{path}", query={"mode": "ro", "uri": "true"})
    elif url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # the driver the project installs
    key = url.render_as_string(hide_password=False)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            if url.drivername == "sqlite":
                engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": timeout})
            else:
                engine = create_engine(
                    url,
                    pool_size=1,
                    max_overflow=1,
                    pool_pre_ping=True,
                    connect_args={"connect_timeout": max(1, int(timeout))},
                )
            _engines[key] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection the probe holds (tests, and a process shutting down)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()

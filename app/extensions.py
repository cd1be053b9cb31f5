"""The API's integrations as unbound singletons, each wired to an app by ``init_app``.

Each keeps its per-app state in ``app.extensions``, so two apps in one process
(tests) never share a connection pool by accident. Creating a client opens no
connection: Redis, the broker and the database are first touched by a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from celery import Celery
from flask import Flask, current_app
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from prospects.db.session import get_engine, session_scope
from prospects.jobs import JobStore


class RedisClients:
    """Two clients per app: a fast one, and one whose read timeout outlasts a long wait."""

    def init_app(self, app: Flask) -> None:
        url = app.config["REDIS_URL"]
        timeout = float(app.config["CALLUP_REDIS_TIMEOUT_SECONDS"])
        common: dict[str, Any] = {"socket_connect_timeout": timeout, "health_check_interval": 30}
        app.extensions["callup.redis"] = redis.Redis.from_url(url, socket_timeout=timeout, **common)
        # BLPOP for ``Prefer: wait`` holds the socket up to the wait; a dead server still
        # fails at once (connection reset), only a silent one takes the longer timeout.
        wait_timeout = int(app.config["CALLUP_MAX_WAIT_SECONDS"]) + timeout + 2
        app.extensions["callup.redis_blocking"] = redis.Redis.from_url(
            url, socket_timeout=wait_timeout, **common
        )

    @property
    def client(self) -> redis.Redis:
        return current_app.extensions["callup.redis"]

    @property
    def blocking(self) -> redis.Redis:
        return current_app.extensions["callup.redis_blocking"]

    def jobs(self, *, blocking: bool = False) -> JobStore:
        """The job store on this app's Redis (``blocking`` for ``wait_done``)."""
        return JobStore(self.blocking if blocking else self.client)


class CeleryClient:
    """A Celery app used only to send tasks by name (and ping workers); no task code."""

    def init_app(self, app: Flask) -> None:
        from workers.celery_app import make_celery

        # No result backend (workers/celery_app.py has none): the API only sends, and reads a
        # job's state from its row.
        celery = make_celery(app.config["REDIS_URL"])
        # Publishing must fail fast when the broker is gone (the API answers 503), not
        # retry for seconds per request: kombu's default reconnect loop would hold the
        # request thread.
        transport = dict(celery.conf.broker_transport_options or {})
        transport.update({"max_retries": 1, "interval_start": 0, "interval_step": 0.2})
        celery.conf.broker_transport_options = transport
        app.extensions["callup.celery"] = celery

    @property
    def app(self) -> Celery:
        return current_app.extensions["callup.celery"]


class Database:
    """Short sessions on the app's database URL (engines are pooled per process and URL)."""

    def init_app(self, app: Flask) -> None:
        app.extensions["callup.database_url"] = app.config["DATABASE_URL"]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with session_scope(current_app.extensions["callup.database_url"]) as session:
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A plain connection in a transaction (commits on success): for hot-path statements."""
        with get_engine(current_app.extensions["callup.database_url"]).begin() as conn:
            yield conn


redis_clients = RedisClients()
celery_client = CeleryClient()
database = Database()

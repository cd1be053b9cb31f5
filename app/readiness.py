"""The checks behind ``GET /readyz``: Redis, the database, a live worker, a registered champion.

Each check answers ``{"ok": bool, ...}`` and never raises. The two that
cost a round trip to other processes (a Celery ping, a registry lookup) are
cached per app for a couple of seconds, so a probe every second stays cheap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from flask import current_app
from sqlalchemy import select, text

from app import registry_probe
from app.extensions import celery_client, database, redis_clients
from prospects import config

CHAMPION = "champion"
WORKER_PING_TIMEOUT = 1.0  # seconds a ping waits for the first worker to answer
WORKERS_TTL = 2.0  # seconds a ping's answer is reused
CHAMPION_TTL = 5.0  # seconds a registry lookup is reused (the Redis key is read every time)

Check = dict[str, Any]


class _Cache:
    """A value per name with an expiry; one computation at a time per app."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[float, Check]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, ttl: float, compute: Callable[[], Check]) -> Check:
        with self._lock:
            hit = self._values.get(name)
            if hit is not None and hit[0] > time.monotonic():
                return {**hit[1], "cached": True}
            value = compute()
            self._values[name] = (time.monotonic() + ttl, value)
            return value


def _cache() -> _Cache:
    return current_app.extensions.setdefault("callup.readiness", _Cache())


def _timed(probe: Callable[[], Check]) -> Check:
    started = time.perf_counter()
    result = probe()
    return {**result, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def check_redis() -> Check:
    """Redis answers PING, on a second try if the first connection was a stale one.

    After a Redis restart the pool still holds connections to the old server;
    the first command on one fails and redis-py drops it. A second PING takes a
    fresh connection, so one restart does not fail a readiness probe.
    """
    ping = lambda: {"ok": bool(redis_clients.client.ping())}  # noqa: E731
    try:
        return _timed(ping)
    except (redis.ConnectionError, redis.TimeoutError):
        pass  # redis-py has dropped the broken connection: one more try on a fresh one
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}
    try:
        return _timed(ping)
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}


def check_database() -> Check:
    """The database answers ``SELECT 1``."""

    def probe() -> Check:
        with database.session() as session:
            session.execute(text("SELECT 1"))
        return {"ok": True}

    try:
        return _timed(probe)
    except Exception as exc:  # noqa: BLE001 - any driver error means "not ready"
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def check_workers(redis_ok: bool) -> Check:
    """At least one Celery worker answers a ping (cached for ``WORKERS_TTL``)."""
    if not redis_ok:
        return {"ok": False, "error": "not asked: the broker (Redis) is down"}

    def ping() -> Check:
        try:
            replies = celery_client.app.control.ping(timeout=WORKER_PING_TIMEOUT, limit=1)
        except Exception as exc:  # noqa: BLE001 - a broker error means "not ready"
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        nodes = [name for reply in replies or [] for name in reply]
        if not nodes:
            return {"ok": False, "error": f"no worker answered within {WORKER_PING_TIMEOUT:g} s"}
        return {"ok": True, "answered": nodes}

    return _cache().get("workers", WORKERS_TTL, lambda: _timed(ping))


def check_champion(redis_ok: bool) -> Check:
    """A model holds the champion alias: the Redis key, else the database mirror, else MLflow."""
    if redis_ok:
        try:
            version = redis_clients.jobs().alias_version(CHAMPION)
        except redis.RedisError:
            version = None
        if version is not None:
            return {"ok": True, "version": version, "source": "redis"}
    return _cache().get("champion", CHAMPION_TTL, _champion_from_records)


def _model_name() -> str:
    return current_app.config.get("CALLUP_MODEL_NAME") or config.model_name()


def _champion_from_records() -> Check:
    """The database's mirror of the registry first (cheap), then the registry's own store."""
    version = _champion_from_database()
    if version is not None:
        return {"ok": True, "version": version, "source": "database"}
    return _champion_from_registry()


def _champion_from_database() -> int | None:
    """The version the ``model_versions`` mirror lists as champion, when the mirror exists."""
    try:
        from prospects.db.models import ModelVersion  # the lifecycle's mirror of MLflow
    except ImportError:
        return None
    try:
        with database.session() as session:
            rows = session.execute(
                select(ModelVersion.version, ModelVersion.aliases).where(
                    ModelVersion.name == _model_name()
                )
            ).all()
    except Exception:  # noqa: BLE001 - no mirror table yet: the registry answers instead
        return None
    holders = [int(version) for version, aliases in rows if CHAMPION in (aliases or [])]
    return max(holders) if holders else None


def _champion_from_registry() -> Check:
    uri = current_app.config.get("MLFLOW_TRACKING_URI") or config.mlflow_tracking_uri()
    name = _model_name()
    try:
        version = registry_probe.alias_version(uri, name, CHAMPION)
    except Exception as exc:  # noqa: BLE001 - unreachable or unreadable registry
        return {"ok": False, "version": None, "source": "registry", "error": str(exc)}
    if version is None:
        return {
            "ok": False,
            "version": None,
            "source": "registry",
            "error": f"no version of {name!r} holds the {CHAMPION!r} alias: run `callup train`",
        }
    return {"ok": True, "version": version, "source": "registry"}


def readiness() -> tuple[bool, dict[str, Check]]:
    """Every check, and whether all of them passed."""
    checks = {"redis": check_redis(), "database": check_database()}
    redis_ok = bool(checks["redis"]["ok"])
    checks["workers"] = check_workers(redis_ok)
    checks["champion"] = check_champion(redis_ok)
    return all(check["ok"] for check in checks.values()), checks

"""What each worker process holds: its Redis client, warm models and league day.

Created after the fork (``worker_process_init``), never in the prefork parent:
XGBoost's thread pool and the database connections do not survive a fork.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import redis

from prospects import config
from prospects.db.session import session_scope
from prospects.db.version import cached_data_version
from prospects.errors import CallupError
from prospects.jobs import JobStore
from prospects.serving.league_day import LeagueDays
from workers.model_holder import ModelHolder
from workers.variants import choose

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """The per-process state every task uses."""

    redis: redis.Redis
    jobs: JobStore
    models: ModelHolder
    days: LeagueDays  # the league context and, for today, every prospect's features
    pid: int


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """This process's runtime, created on first use (and again after a fork)."""
    global _runtime
    if _runtime is None or _runtime.pid != os.getpid():
        client = redis.Redis.from_url(
            config.redis_url(), socket_timeout=5, socket_connect_timeout=3, health_check_interval=30
        )
        _runtime = Runtime(client, JobStore(client), ModelHolder(client), LeagueDays(), os.getpid())
    return _runtime


def warm() -> None:
    """Load the champion (and any challenger) and today's league day (context and every
    prospect's features) now, so the first request is not slow."""
    rt = runtime()
    try:
        rt.models.get()
        choose(rt.models, None)  # the challenger too, if there is one (A/B: both warm)
        with session_scope() as session:
            today = datetime.now(UTC).date()
            rt.days.get(session, cached_data_version(rt.redis, session), today)
    except (CallupError, redis.RedisError) as exc:
        log.warning("worker started cold: %s", exc)
    except Exception:  # a broken database must not stop the worker from starting
        log.exception("worker started cold")

"""The Celery app, configured for not losing work. No I/O happens at import."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Exchange, Queue

from prospects import config
from prospects.jobs import (
    QUEUE_PREDICT,
    QUEUE_RANK,
    QUEUE_TRAIN,
    TASK_INGEST_FEED,
    TASK_PREDICT,
    TASK_RANK,
    TASK_RETRAIN,
)
from schedules import SCHEDULER as BEAT_SCHEDULER
from schedules import beat_schedule
from workers import tracing  # noqa: F401 - JSON logs, request ids on task messages

# Imported by worker processes only (the API sends tasks by name and never loads these).
TASK_MODULES = ["workers.signals", "workers.metrics", "tasks.predict", "tasks.rank"]
TASK_MODULES += ["tasks.train", "tasks.monitor", "tasks.lifecycle"]  # the model lifecycle
TASK_MODULES += ["tasks.sweep"]  # durable job records: re-send what Redis lost
TASK_MODULES += ["tasks.feed"]  # the weekly data feed, ingested before the retrain


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else raw.strip().lower() in ("1", "true", "yes")


def celery_settings(redis_url: str) -> dict[str, object]:
    """Every setting in one mapping, each with why it is set."""
    return {
        "broker_url": redis_url,
        # No result backend: a job's status, result, error and progress live in its ``jobs``
        # row alone (prospects.jobrecords), written by the task itself. Nothing reads a
        # Celery result: not the API, the sweeper, Beat (it only sends), or the rankings (no
        # chord; a chunk ledger counts chunks). So no task stores one (no celery-task-meta-*
        # key per task, no result publish on the hot path).
        "result_backend": None,
        "task_ignore_result": True,
        # JSON only: a pickle on the broker would let anyone who can write to Redis run code.
        "task_serializer": "json",
        "accept_content": ["json"],
        # Acknowledge after the task ran, so a worker dying mid-task leaves the message to redo.
        "task_acks_late": True,
        # A child process killed (OOM, SIGKILL) requeues its task instead of failing it.
        "task_reject_on_worker_lost": True,
        # One message per process at a time: long rank/train tasks never hide short ones
        # behind them; predict-only workers may raise it with --prefetch-multiplier.
        "worker_prefetch_multiplier": 1,
        # Unacked messages are redelivered after this; longer than any task (train ≤ 1 h).
        "broker_transport_options": {"visibility_timeout": 2 * 3600},
        # A pool process warms up (champion + feature context) before it reports ready; the
        # 4 s default killed replacements forked under load after a process was lost.
        "worker_proc_alive_timeout": 60.0,
        # Keep retrying the broker at start-up instead of exiting when Redis is late.
        "broker_connection_retry_on_startup": True,
        # Queues declared up front; each kind of work has its own, so it can be scaled apart.
        # Each queue on its own direct exchange: a bare Queue(name) would bind all three
        # to the default exchange and key, and every message would land in every queue.
        "task_queues": [
            Queue(name, Exchange(name, type="direct"), routing_key=name)
            for name in (QUEUE_PREDICT, QUEUE_RANK, QUEUE_TRAIN)
        ],
        "task_default_queue": QUEUE_PREDICT,
        "task_routes": {
            TASK_PREDICT: {"queue": QUEUE_PREDICT, "routing_key": QUEUE_PREDICT},
            TASK_RANK: {"queue": QUEUE_RANK, "routing_key": QUEUE_RANK},
            "callup.rank_chunk": {"queue": QUEUE_RANK, "routing_key": QUEUE_RANK},
            "callup.rank_finalize": {"queue": QUEUE_RANK, "routing_key": QUEUE_RANK},
            TASK_RETRAIN: {"queue": QUEUE_TRAIN, "routing_key": QUEUE_TRAIN},
            TASK_INGEST_FEED: {"queue": QUEUE_TRAIN, "routing_key": QUEUE_TRAIN},
            # Lifecycle: the monitor beside training; alias moves on the short-task queue.
            "callup.monitor": {"queue": QUEUE_TRAIN, "routing_key": QUEUE_TRAIN},
            "callup.promote": {"queue": QUEUE_PREDICT, "routing_key": QUEUE_PREDICT},
            "callup.rollback": {"queue": QUEUE_PREDICT, "routing_key": QUEUE_PREDICT},
            # The job sweeper: a few queries a minute, on the short-task queue.
            "callup.sweep_jobs": {"queue": QUEUE_PREDICT, "routing_key": QUEUE_PREDICT},
        },
        # A stuck task is killed instead of holding a process forever (tasks may set lower).
        "task_time_limit": 3600,
        # Fail fast on a dead broker when publishing, so the API answers 503 instead of hanging.
        "task_publish_retry": False,
        "broker_connection_timeout": 3,
        "redis_socket_timeout": 5,
        "redis_socket_connect_timeout": 3,
        "redis_retry_on_timeout": False,
        # Workers log through our JSON-friendly root logger instead of hijacking it.
        "worker_hijack_root_logger": False,
        # Task events feed Flower; each is a Redis publish on the hot path, so operators
        # may switch them off (CALLUP_TASK_EVENTS=0). "sent" events add nothing Flower needs.
        "worker_send_task_events": _flag("CALLUP_TASK_EVENTS", True),
        "task_send_sent_event": False,
        "include": TASK_MODULES,
        # Celery Beat: the season calendar's jobs, sent by one Beat at a time (schedules/).
        "beat_schedule": beat_schedule(),
        "beat_scheduler": BEAT_SCHEDULER,
    }


def make_celery(redis_url: str | None = None) -> Celery:
    """A Celery app for ``redis_url`` (default ``$REDIS_URL``)."""
    app = Celery("callup")
    app.conf.update(celery_settings(redis_url or config.redis_url()))
    return app


celery_app = make_celery()

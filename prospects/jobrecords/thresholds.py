"""The sweeper's thresholds, read from the environment when asked.

How long a job may sit still before the sweeper calls it stuck, how often it
may be re-sent, and how often the sweeper runs (issue 16 renamed this module
from ``settings``: it holds these numbers and nothing else).
"""

from __future__ import annotations

from prospects.config import env_int

RETRAIN_TIME_LIMIT_SECONDS = 3600  # tasks/train.py: Celery kills a retraining after this
INGEST_TIME_LIMIT_SECONDS = 1800  # tasks/feed.py: the same for the weekly feed's ingest
MONITOR_TIME_LIMIT_SECONDS = 1800  # tasks/monitor.py: the same for a monitoring pass


def stale_seconds() -> int:
    """``$CALLUP_JOB_STALE_SECONDS``: queued or running with no news for this long is stuck.

    Longer than a ranking chunk's time limit (900 s), since a ranking's chunks
    are its heartbeat; a backlog older than this is re-sent only when its
    message is no longer in the queue.
    """
    return env_int("CALLUP_JOB_STALE_SECONDS", 900, low=1)


def lost_seconds() -> int:
    """``$CALLUP_JOB_LOST_SECONDS``: queued this long with its message nowhere in Redis is lost.

    Neither in its queue nor in a worker's hands (kombu's ``unacked`` set): the
    message is gone, as after Redis restarted empty, and waiting the full
    ``stale_seconds`` would only delay the re-send. One sweep interval (60 s)
    plus this keeps such a job's re-send within two minutes.
    """
    return env_int("CALLUP_JOB_LOST_SECONDS", 60, low=1)


def stale_after(kind: str) -> int:
    """Seconds of silence after which a job of ``kind`` is stuck (retraining sends no heartbeat)."""
    if kind == "retrain":
        return max(stale_seconds(), RETRAIN_TIME_LIMIT_SECONDS + 300)
    if kind == "ingest":  # tasks.feed: time_limit=1800, no heartbeat either
        return max(stale_seconds(), INGEST_TIME_LIMIT_SECONDS + 300)
    if kind == "monitor":  # tasks.monitor: time_limit=1800, no heartbeat either
        return max(stale_seconds(), MONITOR_TIME_LIMIT_SECONDS + 300)
    return stale_seconds()


def max_requeues() -> int:
    """``$CALLUP_JOB_MAX_REQUEUES``: re-sends before a job is failed as ``job_lost``."""
    return env_int("CALLUP_JOB_MAX_REQUEUES", 5, low=0)


def sweep_interval() -> int:
    """``$CALLUP_JOB_SWEEP_SECONDS``: how often Beat sends the sweeper."""
    return env_int("CALLUP_JOB_SWEEP_SECONDS", 60, low=1)

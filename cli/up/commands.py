"""The command lines of the processes ``callup up`` starts: the worker, Beat and the API.

Public because the tests' live stack and the benchmarks start their workers
and API with the same builders, so what they measure and test is what an
operator runs, flags included.
"""

from __future__ import annotations

import sys

QUEUES = "predict,rank,train"


def worker_command(
    *,
    queues: str = QUEUES,
    concurrency: int = 2,
    node: str | None = None,
    loglevel: str = "INFO",
    python: str = sys.executable,
) -> list[str]:
    """``celery -A workers worker`` for ``queues`` with ``concurrency`` pool processes.

    Without gossip and mingle: workers here find each other through the
    broker alone, and mingle's start-up round adds seconds to every start.
    """
    argv = [python, "-m", "celery", "-A", "workers", "worker", "-Q", queues]
    argv += ["-c", str(concurrency), "--loglevel", loglevel, "--without-gossip", "--without-mingle"]
    if node is not None:
        argv += ["-n", node]
    return argv


def beat_command(*, loglevel: str = "INFO", python: str = sys.executable) -> list[str]:
    """``celery -A workers beat``, without ``-s``: its schedule lives in Redis.

    (``schedules.beat.SingleBeatScheduler``), so a schedule file would only be
    written and never read.
    """
    return [python, "-m", "celery", "-A", "workers", "beat", "--loglevel", loglevel]


def api_command(
    bind: str, *, workers: int | None = None, threads: int = 8, python: str = sys.executable
) -> list[str]:
    """``gunicorn "app:create_app()"`` with gthread workers bound to ``bind`` (host:port).

    ``workers`` left out: gunicorn's own default (``gunicorn.conf.py``).
    """
    argv = [python, "-m", "gunicorn", "app:create_app()", "-k", "gthread"]
    argv += ["--threads", str(threads), "--timeout", "60", "--graceful-timeout", "10"]
    if workers is not None:
        argv += ["-w", str(workers)]
    return argv + ["-b", bind]

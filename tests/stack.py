"""The live stack for tests and benchmarks: environment, Redis databases, workers.

Each stack gets its own SQLite file, MLflow store and Redis database number
(handed out by ``RedisDatabases``, never picked by hand), and its workers are
real ``celery -A workers worker`` subprocesses started with the command line
``callup up`` uses (``cli.up.commands.worker_command``). Servers a test may
stop (Redis, PostgreSQL, MLflow, gunicorn) are in ``tests.servers``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import redis

from cli.up.commands import worker_command

REDIS_BASE = os.environ.get("CALLUP_TEST_REDIS", "redis://127.0.0.1:6379")
ROOT = Path(__file__).resolve().parent.parent
MODEL_NAME = "prospect-success-test"
# Databases of the tests' Redis that the pool never hands out, while code outside it still
# names them: tests/test_job_records.py (db 2) and bench/predict.py's default (db 15).
RESERVED_DBS = frozenset({2, 15})


class RedisDatabases:
    """Hands out the tests' Redis databases, each flushed before and after its holder uses it.

    One pool per test process replaces numbers coordinated in comments: a
    module or test takes a free one and gives it back, so no two holders share
    a database and a new test cannot pick one another already uses.
    """

    def __init__(
        self, base: str = REDIS_BASE, count: int = 16, reserved: frozenset[int] = RESERVED_DBS
    ) -> None:
        self.base = base
        self._free = [n for n in range(count) if n not in reserved]

    def url(self, number: int) -> str:
        return f"{self.base}/{number}"

    def reachable(self) -> bool:
        """Whether the tests' Redis answers (callers skip when it does not)."""
        client = redis.Redis.from_url(self.base, socket_connect_timeout=2)
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False
        finally:
            client.close()

    @contextmanager
    def take(self) -> Iterator[int]:
        """A database number nobody else holds, empty on the way in and on the way out."""
        if not self._free:
            raise RuntimeError(f"every Redis database at {self.base} is in use")
        number = self._free.pop(0)
        client = redis.Redis.from_url(self.url(number))
        try:
            client.flushdb()
            yield number
        finally:
            try:
                client.flushdb()
            except redis.ConnectionError:
                pass
            client.close()
            self._free.insert(0, number)


def stack_env(
    root: Path,
    redis_url: str,
    *,
    database_url: str | None = None,
    artifacts: Path | None = None,
    model_name: str = MODEL_NAME,
) -> dict[str, str]:
    """The settings that point a process at one stack: its database, registry, Redis, var dir.

    ``artifacts`` defaults to ``root``: a copy of a template's stores keeps
    using the template's artifacts (its runs are unique, so copies only add).
    """
    return {
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url or f"sqlite:///{root / 'callup.db'}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_ROOT": ((artifacts or root) / "mlartifacts").as_uri(),
        "CALLUP_VAR_DIR": str(root / "var"),
        "CALLUP_MODEL_NAME": model_name,
    }


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """Point this process at ``env`` (database engines reset on the way in and out)."""
    from prospects.db.session import reset_engine

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    reset_engine()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_engine()


@dataclass
class Stack:
    """Environment and handles of one integration stack."""

    root: Path
    env: dict[str, str]
    redis_db: int
    workers: list[subprocess.Popen] = field(default_factory=list)
    logs: list = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    # Only for the worker subprocesses (e.g. an MLflow server the test process does not use).
    worker_env: dict[str, str] = field(default_factory=dict)

    @property
    def redis_url(self) -> str:
        return self.env["REDIS_URL"]

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def start_worker(self, concurrency: int = 1, queues: str = "predict,rank,train") -> str:
        """Start a worker subprocess and wait until it answers a ping; returns its node name."""
        return self.start_workers(1, concurrency, queues)[0]

    def start_workers(
        self, count: int, concurrency: int = 1, queues: str = "predict,rank,train"
    ) -> list[str]:
        """Start ``count`` worker subprocesses at once, then wait until each answers a ping."""
        nodes = [self.spawn_worker(concurrency, queues) for _ in range(count)]
        self.await_workers()
        return nodes

    def spawn_worker(self, concurrency: int = 1, queues: str = "predict,rank,train") -> str:
        """Start a worker subprocess without waiting for it (see ``await_workers``)."""
        node = f"test-{uuid.uuid4().hex[:8]}@localhost"
        log = open(self.root / f"{node.split('@')[0]}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            worker_command(queues=queues, concurrency=concurrency, node=node),
            cwd=ROOT,
            env={**os.environ, **self.env, **self.worker_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(proc)
        self.logs.append(log)
        self.nodes.append(node)
        return node

    def await_workers(self, timeout: float = 60) -> None:
        """Wait until every worker started so far answers a ping."""
        from workers.celery_app import make_celery

        app = make_celery(self.redis_url)
        waiting = dict(zip(self.nodes, zip(self.workers, self.logs, strict=True), strict=True))
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            for proc, log in waiting.values():
                if proc.poll() is not None:
                    raise RuntimeError(f"worker exited early; see {log.name}")
            replies = app.control.ping(timeout=0.5, destination=list(waiting))
            for reply in replies:
                for node in reply:
                    waiting.pop(node, None)
        if waiting:
            raise RuntimeError(f"workers did not answer a ping in {timeout} s: {list(waiting)}")

    def pool_pids(self, worker: subprocess.Popen) -> list[int]:
        """The prefork children of a worker subprocess now: the processes that run its tasks.

        Read afresh from every process's parent in ``/proc`` at each call. The
        main thread's ``/proc/<pid>/task/<pid>/children`` missed the children
        billiard forks from its other threads to replace lost ones, so under load
        a killer found no one to kill.
        """
        return children_of(worker.pid)

    def pause_workers(self) -> None:
        """SIGSTOP every worker (parent and children): messages wait in the queue meanwhile."""
        for proc in self.workers:
            os.killpg(proc.pid, signal.SIGSTOP)

    def resume_workers(self) -> None:
        for proc in self.workers:
            os.killpg(proc.pid, signal.SIGCONT)

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGCONT)  # a paused worker cannot hear SIGTERM
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.workers.clear()
        self.nodes.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()


def children_of(parent: int) -> list[int]:
    """Live child processes of ``parent`` (zombies left out), ascending, from ``/proc``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == parent and state not in ("Z", "X"):
            found.append(int(entry.name))
    return sorted(found)


def seed_and_train(n_prospects: int = 700, n_estimators: int = 80, seed: int = 11) -> None:
    """Seed a small league and register a first champion, in the current environment."""
    from prospects.db.session import init_db, session_scope
    from prospects.league.generator import generate_league
    from prospects.lifecycle.service import train_and_register
    from prospects.training.model import TrainParams

    init_db()
    with session_scope() as session:
        generate_league(
            session, n_prospects=n_prospects, first_season=2008, last_season=2026, seed=seed
        )
    train_and_register(
        TrainParams(n_estimators=n_estimators, learning_rate=0.1, early_stopping_rounds=20)
    )


@contextmanager
def stack(
    tmp: Path,
    redis_db: int,
    champion: bool = True,
    *,
    redis_base: str = REDIS_BASE,
    database_url: str | None = None,
) -> Iterator[Stack]:
    """A stack in ``tmp`` on Redis database ``redis_db`` (flushed before and after).

    ``redis_base`` and ``database_url`` point it at private servers a test may stop.
    """
    env = stack_env(tmp, f"{redis_base}/{redis_db}", database_url=database_url)
    s = Stack(tmp, env, redis_db)
    client = s.redis()
    client.flushdb()
    try:
        with environment(env):
            if champion:
                seed_and_train()
            yield s
    finally:
        s.stop_workers()
        try:
            client.flushdb()
        except redis.ConnectionError:
            pass  # a private Redis the test has stopped: nothing to clean


def stored_prediction(*criteria, within: float = 5.0):  # type: ignore[no-untyped-def]
    """The one stored ``Prediction`` matching ``criteria``, waiting up to ``within`` seconds.

    A worker answers first and commits the prediction's row just after, so a
    client that reads the table the moment it has its answer may be a few
    milliseconds early.
    """
    from sqlalchemy import select

    from prospects.db.models import Prediction
    from prospects.db.session import session_scope

    deadline = time.monotonic() + within
    while True:
        with session_scope() as session:
            rows = session.scalars(select(Prediction).where(*criteria)).all()
            session.expunge_all()
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    [row] = rows  # exactly one
    return row


def prospects_by_standing(
    n: int = 40, eligible: bool = True, reason: str | None = None, on: date | None = None
) -> list[int]:
    """Up to ``n`` ids, ascending, of players who are (or, with ``eligible=False``, are not —
    for ``reason`` when given) prospects ``on`` a day (today) by the one rule, in the current
    environment."""
    from datetime import UTC, datetime

    from prospects.db.session import session_scope
    from prospects.eligibility import assess
    from prospects.features.data import load_league

    today = on or datetime.now(UTC).date()
    with session_scope() as session:
        frame = assess(load_league(session, as_of=today), today)
    chosen = frame[frame["eligible"] == eligible]
    if reason is not None:
        chosen = chosen[chosen["reason"] == reason]
    return [int(i) for i in chosen.index[:n]]

"""A real stack for integration tests: a seeded league, a trained champion and a Celery worker.

Each stack gets its own SQLite file, MLflow store and Redis database number,
and its worker is a real ``celery -A workers worker`` subprocess.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

REDIS_BASE = os.environ.get("CALLUP_TEST_REDIS", "redis://127.0.0.1:6379")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Stack:
    """Environment and handles of one integration stack."""

    root: Path
    env: dict[str, str]
    redis_db: int
    workers: list[subprocess.Popen] = field(default_factory=list)
    logs: list = field(default_factory=list)

    @property
    def redis_url(self) -> str:
        return self.env["REDIS_URL"]

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def apply_env(self) -> None:
        """Point this (test) process at the stack: same database, registry and Redis."""
        from prospects.db.session import reset_engine

        os.environ.update(self.env)
        reset_engine()

    def start_worker(self, concurrency: int = 1, queues: str = "predict,rank,train") -> str:
        """Start a worker subprocess and wait until it answers a ping; returns its node name."""
        from workers.celery_app import make_celery

        node = f"test-{uuid.uuid4().hex[:8]}@localhost"
        log = open(self.root / f"{node.split('@')[0]}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers",
                "worker",
                "-Q",
                queues,
                "-c",
                str(concurrency),
                "-P",
                "prefork",
                "-n",
                node,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(proc)
        self.logs.append(log)
        app = make_celery(self.redis_url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited early; see {log.name}")
            replies = app.control.ping(timeout=0.5, destination=[node])
            if replies:
                return node
        raise RuntimeError(f"worker did not answer a ping in 60 s; see {log.name}")

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.workers.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()


def seed_and_train(n_prospects: int = 700, n_estimators: int = 80, seed: int = 11) -> None:
    """Seed a small league and register a first champion, in the current environment."""
    from prospects.db.session import init_db, session_scope
    from prospects.league.generator import generate_league
    from prospects.training.model import TrainParams
    from prospects.training.service import train_and_register

    init_db()
    with session_scope() as session:
        generate_league(
            session, n_prospects=n_prospects, first_season=2008, last_season=2026, seed=seed
        )
    train_and_register(
        TrainParams(n_estimators=n_estimators, learning_rate=0.1, early_stopping_rounds=20)
    )


@contextmanager
def stack(tmp: Path, redis_db: int, champion: bool = True) -> Iterator[Stack]:
    """A stack in ``tmp`` on Redis database ``redis_db`` (flushed before and after)."""
    env = {
        "REDIS_URL": f"{REDIS_BASE}/{redis_db}",
        "DATABASE_URL": f"sqlite:///{tmp / 'callup.db'}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_ROOT": (tmp / "mlartifacts").as_uri(),
        "CALLUP_VAR_DIR": str(tmp / "var"),
        "CALLUP_MODEL_NAME": "prospect-success-test",
    }
    saved = {k: os.environ.get(k) for k in env}
    s = Stack(tmp, env, redis_db)
    client = s.redis()
    client.flushdb()
    s.apply_env()
    try:
        if champion:
            seed_and_train()
        yield s
    finally:
        s.stop_workers()
        client.flushdb()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        from prospects.db.session import reset_engine

        reset_engine()

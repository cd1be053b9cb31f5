"""The live-stack harness's own promises: Redis databases handed out, never shared, left empty."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis

from tests.servers import RedisServer
from tests.stack import RESERVED_DBS, RedisDatabases, children_of, stack_env


@pytest.fixture
def pool() -> Iterator[RedisDatabases]:
    """A pool on a private redis-server: the session's pool and its holders are not disturbed."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield RedisDatabases(server.base())
    server.stop()


def test_every_holder_gets_its_own_database_until_none_is_left(pool):
    with ExitStack() as held:
        numbers = []
        with pytest.raises(RuntimeError, match="in use"):
            while True:
                numbers.append(held.enter_context(pool.take()))

    assert sorted(numbers) == sorted(set(range(16)) - RESERVED_DBS)  # all, once each
    with pool.take() as again:  # given back: free again
        assert again in numbers


def test_a_database_is_empty_when_taken_and_when_given_back(pool):
    with pool.take() as number:
        client = redis.Redis.from_url(pool.url(number))
        assert client.dbsize() == 0
        client.set("left:behind", "1")
    assert client.dbsize() == 0  # flushed on the way out: the next holder starts clean
    client.close()


def test_the_stack_environment_points_every_setting_into_its_folder(tmp_path):
    env = stack_env(tmp_path, "redis://127.0.0.1:6379/3")

    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'callup.db'}"
    assert env["MLFLOW_TRACKING_URI"] == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert env["MLFLOW_ARTIFACT_ROOT"] == (tmp_path / "mlartifacts").as_uri()
    assert env["CALLUP_VAR_DIR"] == str(tmp_path / "var")


def test_a_workers_children_are_found_whichever_thread_forked_them():
    # billiard forks a replacement pool process from a live thread other than the main one;
    # the main thread's /proc/<pid>/task/<pid>/children does not list it, and a chaos killer
    # that read only that found nothing to kill.
    script = (
        "import subprocess, sys, threading\n"
        "forked = threading.Event()\n"
        "def side():\n"
        "    subprocess.Popen(['sleep', '30']); forked.set(); threading.Event().wait()\n"
        "subprocess.Popen(['sleep', '30'])\n"
        "threading.Thread(target=side, daemon=True).start(); forked.wait()\n"
        "print('ready', flush=True); sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as parent:
        try:
            assert parent.stdout is not None and parent.stdout.readline() == "ready\n"
            main_thread = Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text()

            children = children_of(parent.pid)

            assert len(children) == 2
            assert len(main_thread.split()) == 1  # what the old reading saw
        finally:
            for pid in children_of(parent.pid):
                os.kill(pid, signal.SIGKILL)
            parent.kill()

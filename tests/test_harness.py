"""The live-stack harness's own promises: Redis databases handed out, never shared, left empty."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import redis

from tests.servers import RedisServer
from tests.stack import RESERVED_DBS, RedisDatabases, stack_env


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

"""prospects.locks: the one expiring Redis lock (redis-py's Lock) with the holder's own token."""

from __future__ import annotations

import pytest
import redis

from prospects import locks

KEY = "callup:lock:test"


@pytest.fixture
def client(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def test_only_one_token_takes_it_and_its_value_names_the_holder(client):
    assert locks.take(client, KEY, 10, "job-1") is True
    assert locks.take(client, KEY, 10, "job-2") is False
    assert locks.holder(client, KEY) == "job-1"
    assert 0 < client.ttl(KEY) <= 10


def test_only_the_holder_renews_it(client):
    locks.take(client, KEY, 10, "job-1")

    assert locks.renew(client, KEY, 60, "job-2") is False
    assert client.ttl(KEY) <= 10
    assert locks.renew(client, KEY, 60, "job-1") is True
    assert client.ttl(KEY) > 10


def test_only_the_holder_frees_it(client):
    locks.take(client, KEY, 10, "job-1")

    assert locks.release(client, KEY, "job-2") is False
    assert locks.holder(client, KEY) == "job-1"
    assert locks.release(client, KEY, "job-1") is True
    assert locks.holder(client, KEY) is None


def test_a_holder_whose_lock_expired_neither_renews_nor_frees_the_next_one(client):
    locks.take(client, KEY, 10, "job-1")
    client.delete(KEY)  # expired
    locks.take(client, KEY, 10, "job-2")

    assert locks.renew(client, KEY, 60, "job-1") is False
    assert locks.release(client, KEY, "job-1") is False
    assert locks.holder(client, KEY) == "job-2"


def test_another_process_with_the_token_renews_and_frees_it(client):
    """The API claims a retraining with the job id; the worker that runs it frees it."""
    locks.take(client, KEY, 10, "job-1")
    worker = redis.Redis(connection_pool=client.connection_pool)

    assert locks.renew(worker, KEY, 60, "job-1") is True
    assert locks.release(worker, KEY, "job-1") is True

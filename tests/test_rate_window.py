"""The one-round-trip fixed window: the same counts and expiry as ``limits``' own, headers free."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from limits import parse
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter

from app.ratewindow import CountingFixedWindow


@pytest.fixture
def storage(redis_test_url, redis_client):
    return RedisStorage(redis_test_url, key_prefix="callup-test")


def test_it_counts_and_expires_like_the_stock_fixed_window(storage, redis_client):
    limit = parse("3/minute")
    ours, stock = CountingFixedWindow(storage), FixedWindowRateLimiter(storage)

    outcomes = [ours.hit(limit, "alice") for _ in range(4)]

    assert outcomes == [True, True, True, False]
    assert not stock.hit(limit, "alice")  # both read and write the same counter
    reset, remaining = stock.get_window_stats(limit, "alice")
    assert remaining == 0 and time.time() < reset <= time.time() + 60
    [key] = redis_client.scan_iter("callup-test*")
    assert int(redis_client.get(key)) == 5
    assert 0 < redis_client.ttl(key) <= 60  # set by the first hit, not pushed back by later ones


def test_a_window_the_stock_limiter_opened_keeps_its_expiry(storage, redis_client):
    limit = parse("5/minute")
    FixedWindowRateLimiter(storage).hit(limit, "bob")
    [key] = redis_client.scan_iter("callup-test*")
    redis_client.expire(key, 7)

    assert CountingFixedWindow(storage).hit(limit, "bob")

    assert 0 < redis_client.ttl(key) <= 7


def test_within_a_request_the_headers_come_from_the_hit_without_reading_redis(
    storage, redis_client
):
    limit = parse("10/minute")
    ours = CountingFixedWindow(storage)
    with Flask(__name__).test_request_context():
        ours.hit(limit, "carol")
        ours.hit(limit, "carol")
        redis_client.flushdb()  # the window's figures must not be read back from storage

        reset, remaining = ours.get_window_stats(limit, "carol")

    assert remaining == 8
    assert time.time() + 55 < reset <= time.time() + 60


def test_outside_a_request_it_reads_the_window_from_storage(storage):
    limit = parse("10/minute")
    ours = CountingFixedWindow(storage)
    ours.hit(limit, "dave")

    reset, remaining = ours.get_window_stats(limit, "dave")

    assert remaining == 9 and reset > time.time()

"""The one-round-trip fixed and moving windows: the same counts and expiry as ``limits``' own,
headers free."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from limits import parse
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from app.ratewindow import CountingFixedWindow, CountingMovingWindow


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


def test_the_moving_window_admits_and_refuses_like_the_stock_one(storage, redis_client):
    limit = parse("3/minute")
    ours, stock = CountingMovingWindow(storage), MovingWindowRateLimiter(storage)

    outcomes = [ours.hit(limit, "erin") for _ in range(4)]

    assert outcomes == [True, True, True, False]
    assert not stock.hit(limit, "erin")  # both keep the same log of hit times
    reset, remaining = stock.get_window_stats(limit, "erin")
    assert remaining == 0 and time.time() < reset <= time.time() + 60
    [key] = redis_client.scan_iter("callup-test*")
    assert redis_client.llen(key) == 3  # refused hits leave no entry
    assert 0 < redis_client.ttl(key) <= 60


def test_the_moving_window_reads_hits_the_stock_limiter_made(storage):
    limit = parse("5/minute")
    stock = MovingWindowRateLimiter(storage)
    stock.hit(limit, "frank")
    stock.hit(limit, "frank")
    ours = CountingMovingWindow(storage)

    with Flask(__name__).test_request_context():
        assert ours.hit(limit, "frank")
        reset, remaining = ours.get_window_stats(limit, "frank")

    assert remaining == 2
    assert (reset, remaining) == pytest.approx(stock.get_window_stats(limit, "frank"), abs=1e-3)


def test_within_a_request_the_moving_window_headers_come_from_the_hit(storage, redis_client):
    limit = parse("10/minute")
    ours = CountingMovingWindow(storage)
    with Flask(__name__).test_request_context():
        ours.hit(limit, "gina")
        ours.hit(limit, "gina")
        redis_client.flushdb()  # the window's figures must not be read back from storage

        reset, remaining = ours.get_window_stats(limit, "gina")

    assert remaining == 8
    assert time.time() + 55 < reset <= time.time() + 60


def test_a_refused_moving_hit_reports_an_empty_window_until_its_oldest_entry_ages_out(storage):
    limit = parse("2/minute")
    ours = CountingMovingWindow(storage)
    with Flask(__name__).test_request_context():
        first = time.time()
        ours.hit(limit, "hal")
        ours.hit(limit, "hal")
        assert not ours.hit(limit, "hal")
        reset, remaining = ours.get_window_stats(limit, "hal")

    assert remaining == 0
    assert first + 59 < reset <= time.time() + 60

"""Fixtures for the API tests: a Redis db of the test's own, a fresh SQLite db, an app, keys,
prospects.

Used with ``pytest_plugins = ["tests.api_fixtures"]``. No worker runs here: tests
that need one act as the worker themselves (store a result, notify done).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import redis
from celery import Celery
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from prospects.apikeys import create_key
from prospects.db.models import BattingLine, PitchingLine, Prospect, ScoutingReport
from prospects.db.session import session_scope

OPEN_LIMITS = "10000/minute"  # high enough that only the rate-limit tests ever hit a limit


@pytest.fixture
def redis_test_url(redis_url: str) -> str:
    """The API tests' Redis: a database of this test's own from the pool, empty before and after."""
    return redis_url


@pytest.fixture
def redis_client(redis_test_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_test_url)
    yield client
    client.close()


@pytest.fixture
def app_config(sqlite_url: str, redis_test_url: str) -> dict[str, Any]:
    """Settings for a test app: fresh SQLite, the test Redis db, limits out of the way."""
    return {
        "DATABASE_URL": sqlite_url,
        "REDIS_URL": redis_test_url,
        "CALLUP_PREDICT_RATE_LIMIT": OPEN_LIMITS,
        "CALLUP_POLL_RATE_LIMIT": OPEN_LIMITS,
        "CALLUP_DEFAULT_RATE_LIMIT": OPEN_LIMITS,
        "CALLUP_MAX_WAIT_SECONDS": 5,
        "CALLUP_AUTH_CACHE_SECONDS": 0,  # revocations take effect at once in tests
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Flask:
    return create_app(app_config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def celery(app: Flask) -> Celery:
    """The app's Celery client, for storing results the way a worker would."""
    return app.extensions["callup.celery"]


@pytest.fixture
def make_key(sqlite_url: str) -> Callable[..., str]:
    """``make_key(user, role)`` → a fresh API key for that user."""

    def make(user: str = "alice", role: str | None = "analyst") -> str:
        with session_scope(sqlite_url) as session:
            key, _ = create_key(session, user, role)
        return key

    return make


@pytest.fixture
def headers(make_key: Callable[..., str]) -> dict[str, str]:
    """Authorization for ``alice``, an analyst."""
    return {"Authorization": f"Bearer {make_key('alice', 'analyst')}"}


@pytest.fixture
def seed_prospects() -> Callable[[str], list[int]]:
    """``seed_prospects(url)``: four prospects (two hitters, two pitchers) with lines, reports."""
    return _seed


@pytest.fixture
def prospects(sqlite_url: str) -> list[int]:
    """The four prospects of ``seed_prospects``, in the test's SQLite database."""
    return _seed(sqlite_url)


def _seed(url: str) -> list[int]:
    rows = [
        (101, "Avery Quinn", "SS", "NYY", "R", "R"),
        (102, "Blake Moreno", "CF", "BOS", "L", "L"),
        (103, "Casey Holt", "SP", "NYY", "R", "R"),
        (104, "Devon Quinlan", "RP", "SEA", "S", "L"),
    ]
    with session_scope(url) as session:
        for pid, name, position, org, bats, throws in rows:
            session.add(
                Prospect(
                    id=pid,
                    name=name,
                    birth_date=date(2002, 5, 1),
                    position=position,
                    bats=bats,
                    throws=throws,
                    organization=org,
                    signing_year=2020,
                    draft_round=2,
                    signed_on=date(2020, 7, 1),
                )
            )
        session.flush()
        for pid, level_by_season in ((101, {2021: "A", 2022: "AA"}), (102, {2021: "A+"})):
            for season, level in level_by_season.items():
                session.add(_batting(pid, season, level))
        session.add(_pitching(103, 2022, "AAA"))
        session.add(_pitching(104, 2021, "A"))
        session.add(ScoutingReport(prospect_id=101, report_date=date(2021, 3, 1), hit=50, fv=45))
        session.add(ScoutingReport(prospect_id=101, report_date=date(2022, 3, 1), hit=55, fv=50))
    return [row[0] for row in rows]


def _batting(pid: int, season: int, level: str) -> BattingLine:
    counts = dict(pa=400, ab=350, h=100, doubles=20, triples=3, hr=12, bb=40, so=80)
    return BattingLine(
        prospect_id=pid,
        season=season,
        level=level,
        age=20.5,
        start_date=date(season, 4, 5),
        end_date=date(season, 9, 5),
        sb=10,
        cs=3,
        hbp=4,
        sf=3,
        **counts,
    )


def _pitching(pid: int, season: int, level: str) -> PitchingLine:
    return PitchingLine(
        prospect_id=pid,
        season=season,
        level=level,
        age=21.0,
        start_date=date(season, 4, 5),
        end_date=date(season, 9, 5),
        outs=300,
        bf=420,
        h=90,
        er=40,
        hr=9,
        bb=35,
        so=110,
        hbp=5,
    )


@pytest.fixture
def queued(redis_client: redis.Redis) -> Callable[..., list[dict[str, Any]]]:
    """``queued(queue="predict")`` → the task messages waiting there: ``{id, task, kwargs}``."""

    def read(queue: str = "predict") -> list[dict[str, Any]]:
        out = []
        for raw in redis_client.lrange(queue, 0, -1):
            message = json.loads(raw)
            _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            headers = message["headers"]
            out.append({"id": headers["id"], "task": headers["task"], "kwargs": kwargs})
        return out

    return read

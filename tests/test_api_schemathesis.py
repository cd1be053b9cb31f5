"""Schemathesis against ``/openapi.json``: generated requests, no 5xx, every answer as documented.

The app runs in process (WSGI) on a small hand-seeded SQLite database and
a Redis database of its own, with a valid admin key on every request. No worker runs:
predictions answer 202 and stay queued. ``Prefer: wait`` is capped at 0 so a
generated ``wait=N`` cannot hold a request. The data gives generated requests
something to find: prospects with small ids (the ones generators try first), a
finished ranking, and a published champion with one cached prediction, so
200 answers are checked against the document too, not only errors. Examples
are bounded and derandomized, so a failure reproduces.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import redis
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.schemas import today_utc
from prospects.apikeys import create_key
from prospects.db.models import Prospect, RankingEntry, RankingSnapshot
from prospects.db.session import init_db, reset_engine, session_scope
from prospects.db.version import data_version
from prospects.jobs import DATA_VERSION_KEY, JobStore, prediction_cache_key
from tests.api_fixtures import OPEN_LIMITS, _seed
from tests.test_api_predict import RESULT

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Readiness answers 503 by design here (no worker, no champion): its body is still checked.
NOT_READY_IS_503 = {"/readyz"}


@pytest.fixture
def fuzz_redis(redis_url: str) -> str:
    """The fuzzed app's Redis: a database of this test's own."""
    return redis_url


FACTOR = {"feature": "age_vs_aa", "label": "age vs AA", "value": -1.5, "contribution": 0.4}


def _seed_fuzz_data(url: str) -> None:
    """The API fixtures' four prospects, two with small ids, and one finished ranking."""
    _seed(url)
    with session_scope(url) as session:
        for pid, position in ((1, "SS"), (2, "SP")):
            session.add(
                Prospect(
                    id=pid,
                    name=f"Fuzz Prospect {pid}",
                    birth_date=date(2003, 1, 1),
                    position=position,
                    bats="R",
                    throws="R",
                    organization="NYY",
                    signing_year=2021,
                    draft_round=None,
                    signed_on=date(2021, 7, 1),
                )
            )
        session.add(
            RankingSnapshot(
                id=1,
                key="fuzz-snapshot",
                job_id="fuzz-ranking-job",
                status="succeeded",
                as_of=date(2024, 6, 1),
                model_name="prospect-success",
                model_version=3,
                variant="champion",
                data_version="dv1",
                filters="{}",
                total=2,
                requested_by="fuzzer",
                finished_at=datetime.now(UTC),
            )
        )
        session.flush()  # the snapshot before its rows (no ORM relationship orders them)
        for rank, (pid, name, kind) in enumerate(
            ((101, "Avery Quinn", "hitter"), (103, "Casey Holt", "pitcher")), start=1
        ):
            session.add(
                RankingEntry(
                    snapshot_id=1,
                    prospect_id=pid,
                    rank=rank,
                    probability=0.6 / rank,
                    confidence="medium",
                    top_factors={"for": [FACTOR], "against": []},
                    prospect_name=name,
                    organization="NYY",
                    position="SS" if kind == "hitter" else "SP",
                    kind=kind,
                    level="AA",
                    age=22.5,
                )
            )


@pytest.fixture
def fuzz_db(tmp_path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    init_db(url)
    _seed_fuzz_data(url)
    yield url
    reset_engine(url)


def _publish_champion_with_a_cached_answer(redis_url: str, database_url: str) -> None:
    """Champion v3 published, and its answer for prospect 1 today in the prediction cache."""
    client = redis.Redis.from_url(redis_url)
    with session_scope(database_url) as session:
        version = data_version(session)
    store = JobStore(client)
    store.publish_alias("champion", 3)
    client.set(DATA_VERSION_KEY, version)
    result = {**RESULT, "prospect_id": 1, "as_of": today_utc().isoformat()}
    store.cache_prediction(prediction_cache_key(3, version, today_utc(), 1), result)
    client.close()


@pytest.fixture
def fuzz_key(fuzz_db: str) -> str:
    with session_scope(fuzz_db) as session:
        key, _ = create_key(session, "fuzzer", "admin")
    return key


@pytest.fixture
def api_schema(fuzz_db: str, fuzz_redis: str) -> schemathesis.BaseSchema:
    app = create_app(
        {
            "DATABASE_URL": fuzz_db,
            "REDIS_URL": fuzz_redis,
            "CALLUP_PREDICT_RATE_LIMIT": OPEN_LIMITS,
            "CALLUP_POLL_RATE_LIMIT": OPEN_LIMITS,
            "CALLUP_DEFAULT_RATE_LIMIT": OPEN_LIMITS,
            "CALLUP_MAX_WAIT_SECONDS": 0,
            "CALLUP_AUTH_CACHE_SECONDS": 60,
        }
    )
    _publish_champion_with_a_cached_answer(fuzz_redis, fuzz_db)
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_documented_answer(case, fuzz_key: str) -> None:
    checks = CHECKS
    if case.path in NOT_READY_IS_503:
        checks = [c for c in CHECKS if c is not not_a_server_error]
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_key}"}, checks=checks)

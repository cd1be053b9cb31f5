"""The lifecycle end to end with a real worker: champion v1, a corrupted feed, retrain to v2,
A/B traffic, promote, a year of outcomes, the monitor rolls back, and the same running worker
serves v1 again within seconds.
"""

from __future__ import annotations

import time
import uuid

import pytest

from app import create_app
from prospects import ab
from prospects.apikeys import create_key
from prospects.db.models import Prediction
from prospects.db.session import session_scope
from prospects.jobs import QUEUE_TRAIN, TASK_MONITOR
from prospects.league.simulate import simulate_weeks
from tests.lifecycle_support import copy_template, corrupt_week_forced_in
from tests.stack import prospects_by_standing, stack, stored_prediction

pytestmark = [pytest.mark.integration, pytest.mark.slow]
OPEN = "10000/minute"


@pytest.fixture
def live(lifecycle_template, tmp_path, redis_db):
    root = tmp_path / "stack"
    copy_template(lifecycle_template, root)
    with stack(root, redis_db, champion=False) as s:
        s.start_worker(concurrency=1)
        yield s


def _key(user: str, role: str) -> dict[str, str]:
    with session_scope() as session:
        key, _ = create_key(session, user, role)
    return {"Authorization": f"Bearer {key}"}


def _poll(client, auth, job_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/ml/jobs/{job_id}", headers=auth).get_json()
        if body.get("status") in ("succeeded", "failed"):  # a Beat-style job: no row till it starts
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_corrupted_retrain_is_promoted_then_rolled_back_without_restarting_the_worker(live):
    app = create_app(
        {
            "REDIS_URL": live.redis_url,
            "DATABASE_URL": live.env["DATABASE_URL"],
            "CALLUP_PREDICT_RATE_LIMIT": OPEN,
            "CALLUP_POLL_RATE_LIMIT": OPEN,
            "CALLUP_DEFAULT_RATE_LIMIT": OPEN,
            "CALLUP_MAX_WAIT_SECONDS": 60,
        }
    )
    client = app.test_client()
    admin = _key("root", "admin")
    ids = prospects_by_standing(10)

    def served(prospect_id: int, auth: dict[str, str]) -> dict:
        response = client.post(
            "/api/ml/predict",
            json={"prospect_id": prospect_id},
            headers={**auth, "Prefer": "wait=30"},
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()["result"]["model"]

    assert served(ids[0], admin)["version"] == 1

    corrupt_week_forced_in()  # the feed holds the bad week; an operator's drill forces it in
    accepted = client.post(
        "/api/ml/models/retrain",
        json={"n_estimators": 60, "learning_rate": 0.1, "early_stopping_rounds": 20},
        headers=admin,
    )
    assert accepted.status_code == 202
    job = _poll(client, admin, accepted.get_json()["job_id"], timeout=180)
    assert job["status"] == "succeeded", job
    assert (job["result"]["version"], job["result"]["decision"]) == (2, "challenger")
    assert live.redis().llen(QUEUE_TRAIN) == 0

    # While v2 is the challenger, its share of users is served by it, and it is recorded.
    tester = next(
        u for u in (f"tester-{i}" for i in range(500)) if ab.assign(u, 2) == ab.CHALLENGER
    )
    tester_auth = _key(tester, "analyst")
    assert served(ids[1], tester_auth) == {
        "name": "prospect-success-test",
        "version": 2,
        "variant": "challenger",
    }
    row = stored_prediction(Prediction.requested_by == tester)
    assert (row.variant, row.model_version) == ("challenger", 2)

    promoted = client.post("/api/ml/models/2/promote", headers={**admin, "Prefer": "wait=30"})
    assert promoted.status_code == 200, promoted.get_json()
    assert promoted.get_json()["result"]["to_version"] == 2
    assert served(ids[2], admin) == {
        "name": "prospect-success-test",
        "version": 2,
        "variant": "champion",
    }

    with session_scope() as session:
        simulate_weeks(session, 52)  # the bad week is restated; the 2023 labels mature
    monitor = str(uuid.uuid4())  # sent as Beat sends it; its row is its only record
    live_celery(live).send_task(
        TASK_MONITOR, kwargs={"trigger": "test"}, task_id=monitor, queue="train"
    )
    job = _poll(client, admin, monitor, timeout=120)
    rolled_back_at = time.monotonic()
    assert job["status"] == "succeeded", job
    outcome = job["result"]
    # Predictions, a retraining, a promotion and a monitoring pass have run: Celery stored
    # no result for any of them (task_ignore_result), the rows hold them.
    assert live.redis().keys("celery-task-meta-*") == []

    assert (outcome["verdict"], outcome["action"]) == ("degraded", "rollback")
    assert served(ids[3], admin)["version"] == 1
    assert time.monotonic() - rolled_back_at < 5.0
    listing = client.get("/api/ml/models", headers=admin).get_json()
    assert (listing["champion"], listing["challenger"]) == (1, None)
    rollback = next(e for e in listing["history"] if e["kind"] == "rollback")
    assert (rollback["from_version"], rollback["to_version"]) == (2, 1)
    assert rollback["trigger"] == "monitor" and "v1 does better" in rollback["reason"]
    assert listing["last_monitor_run"]["action"] == "rollback"


def live_celery(live):  # type: ignore[no-untyped-def]
    from workers.celery_app import make_celery

    return make_celery(live.redis_url)

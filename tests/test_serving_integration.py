"""The serving path end to end: the real API (in-process), the real Redis and a real worker.

One stack for the module: a small seeded league, a trained champion, and a
``celery -A workers worker`` subprocess. Tests that move the champion put it back.
"""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pytest
from sqlalchemy import func, select

from app import create_app
from app.responses import PredictionAnswer
from prospects import registry
from prospects.apikeys import create_key
from prospects.db.models import Prediction
from prospects.db.session import session_scope
from prospects.training.register import announce_alias
from tests.stack import prospects_by_standing, stack, stored_prediction

pytestmark = pytest.mark.integration
OPEN = "10000/minute"


@pytest.fixture(scope="module")
def live(tmp_path_factory, redis_dbs):
    with redis_dbs.take() as db, stack(tmp_path_factory.mktemp("serving"), db) as s:
        s.start_worker(concurrency=1)
        yield s


@pytest.fixture
def client(live):
    app = create_app(
        {
            "REDIS_URL": live.redis_url,
            "DATABASE_URL": live.env["DATABASE_URL"],
            "CALLUP_PREDICT_RATE_LIMIT": OPEN,
            "CALLUP_POLL_RATE_LIMIT": OPEN,
            "CALLUP_DEFAULT_RATE_LIMIT": OPEN,
        }
    )
    return app.test_client()


@pytest.fixture
def auth(live):
    with session_scope() as session:
        key, _ = create_key(session, f"user-{time.monotonic_ns()}", "analyst")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def prospect_ids(live) -> list[int]:
    return prospects_by_standing(40)


def _poll(client, auth, job_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/ml/jobs/{job_id}", headers=auth).get_json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def _wait(client, auth, prospect_id: int, seconds: int = 20, **headers):
    return client.post(
        "/api/ml/predict",
        json={"prospect_id": prospect_id},
        headers={**auth, "Prefer": f"wait={seconds}", **headers},
    )


def test_async_predict_then_poll_returns_an_explained_result(client, auth, prospect_ids):
    accepted = client.post("/api/ml/predict", json={"prospect_id": prospect_ids[0]}, headers=auth)
    assert accepted.status_code == 202
    job_id = accepted.get_json()["job_id"]
    assert accepted.get_json()["status_url"] == f"/api/ml/jobs/{job_id}"

    body = _poll(client, auth, job_id)
    assert body["status"] == "succeeded"
    result = body["result"]
    assert result["prospect_id"] == prospect_ids[0]
    assert 0.0 <= result["probability"] <= 1.0
    assert result["confidence"] in ("high", "medium", "low")
    assert result["confidence_reasons"]
    assert result["model"]["version"] == 1 and result["model"]["variant"] == "champion"
    assert result["prospect_name"] in result["narrative"]
    factors = result["top_factors"]["for"] + result["top_factors"]["against"]
    assert factors and all(f["feature"] and f["contribution"] != 0 for f in factors)


def test_an_eligible_prospect_is_told_he_is_one(client, auth, prospect_ids):
    result = _wait(client, auth, prospect_ids[6]).get_json()["result"]
    assert result["eligibility"]["eligible"] is True
    assert result["eligibility"]["reason"] is None and result["eligibility"]["reasons"] == []


@pytest.mark.parametrize("reason", ["succeeded", "released", "over_age"])
def test_a_player_who_is_not_a_prospect_gets_the_rule_and_no_probability(
    client, auth, live, reason
):
    pid = prospects_by_standing(1, eligible=False, reason=reason)[0]
    response = _wait(client, auth, pid)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "succeeded"
    result = body["result"]
    assert result["probability"] is None
    assert result["eligibility"]["eligible"] is False
    assert result["eligibility"]["reason"] == reason
    assert result["eligibility"]["message"].startswith("Not a prospect:")
    assert result["narrative"] == f"{result['prospect_name']}: {result['eligibility']['message']}"
    assert "confidence" not in result and "top_factors" not in result
    # the answer validates against the documented schema, and nothing is stored as a prediction
    PredictionAnswer.model_validate(body)
    time.sleep(0.5)
    with session_scope() as session:
        assert (
            session.scalar(
                select(func.count(Prediction.id)).where(Prediction.job_id == body["job_id"])
            )
            == 0
        )


def test_a_graduated_player_is_told_his_mlb_time_and_when_he_graduated(client, auth, live):
    pid = prospects_by_standing(1, eligible=False, reason="succeeded")[0]
    eligibility = _wait(client, auth, pid).get_json()["result"]["eligibility"]
    facts = eligibility["facts"]
    assert "graduated" in eligibility["reasons"]
    assert facts["mlb_pa"] > 500 or float(facts["mlb_ip"]) > 100
    assert facts["graduated_in"] <= facts["succeeded_in"]
    assert f"reached the success bar in {facts['succeeded_in']}" in eligibility["message"]


def test_an_ineligible_answer_is_cached_like_any_other(client, auth, live):
    pid = prospects_by_standing(1, eligible=False, reason="inactive")[0]
    first = _wait(client, auth, pid)
    second = client.post("/api/ml/predict", json={"prospect_id": pid}, headers=auth)
    assert second.status_code == 200 and second.get_json()["cached"] is True
    assert second.get_json()["result"] == first.get_json()["result"]


def test_each_prediction_is_stored_with_its_model_and_requester(client, auth, prospect_ids):
    response = _wait(client, auth, prospect_ids[1])
    assert response.status_code == 200
    job_id = response.get_json()["job_id"]
    stored = stored_prediction(Prediction.job_id == job_id)  # committed just after the answer
    assert stored.prospect_id == prospect_ids[1]
    assert stored.model_version == 1
    assert stored.probability == pytest.approx(response.get_json()["result"]["probability"])
    assert stored.requested_by.startswith("user-")
    assert stored.latency_ms > 0


def test_sync_wait_answers_200_with_the_result(client, auth, prospect_ids):
    response = _wait(client, auth, prospect_ids[2])
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "succeeded" and body["cached"] is False
    assert body["result"]["prospect_id"] == prospect_ids[2]
    assert response.headers["Preference-Applied"] == "wait=20"


def test_second_request_is_answered_from_the_cache(client, auth, prospect_ids, live):
    first = _wait(client, auth, prospect_ids[3])
    assert first.status_code == 200
    queued_before = live.redis().llen("predict")
    second = client.post("/api/ml/predict", json={"prospect_id": prospect_ids[3]}, headers=auth)
    assert second.status_code == 200
    assert second.get_json()["cached"] is True and second.get_json()["job_id"] is None
    assert second.get_json()["result"] == first.get_json()["result"]
    assert live.redis().llen("predict") == queued_before


def test_same_idempotency_key_returns_the_same_job(client, auth, prospect_ids):
    headers = {**auth, "Idempotency-Key": f"k-{time.monotonic_ns()}"}
    one = client.post("/api/ml/predict", json={"prospect_id": prospect_ids[4]}, headers=headers)
    two = client.post("/api/ml/predict", json={"prospect_id": prospect_ids[4]}, headers=headers)
    assert one.get_json()["job_id"] == two.get_json()["job_id"]
    assert _poll(client, auth, one.get_json()["job_id"])["status"] == "succeeded"


def test_unknown_prospect_is_404_and_enqueues_nothing(client, auth, live):
    before = live.redis().llen("predict")
    response = _wait(client, auth, 987654)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_prospect"
    assert live.redis().llen("predict") == before


def test_a_predicted_date_in_the_past_uses_only_what_was_known(client, auth, live):
    then = date(2015, 10, 1)
    response = client.post(
        "/api/ml/predict",
        json={"prospect_id": prospects_by_standing(6, on=then)[5], "as_of": then.isoformat()},
        headers={**auth, "Prefer": "wait=20"},
    )
    assert response.status_code == 200
    result = response.get_json()["result"]
    assert result["as_of"] == then.isoformat()
    assert result["eligibility"]["facts"]["reference_season"] == 2015
    assert 0.0 <= result["probability"] <= 1.0


def test_running_worker_serves_a_new_champion_within_two_seconds(client, auth, prospect_ids):
    from prospects.lifecycle.service import train_and_register
    from prospects.training.model import TrainParams

    outcome = train_and_register(
        TrainParams(n_estimators=30, max_depth=3, learning_rate=0.2, early_stopping_rounds=None)
    )
    new = outcome.registration.version
    mlflow = registry.client()
    old = registry.get_alias(mlflow, registry.CHAMPION).version
    try:
        registry.set_alias(mlflow, registry.CHAMPION, new)
        assert announce_alias(registry.CHAMPION, new)
        moved_at = time.monotonic()
        response = _wait(client, auth, prospect_ids[6])
        served_within = time.monotonic() - moved_at
        assert response.status_code == 200
        assert response.get_json()["result"]["model"]["version"] == new
        assert served_within < 2.0
    finally:
        registry.set_alias(mlflow, registry.CHAMPION, old)
        announce_alias(registry.CHAMPION, old)


def test_no_champion_is_a_clear_409_not_a_crash(client, auth, prospect_ids):
    mlflow = registry.client()
    champion = registry.get_alias(mlflow, registry.CHAMPION)
    assert champion is not None
    mlflow.delete_registered_model_alias(champion.name, registry.CHAMPION)
    announce_alias(registry.CHAMPION, None)
    try:
        response = _wait(client, auth, prospect_ids[7])
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "no_champion"
        assert "callup train" in response.get_json()["error"]["message"]
    finally:
        registry.set_alias(mlflow, registry.CHAMPION, champion.version)
        announce_alias(registry.CHAMPION, champion.version)
    after = _wait(client, auth, prospect_ids[7])
    assert after.status_code == 200


def test_the_champion_logs_its_validation_curve_and_serves_the_trees_it_keeps(live):
    """Training logs valid logloss per round and how many trees the booster keeps (a run
    metric and tag, a version tag); the worker's model uses exactly those trees."""
    from prospects.serving.loaded import LoadedModel
    from prospects.training.curve import CURVE_ARTIFACT, CURVE_METRIC, TREES_METRIC
    from prospects.training.model import TrainParams

    mlflow = registry.client()
    champion = registry.get_alias(mlflow, registry.CHAMPION)
    version = mlflow.get_model_version(champion.name, str(champion.version))
    raw = registry.fetch_model_bytes(mlflow, champion)
    model = LoadedModel.from_bytes(champion.name, champion.version, raw, registry.digest(raw))
    n_trees = model.booster.num_boosted_rounds()
    assert model.iteration_range == (0, n_trees)
    assert version.tags[TREES_METRIC] == str(n_trees)
    run = mlflow.get_run(version.run_id)
    assert run.data.metrics[TREES_METRIC] == n_trees
    assert run.data.tags[TREES_METRIC] == str(n_trees)
    history = sorted(mlflow.get_metric_history(run.info.run_id, CURVE_METRIC), key=lambda m: m.step)
    assert [m.step for m in history] == list(range(len(history)))
    losses = [m.value for m in history]
    # Early stopping (20 rounds, seed_and_train, the default tolerance) kept the last round
    # that later rounds could not beat by the tolerance, or every round.
    tolerance = TrainParams().early_stopping_min_delta
    assert n_trees <= len(losses)
    assert min(losses[n_trees:], default=np.inf) > losses[n_trees - 1] - tolerance
    artifacts = {a.path for a in mlflow.list_artifacts(run.info.run_id)}
    assert CURVE_ARTIFACT in artifacts

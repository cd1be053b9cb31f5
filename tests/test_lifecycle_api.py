"""The lifecycle endpoints and the A/B-aware prediction cache, with no worker running.

The database mirror and events are written the way the lifecycle writes them;
tasks are read back off the queues they were sent to.
"""

from __future__ import annotations

from datetime import date

import pytest

from prospects import ab
from prospects.db.models import Outcome, Prediction
from prospects.db.session import session_scope
from prospects.jobs import DATA_VERSION_KEY, JobStore, alias_key, prediction_cache_key
from prospects.lifecycle import events

NAME = "prospect-success"
RESULT = {"prospect_id": 101, "probability": 0.2, "model": {"version": 3}}


@pytest.fixture
def admin(make_key) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('root', 'admin')}"}


@pytest.fixture
def mirror(sqlite_url) -> None:
    """v1 champion, then v2 the challenger, as registration records them."""
    with session_scope(sqlite_url) as s:
        for version in (1, 2):
            events.upsert_version(
                s, NAME, version, decision="test", metrics={"auc": 0.8 + version / 100}
            )
            events.record_event(s, NAME, "registered", "cli", to_version=version)
        events.record_event(s, NAME, "promotion", "cli", to_version=1, reason="first")
        events.mirror_alias(s, NAME, "champion", 1)
        events.record_event(s, NAME, "challenger", "cli", from_version=None, to_version=2)
        events.mirror_alias(s, NAME, "challenger", 2)


def _user_in(variant: str, experiment: int) -> str:
    return next(u for u in (f"u-{i}" for i in range(1000)) if ab.assign(u, experiment) == variant)


def test_models_lists_versions_aliases_and_history(client, headers, mirror):
    body = client.get("/api/ml/models", headers=headers).get_json()

    assert (body["champion"], body["challenger"]) == (1, 2)
    assert [v["version"] for v in body["versions"]] == [2, 1]
    assert body["versions"][0]["aliases"] == ["challenger"]
    assert body["versions"][1]["holdout"]["auc"] == pytest.approx(0.81)
    assert [e["kind"] for e in body["history"]][:2] == ["challenger", "promotion"]


def test_retrain_is_admin_only_and_single_flight(client, headers, admin, queued):
    assert client.post("/api/ml/models/retrain", headers=headers).status_code == 403

    first = client.post("/api/ml/models/retrain", json={"n_estimators": 40}, headers=admin)
    second = client.post("/api/ml/models/retrain", headers=admin)

    assert first.status_code == second.status_code == 202
    assert second.get_json()["job_id"] == first.get_json()["job_id"]
    assert (first.get_json()["deduplicated"], second.get_json()["deduplicated"]) == (False, True)
    assert first.headers["Location"] == first.get_json()["status_url"]
    [message] = queued("train")
    assert message["task"] == "callup.retrain" and message["id"] == first.get_json()["job_id"]
    assert message["kwargs"]["params"] == {"n_estimators": 40}
    assert message["kwargs"]["trigger"] == "api" and message["kwargs"]["requested_by"] == "root"
    overview = client.get("/api/ml/models", headers=admin).get_json()
    assert [e["kind"] for e in overview["history"]] == ["retrain_queued"]


def test_retrain_parameters_are_validated(client, admin, queued):
    response = client.post("/api/ml/models/retrain", json={"n_estimators": 0}, headers=admin)

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "n_estimators"
    assert queued("train") == []


def test_promoting_an_unknown_version_is_404(client, admin, mirror, queued):
    response = client.post("/api/ml/models/9/promote", headers=admin)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "unknown_version"
    assert queued("predict") == []


def test_promotion_is_sent_to_a_worker_and_answered_202_while_it_runs(
    client, admin, mirror, queued
):
    response = client.post(
        "/api/ml/models/2/promote",
        json={"reason": "won the A/B test"},
        headers={**admin, "Prefer": "wait=0"},
    )

    assert response.status_code == 202
    [message] = queued("predict")
    assert message["task"] == "callup.promote"
    assert message["kwargs"] == {"version": 2, "reason": "won the A/B test", "requested_by": "root"}


def test_rollback_without_a_previous_champion_is_409(client, admin, mirror, queued):
    response = client.post("/api/ml/models/rollback", headers=admin)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_previous_champion"
    assert queued("predict") == []


def _prediction(pid: int, variant: str, version: int, p: float, user: str, as_of: date):
    return Prediction(
        job_id=None,
        prospect_id=pid,
        as_of=as_of,
        model_name=NAME,
        model_version=version,
        variant=variant,
        probability=p,
        confidence="medium",
        top_factors={},
        requested_by=user,
        latency_ms=1.0,
        data_version="dv",
    )


def test_experiment_report_compares_the_variants(client, headers, mirror, prospects, sqlite_url):
    past = date(2015, 10, 1)  # its four-year window closed long ago: the outcome is known
    with session_scope(sqlite_url) as s:
        s.add_all(
            [
                _prediction(101, "champion", 1, 0.30, "ann", past),
                _prediction(102, "champion", 1, 0.10, "ann", past),
                _prediction(101, "challenger", 2, 0.34, "bob", past),
                _prediction(102, "challenger", 2, 0.20, "bob", past),
                _prediction(103, "challenger", 2, 0.05, "cat", past),
                _prediction(103, "champion", 9, 0.50, "old", past),  # another version: not counted
            ]
        )
        s.add(
            Outcome(
                prospect_id=101, season=2017, mlb_pa=650, mlb_outs=0, known_on=date(2017, 10, 1)
            )
        )
        s.add(
            Outcome(prospect_id=104, season=2020, mlb_pa=0, mlb_outs=30, known_on=date(2020, 10, 1))
        )

    body = client.get("/api/ml/experiments/current", headers=headers).get_json()

    assert body["active"] is True and (body["champion"], body["challenger"]) == (1, 2)
    assert body["share"] == pytest.approx(0.10)
    champion, challenger = body["variants"]["champion"], body["variants"]["challenger"]
    assert (champion["predictions"], challenger["predictions"]) == (2, 3)
    assert (champion["users"], challenger["users"]) == (1, 2)
    assert champion["mean_probability"] == pytest.approx(0.20)
    assert body["agreement"]["live"]["pairs"] == 2
    assert body["agreement"]["live"]["mean_abs_diff"] == pytest.approx(0.07)
    assert champion["matured"] == {"n": 2, "positives": 1, "auc": 1.0, "brier": pytest.approx(0.25)}
    assert challenger["matured"]["n"] == 3


def test_no_challenger_means_no_experiment(client, headers, sqlite_url):
    body = client.get("/api/ml/experiments/current", headers=headers).get_json()

    assert body["active"] is False and body["challenger"] is None


def test_a_challenger_user_never_gets_the_champions_cached_answer(
    client, make_key, prospects, redis_client, queued
):
    store = JobStore(redis_client)
    store.publish_alias("champion", 3)
    store.publish_alias(ab.CHALLENGER, 4)
    redis_client.set(DATA_VERSION_KEY, "dv1", ex=30)
    day = date(2024, 6, 1)
    store.cache_prediction(prediction_cache_key(3, "dv1", day, 101), RESULT)
    loyal, tester = _user_in(ab.CHAMPION, 4), _user_in(ab.CHALLENGER, 4)
    body = {"prospect_id": 101, "as_of": day.isoformat()}

    def ask(user: str):
        auth = {"Authorization": f"Bearer {make_key(user, 'analyst')}"}
        return client.post("/api/ml/predict", json=body, headers=auth)

    assert ask(loyal).status_code == 200
    missed = ask(tester)
    assert missed.status_code == 202
    assert queued("predict")[0]["kwargs"]["requested_by"] == tester
    store.cache_prediction(ab.cache_key(ab.CHALLENGER, 4, "dv1", day, 101), {**RESULT, "v": 4})
    assert ask(tester).get_json()["result"]["v"] == 4


def test_without_a_published_challenger_the_cache_asks_the_mirror(
    client, headers, prospects, redis_client, mirror
):
    store = JobStore(redis_client)
    store.publish_alias("champion", 1)
    redis_client.set(DATA_VERSION_KEY, "dv1", ex=30)

    client.post("/api/ml/predict", json={"prospect_id": 101}, headers=headers)

    assert redis_client.get(alias_key(ab.CHALLENGER)) == b"2"

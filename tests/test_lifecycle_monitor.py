"""The lifecycle's domain functions on a real league, registry and Redis (no worker).

Each test starts from the template: a seeded league with champion v1. The
league then lives on (``simulate_weeks``) the way each scenario needs.
"""

from __future__ import annotations

import json

import pytest
import redis
from sqlalchemy import select

from prospects import registry
from prospects.ab import CHALLENGER
from prospects.db.models import ModelEvent, ModelVersion, MonitorRun
from prospects.db.session import session_scope
from prospects.jobs import QUEUE_TRAIN, alias_key
from prospects.league.simulate import simulate_weeks
from prospects.lifecycle import aliases
from prospects.lifecycle.monitor import run_monitor
from prospects.lifecycle.queue import queue_retrain
from prospects.lifecycle.retrain import run_retrain
from tests.lifecycle_support import corrupt_week_forced_in, train_params

pytestmark = pytest.mark.slow


def _events(kind: str) -> list[ModelEvent]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(ModelEvent).where(ModelEvent.kind == kind).order_by(ModelEvent.id)
            )
        )


def _champion() -> int:
    return registry.get_alias(registry.client(), registry.CHAMPION).version


def _simulate(weeks: int, **flags) -> None:
    with session_scope() as session:
        simulate_weeks(session, weeks, **flags)


class Requests:
    """A stand-in for queueing a retraining: remembers why it was asked."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def __call__(self, reason: str) -> str:
        self.reasons.append(reason)
        return f"job-{len(self.reasons)}"


def test_healthy_model_is_left_alone(lifecycle_league):
    _simulate(52)
    asked = Requests()

    outcome = run_monitor(trigger="test", request_retrain=asked)

    assert (outcome.verdict, outcome.action) == ("healthy", "none")
    assert outcome.performance["judged"] and not outcome.performance["degraded"]
    assert outcome.performance["live"]["n"] >= 50  # the 2023 labels matured in the simulated year
    assert outcome.drift["season"] == 2027 and outcome.drift["breaches"] == []
    assert asked.reasons == [] and _champion() == 1
    assert _events("rollback") == [] and _events("alert") == []
    with session_scope() as session:
        run = session.scalars(select(MonitorRun)).one()
    assert (run.verdict, run.action, run.champion_version) == ("healthy", "none", 1)
    assert run.metrics["checks"]["auc"]["breach"] is False


def test_corrupted_feed_retrain_promote_then_monitor_rolls_back(lifecycle_league):
    assert corrupt_week_forced_in() > 0  # held by the feed, forced in on purpose (recorded)
    [forced] = _events("ingest")
    assert forced.actor == "lifecycle-test" and "forced in as history" in forced.reason
    summary = run_retrain("test", params=train_params())
    assert summary["version"] == 2
    assert summary["decision"] == "challenger"  # the leak makes it look better: A/B, not champion
    assert _champion() == 1
    aliases.promote(2, "test", reason="looked better on the holdout")
    assert _champion() == 2
    _simulate(52)  # the feed is restated, and a year of outcomes matures

    outcome = run_monitor(trigger="test", request_retrain=Requests())

    assert (outcome.verdict, outcome.action) == ("degraded", "rollback")
    assert _champion() == 1
    assert redis.Redis.from_url(league_redis()).get(alias_key("champion")) == b"1"
    [event] = _events("rollback")
    assert (event.from_version, event.to_version, event.trigger) == (2, 1, "monitor")
    assert "v2 degraded" in event.reason and "v1 does better" in event.reason
    assert event.metrics["champion"]["auc"] < event.metrics["previous"]["auc"]
    assert event.thresholds["auc_drop"] == pytest.approx(0.05)
    tag = registry.get_version(registry.client(), 1).tags["callup.rollback"]
    assert json.loads(tag)["from"] == 2
    with session_scope() as session:
        mirror = {r.version: r.aliases for r in session.scalars(select(ModelVersion))}
    assert mirror[1] == ["champion"] and mirror[2] == []


def test_shift_alerts_and_queues_a_retrain_without_rolling_back(lifecycle_league):
    _simulate(52, shift=True)
    asked = Requests()

    outcome = run_monitor(trigger="test", request_retrain=asked)

    assert (outcome.verdict, outcome.action) == ("drifting", "alert")
    assert "sc_fv" in outcome.drift["breaches"]
    assert outcome.drift["features"]["sc_fv"]["psi"] > outcome.drift["features"]["sc_fv"]["limit"]
    assert len(asked.reasons) == 1 and outcome.retrain_job == "job-1"
    assert _champion() == 1 and _events("rollback") == []
    [alert] = _events("alert")
    assert alert.job_id == "job-1" and "drift" in alert.reason
    assert alert.metrics["drift"]["breaches"] == outcome.drift["breaches"]


def test_failed_retrain_leaves_the_champion_and_is_recorded(lifecycle_league, monkeypatch):
    from prospects.training import register

    def registry_down(*_args, **_kwargs):
        raise ConnectionError("registry unreachable")

    monkeypatch.setattr(register, "champion_on_holdout", registry_down)

    with pytest.raises(ConnectionError):
        run_retrain("test", job_id="job-broken", params=train_params())

    assert _champion() == 1
    assert registry.get_alias(registry.client(), CHALLENGER) is None
    [failure] = _events("retrain_failed")
    assert failure.job_id == "job-broken" and "registry unreachable" in failure.reason
    assert (failure.from_version, failure.to_version) == (1, 1)


def test_retraining_is_single_flight(lifecycle_league):
    client = redis.Redis.from_url(league_redis())
    sent: list[str] = []

    first, new = queue_retrain(client, sent.append, trigger="test", actor="alice")
    again, new_again = queue_retrain(client, sent.append, trigger="test", actor="bob")

    assert new and not new_again and again == first and sent == [first]
    assert len(_events("retrain_queued")) == 1
    assert client.llen(QUEUE_TRAIN) == 0  # ``send`` is ours here: nothing else was published


def league_redis() -> str:
    import os

    return os.environ["REDIS_URL"]

"""Lifecycle logic called directly: A/B assignment, decisions, PSI, labels, champion history."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import redis
from sklearn.metrics import roc_auc_score

from prospects import ab, labels
from prospects.db.session import session_scope
from prospects.lifecycle import events, experiment
from prospects.lifecycle.drift import psi, psi_limit, reference_profile
from prospects.lifecycle.evaluate import decide, figures
from prospects.lifecycle.flight import SingleFlight, request_retrain
from prospects.lifecycle.settings import ChallengerRule, MonitorThresholds
from tests.stack import REDIS_BASE

USERS = [f"user-{i}" for i in range(20_000)]


def test_assignment_is_sticky_per_user_and_experiment():
    first = [ab.assign(u, 7, 0.1) for u in USERS[:500]]

    assert first == [ab.assign(u, 7, 0.1) for u in USERS[:500]]
    assert ab.assign("alice", None, 0.1) == ab.CHAMPION  # no challenger, no experiment
    assert ab.assign(None, 7, 1.0) == ab.CHAMPION  # anonymous jobs always get the champion


@pytest.mark.parametrize("share", [0.1, 0.25])
def test_assignment_sends_about_the_configured_share(share):
    assigned = sum(ab.assign(u, 7, share) == ab.CHALLENGER for u in USERS) / len(USERS)

    assert assigned == pytest.approx(share, abs=3 * np.sqrt(share * (1 - share) / len(USERS)))


def test_a_new_experiment_reshuffles_who_sees_the_challenger():
    seven = {u for u in USERS[:5000] if ab.assign(u, 7, 0.1) == ab.CHALLENGER}
    eight = {u for u in USERS[:5000] if ab.assign(u, 8, 0.1) == ab.CHALLENGER}

    assert 0 < len(seven & eight) < 0.3 * len(seven)


def test_share_comes_from_the_environment(monkeypatch):
    assert ab.challenger_share() == 0.10
    monkeypatch.setenv("CALLUP_AB_CHALLENGER_SHARE", "0.3")
    assert ab.challenger_share() == 0.3
    monkeypatch.setenv("CALLUP_AB_CHALLENGER_SHARE", "2")
    with pytest.raises(ValueError, match="between 0 and 1"):
        ab.challenger_share()


def test_each_variant_has_its_own_cache_key():
    args = (3, "dv", date(2026, 6, 1), 101)

    assert ab.cache_key(ab.CHAMPION, *args) != ab.cache_key(ab.CHALLENGER, *args)
    assert ab.parse_alias(b"4") == (True, 4)
    assert ab.parse_alias(b"none") == (True, None)
    assert ab.parse_alias(None) == (False, None)


def _fig(auc: float, brier: float) -> dict[str, float]:
    return {"auc": auc, "brier": brier}


@pytest.mark.parametrize(
    ("new", "champion", "kind"),
    [
        (_fig(0.80, 0.05), None, "champion"),
        (_fig(0.82, 0.049), _fig(0.80, 0.05), "challenger"),
        (_fig(0.803, 0.049), _fig(0.80, 0.05), "kept"),  # AUC gain under the 0.005 margin
        (_fig(0.85, 0.051), _fig(0.80, 0.05), "kept"),  # better AUC, worse Brier
    ],
)
def test_registration_decision(new, champion, kind):
    version = None if champion is None else 1
    assert decide(new, version, champion, ChallengerRule()).kind == kind


def test_figures_carry_standard_errors_that_shrink_with_size():
    rng = np.random.default_rng(0)
    small_y, big_y = rng.random(100) < 0.2, rng.random(2000) < 0.2
    small = figures(small_y, small_y * 0.3 + rng.random(100) * 0.7)
    big = figures(big_y, big_y * 0.3 + rng.random(2000) * 0.7)

    assert big["auc_se"] < small["auc_se"] and big["brier_se"] < small["brier_se"]
    assert small["n"] == 100 and small["positives"] == int(small_y.sum())


def test_psi_is_small_for_the_same_population_and_large_for_a_shifted_one():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=400), "grade": rng.choice([40, 45, 50, 55], 400)})
    profile = reference_profile(X, rng.random(400), pd.Series({"a": 2.0, "grade": 1.0}), 2, 10)
    same = rng.normal(size=400)
    shifted = rng.normal(loc=1.0, size=400)
    entry = profile["features"]["a"]

    from prospects.lifecycle.drift import counts

    assert psi(entry["counts"], counts(same, entry["edges"])) < 0.1
    assert psi(entry["counts"], counts(shifted, entry["edges"])) > 0.5
    assert len(profile["features"]["grade"]["edges"]) == 3  # half-way between the 4 grades


def test_psi_limit_allows_more_noise_for_smaller_samples():
    th = MonitorThresholds()
    small = psi_limit(th.psi, 100, 100, 10, th.psi_confidence)
    large = psi_limit(th.psi, 10_000, 10_000, 10, th.psi_confidence)

    assert small > large > th.psi


@pytest.mark.parametrize("as_of", [date(2019, 10, 1), date(2019, 9, 30), date(2020, 3, 15)])
def test_the_api_side_labelling_window_matches_prospects_labels(as_of):
    assert experiment.label_known_on(as_of) == labels.label_known_on(as_of)


def test_pure_python_auc_matches_sklearn():
    rng = np.random.default_rng(2)
    y = (rng.random(300) < 0.3).astype(int)
    p = np.round(y * 0.3 + rng.random(300) * 0.7, 2)  # rounded: ties included

    assert experiment.auc(y.tolist(), p.tolist()) == pytest.approx(roc_auc_score(y, p))


def test_previous_champion_follows_promotions_and_rollbacks(db_url):
    with session_scope(db_url) as s:
        for kind, old, new in (("promotion", None, 1), ("promotion", 1, 2), ("promotion", 2, 3)):
            events.record_event(s, "m", kind, "test", from_version=old, to_version=new)
        assert events.previous_champion(s, "m", 3) == 2
        events.record_event(s, "m", "rollback", "test", from_version=3, to_version=2)
        assert events.champion_lineage(s, "m") == [1, 2]
        assert events.previous_champion(s, "m", 2) == 1  # never back to the rolled-back v3
        events.record_event(s, "m", "rollback", "test", from_version=2, to_version=1)
        assert events.previous_champion(s, "m", 1) is None


@pytest.fixture
def flight_redis():
    client = redis.Redis.from_url(f"{REDIS_BASE}/10")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable")
    client.flushdb()
    yield client
    client.flushdb()


def test_single_flight_lock_is_held_renewed_and_released(flight_redis):
    flight = SingleFlight(flight_redis, key="callup:lock:test", ttl=30)

    assert flight.claim("a") == ("a", True)
    assert flight.claim("b") == ("a", False)
    assert not flight.renew("b") and not flight.release("b")
    with flight.held("a"):
        assert flight.holder() == "a"
    assert flight.holder() is None
    assert flight.claim("b") == ("b", True)


def test_a_failed_send_does_not_leave_the_lock_behind(flight_redis):
    flight = SingleFlight(flight_redis, key="callup:lock:test", ttl=30)

    def broker_down(_job_id: str) -> None:
        raise redis.ConnectionError("broker down")

    with pytest.raises(redis.ConnectionError):
        request_retrain(flight, broker_down, job_id="doomed")

    assert flight.holder() is None
    assert request_retrain(flight, lambda _job: None, job_id="next") == ("next", True)

"""Lifecycle logic called directly: A/B assignment, decisions, PSI, labels, champion history."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import redis
from sklearn.metrics import roc_auc_score

from prospects import ab
from prospects.db.session import session_scope
from prospects.lifecycle import events, experiment
from prospects.lifecycle.drift import psi, psi_limit, reference_profile
from prospects.lifecycle.evaluate import compare, decide, figures
from prospects.lifecycle.flight import SingleFlight, request_retrain
from prospects.lifecycle.monitor import beats_on_matured_outcomes
from prospects.lifecycle.thresholds import ChallengerRule, MonitorThresholds

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


def _holdout(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, an informative score and prospect ids (one row each) for decision tests."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.15).astype(int)
    signal = y + rng.normal(0, 1.0, n)
    return y, signal, np.arange(n)


def _decide(y, p_new, p_champion, ids, rule=None):
    rule = rule or ChallengerRule(n_boot=400)
    difference = compare(y, p_new, p_champion, ids, rule)
    new, champ = figures(y, _prob(p_new)), figures(y, _prob(p_champion))
    return decide(new, 1, champ, rule, difference), difference


def _prob(score):
    return 1 / (1 + np.exp(-np.asarray(score)))


def test_the_first_version_becomes_champion():
    assert decide({"auc": 0.8}, None, None, ChallengerRule()).kind == "champion"


def test_a_champion_with_other_features_is_not_compared():
    assert decide({"auc": 0.8}, 3, None, ChallengerRule()).kind == "not_comparable"


def test_a_clearly_better_version_becomes_challenger():
    y, signal, ids = _holdout()
    noise = np.random.default_rng(1).normal(0, 1.5, len(y))
    decision, difference = _decide(y, signal, signal + noise, ids)
    assert difference.low > 0 and difference.share_above_zero >= 0.9
    assert decision.kind == "challenger"


def test_a_version_better_by_noise_alone_is_kept():
    y, signal, ids = _holdout()
    rng = np.random.default_rng(2)
    a, b = signal + rng.normal(0, 0.05, len(y)), signal + rng.normal(0, 0.05, len(y))
    decision, difference = _decide(y, a, b, ids)
    assert abs(difference.value) < 0.01
    assert difference.share_above_zero < 0.9
    assert decision.kind == "kept"


def test_a_worse_version_is_kept():
    y, signal, ids = _holdout()
    noise = np.random.default_rng(3).normal(0, 1.5, len(y))
    decision, _ = _decide(y, signal + noise, signal, ids)
    assert decision.kind == "kept"


def test_the_confidence_the_rule_asks_for_decides():
    y, signal, ids = _holdout(n=300, seed=4)
    noise = np.random.default_rng(5).normal(0, 0.6, len(y))
    _, difference = _decide(y, signal, signal + noise, ids)
    share = difference.share_above_zero
    assert 0.5 < share < 1.0  # a modest edge: which rule holds depends on the confidence asked
    lenient = ChallengerRule(confidence=share - 0.01, n_boot=400)
    strict = ChallengerRule(confidence=min(share + 0.01, 0.999), n_boot=400)
    assert _decide(y, signal, signal + noise, ids, lenient)[0].kind == "challenger"
    assert _decide(y, signal, signal + noise, ids, strict)[0].kind == "kept"


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
def flight_redis(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


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


def test_the_monitor_promotes_only_a_challenger_better_on_matured_outcomes():
    y, signal, ids = _holdout(seed=6)
    noise = np.random.default_rng(7).normal(0, 1.5, len(y))
    rule = ChallengerRule(n_boot=400)

    better, verdict, proof = beats_on_matured_outcomes(y, signal, signal + noise, ids, 1, rule)
    assert better and verdict.startswith("better than v1 on matured outcomes: AUC gain +")
    assert proof["auc_gain"]["auc_gain_share_above_zero"] >= 0.9

    tied, _, proof = beats_on_matured_outcomes(y, signal, signal + 1e-9, ids, 1, rule)
    assert not tied and proof["auc_gain"]["auc_gain"] == pytest.approx(0.0, abs=1e-6)

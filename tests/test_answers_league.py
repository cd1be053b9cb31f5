"""Answers a scout can read and trust, checked over the whole default league.

Trains on the default league (``callup seed``: 6,000 prospects, 2008-2026,
seed 7) with the honest split and a faster recipe than the product's (learning
rate 0.05, at most 200 trees: the product's 0.01 x 1000 takes minutes on a CI
core; docs/confidence.md gives the product's own figures), then:

* scores every prospect signed by a recent date and reads every narrative;
* checks the interval's coverage, the calibration and the confidence levels on
  the holdout, which neither the model nor its calibration nor its members saw;
  the confidence levels on four holdout seasons (2019-2022), each scored by a
  model trained only on the seasons known before it, against the true chance of
  success the league's own simulation knows for each of them.

Tolerances are the ones a league of this size can honestly hold (the holdout
has about 1,100 rows and 50 successes); a league tuned differently must still
pass them.
"""

from __future__ import annotations

import importlib.util
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prospects import eligibility
from prospects.features.build import build_features
from prospects.features.catalog import FEATURE_NAMES
from prospects.features.context import LeagueContext
from prospects.features.data import LeagueData
from prospects.features.examples import build_examples
from prospects.features.wording import WORDING
from prospects.league_truth import true_success_rates
from prospects.serving.confidence import UNUSUAL_REASON, log_odds_wide
from prospects.serving.loaded import LoadedModel
from prospects.serving.scoring import evidence, score
from prospects.training.confidence_check import judge_against_truth
from prospects.training.model import TrainParams
from prospects.training.pipeline import TrainingResult, train
from prospects.training.rolling import rolling_holdouts
from tests.leagues import DEFAULT_LEAGUE, generated_league

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

FAST = TrainParams(learning_rate=0.05, n_estimators=200, early_stopping_rounds=40)
AS_OF = date(2026, 6, 1)
SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
DIAGNOSTICS = [w.label for w in WORDING.values() if w.diagnostic]
COVERAGE_TOLERANCE = 0.05
ROLLING = (2019, 2020, 2021, 2022)
TRUTH_REPLICATES = 50  # futures replayed per holdout season (docs/confidence.md: 200)


@pytest.fixture(scope="module")
def league(tmp_path_factory) -> LeagueData:
    return generated_league(tmp_path_factory.mktemp("answers"), **DEFAULT_LEAGUE)


@pytest.fixture(scope="module")
def result(league) -> TrainingResult:
    return train(league, FAST, refit=False, examples=build_examples(league))


@pytest.fixture(scope="module")
def answers(league, result) -> list[dict]:
    model = LoadedModel.from_bytes("m", 1, bytes(result.booster.save_raw("ubj")), "digest")
    known = league.as_of(AS_OF)
    features = build_features(known, AS_OF, context=LeagueContext.build(known, AS_OF))
    standing = eligibility.assess(known, AS_OF)
    statuses = {
        int(pid): eligibility.status(standing.loc[pid])
        for pid in features.index
        if standing.loc[pid]["eligible"]
    }
    return score(model, features, evidence(known), AS_OF, "dv", standing=statuses)


def test_no_narrative_names_a_feature_or_a_model_diagnostic(answers):
    assert len(answers) > 3000
    for answer in answers:
        text = answer["narrative"]
        assert not SNAKE.search(text), text
        assert not any(name in text for name in FEATURE_NAMES if "_" in name), text
        assert not any(label in text for label in DIAGNOSTICS), text
        assert "nan" not in text.lower().split(), text


def test_every_narrative_states_eligibility(answers):
    for answer in answers:
        if "eligibility" in answer:
            assert answer["eligibility"]["message"].rstrip(".") in answer["narrative"]
    assert sum("eligibility" in a for a in answers) > 300


def test_group_points_add_up_exactly_to_the_answer(answers):
    for answer in answers:
        tenths = sum(round(g["points"] * 10) for g in answer["groups"])
        assert tenths == round(answer["probability"] * 1000) - round(answer["base_rate"] * 1000)
        exact = sum(g["exact_points"] for g in answer["groups"])
        assert exact == pytest.approx((answer["probability"] - answer["base_rate"]) * 100, abs=1e-3)


def test_exact_shap_values_stay_in_the_answer(answers, result):
    """Per-feature log-odds plus the bias are the raw logit the calibration maps to the answer."""
    calibration = LoadedModel.from_bytes(
        "m", 1, bytes(result.booster.save_raw("ubj")), "digest"
    ).calibration
    checked = 0
    for answer in answers:
        p = answer["probability"]
        if not 0.001 < p < 0.999:
            continue  # six decimals leave too little of the logit there
        assert set(answer["contributions"]) <= set(FEATURE_NAMES)
        raw = sum(answer["contributions"].values()) + answer["base_value"]
        assert calibration(np.array([raw]))[0] == pytest.approx(p, rel=1e-3)
        checked += 1
    assert checked > 1000


def test_every_answer_carries_an_interval_holding_it(answers):
    for answer in answers:
        interval = answer["interval"]
        assert interval["level"] == 0.8
        assert interval["low"] <= answer["probability"] <= interval["high"]


def test_the_interval_covers_its_stated_level_on_the_holdout(result):
    coverage = result.uncertainty.member_coverage
    assert abs(coverage - result.uncertainty.ensemble.level) <= COVERAGE_TOLERANCE, coverage


def test_calibration_on_a_later_fold_keeps_the_holdout_calibrated(result):
    m = result.metrics
    assert m["holdout_ece_calibrated_eligible"] <= m["holdout_ece_raw_eligible"] + 0.01, m
    assert m["holdout_ece_calibrated_eligible"] < 0.03, m


@pytest.fixture(scope="module")
def rolling(league) -> pd.DataFrame:
    """Holdouts 2019-2022, each scored by a model trained only on what was known before it."""
    X, meta = build_examples(league)
    return rolling_holdouts(X, meta, ROLLING, FAST)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    """Each prospect's true chance of success on each holdout's reference date: the league's
    own simulation replayed to that date, then ``TRUTH_REPLICATES`` futures from there."""
    return true_success_rates(
        **DEFAULT_LEAGUE, reference_seasons=ROLLING, replicates=TRUTH_REPLICATES
    )


def test_at_matched_probability_high_confidence_answers_err_less_than_low(rolling, truth):
    """Pooled over four holdout seasons, at matched probability (the validation's fixed bins,
    20+ rows per compared cell), "high" answers lie closer to the true chance of success the
    league knows than "low" ones: a lower mean absolute error, with the 95% bootstrap interval
    (by prospect) of the gap above zero, and a lower mean squared error (the truth's Monte
    Carlo noise taken out; its interval touches zero: docs/confidence.md). "medium" sits
    between: its absolute error's gap to each side is above zero too.

    Against the 0/1 outcome, Brier and log loss at a matched calibrated probability cannot
    tell the levels apart beyond the outcome's own noise (docs/confidence.md); the truth
    has none of that noise, and ``|p - truth|`` is what the level claims to predict."""
    assert set(rolling["season"]) == set(ROLLING)
    rows = rolling.merge(truth, on=["season", "prospect_id"], how="left", validate="1:1")
    assert rows["p_true"].notna().all() and not rows["passed_before"].any()
    report = judge_against_truth(
        rows["p_true"].to_numpy(),
        rows["p"].to_numpy(),
        rows["level"].to_numpy(),
        rows["prospect_id"].to_numpy(),
        TRUTH_REPLICATES,
    )
    matched = report["matched"]["high_vs_low"]
    # The levels share the long shots (0-1%): over a thousand rows, not one bin of 200.
    assert matched["common_rows"] > 1000, report["markdown"]
    assert matched["high_squared"] < matched["low_squared"], report["markdown"]
    for pair in ("high_vs_low", "high_vs_medium", "medium_vs_low"):
        assert report["gaps"][pair]["absolute"]["low"] > 0, (pair, report["markdown"])


def test_confidence_reads_the_interval_on_the_log_odds_scale(answers, result):
    """No "high" answer's interval is wider in log-odds than the model's lower line, no "low"
    one narrower than its upper line unless its profile is unusual, thin evidence is never
    "high" — and both "high" and "low" answer the same long shots (0.2-1%), where the
    validation compares them."""
    lines = result.uncertainty.widths
    assert 0 < lines.high < lines.low
    by_level: dict[str, list[float]] = {"high": [], "medium": [], "low": []}
    for answer in answers:
        wide = log_odds_wide(answer["interval"]["low"], answer["interval"]["high"])
        unusual = UNUSUAL_REASON in answer["confidence_reasons"]
        thin = any(r.startswith("little professional") for r in answer["confidence_reasons"])
        if answer["confidence"] == "high":
            assert wide <= lines.high and not unusual and not thin, answer
        if answer["confidence"] == "low":
            assert wide > lines.low or unusual, answer
        by_level[answer["confidence"]].append(answer["probability"])
    for level in ("high", "low"):
        p = np.array(by_level[level])
        assert ((p >= 0.002) & (p < 0.01)).sum() >= 20, (level, len(p))


def test_profiles_unlike_the_training_population_err_more(result):
    m = result.metrics
    assert 0 < m["holdout_unusual_share"] < 0.05, m
    assert m["holdout_excess_unusual"] > m["holdout_excess_usual"], m


def _lean_worker():
    """``bench/lean_worker.py`` as a module (bench/ is scripts, not a package)."""
    path = Path(__file__).resolve().parent.parent / "bench" / "lean_worker.py"
    spec = importlib.util.spec_from_file_location("lean_worker", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchs_lean_worker_takes_away_only_the_interval_and_the_comparables(
    league, result, monkeypatch
):
    """``bench/predict.py`` times queued answers with and without the interval and the
    comparables through a worker patched by ``bench/lean_worker.py``: its answers must be the
    full ones less exactly those two (same probability, groups, SHAP values), or the
    comparison measures something else."""
    raw = bytes(result.booster.save_raw("ubj"))
    known = league.as_of(AS_OF)
    context = LeagueContext.build(known, AS_OF)
    features = build_features(known, AS_OF, context=context)
    features = features.loc[~np.isnan(features["highest_level"])].iloc[:60]
    people = evidence(known)
    full = score(
        LoadedModel.from_bytes("m", 1, raw, "d"), features, people, AS_OF, "dv", context=context
    )
    _lean_worker().lean(monkeypatch.setattr)
    bare = score(
        LoadedModel.from_bytes("m", 1, raw, "d"), features, people, AS_OF, "dv", context=context
    )
    assert sum(bool(a["comparables"]) for a in full) > 50
    for f, b in zip(full, bare, strict=True):
        assert f["interval"] is not None and b["interval"] is None
        assert b["comparables"] == []
        # the level then reads no width: medium, or low for an unusual profile, same reasons
        assert b["confidence_reasons"][0] == "this model version states no interval"
        assert b["confidence_reasons"][1:] == f["confidence_reasons"][1:]
        unusual = UNUSUAL_REASON in b["confidence_reasons"]
        assert b["confidence"] == ("low" if unusual else "medium")
        for key in ("probability", "base_rate", "groups", "contributions", "top_factors"):
            assert f[key] == b[key], key

"""The confidence rule: the interval's log-odds width, an unusual profile, thin evidence."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from prospects.serving.confidence import (
    NO_WIDTHS,
    THIN_SAMPLE,
    Widths,
    assess,
    levels_of,
    log_odds_wide,
)
from prospects.serving.narrative import Group, narrate
from prospects.training.confidence_check import judge_against_truth

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
# Lines as a model stores them (log-odds): odds at most e^1 = 2.7 times apart high, over
# e^2 = 7.4 times apart low.
WIDTHS = Widths(high=1.0, low=2.0)


def _interval(low: float, high: float) -> dict[str, float]:
    return {"low": low, "high": high, "level": 0.8}


def test_the_width_is_read_on_the_log_odds_scale():
    """1-4% is as uncertain as 20-50%: odds about four times apart either way."""
    assert log_odds_wide(0.01, 0.04) == pytest.approx(np.log(4 / 96 * 99), rel=1e-9)
    assert log_odds_wide(0.01, 0.04) == pytest.approx(log_odds_wide(0.20, 0.50), abs=0.05)
    assert np.isfinite(log_odds_wide(0.0, 1.0))


def test_the_lines_are_the_terciles_of_the_widths_they_are_fitted_on():
    widths = np.random.default_rng(1).gamma(2.0, 1.0, 3000)
    lines = Widths.fit(widths)
    assert np.mean(widths <= lines.high) == pytest.approx(1 / 3, abs=0.001)
    assert np.mean(widths > lines.low) == pytest.approx(1 / 3, abs=0.001)
    assert Widths.from_json(lines.to_json()) == lines
    assert json.loads(lines.to_json()) == {"high": lines.high, "low": lines.low}
    assert Widths.from_json(None) is None


def test_models_that_agree_on_a_seasoned_usual_profile_give_high():
    c = assess(_interval(0.42, 0.52), unusual=False, sample=900, unit="PA", widths=WIDTHS)
    assert c.level == "high"
    assert c.reasons[0] == "the models behind it agree more than usual"


def test_a_long_shot_whose_odds_could_be_eight_times_apart_is_low():
    """0.3% with 0.1-0.8%: a few tenths of a point, yet the models disagree about how long a
    shot he is, as much as 20% against 65% would."""
    c = assess(_interval(0.001, 0.008), False, 900, "PA", WIDTHS)
    assert c.level == "low"
    assert c.reasons[0] == "the models behind it disagree more than usual"
    assert assess(_interval(0.20, 0.65), False, 900, "PA", WIDTHS).level == "low"


def test_a_contender_pinned_within_odds_twice_apart_is_high_however_many_points():
    """35-55%: 20 points, odds 2.3 times apart."""
    assert assess(_interval(0.35, 0.55), False, 900, "PA", WIDTHS).level == "high"


def test_between_the_lines_is_medium():
    c = assess(_interval(0.015, 0.06), unusual=False, sample=900, unit="PA", widths=WIDTHS)
    assert c.level == "medium"
    assert c.reasons[0] == "the models behind it differ about as much as usual"


def test_an_unusual_profile_is_low_however_narrow_the_interval():
    c = assess(_interval(0.40, 0.45), unusual=True, sample=900, unit="PA", widths=WIDTHS)
    assert c.level == "low"
    assert "a profile unlike the prospects the model learned from" in c.reasons


def test_thin_evidence_caps_the_level_at_medium_and_says_so():
    c = assess(_interval(0.018, 0.022), False, THIN_SAMPLE - 1, "BF", WIDTHS)
    assert c.level == "medium"
    assert c.reasons[-1] == f"little professional playing time ({THIN_SAMPLE - 1} BF on record)"
    wide = assess(_interval(0.1, 0.9), unusual=False, sample=0, unit="PA", widths=WIDTHS)
    assert wide.level == "low"  # thin evidence never raises a level


def test_the_array_rule_matches_the_single_one():
    rng = np.random.default_rng(0)
    z = rng.normal(-3.0, 2.0, 2000)
    half = rng.uniform(0.0, 1.5, 2000)
    low, high = 1 / (1 + np.exp(-(z - half))), 1 / (1 + np.exp(-(z + half)))
    unusual = rng.random(2000) < 0.05
    sample = rng.integers(0, 600, 2000)
    lv = levels_of(low, high, unusual, sample, WIDTHS)
    for i in range(2000):
        one = assess(_interval(low[i], high[i]), bool(unusual[i]), int(sample[i]), "PA", WIDTHS)
        assert one.level == lv[i]
    assert set(lv) == {"high", "medium", "low"}


def test_a_model_without_an_interval_says_so():
    c = assess(None, unusual=None, sample=40, unit="BF", widths=WIDTHS)
    assert c.level == "medium"
    assert c.reasons == (
        "this model version states no interval",
        "little professional playing time (40 BF on record)",
    )


def test_a_model_without_width_lines_says_so_and_still_flags_an_unusual_profile():
    c = assess(_interval(0.2, 0.4), unusual=False, sample=400, unit="PA", widths=None)
    assert c.level == "medium" and c.reasons[0] == NO_WIDTHS
    odd = assess(_interval(0.2, 0.4), unusual=True, sample=400, unit="PA", widths=None)
    assert odd.level == "low"


def _groups() -> list[Group]:
    return [
        Group("scouting", "scouting reports", 14.2, 14.23, ("FV 60", "power 65")),
        Group(
            "performance", "performance", -3.0, -2.98, ("K% 6 points above his level's average",)
        ),
        Group("background", "background", 0.2, 0.21, ("bats left-handed",)),
    ]


def test_the_narrative_states_eligibility_chance_interval_and_groups():
    conf = assess(_interval(0.30, 0.52), False, 500, "PA", WIDTHS)
    text = narrate(
        "Ana Ortiz",
        "SS, hitter",
        "Rookie-eligible, active prospect.",
        0.413,
        {"low": 0.30, "high": 0.52, "level": 0.8},
        0.30,
        conf,
        _groups(),
    )
    assert text.startswith("Ana Ortiz (SS, hitter): Rookie-eligible, active prospect. ")
    assert "A 41.3% chance of MLB success" in text
    assert "likely between 30.0% and 52.0% (80% interval)" in text
    assert "against 30.0% for a typical prospect" in text
    assert "Helping most: scouting reports (+14.2 points: FV 60, power 65)." in text
    assert "Holding him back: performance (-3.0 points: K% 6 points above" in text
    assert "background" not in text  # under half a point: not a reason
    assert not SNAKE.search(text)


def test_against_the_truth_the_level_whose_answers_stray_from_it_errs_more():
    """Same answered probabilities; "low" answers are 5 points off their truth, "high" ones
    exact: the matched gap is 25 points² (0.0025) squared and 5 points absolute, and its
    bootstrap interval excludes zero."""
    rng = np.random.default_rng(3)
    p = rng.uniform(0.06, 0.18, 4000)
    level = np.where(np.arange(4000) % 2 == 0, "high", "low")
    truth = np.where(level == "low", p + np.where(rng.random(4000) < 0.5, -0.05, 0.05), p)
    report = judge_against_truth(truth, p, level, np.arange(4000), replicates=10**9, n_boot=200)
    gap = report["gaps"]["high_vs_low"]
    assert gap["squared"]["gap"] == pytest.approx(0.0025, rel=1e-6)
    assert gap["absolute"]["gap"] == pytest.approx(0.05, rel=1e-6)
    assert gap["squared"]["low"] > 0
    assert report["matched"]["high_vs_low"]["common_rows"] == 4000


def test_the_truths_own_monte_carlo_noise_is_taken_out_of_the_squared_error():
    """A truth estimated from 50 futures of an answer that is exactly right: the squared error
    against it averages t(1-t)/50 = 0.0042 uncorrected; corrected, zero within noise."""
    rng = np.random.default_rng(4)
    n, replicates = 40000, 50
    p = np.full(n, 0.3)
    truth = rng.binomial(replicates, p) / replicates
    level = np.where(np.arange(n) % 2 == 0, "high", "low")
    report = judge_against_truth(truth, p, level, np.arange(n), replicates, n_boot=50)
    matched = report["matched"]["high_vs_low"]
    assert np.mean((truth - p) ** 2) == pytest.approx(0.0042, abs=0.0002)
    assert abs(matched["high_squared"]) < 0.0002
    assert abs(matched["low_squared"]) < 0.0002

"""The confidence rule: the interval's width in log-odds, overruled by an unusual profile."""

from __future__ import annotations

import re

from prospects.serving.confidence import HIGH_WIDTH, LOW_WIDTH, assess, width
from prospects.serving.narrative import Group, narrate

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def test_a_narrow_interval_for_a_usual_profile_is_high():
    c = assess({"low": 0.40, "high": 0.55, "level": 0.8}, unusual=False, sample=900, unit="PA")
    assert c.level == "high"
    assert "a narrow interval (15 points wide)" in c.reasons


def test_a_wide_interval_is_low():
    c = assess({"low": 0.30, "high": 0.75, "level": 0.8}, unusual=False, sample=900, unit="PA")
    assert width({"low": 0.30, "high": 0.75}) > LOW_WIDTH
    assert c.level == "low"


def test_between_the_thresholds_is_medium():
    c = assess({"low": 0.35, "high": 0.60, "level": 0.8}, unusual=False, sample=900, unit="PA")
    assert HIGH_WIDTH < width({"low": 0.35, "high": 0.60}) <= LOW_WIDTH
    assert c.level == "medium"


def test_an_unusual_profile_is_low_however_narrow_the_interval():
    c = assess({"low": 0.40, "high": 0.45, "level": 0.8}, unusual=True, sample=900, unit="PA")
    assert c.level == "low"
    assert "a profile unlike the prospects the model learned from" in c.reasons


def test_a_low_probability_is_not_sure_merely_because_it_is_low():
    """2-8% is six points wide but as wide in log-odds as 30-60%: not high."""
    c = assess({"low": 0.02, "high": 0.08, "level": 0.8}, unusual=False, sample=900, unit="PA")
    assert c.level != "high"


def test_a_model_without_an_interval_says_so():
    c = assess(None, unusual=None, sample=40, unit="BF")
    assert c.level == "medium"
    assert c.reasons == ("this model version states no interval", "40 BF on record")


def _groups() -> list[Group]:
    return [
        Group("scouting", "scouting reports", 14.2, 14.23, ("FV 60", "power 65")),
        Group(
            "performance", "performance", -3.0, -2.98, ("K% 6 points above his level's average",)
        ),
        Group("background", "background", 0.2, 0.21, ("bats left-handed",)),
    ]


def test_the_narrative_states_eligibility_chance_interval_and_groups():
    conf = assess({"low": 0.30, "high": 0.52, "level": 0.8}, unusual=False, sample=500, unit="PA")
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

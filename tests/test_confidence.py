"""The confidence rule: the interval's width in log-odds, overruled by an unusual profile."""

from __future__ import annotations

import re

import numpy as np

from prospects.serving.confidence import WidthTable, assess, levels, width
from prospects.serving.narrative import Group, narrate

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


# Below 10%: a third of answers narrower than 0.5 log-odds, two thirds than 1.0; above: 1 and 2.
TABLE = WidthTable(edges=(0.10,), narrow=(0.5, 1.0), wide=(1.0, 2.0))


def _interval(low: float, high: float) -> dict[str, float]:
    return {"low": low, "high": high, "level": 0.8}


def test_a_narrow_interval_for_a_usual_profile_is_high():
    c = assess(0.47, _interval(0.40, 0.55), TABLE, unusual=False, sample=900, unit="PA")
    assert width(_interval(0.40, 0.55)) <= 1.0
    assert c.level == "high"
    assert c.reasons[0] == "interval narrower than most at this probability (15.0 points wide)"


def test_a_wide_interval_is_low():
    c = assess(0.52, _interval(0.25, 0.80), TABLE, unusual=False, sample=900, unit="PA")
    assert width(_interval(0.25, 0.80)) > 2.0
    assert c.level == "low"


def test_between_the_thresholds_is_medium():
    c = assess(0.47, _interval(0.33, 0.62), TABLE, unusual=False, sample=900, unit="PA")
    assert 1.0 < width(_interval(0.33, 0.62)) <= 2.0
    assert c.level == "medium"


def test_an_unusual_profile_is_low_however_narrow_the_interval():
    c = assess(0.42, _interval(0.40, 0.45), TABLE, unusual=True, sample=900, unit="PA")
    assert c.level == "low"
    assert "a profile unlike the prospects the model learned from" in c.reasons


def test_widths_are_judged_against_answers_at_the_same_probability():
    """A 2-8% interval is six points wide, as wide in log-odds as 30-60%: not high below 10%."""
    low_p = assess(0.04, _interval(0.02, 0.08), TABLE, unusual=False, sample=900, unit="PA")
    assert width(_interval(0.02, 0.08)) > 1.0
    assert low_p.level == "low"


def test_the_table_survives_its_round_trip_and_fits_thirds():
    rng = np.random.default_rng(0)
    p = rng.uniform(0.01, 0.9, 3000)
    logit = np.log(p / (1 - p))
    half = rng.uniform(0.1, 1.0, 3000)
    fitted = WidthTable.fit(p, 1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half))))
    assert WidthTable.from_json(fitted.to_json()) == fitted
    lv = levels(p, 1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half))),
                np.zeros(3000, dtype=bool), fitted)  # fmt: skip
    assert {k: round(float(np.mean(lv == k)), 1) for k in ("high", "medium", "low")} == {
        "high": 0.3, "medium": 0.3, "low": 0.3,
    }  # fmt: skip


def test_a_model_without_an_interval_says_so():
    c = assess(0.3, None, None, unusual=None, sample=40, unit="BF")
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
    conf = assess(0.413, _interval(0.30, 0.52), TABLE, unusual=False, sample=500, unit="PA")
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

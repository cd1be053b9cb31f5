"""The confidence rule: evidence, margin and unusual inputs, not the probability alone."""

from __future__ import annotations

from prospects.serving.confidence import assess
from prospects.serving.explain import Factor
from prospects.serving.narrative import narrate


def test_big_sample_far_from_boundary_is_high():
    c = assess(0.05, sample=1200, sample_unit="PA", unusual=0)
    assert c.level == "high"
    assert c.points == 4


def test_same_probability_with_a_tiny_sample_is_lower():
    big = assess(0.05, sample=1200, sample_unit="PA", unusual=0)
    small = assess(0.05, sample=40, sample_unit="PA", unusual=0)
    assert small.level == "medium" and big.level == "high"
    assert "small sample: 40 PA" in small.reasons


def test_near_the_boundary_with_a_moderate_sample_is_medium():
    c = assess(0.55, sample=300, sample_unit="BF", unusual=0)
    assert c.level == "medium"
    assert "close to the decision boundary" in c.reasons


def test_unusual_inputs_lower_confidence():
    usual = assess(0.9, sample=900, sample_unit="PA", unusual=0)
    odd = assess(0.9, sample=900, sample_unit="PA", unusual=4)
    assert usual.level == "high"
    assert odd.level == "medium"
    assert "4 features outside the training range" in odd.reasons


def test_no_evidence_and_no_margin_is_low():
    assert assess(0.5, sample=0, sample_unit="PA", unusual=1).level == "low"


def test_narrative_names_the_strongest_factors():
    conf = assess(0.62, sample=500, sample_unit="PA", unusual=0)
    text = narrate(
        "Ana Ortiz",
        "SS, hitter",
        0.62,
        conf,
        [Factor("fv", "fv grade", 1.0, 0.8), Factor("age_vs_level", "age vs level", -2.0, 0.3)],
        [Factor("k_pct_rel", "k pct rel", 0.08, -0.2)],
    )
    assert text.startswith("Ana Ortiz (SS, hitter) has a 62% chance of MLB success")
    assert "Working for: fv grade (1) and age vs level (-2)." in text
    assert "Working against: k pct rel (0.08)." in text
    assert "confidence is medium" in text

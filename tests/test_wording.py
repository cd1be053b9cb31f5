"""Every catalog feature speaks the scout's language: a label, a concept and a formatter.

The catalog is iterated, not listed: a feature added to ``prospects/features/catalog.py``
(a new level, a club's own data) without wording fails here.
"""

from __future__ import annotations

import math
import re

import pytest

from prospects.features.catalog import FEATURES
from prospects.features.wording import CONCEPTS, UNWORDED, WORDING, describe, wording

SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
# Values a feature can take in model units, missing included.
PROBES = (float("nan"), -1.4, -0.06, 0.0, 0.5, 2.0, 36.8, 2412.0)


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.name)
def test_every_catalog_feature_has_a_label_concept_and_formatter(feature):
    assert feature.name in WORDING, f"{feature.name} needs wording in prospects/features/wording.py"
    word = wording(feature.name)
    assert word.label and not SNAKE.search(word.label)
    assert word.concept in CONCEPTS


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.name)
def test_every_formatter_writes_plain_text_for_any_value(feature):
    for value in PROBES:
        text = describe(feature.name, value)
        assert text and "nan" not in text.lower() and not SNAKE.search(text), (value, text)


def test_a_feature_without_wording_is_counted_but_never_named():
    assert wording("a_club_feature_from_next_year") is UNWORDED
    assert UNWORDED.diagnostic


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("sc_fv", 2.0, "FV 70"),
        ("sc_fv", 0.5, "FV 55"),
        ("age_vs_aa_first", -1.4, "reached AA 1.4 years younger than the level's average"),
        ("age_vs_aa_first", math.nan, "has not reached AA yet"),
        ("h_k_rel", -0.06, "K% 6 points below his level's average"),
        ("h_obp_rel", 0.025, "OBP 25 points above his level's average"),
        ("mlb_pa_to_date", 2412.0, "2,412 MLB plate appearances"),
        ("sc_fv_change_12m", 0.5, "FV up 5 points over 12 months"),
        ("days_since_promotion", 5362.0, "at his highest level for 14.7 years"),
        ("hist_knn_rate", 0.116, "12% of the 50 most similar earlier prospects reached the bar"),
        ("draft_round", math.nan, "signed internationally"),
        ("p_era_rel", -0.8, "ERA 0.80 below his level's average"),
    ],
)
def test_values_read_in_their_native_units(name, value, text):
    assert describe(name, value) == text


def test_the_model_diagnostic_is_marked_so_narratives_skip_it():
    assert wording("hist_knn_distance").diagnostic
    assert [n for n, w in WORDING.items() if w.diagnostic] == ["hist_knn_distance"]

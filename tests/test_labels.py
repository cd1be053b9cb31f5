"""The one label: the career MLB total first passes the bar within four seasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prospects import labels, success
from prospects.labels import labels_for, reference_date

ROOT = Path(__file__).resolve().parent.parent
REF = reference_date(2018)  # window: seasons 2019-2022, final on 2022-10-01
COMPLETE = date(2026, 10, 1)


def _outcomes(*rows: tuple[int, int, int, int]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["prospect_id", "season", "mlb_pa", "mlb_outs"])
    frame["known_on"] = [success.outcome_known_on(s) for s in frame["season"]]
    return frame


def _label(*rows, pid: int = 1, known_through: date = COMPLETE) -> float:
    return float(labels_for(_outcomes(*rows), np.array([pid]), REF, known_through).iloc[0])


def test_exactly_500_plate_appearances_is_not_success():
    assert _label((1, 2020, 500, 0)) == 0.0


def test_501_plate_appearances_is_success():
    assert _label((1, 2020, 300, 0), (1, 2022, 201, 0)) == 1.0


def test_exactly_100_innings_is_not_success_and_one_more_out_is():
    assert _label((1, 2021, 0, 300)) == 0.0
    assert _label((1, 2021, 0, 301)) == 1.0


def test_a_career_total_crossing_inside_the_window_counts_earlier_seasons():
    # 200 PA before the reference season, 320 inside the window: the career total crosses.
    assert _label((1, 2017, 200, 0), (1, 2021, 320, 0)) == 1.0


def test_a_player_who_crossed_before_the_window_has_no_label():
    assert np.isnan(_label((1, 2016, 400, 0), (1, 2018, 200, 0), (1, 2020, 300, 0)))


def test_playing_time_after_the_window_does_not_count():
    assert _label((1, 2022, 400, 0), (1, 2023, 400, 0)) == 0.0


def test_a_two_way_player_needs_one_bar_not_the_sum():
    assert _label((1, 2020, 300, 200)) == 0.0  # 300 PA and 66.2 IP: neither bar
    assert _label((1, 2020, 300, 301)) == 1.0


def test_an_unfinished_window_is_unknown_not_zero():
    assert np.isnan(_label((1, 2020, 100, 0), known_through=date(2021, 10, 1)))
    assert np.isnan(_label(known_through=date(2022, 9, 30)))
    assert _label(known_through=date(2022, 10, 1)) == 0.0


def test_a_success_inside_an_unfinished_window_is_already_known():
    assert _label((1, 2020, 600, 0), known_through=date(2020, 10, 1)) == 1.0


def test_the_window_defaults_to_what_the_outcomes_are_known_through():
    frame = _outcomes((1, 2019, 50, 0), (2, 2022, 10, 0))
    assert labels_for(frame, np.array([1]), REF).tolist() == [0.0]
    assert np.isnan(labels_for(frame.iloc[:1], np.array([1]), REF).iloc[0])


def test_the_standard_library_label_agrees_with_the_vectorised_one():
    cases = [
        [(2020, 500, 0)],
        [(2020, 501, 0)],
        [(2016, 600, 0)],
        [(2017, 200, 0), (2021, 320, 0)],
        [(2022, 0, 301)],
        [(2023, 900, 0)],
        [],
    ]
    for rows in cases:
        frame = _outcomes(*[(1, *r) for r in rows]) if rows else _outcomes()
        vector = labels_for(frame, np.array([1]), REF, COMPLETE).iloc[0]
        scalar = success.success_label(rows, REF, COMPLETE)
        assert (np.isnan(vector) and scalar is None) or vector == scalar, rows


@pytest.mark.parametrize(
    "text_of",
    [
        lambda: labels.DEFINITION,
        lambda: (ROOT / "README.md").read_text(encoding="utf-8"),
        lambda: (ROOT / "docs/eligibility.md").read_text(encoding="utf-8"),
        lambda: (ROOT / "app/static/dashboard.html").read_text(encoding="utf-8"),
        lambda: __import__("app.openapi.spec", fromlist=["_DESCRIPTION"])._DESCRIPTION,
        lambda: labels.__doc__ + success.__doc__,
    ],
    ids=["labels.py", "README", "docs", "dashboard", "openapi", "docstrings"],
)
def test_one_sentence_defines_success_everywhere(text_of):
    assert " ".join(success.DEFINITION.split()) in " ".join(text_of().split())

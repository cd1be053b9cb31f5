"""What the monitor looks at: outcomes that matured since a model was trained, and today's cohort.

Both are built exactly like training examples (the prospects eligible on a
season's reference date by ``prospects.eligibility``, featurised on that date
with only what was known then), so the monitor compares like with like: matured
examples carry labels,
the current cohort (the latest closed season, labels years away) only inputs.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from prospects.features.build import build_features
from prospects.features.context import LeagueContext, as_date
from prospects.features.data import LeagueData
from prospects.features.examples import build_examples, labelled_seasons, season_candidates
from prospects.labels import label_known_on, reference_date


def trained_through(holdout_seasons: tuple[int, ...] | list[int]) -> date | None:
    """The day a training set's newest labels became known: later labels are new to the model."""
    if not holdout_seasons:
        return None
    return label_known_on(reference_date(max(int(s) for s in holdout_seasons)))


def matured_seasons(data: LeagueData, after: date | None) -> list[int]:
    """Reference seasons whose labels became known after ``after`` (all labelled when None)."""
    seasons = labelled_seasons(data)
    if after is None:
        return seasons
    return [s for s in seasons if label_known_on(reference_date(s)) > after]


def matured_examples(data: LeagueData, after: date | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and meta (with labels) of the examples whose outcomes matured after ``after``."""
    return build_examples(data, seasons=matured_seasons(data, after))


def league_today(data: LeagueData) -> date | None:
    """The latest day anything in the data became known: the league's own "today"."""
    days = []
    for attr, column in (
        ("prospects", "signed_on"),
        ("batting", "end_date"),
        ("pitching", "end_date"),
        ("reports", "report_date"),
        ("outcomes", "known_on"),
    ):
        frame = getattr(data, attr)
        if not frame.empty:
            days.append(as_date(frame[column].max()))
    return max(days) if days else None


def current_season(data: LeagueData) -> int | None:
    """The latest season with minor-league lines whose reference date has passed."""
    today = league_today(data)
    if today is None:
        return None
    seasons = np.union1d(data.arrays("batting")["season"], data.arrays("pitching")["season"])
    closed = [int(s) for s in seasons if reference_date(int(s)) <= today]
    return max(closed) if closed else None


def current_cohort(data: LeagueData) -> tuple[int | None, pd.DataFrame]:
    """(season, features) of the latest closed season's prospects, as training would see them."""
    season = current_season(data)
    if season is None:
        return None, pd.DataFrame()
    ref = reference_date(season)
    day = data.as_of(ref)
    ids = season_candidates(day, season)
    context = LeagueContext.build(day, ref)
    return season, build_features(day, ref, ids, context=context)

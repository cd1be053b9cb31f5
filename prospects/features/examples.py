"""The point-in-time training set: (prospect, reference date) examples with features and labels.

For a season Y the reference date is ``reference_date(Y)``; the examples are the
prospects with a minor-league line that season who had not already succeeded,
featurised with only what was known on that date, and labelled by
prospects.labels. Seasons whose labels are not yet known in the data are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from prospects.features.build import build_features
from prospects.features.catalog import FEATURE_NAMES
from prospects.features.context import LeagueContext, as_date
from prospects.features.data import LeagueData
from prospects.features.snapshots import season_snapshots
from prospects.labels import label_known_on, labels_for, reference_date, succeeded_before

META_COLUMNS = ("prospect_id", "ref_date", "season", "label")


def known_through(data: LeagueData) -> date | None:
    """The last day the data's outcomes are known through (None without any outcome)."""
    known_on = data.outcomes["known_on"]
    return None if known_on.empty else as_date(known_on.max())


def labelled_seasons(data: LeagueData, seasons: Sequence[int] | None = None) -> list[int]:
    """``seasons`` (default: every season with a line) whose labels are known in ``data``."""
    through = known_through(data)
    if through is None:
        return []
    if seasons is None:
        seasons = np.union1d(data.arrays("batting")["season"], data.arrays("pitching")["season"])
    return sorted(int(s) for s in set(seasons) if label_known_on(reference_date(int(s))) <= through)


def season_candidates(day: LeagueData, season: int) -> np.ndarray:
    """Prospects (signed, as of the season's reference date) with a line in ``season``."""
    bat, pit = day.arrays("batting"), day.arrays("pitching")
    played = np.union1d(
        bat["prospect_id"][bat["season"] == season], pit["prospect_id"][pit["season"] == season]
    )
    return np.intersect1d(played, day.arrays("prospects")["id"])


def build_examples(
    data: LeagueData,
    seasons: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training matrix X and its meta (prospect_id, ref_date, season, label), row-aligned.

    ``progress(done, total)`` is called after each season.
    """
    todo = labelled_seasons(data, seasons)
    snapshots = season_snapshots(data)  # shared by every season's context
    xs, metas = [], []
    for done, season in enumerate(todo, start=1):
        ref = reference_date(season)
        day = data.as_of(ref)
        ids = season_candidates(day, season)
        ids = ids[~succeeded_before(day.outcomes, ids, ref).to_numpy()]
        context = LeagueContext.build(day, ref, snapshots=snapshots)
        x = build_features(day, ref, ids, context=context)
        label = labels_for(data.outcomes, x.index.to_numpy(), ref).to_numpy()
        xs.append(x.reset_index(drop=True))
        metas.append(
            pd.DataFrame(
                {
                    "prospect_id": x.index.to_numpy(),
                    "ref_date": np.full(len(x), np.datetime64(ref, "ns")),
                    "season": np.full(len(x), season, dtype=np.int64),
                    "label": label.astype(np.int64),
                }
            )
        )
        if progress is not None:
            progress(done, len(todo))
    if not xs:
        empty_x = pd.DataFrame(np.zeros((0, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES))
        empty_meta = pd.DataFrame(
            {
                "prospect_id": np.zeros(0, dtype=np.int64),
                "ref_date": np.zeros(0, dtype="datetime64[ns]"),
                "season": np.zeros(0, dtype=np.int64),
                "label": np.zeros(0, dtype=np.int64),
            }
        )
        return empty_x, empty_meta
    return pd.concat(xs, ignore_index=True), pd.concat(metas, ignore_index=True)

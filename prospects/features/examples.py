"""The point-in-time training set: (prospect, reference date) examples with features and labels.

For a season Y the reference date is ``reference_date(Y)``; the examples are the
prospects eligible on that date by the one rule of ``prospects.eligibility``
(rookie-eligible, not yet successful, active, not released, not over age), the
very population Callup answers about, featurised with only what was known on
that date and labelled by ``prospects.labels``. Seasons whose labels are not
yet known in the data are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import numpy as np
import pandas as pd

from prospects.eligibility import eligible_ids
from prospects.features.build import build_features
from prospects.features.catalog import FEATURE_NAMES
from prospects.features.context import LeagueContext, as_date
from prospects.features.data import LeagueData
from prospects.features.snapshots import season_snapshots
from prospects.labels import label_known_on, labels_for, reference_date

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
    """Prospects eligible on the season's reference date (``day`` is the data known then)."""
    return eligible_ids(day, reference_date(season))


def build_examples(
    data: LeagueData,
    seasons: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training matrix X and its meta (prospect_id, ref_date, season, label), row-aligned.

    ``progress(done, total)`` is called after each season.
    """
    todo = labelled_seasons(data, seasons)
    through = known_through(data)
    snapshots = season_snapshots(data)  # shared by every season's context
    xs, metas = [], []
    for done, season in enumerate(todo, start=1):
        ref = reference_date(season)
        day = data.as_of(ref)
        ids = season_candidates(day, season)
        context = LeagueContext.build(day, ref, snapshots=snapshots)
        # Eligible on the day means not past the bar in what was known then; MLB time of
        # those seasons that arrived only later leaves no label, and the example goes.
        labels = labels_for(data.outcomes, ids, ref, through)
        ids = ids[labels.notna().to_numpy()]
        x = build_features(day, ref, ids, context=context)
        label = labels.loc[x.index].to_numpy()
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

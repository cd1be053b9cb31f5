"""Labels and reference dates: what "MLB success" means, computed only from outcomes.

A training example is a (prospect, reference date) pair. Reference dates are
the day after the minor-league season (October 1); the label is whether the
prospect's MLB plate appearances exceed 500 or its innings 100 over the four
seasons after the reference season, and it is known once the fourth of those
seasons is. Examples are prospects still in the minors that season who had
not already succeeded.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from prospects.config import HORIZON_YEARS, SUCCESS_OUTS, SUCCESS_PA

SEASON_START = (4, 1)  # minor-league seasons run April 1 ...
SEASON_END = (9, 30)  # ... to September 30; MLB outcomes for a season are known the next day


def reference_date(season: int) -> date:
    """The reference date that closes ``season``: every line of that season is known on it."""
    return date(season, 10, 1)


def outcome_known_on(season: int) -> date:
    """The day a season's MLB playing time is final."""
    return date(season, 10, 1)


def label_known_on(ref: date) -> date:
    """The day the label of an example with reference date ``ref`` is known."""
    return outcome_known_on(_horizon_seasons(ref)[1])


def _horizon_seasons(ref: date) -> tuple[int, int]:
    """First and last MLB season counted for a reference date (inclusive)."""
    first = ref.year + 1 if ref >= reference_date(ref.year) else ref.year
    return first, first + HORIZON_YEARS - 1


def is_success(mlb_pa: np.ndarray | int, mlb_outs: np.ndarray | int) -> np.ndarray | bool:
    """More than 500 plate appearances or more than 100 innings (300 outs)."""
    return (np.asarray(mlb_pa) > SUCCESS_PA) | (np.asarray(mlb_outs) > SUCCESS_OUTS)


def labels_for(outcomes: pd.DataFrame, prospect_ids: np.ndarray, ref: date) -> pd.Series:
    """0/1 label per prospect for reference date ``ref``; NaN where not yet known on the data.

    ``outcomes`` has columns prospect_id, season, mlb_pa, mlb_outs (one row per
    MLB season played). Missing rows mean no MLB time that season.
    """
    first, last = _horizon_seasons(ref)
    window = outcomes[(outcomes["season"] >= first) & (outcomes["season"] <= last)]
    totals = window.groupby("prospect_id")[["mlb_pa", "mlb_outs"]].sum()
    totals = totals.reindex(prospect_ids, fill_value=0)
    return pd.Series(
        is_success(totals["mlb_pa"].to_numpy(), totals["mlb_outs"].to_numpy()).astype(int),
        index=pd.Index(prospect_ids, name="prospect_id"),
        name="label",
    )


def succeeded_before(outcomes: pd.DataFrame, prospect_ids: np.ndarray, ref: date) -> pd.Series:
    """Whether a prospect had already passed the success bar in MLB seasons known by ``ref``."""
    last_known = ref.year if ref >= outcome_known_on(ref.year) else ref.year - 1
    known = outcomes[outcomes["season"] <= last_known]
    totals = known.groupby("prospect_id")[["mlb_pa", "mlb_outs"]].sum()
    totals = totals.reindex(prospect_ids, fill_value=0)
    return pd.Series(
        is_success(totals["mlb_pa"].to_numpy(), totals["mlb_outs"].to_numpy()),
        index=pd.Index(prospect_ids, name="prospect_id"),
    )

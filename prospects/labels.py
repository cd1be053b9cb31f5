"""Labels for training examples, vectorised: the rule of ``prospects.success`` over a frame.

A training example is a (prospect, reference date) pair. Reference dates are
the day after the minor-league season (October 1). The label is the one
sentence of :data:`prospects.success.DEFINITION`: the career MLB total first
passes the bar within the four seasons after the reference season. It is known
once it has been passed, or once the fourth season is over; until then it is
NaN, never 0. A prospect who had passed the bar before has no label (NaN).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from prospects.config import SUCCESS_OUTS, SUCCESS_PA
from prospects.success import (  # noqa: F401 - part of this module's API
    DEFINITION,
    horizon,
    label_known_on,
    outcome_known_on,
    reference_date,
)

SEASON_START = (4, 1)  # minor-league seasons run April 1 ...
SEASON_END = (9, 30)  # ... to September 30; MLB outcomes for a season are known the next day


def is_success(mlb_pa: np.ndarray | int, mlb_outs: np.ndarray | int) -> np.ndarray | bool:
    """More than 500 plate appearances or more than 100 innings (300 outs)."""
    return (np.asarray(mlb_pa) > SUCCESS_PA) | (np.asarray(mlb_outs) > SUCCESS_OUTS)


def _career_through(outcomes: pd.DataFrame, prospect_ids: np.ndarray, last: int) -> pd.DataFrame:
    """Career MLB PA and outs per prospect over the seasons up to ``last`` (0 without any)."""
    known = outcomes[outcomes["season"] <= last]
    totals = known.groupby("prospect_id")[["mlb_pa", "mlb_outs"]].sum()
    return totals.reindex(prospect_ids, fill_value=0)


def _known_through(outcomes: pd.DataFrame) -> date | None:
    if outcomes.empty:
        return None
    return pd.Timestamp(outcomes["known_on"].max()).date()


def labels_for(
    outcomes: pd.DataFrame,
    prospect_ids: np.ndarray,
    ref: date,
    known_through: date | None = None,
) -> pd.Series:
    """1.0 / 0.0 / NaN per prospect for reference date ``ref``.

    ``outcomes`` has columns prospect_id, season, mlb_pa, mlb_outs (one row per
    MLB season played; a missing row is no MLB time). ``known_through`` is the
    last day the outcomes are complete for (default: their latest ``known_on``).
    """
    first, last = horizon(ref)
    ids = np.asarray(prospect_ids)
    before = _career_through(outcomes, ids, first - 1)
    through = _career_through(outcomes, ids, last)
    passed_before = is_success(before["mlb_pa"].to_numpy(), before["mlb_outs"].to_numpy())
    passed = is_success(through["mlb_pa"].to_numpy(), through["mlb_outs"].to_numpy())
    known = known_through if known_through is not None else _known_through(outcomes)
    complete = known is not None and known >= outcome_known_on(last)
    label = np.where(passed, 1.0, 0.0 if complete else np.nan)
    label[passed_before] = np.nan
    return pd.Series(label, index=pd.Index(ids, name="prospect_id"), name="label")


def succeeded_before(outcomes: pd.DataFrame, prospect_ids: np.ndarray, ref: date) -> pd.Series:
    """Whether a prospect had already passed the success bar in MLB seasons known by ``ref``."""
    last_known = ref.year if ref >= outcome_known_on(ref.year) else ref.year - 1
    totals = _career_through(outcomes, np.asarray(prospect_ids), last_known)
    return pd.Series(
        is_success(totals["mlb_pa"].to_numpy(), totals["mlb_outs"].to_numpy()),
        index=pd.Index(prospect_ids, name="prospect_id"),
    )

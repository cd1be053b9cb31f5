"""Who a prospect is on a date: current level and age, by one rule each.

The coordinator filters with these and the chunks store them, so a board
filtered at request time and one filtered when read agree.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from prospects.db.models import LEVELS
from prospects.features.grouping import DAYS_PER_YEAR, day_number


def latest_levels(
    prospect_ids: np.ndarray, level_codes: np.ndarray, end_days: np.ndarray
) -> dict[int, str]:
    """Per prospect, the level of its latest stint (by end date; the higher level on a tie)."""
    if len(prospect_ids) == 0:
        return {}
    order = np.lexsort((level_codes, end_days, prospect_ids))
    owners = prospect_ids[order]
    last = np.r_[owners[1:] != owners[:-1], True]
    codes = np.asarray(level_codes)[order][last].astype(int)
    return dict(zip(owners[last].tolist(), (LEVELS[c] for c in codes), strict=True))


def ages_on(birth_days: np.ndarray, as_of: date) -> np.ndarray:
    """Age in years on ``as_of``, exactly as the ``age`` feature computes it."""
    return (day_number(as_of) - np.asarray(birth_days, dtype=float)) / DAYS_PER_YEAR

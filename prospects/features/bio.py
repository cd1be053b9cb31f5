"""Bio features: who the prospect is and how he was acquired, aged to the as-of date."""

from __future__ import annotations

import numpy as np

from prospects.db.models import PITCHER_POSITIONS
from prospects.features.data import Columns
from prospects.features.grouping import DAYS_PER_YEAR

PREMIUM_POSITIONS = ("C", "SS", "CF")


def _one_of(values: np.ndarray, choices: tuple[str, ...]) -> np.ndarray:
    """1.0 where a string value is one of ``choices`` (np.isin is slow on tiny object arrays)."""
    hit = np.zeros(len(values), dtype=bool)
    for choice in choices:
        hit |= values == choice
    return hit.astype(np.float64)


def _international(signing_type: np.ndarray) -> np.ndarray:
    """1 for an international signing, 0 for a draft or an undrafted free agent, NaN unknown."""
    out = (signing_type == "international").astype(np.float64)
    out[signing_type == "unknown"] = np.nan
    return out


def bio_features(prospects: Columns, as_of_day: float) -> dict[str, np.ndarray]:
    """Bio family along ``prospects`` (one row per prospect, in output order)."""
    birth = prospects["birth_date"]
    signed = prospects["signed_on"]
    position = prospects["position"]
    rnd = prospects["draft_round"].astype(np.float64)
    return {
        "age": (as_of_day - birth) / DAYS_PER_YEAR,
        "is_pitcher": _one_of(position, PITCHER_POSITIONS),
        "is_reliever": (position == "RP").astype(np.float64),
        "premium_position": _one_of(position, PREMIUM_POSITIONS),
        "bats_left": (prospects["bats"] == "L").astype(np.float64),
        "bats_switch": (prospects["bats"] == "S").astype(np.float64),
        "throws_left": (prospects["throws"] == "L").astype(np.float64),
        "draft_round": rnd,
        "is_international": _international(prospects["signing_type"]),
        "signing_age": (signed - birth) / DAYS_PER_YEAR,
        "years_since_signing": (as_of_day - signed) / DAYS_PER_YEAR,
    }

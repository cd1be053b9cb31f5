"""Comparable players: the earlier prospects most like this one, and what became of them.

They are the neighbours ``hist_knn_rate`` already counts (same role and
highest level; near in age, season composite and FV), taken from the labelled
comparison base of the answer's date: examples whose label was known on that
date, each described as it stood on its own reference date, with the outcome
as known on the answer's date. Nothing from after the date can reach them: the
base is built by ``LeagueContext.build`` from rows known on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prospects.features.context import LeagueContext
from prospects.features.wording import LEVELS

COMPARABLES = 5
BAR, MLB, NOT = "reached the bar", "reached MLB, short of the bar", "did not reach MLB"


def outcome(label: int, reached_mlb: bool) -> str:
    return BAR if label else (MLB if reached_mlb else NOT)


def comparables(
    context: LeagueContext, features: pd.DataFrame, k: int = COMPARABLES
) -> list[list[dict[str, object]]]:
    """Per row of ``features`` (indexed by prospect id), up to ``k`` comparable players."""
    if features.empty:
        return []
    pitcher = features["is_pitcher"].to_numpy() == 1.0
    near = context.history.neighbours(
        pitcher,
        features["highest_level"].to_numpy(),
        features["age"].to_numpy(),
        np.where(pitcher, features["p_composite"], features["h_composite"]),
        features["sc_fv"].to_numpy(),
        k,
    )
    ids, seasons, levels, ages, fvs, labels, mlb = _columns(context.history.examples)
    out = []
    for pid, rows in zip(features.index, near, strict=True):
        rows = rows[ids[rows] != pid]  # his own earlier seasons are not comparables
        _, first = np.unique(ids[rows], return_index=True)
        rows = rows[np.sort(first)][:k]  # each earlier prospect once, at his nearest season
        out.append(
            [
                {
                    "prospect_id": int(ids[r]),
                    "name": context.names.get(int(ids[r]), "unknown"),
                    "season": int(seasons[r]),
                    "level": LEVELS[int(levels[r])],
                    "age": round(float(ages[r]), 1),
                    "fv": None if np.isnan(fvs[r]) else int(round((fvs[r] * 10 + 50) / 5) * 5),
                    "outcome": outcome(int(labels[r]), bool(mlb[r])),
                }
                for r in rows
            ]
        )
    return out


_COLUMNS: dict[int, tuple[pd.DataFrame, tuple[np.ndarray, ...]]] = {}


def _columns(base: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The comparison base's columns as arrays, read once per base (one per league day)
    rather than once per answer: seven column reads cost about a tenth of a millisecond."""
    held = _COLUMNS.get(id(base))
    if held is not None and held[0] is base:
        return held[1]
    mlb = (
        base["reached_mlb"].to_numpy() if "reached_mlb" in base else np.zeros(len(base), dtype=bool)
    )
    arrays = (
        *(base[c].to_numpy() for c in ("prospect_id", "season", "level", "age", "fv", "label")),
        mlb,
    )
    if len(_COLUMNS) >= 4:  # a worker holds two league days; a base is dropped with its day
        _COLUMNS.clear()
    _COLUMNS[id(base)] = (base, arrays)
    return arrays


def phrase(players: list[dict[str, object]], n: int = 3) -> str:
    """'Ana Ortiz (AA at 21.3 in 2016: reached the bar), …' for the narrative."""
    return ", ".join(
        f"{p['name']} ({p['level']} at {p['age']} in {p['season']}: {p['outcome']})"
        for p in players[:n]
    )

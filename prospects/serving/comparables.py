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
    base = context.history.examples
    out = []
    for pid, rows in zip(features.index, near, strict=True):
        mine = []
        for r in rows:
            ex = base.iloc[int(r)]
            if int(ex["prospect_id"]) == int(pid):
                continue  # his own earlier season is not a comparable
            fv = ex["fv"]
            mine.append(
                {
                    "prospect_id": int(ex["prospect_id"]),
                    "name": context.names.get(int(ex["prospect_id"]), "unknown"),
                    "season": int(ex["season"]),
                    "level": LEVELS[int(ex["level"])],
                    "age": round(float(ex["age"]), 1),
                    "fv": None if np.isnan(fv) else int(round((fv * 10 + 50) / 5) * 5),
                    "outcome": outcome(int(ex["label"]), bool(ex.get("reached_mlb", False))),
                }
            )
        out.append(mine[:k])
    return out


def phrase(players: list[dict[str, object]], n: int = 3) -> str:
    """'Ana Ortiz (AA at 21.3 in 2016: reached the bar), …' for the narrative."""
    return ", ".join(
        f"{p['name']} ({p['level']} at {p['age']} in {p['season']}: {p['outcome']})"
        for p in players[:n]
    )

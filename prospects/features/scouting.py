"""Scouting features: the latest report's grades on a -3..+3 scale, and how the FV has moved.

Grades are normalised as (g - 50) / 10 so that 50 (MLB average) is 0 and each
step of 10 on the 20-80 scale is one unit.
"""

from __future__ import annotations

import numpy as np

from prospects.features.data import TOOLS, Columns
from prospects.features.grouping import Runs, Spread, asof_index, take

GRADES: tuple[str, ...] = (*TOOLS, "fv")
TOP_TOOLS = 2  # how many of the best tools sc_top_tools averages
YEAR_DAYS = 365


def normalise(grade: np.ndarray) -> np.ndarray:
    """20-80 grade to (g - 50) / 10."""
    return (np.asarray(grade, dtype=np.float64) - 50.0) / 10.0


def _top_tools_mean(tools: np.ndarray, k: int) -> np.ndarray:
    """Mean of the ``k`` highest non-missing grades per row (fewer if fewer apply)."""
    ranked = -np.sort(np.where(np.isnan(tools), np.inf, -tools), axis=1)[:, :k]
    present = np.isfinite(ranked)
    n = present.sum(axis=1)
    total = np.where(present, ranked, 0.0).sum(axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def scouting_features(reports: Columns, ids: np.ndarray, as_of_day: float) -> dict[str, np.ndarray]:
    """Scouting family along sorted ``ids`` (grades NaN for prospects without reports)."""
    pid = reports["prospect_id"]
    day = reports["report_date"]
    order = np.lexsort((day, pid))
    pid, day = pid[order], day[order]
    grades = normalise(np.column_stack([reports[g] for g in GRADES])[order])
    fv = grades[:, -1]
    runs = Runs.of(pid)
    last = runs.ends - 1
    # The FV in effect a year ago, or the first FV when the prospect was not yet graded then.
    then = asof_index(pid, day, runs.keys, np.full(len(runs), as_of_day - YEAR_DAYS))
    then = np.where(then >= 0, then, runs.starts)
    single = runs.sizes == 1
    per_prospect = {f"sc_{name}": grades[last, i] for i, name in enumerate(GRADES)}
    per_prospect["sc_fv_change_12m"] = np.where(single, np.nan, fv[last] - take(fv, then))
    per_prospect["sc_fv_change_total"] = np.where(single, np.nan, fv[last] - fv[runs.starts])
    per_prospect["sc_n_reports"] = runs.sizes
    per_prospect["sc_days_since_report"] = as_of_day - day[last]
    per_prospect["sc_top_tools"] = _top_tools_mean(grades[last, :-1], TOP_TOOLS)
    spread = Spread(ids, runs.keys)
    matrix = spread(np.column_stack(list(per_prospect.values())))
    out = dict(zip(per_prospect, matrix.T, strict=True))
    out["sc_n_reports"] = np.nan_to_num(out["sc_n_reports"], nan=0.0)
    return out

"""Pitching features: latest season, career and trend, each rate relative to its level.

FIP-like values carry a per-level constant (the level's ERA minus its raw FIP),
so the level's FIP equals its ERA; relative to level the constant cancels. The
composite blends K-BB% (the most stable skill signal) with FIP and age.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from prospects.features.data import PITCHING_COUNTS, Columns
from prospects.features.grouping import ratio
from prospects.features.levels import LevelEnvironment
from prospects.features.rates import PITCHING_RATES, pitching_rates
from prospects.features.seasons import RoleSpec, SeasonStats, rollup, season_stats

KBB_SCALE = 0.06  # K-BB% per composite unit
FIP_SCALE = 0.8  # FIP runs per composite unit
AGE_WEIGHT = 0.5  # composite units per year younger than the level's mean age


def pitching_composite(rel: Mapping[str, np.ndarray], younger: np.ndarray) -> np.ndarray:
    """Half K-BB% over level, half FIP under level (each scaled), plus the age credit."""
    return 0.5 * rel["kbb"] / KBB_SCALE - 0.5 * rel["fip"] / FIP_SCALE + AGE_WEIGHT * younger


PITCHING = RoleSpec(
    prefix="pit_",
    counts=PITCHING_COUNTS,
    volume="bf",
    rate_names=PITCHING_RATES,
    formula=pitching_rates,
    composite=pitching_composite,
)


def pitching_seasons(pitching: Columns, env: LevelEnvironment) -> SeasonStats:
    """Per (prospect, season) pitching roll-up against ``env``."""
    return season_stats(pitching, env, PITCHING)


def pitching_features(stats: SeasonStats, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Pitching family along sorted ``ids`` (NaN for prospects without pitching lines)."""
    r = rollup(stats, ids)
    col, cnt = stats.col, stats.count
    out = {"p_ip": r.latest_counts[:, cnt("outs")] / 3.0}
    for name in PITCHING_RATES:
        out[f"p_{name}_rel"] = r.latest[:, col(name)]
    out["p_composite"] = r.latest[:, col("composite")]
    for name in ("k", "bb", "kbb", "fip", "era", "whip"):
        out[f"p_{name}_rel_career"] = r.career[:, col(name)]
    out["p_ip_per_season"] = ratio(r.career_counts[:, cnt("outs")] / 3.0, r.n_seasons)
    out["p_composite_career"] = r.career[:, col("composite")]
    for name in ("kbb", "fip", "composite"):
        out[f"p_{name}_trend"] = r.latest[:, col(name)] - r.previous[:, col(name)]
    return out

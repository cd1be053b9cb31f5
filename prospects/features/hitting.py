"""Hitting features: latest season, career and trend, each rate relative to its level.

The composite puts performance and age on one scale: a wOBA 30 points above the
level is worth as much as being two years younger than the level's mean age
(see ``HIT_SCALE`` and ``AGE_WEIGHT``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from prospects.features.data import BATTING_COUNTS, Columns
from prospects.features.grouping import ratio
from prospects.features.levels import LevelEnvironment
from prospects.features.rates import HITTING_RATES, hitting_rates
from prospects.features.seasons import RoleSpec, SeasonStats, rollup, season_stats

HIT_SCALE = 0.030  # wOBA points per composite unit: about one typical spread among regulars
AGE_WEIGHT = 0.5  # composite units per year younger than the level's mean age


def hitting_composite(rel: Mapping[str, np.ndarray], younger: np.ndarray) -> np.ndarray:
    """wOBA relative to level in units of HIT_SCALE, plus AGE_WEIGHT per year young for level."""
    return rel["woba"] / HIT_SCALE + AGE_WEIGHT * younger


HITTING = RoleSpec(
    prefix="hit_",
    counts=BATTING_COUNTS,
    volume="pa",
    rate_names=HITTING_RATES,
    formula=hitting_rates,
    composite=hitting_composite,
)


def hitting_seasons(batting: Columns, env: LevelEnvironment) -> SeasonStats:
    """Per (prospect, season) hitting roll-up against ``env``."""
    return season_stats(batting, env, HITTING)


def hitting_features(stats: SeasonStats, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Hitting family along sorted ``ids`` (NaN for prospects without batting lines)."""
    r = rollup(stats, ids)
    col, cnt = stats.col, stats.count
    out = {"h_pa": r.latest_counts[:, cnt("pa")]}
    for name in HITTING_RATES:
        out[f"h_{name}_rel"] = r.latest[:, col(name)]
    lc, cc = r.latest_counts, r.career_counts
    out["h_sb_success"] = ratio(lc[:, cnt("sb")], lc[:, cnt("sb")] + lc[:, cnt("cs")])
    out["h_bbk"] = ratio(lc[:, cnt("bb")], lc[:, cnt("so")])
    out["h_composite"] = r.latest[:, col("composite")]
    for name in ("ops", "woba", "k", "bb", "iso"):
        out[f"h_{name}_rel_career"] = r.career[:, col(name)]
    out["h_bbk_career"] = ratio(cc[:, cnt("bb")], cc[:, cnt("so")])
    out["h_composite_career"] = r.career[:, col("composite")]
    for name in ("woba", "k", "composite"):
        out[f"h_{name}_trend"] = r.latest[:, col(name)] - r.previous[:, col(name)]
    return out

"""Level environments: the league's mean rates and mean age per season and level.

A .300 wOBA means one thing in Rookie ball and another in AAA, and a 21-year-old
is young for AAA but old for Rookie ball; every rate and age feature is taken
relative to the environment of the stint's own season and level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prospects.db.models import LEVELS
from prospects.features.data import BATTING_COUNTS, PITCHING_COUNTS, Columns
from prospects.features.grouping import Runs, ratio
from prospects.features.rates import HITTING_RATES, PITCHING_RATES, hitting_rates, pitching_rates

N_LEVELS = len(LEVELS)
ENV_METRICS: tuple[str, ...] = (
    tuple(f"hit_{m}" for m in HITTING_RATES) + tuple(f"pit_{m}" for m in PITCHING_RATES) + ("age",)
)
ENV_INDEX: dict[str, int] = {name: i for i, name in enumerate(ENV_METRICS)}


def _sums(keys: np.ndarray, counts: dict[str, np.ndarray]) -> tuple[np.ndarray, dict]:
    """Counts summed per key (keys need not be sorted)."""
    order = np.argsort(keys, kind="stable")
    runs = Runs.of(keys[order])
    return runs.keys, {name: runs.sum(col[order]) for name, col in counts.items()}


@dataclass(frozen=True)
class LevelEnvironment:
    """``table[season, level, metric]`` with a pooled-over-seasons fallback per level."""

    seasons: np.ndarray
    table: np.ndarray
    pooled: np.ndarray

    @classmethod
    def from_lines(cls, batting: Columns, pitching: Columns) -> LevelEnvironment:
        """Environments from the lines given (the caller decides what is known)."""
        seasons = np.union1d(batting["season"], pitching["season"])
        n_s = len(seasons)
        table = np.full((n_s + 1, N_LEVELS, len(ENV_METRICS)), np.nan)
        age_num = np.zeros((n_s + 1, N_LEVELS))
        age_den = np.zeros((n_s + 1, N_LEVELS))
        sources = (
            (batting, BATTING_COUNTS, "pa", hitting_rates, HITTING_RATES, "hit_"),
            (pitching, PITCHING_COUNTS, "bf", pitching_rates, PITCHING_RATES, "pit_"),
        )
        for frame, count_names, volume, formula, rate_names, prefix in sources:
            if len(frame["season"]) == 0:
                continue
            s_idx = np.searchsorted(seasons, frame["season"])
            lvl = frame["level"]
            vol = frame[volume].astype(np.float64)
            counts = {n: frame[n].astype(np.float64) for n in count_names}
            counts["_age"] = frame["age"] * vol
            counts["_vol"] = vol
            # Row n_s of the table pools every season, the fallback for an unseen season.
            for key in (s_idx * N_LEVELS + lvl, n_s * N_LEVELS + lvl):
                uniq, summed = _sums(key, counts)
                s_of, l_of = np.divmod(uniq, N_LEVELS)
                rates = formula(summed)
                for name in rate_names:
                    table[s_of, l_of, ENV_INDEX[prefix + name]] = rates[name]
                age_num[s_of, l_of] += summed["_age"]
                age_den[s_of, l_of] += summed["_vol"]
        table[..., ENV_INDEX["age"]] = ratio(age_num, age_den)
        return cls(seasons=seasons, table=table[:n_s], pooled=table[n_s])

    def lookup(self, season: np.ndarray, level: np.ndarray) -> np.ndarray:
        """Environment rows (n, metric) for stints; the level's pooled values fill any gap."""
        pooled = self.pooled[level]
        if len(self.seasons) == 0:
            return pooled
        idx = np.searchsorted(self.seasons, season)
        idx_c = np.minimum(idx, len(self.seasons) - 1)
        seen = self.seasons[idx_c] == season
        rows = np.where(seen[:, None], self.table[idx_c, level], np.nan)
        return np.where(np.isnan(rows), pooled, rows)

"""Stint rates relative to level, rolled up per (prospect, season) and per prospect.

Each stint is compared with its own season-and-level environment before
anything is averaged, so a season split between A+ and AA is judged fairly;
stints are then weighted by playing time (PA or BF). The per-season rows are
what both a prospect's features (latest season, career, trend) and the
historical comparison base are made of.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from prospects.features.data import Columns
from prospects.features.grouping import Runs, Spread, ratio, take, weighted_runs
from prospects.features.levels import ENV_INDEX, LevelEnvironment

SEASON_SPAN = 10_000  # key = prospect_id * SEASON_SPAN + season

Composite = Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]


@dataclass(frozen=True)
class RoleSpec:
    """What differs between hitters and pitchers: counts, volume, rate formulas, composite."""

    prefix: str  # "hit_" or "pit_" in the environment
    counts: tuple[str, ...]
    volume: str  # "pa" or "bf": the playing-time weight
    rate_names: tuple[str, ...]
    formula: Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]
    composite: Composite  # (relative rates, years younger than the level) -> composite


@dataclass(frozen=True)
class SeasonStats:
    """One row per (prospect, season): weighted sums of relative rates and summed counts."""

    pid: np.ndarray
    season: np.ndarray
    num: np.ndarray  # (rows, rates + composite): sum of weight * relative rate
    den: np.ndarray  # (rows, rates + composite): the weight where that rate exists
    counts: np.ndarray  # (rows, counts)
    spec: RoleSpec

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.spec.rate_names, "composite")

    def rates(self) -> np.ndarray:
        return ratio(self.num, self.den)

    def col(self, name: str) -> int:
        return self.columns.index(name)

    def count(self, name: str) -> int:
        return self.spec.counts.index(name)


def season_stats(lines: Columns, env: LevelEnvironment, spec: RoleSpec) -> SeasonStats:
    """Per (prospect, season) roll-up of ``lines`` (any order) against ``env``."""
    pid = lines["prospect_id"]
    season = lines["season"]
    order = np.lexsort((season, pid))
    pid, season = pid[order], season[order]
    level = lines["level"][order]
    counts = {n: lines[n][order].astype(np.float64) for n in spec.counts}
    envrows = env.lookup(season, level)
    rates = spec.formula(counts)
    rel = {n: rates[n] - envrows[:, ENV_INDEX[spec.prefix + n]] for n in spec.rate_names}
    younger = envrows[:, ENV_INDEX["age"]] - lines["age"][order]
    values = np.column_stack([*rel.values(), spec.composite(rel, younger)])
    runs = Runs.of(pid * SEASON_SPAN + season)
    num, den = weighted_runs(runs, values, counts[spec.volume])
    count_matrix = np.column_stack([counts[n] for n in spec.counts])
    return SeasonStats(
        pid=runs.first(pid),
        season=runs.first(season),
        num=num,
        den=den,
        counts=runs.sum(count_matrix),
        spec=spec,
    )


@dataclass(frozen=True)
class ProspectRollup:
    """Along sorted prospect ids: latest and previous season, career, and seasons played."""

    latest: np.ndarray  # (ids, rates + composite) relative rates of the latest season
    previous: np.ndarray  # same for the season before it in the prospect's record
    career: np.ndarray  # weighted over every stint
    latest_counts: np.ndarray  # (ids, counts)
    career_counts: np.ndarray
    n_seasons: np.ndarray


def rollup(stats: SeasonStats, ids: np.ndarray) -> ProspectRollup:
    """Latest, previous and career values per prospect (NaN for prospects without lines)."""
    runs = Runs.of(stats.pid)
    rates = stats.rates()
    last = runs.ends - 1
    prev = np.where(runs.sizes >= 2, runs.ends - 2, -1)
    spread = Spread(ids, runs.keys)
    return ProspectRollup(
        latest=spread(rates[last]),
        previous=spread(take(rates, prev)),
        career=spread(ratio(runs.sum(stats.num), runs.sum(stats.den))),
        latest_counts=spread(stats.counts[last]),
        career_counts=spread(runs.sum(stats.counts)),
        n_seasons=spread(runs.sizes),
    )

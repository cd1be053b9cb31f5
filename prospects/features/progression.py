"""Progression features: how high and how fast a prospect has climbed, and how young he did it.

Age relative to level is the strongest single signal in prospect evaluation: a
hitter holding his own in AA at 20 is a different prospect from one doing it at
25. Ages are compared with the league's mean age at the same level and season.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prospects.features.data import Columns
from prospects.features.grouping import Runs, Spread, take
from prospects.features.levels import ENV_INDEX, LevelEnvironment
from prospects.features.seasons import SEASON_SPAN

_FIRST_AT = {"rk": 0, "a": 1, "aplus": 2, "aa": 3, "aaa": 4}


@dataclass(frozen=True)
class Stints:
    """Batting and pitching stints together, sorted by (prospect, season, start, level)."""

    pid: np.ndarray
    season: np.ndarray
    level: np.ndarray
    age: np.ndarray
    start: np.ndarray  # float days since the epoch
    volume: np.ndarray  # PA or BF

    @classmethod
    def of(cls, batting: Columns, pitching: Columns) -> Stints:
        """The union of both line tables, sorted."""

        def cat(col: str, bat: str | None = None, pit: str | None = None) -> np.ndarray:
            return np.concatenate([batting[bat or col], pitching[pit or col]])

        pid = cat("prospect_id")
        season = cat("season")
        level = cat("level")
        start = cat("start_date")
        order = np.lexsort((level, start, season, pid))
        return cls(
            pid=pid[order],
            season=season[order],
            level=level[order],
            age=cat("age").astype(np.float64)[order],
            start=start[order],
            volume=cat("volume", "pa", "bf").astype(np.float64)[order],
        )


def progression_features(
    stints: Stints,
    outcomes: Columns,
    env: LevelEnvironment,
    ids: np.ndarray,
    as_of_day: float,
    years_since_signing: np.ndarray,
) -> dict[str, np.ndarray]:
    """Progression family along sorted ``ids``."""
    s = stints
    runs = Runs.of(s.pid)
    keys = runs.keys
    highest = runs.max(s.level)
    at_top = s.level == runs.expand(highest)
    age_gap = s.age - env.lookup(s.season, s.level)[:, ENV_INDEX["age"]]

    season_runs = Runs.of(s.pid * SEASON_SPAN + s.season)
    per_prospect = Runs.of(season_runs.first(s.pid))
    top_seasons = per_prospect.sum(season_runs.max(at_top.astype(np.int64)))

    latest = runs.expand(runs.last(s.season))
    in_latest = s.season == latest
    max_latest = runs.max(np.where(in_latest, s.level, -1))
    max_before = runs.max(np.where(in_latest, -1, s.level))
    min_latest = runs.min(np.where(in_latest, s.level, 99))
    climbed = np.where(max_before >= 0, max_latest - max_before, max_latest - min_latest)

    out = {
        "highest_level": highest,
        "first_level": runs.first(s.level),
        "seasons_played": per_prospect.sizes,
        "seasons_at_level": top_seasons,
        "age_vs_level": take(age_gap, runs.last_where(at_top)),
    }
    for key, level in _FIRST_AT.items():
        out[f"age_vs_{key}_first"] = take(age_gap, runs.first_where(s.level == level))
    out["days_since_promotion"] = as_of_day - take(s.start, runs.first_where(at_top))
    out["levels_climbed_latest"] = climbed
    out["volume_at_level"] = runs.sum(np.where(at_top, s.volume, 0.0))
    out["career_volume"] = runs.sum(s.volume)
    spread = Spread(ids, keys)
    feats = dict(zip(out, spread(np.column_stack(list(out.values()))).T, strict=True))
    for name in ("seasons_played", "career_volume"):
        feats[name] = np.nan_to_num(feats[name], nan=0.0)
    feats["levels_per_year"] = feats["highest_level"] / np.maximum(years_since_signing, 0.5)

    pid = outcomes["prospect_id"]
    order = np.argsort(pid, kind="stable")
    mlb = Runs.of(pid[order])
    pa = outcomes["mlb_pa"][order].astype(np.float64)
    outs = outcomes["mlb_outs"][order].astype(np.float64)
    mlb_time = Spread(ids, mlb.keys)(np.column_stack([mlb.sum(pa), mlb.sum(outs) / 3.0]), fill=0.0)
    feats["mlb_pa_to_date"], feats["mlb_ip_to_date"] = mlb_time[:, 0], mlb_time[:, 1]
    return feats

"""The comparison base: past (prospect, season) examples, each as it stood on its reference date.

A snapshot (role, highest level, age, season composite, FV, draft bucket)
depends only on rows known on its own season's reference date, so the
snapshots of the whole league are computed once and shared by every as-of date;
only which of them count (label known on that date?) and their labels are
decided per date, from outcomes known then, by prospects.labels.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from prospects.db.models import PITCHER_POSITIONS
from prospects.features.data import Columns, LeagueData, subset
from prospects.features.grouping import DAYS_PER_YEAR, Runs, asof_index, day_number
from prospects.features.hitting import hitting_seasons
from prospects.features.levels import LevelEnvironment
from prospects.features.pitching import pitching_seasons
from prospects.features.progression import Stints
from prospects.features.scouting import normalise
from prospects.features.seasons import SEASON_SPAN, SeasonStats
from prospects.labels import label_known_on, labels_for, reference_date

SNAPSHOT_COLUMNS = (
    "prospect_id", "season", "is_pitcher", "level", "age", "composite", "fv", "round_bucket",
)  # fmt: skip


def round_bucket(draft_round: np.ndarray) -> np.ndarray:
    """0 international, 1 first round, 2 second, 3 rounds 3-5, 4 rounds 6-10, 5 later."""
    r = np.asarray(draft_round, dtype=np.float64)
    return np.select([np.isnan(r), r <= 1, r <= 2, r <= 5, r <= 10], [0, 1, 2, 3, 4], 5)


def fv_bucket(fv: np.ndarray) -> np.ndarray:
    """Normalised FV back to its grade rounded to 5 (20..80); 0 for no report."""
    grade = np.round((np.asarray(fv, dtype=np.float64) * 10.0 + 50.0) / 5.0) * 5.0
    return np.where(np.isnan(grade), 0, grade).astype(np.int64)


def reference_days(season: np.ndarray) -> np.ndarray:
    """``reference_date(season)`` as float days, for an array of seasons."""
    seasons, inverse = np.unique(np.asarray(season, dtype=np.int64), return_inverse=True)
    refs = np.array([day_number(reference_date(int(s))) for s in seasons], dtype=np.float64)
    return refs[inverse]


def _season_closed(lines: Columns) -> Columns:
    """Lines known on their own season's reference date."""
    keep = lines["end_date"] <= reference_days(lines["season"])
    return lines if keep.all() else subset(lines, keep)


def _composite_at(stats: SeasonStats, keys: np.ndarray) -> np.ndarray:
    """Season composite for (prospect, season) keys; NaN where that role has no line."""
    own = stats.pid * SEASON_SPAN + stats.season
    out = np.full(len(keys), np.nan)
    if len(own) == 0:
        return out
    pos = np.minimum(np.searchsorted(own, keys), len(own) - 1)
    hit = own[pos] == keys
    out[hit] = stats.rates()[pos[hit], stats.col("composite")]
    return out


def season_snapshots(data: LeagueData) -> pd.DataFrame:
    """Every (prospect, season) with a line, described as on ``reference_date(season)``.

    Uses only lines that ended by their season's reference date, reports up to
    that date and the prospect's fixed attributes, so a snapshot never changes
    once its season has closed (safe to compute once from the whole league).
    """
    batting = _season_closed(data.arrays("batting"))
    pitching = _season_closed(data.arrays("pitching"))
    env = LevelEnvironment.from_lines(batting, pitching)
    stints = Stints.of(batting, pitching)
    seasons = Runs.of(stints.pid * SEASON_SPAN + stints.season)
    pid, season = seasons.first(stints.pid), seasons.first(stints.season)
    # Highest level so far: a running max per prospect (offsets keep prospects apart).
    rank = np.cumsum(np.r_[0, pid[1:] != pid[:-1]]) if len(pid) else pid
    level = np.maximum.accumulate(seasons.max(stints.level) + rank * 10) - rank * 10

    pros = data.arrays("prospects")
    pros = subset(pros, np.argsort(pros["id"], kind="stable"))
    pros_id = pros["id"]
    at = np.minimum(np.searchsorted(pros_id, pid), max(len(pros_id) - 1, 0))
    known = pros_id[at] == pid if len(pros_id) else np.zeros(len(pid), dtype=bool)
    pid, season, level, at = pid[known], season[known], level[known], at[known]
    is_pitcher = np.isin(pros["position"][at], PITCHER_POSITIONS)
    ref_day = reference_days(season)
    age = (ref_day - pros["birth_date"][at]) / DAYS_PER_YEAR

    keys = pid * SEASON_SPAN + season
    composite = np.where(
        is_pitcher,
        _composite_at(pitching_seasons(pitching, env), keys),
        _composite_at(hitting_seasons(batting, env), keys),
    )
    reports = data.arrays("reports")
    r_pid, r_day = reports["prospect_id"], reports["report_date"]
    order = np.lexsort((r_day, r_pid))
    idx = asof_index(r_pid[order], r_day[order], pid, ref_day)
    r_fv = normalise(reports["fv"][order])
    fv = np.where(idx >= 0, r_fv[np.maximum(idx, 0)] if len(r_fv) else np.nan, np.nan)
    return pd.DataFrame(
        {
            "prospect_id": pid,
            "season": season,
            "is_pitcher": is_pitcher.astype(np.int64),
            "level": level.astype(np.int64),
            "age": age,
            "composite": composite,
            "fv": fv,
            "round_bucket": round_bucket(pros["draft_round"][at]),
        },
        columns=list(SNAPSHOT_COLUMNS),
    )


def comparison_base(snapshots: pd.DataFrame, outcomes: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Snapshots that were training examples and whose labels are known on ``as_of``, labelled.

    ``outcomes`` must already be cut to ``as_of``; labels come from prospects.labels.
    """
    season = snapshots["season"].to_numpy()
    frames = []
    for s in np.unique(season):
        ref = reference_date(int(s))
        if label_known_on(ref) > as_of:
            continue
        rows = snapshots.loc[season == s]
        ids = rows["prospect_id"].to_numpy()
        label = labels_for(outcomes, ids, ref, known_through=as_of).to_numpy()
        known = ~np.isnan(label)  # NaN: he had passed the bar before (no longer a prospect)
        frames.append(rows.loc[known].assign(label=label[known].astype(np.int64)))
    if not frames:
        return snapshots.iloc[:0].assign(label=np.zeros(0, dtype=np.int64))
    return pd.concat(frames, ignore_index=True)

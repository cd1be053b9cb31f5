"""The feature matrix: one row per prospect, the catalog's columns, from rows known on a date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from prospects.features.bio import bio_features
from prospects.features.catalog import FEATURE_INDEX, FEATURE_NAMES, FEATURES
from prospects.features.context import LeagueContext, as_date
from prospects.features.data import Columns, LeagueData, subset
from prospects.features.grouping import day_number
from prospects.features.hitting import hitting_features, hitting_seasons
from prospects.features.pitching import pitching_features, pitching_seasons
from prospects.features.progression import Stints, progression_features
from prospects.features.scouting import scouting_features

_COLUMNS = pd.Index(FEATURE_NAMES)


def _requested(known: np.ndarray, prospect_ids: Sequence[int] | None) -> np.ndarray:
    """Requested ids that are ``known`` (signed), in request order, deduplicated."""
    if prospect_ids is None:
        return np.sort(known)
    wanted = pd.unique(np.asarray(list(prospect_ids), dtype=np.int64))
    return wanted[np.isin(wanted, known)]


def _rows(table: Columns, ids: np.ndarray, restrict: bool, key: str = "prospect_id") -> Columns:
    """Only the rows of ``ids`` (skipped when every row is wanted anyway)."""
    if not restrict:
        return table
    pid = table[key]
    keep = pid == ids[0] if len(ids) == 1 else np.isin(pid, ids)
    return table if keep.all() else subset(table, keep)


def build_features(
    data: LeagueData,
    as_of: date,
    prospect_ids: Sequence[int] | None = None,
    context: LeagueContext | None = None,
) -> pd.DataFrame:
    """Features of ``prospect_ids`` (default: every prospect signed by ``as_of``) on ``as_of``.

    Index: prospect_id (requested order; ids not signed by ``as_of`` are left
    out). Columns: FEATURE_NAMES, float64, NaN where not applicable. Only rows
    known on ``as_of`` are used, and a prospect's row depends on its own rows
    and ``context`` alone, never on which other prospects ``data`` holds.
    """
    as_of = as_date(as_of)
    if context is None:
        context = LeagueContext.build(data, as_of)
    elif context.as_of != as_of:
        raise ValueError(f"context is as of {context.as_of}, features asked as of {as_of}")
    known = data.as_of(as_of)
    order = _requested(known.arrays("prospects")["id"], prospect_ids)
    ids = np.sort(order)
    restrict = prospect_ids is not None
    pros = _rows(known.arrays("prospects"), ids, restrict, key="id")
    if np.any(np.diff(pros["id"]) < 0):
        pros = subset(pros, np.argsort(pros["id"], kind="stable"))
    batting = _rows(known.arrays("batting"), ids, restrict)
    pitching = _rows(known.arrays("pitching"), ids, restrict)
    today = day_number(as_of)
    env = context.env

    feats = bio_features(pros, today)
    feats.update(
        progression_features(
            Stints.of(batting, pitching),
            _rows(known.arrays("outcomes"), ids, restrict),
            env,
            ids,
            today,
            feats["years_since_signing"],
        )
    )
    feats.update(hitting_features(hitting_seasons(batting, env), ids))
    feats.update(pitching_features(pitching_seasons(pitching, env), ids))
    feats.update(scouting_features(_rows(known.arrays("reports"), ids, restrict), ids, today))
    pitcher = feats["is_pitcher"] == 1.0
    feats.update(
        context.history.features(
            is_pitcher=pitcher,
            level=feats["highest_level"],
            age=feats["age"],
            composite=np.where(pitcher, feats["p_composite"], feats["h_composite"]),
            fv=feats["sc_fv"],
            draft_round=feats["draft_round"],
        )
    )
    return _assemble(feats, ids, order)


def _assemble(feats: dict[str, np.ndarray], ids: np.ndarray, order: np.ndarray) -> pd.DataFrame:
    """Stack the families' columns in catalog order; fail loudly on a missing or extra name."""
    if set(feats) != set(FEATURE_NAMES):
        missing = sorted(set(FEATURE_NAMES) - set(feats))
        extra = sorted(set(feats) - set(FEATURE_NAMES))
        raise RuntimeError(f"feature families out of step with the catalog: {missing=} {extra=}")
    matrix = np.empty((len(ids), len(FEATURES)), dtype=np.float64)
    for name, values in feats.items():
        matrix[:, FEATURE_INDEX[name]] = values
    if len(order) and not np.array_equal(order, ids):
        matrix = matrix[np.searchsorted(ids, order)]
    index = pd.Index(order, name="prospect_id", dtype=np.int64)
    return pd.DataFrame(matrix, index=index, columns=_COLUMNS.copy(), copy=False)

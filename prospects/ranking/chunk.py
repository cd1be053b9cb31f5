"""One chunk of a ranking: read its prospects once, featurise once, score and explain once.

The same calls as a single prediction (``load_league`` → ``build_features`` →
``score``), on a frame of rows instead of one, so each prospect's result is
exactly what ``POST /predict`` would have answered and can fill its cache.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from prospects import eligibility
from prospects.db.models import PITCHER_POSITIONS
from prospects.features.build import build_features
from prospects.features.context import LeagueContext
from prospects.features.data import load_league
from prospects.ranking.roster import latest_levels
from prospects.serving.device import ranking_device
from prospects.serving.loaded import LoadedModel
from prospects.serving.predict import not_a_prospect
from prospects.serving.scoring import evidence, score


@dataclass(frozen=True)
class ScoredChunk:
    """Rows for ``ranking_entries`` and, per prospect, the single-prediction result."""

    rows: list[dict[str, Any]]
    results: list[dict[str, Any]]  # what ``POST /predict`` answers for each (cache entries)


def score_chunk(
    session: Session,
    model: LoadedModel,
    context: LeagueContext,
    prospect_ids: Sequence[int],
    as_of: date,
    data_version: str,
    variant: str,
) -> ScoredChunk:
    """Score and explain ``prospect_ids`` as of ``as_of`` in one vectorised pass."""
    started = time.perf_counter()
    data = load_league(session, prospect_ids=prospect_ids, as_of=as_of)
    features = build_features(data, as_of, prospect_ids, context=context)
    standing = eligibility.assess(data, as_of)
    statuses = {
        int(pid): eligibility.status(standing.loc[pid])
        for pid in features.index
        if standing.loc[pid]["eligible"]
    }
    results = score(
        model,
        features,
        evidence(data),
        as_of,
        data_version,
        variant,
        device=ranking_device(),
        standing=statuses,
        context=context,
    )
    # What one prediction of this chunk cost, for the cached result's latency field.
    share_ms = round((time.perf_counter() - started) * 1000 / max(1, len(results)), 3)

    bat, pit = data.arrays("batting"), data.arrays("pitching")
    levels = latest_levels(
        np.concatenate([bat["prospect_id"], pit["prospect_id"]]),
        np.concatenate([bat["level"], pit["level"]]),
        np.concatenate([bat["end_date"], pit["end_date"]]),
    )
    pros = data.prospects
    org = dict(zip(pros["id"].tolist(), pros["organization"].tolist(), strict=True))
    position = dict(zip(pros["id"].tolist(), pros["position"].tolist(), strict=True))
    ages = dict(zip(features.index.tolist(), features["age"].tolist(), strict=True))
    rows, answers = [], []
    for result in results:
        pid = result["prospect_id"]
        result["latency_ms"] = share_ms
        mine = standing.loc[pid]
        if mine["eligible"]:
            answers.append(result)
        else:  # ranked on a board of everyone; a prediction would say why he is not a prospect
            answer = not_a_prospect(result["prospect_name"], mine, as_of, data_version)
            answers.append({**answer, "latency_ms": share_ms})
        rows.append(
            {
                "prospect_id": pid,
                "probability": result["probability"],
                "confidence": result["confidence"],
                # The board's "why" in one JSON home: the factors, the interval, the top group.
                "top_factors": {
                    **result["top_factors"],
                    "interval": result["interval"],
                    "top_group": result["top_group"],
                },
                "prospect_name": result["prospect_name"],
                "organization": str(org[pid]),
                "position": str(position[pid]),
                "kind": "pitcher" if position[pid] in PITCHER_POSITIONS else "hitter",
                "level": levels.get(pid),
                "age": float(ages[pid]),  # unrounded: filters compare it as the job did
            }
        )
    return ScoredChunk(rows, answers)

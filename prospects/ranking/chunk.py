"""One chunk of a ranking: its prospects' rows once, scored and explained once.

The same calls as a single prediction (the day's materialized rows, else
``load_league`` → ``build_features``; then ``score``), on a frame of rows
instead of one, so each prospect's result is exactly what ``POST /predict``
would have answered and can fill its cache.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from prospects import eligibility
from prospects.db.models import PITCHER_POSITIONS
from prospects.serving.device import ranking_device
from prospects.serving.league_day import LeagueDay
from prospects.serving.loaded import LoadedModel
from prospects.serving.predict import not_a_prospect
from prospects.serving.scoring import score


@dataclass(frozen=True)
class ScoredChunk:
    """Rows for ``ranking_entries`` and, per prospect, the single-prediction result."""

    rows: list[dict[str, Any]]
    results: list[dict[str, Any]]  # what ``POST /predict`` answers for each (cache entries)


def score_chunk(
    session: Session,
    model: LoadedModel,
    day: LeagueDay,
    prospect_ids: Sequence[int],
    as_of: date,
    data_version: str,
    variant: str,
) -> ScoredChunk:
    """Score and explain ``prospect_ids`` as of ``as_of`` in one vectorised pass."""
    started = time.perf_counter()
    mine = day.rows(session, prospect_ids)
    standing = mine.standing.to_dict("index")
    statuses = {pid: eligibility.status(row) for pid, row in standing.items() if row["eligible"]}
    results = score(
        model,
        mine.features,
        mine.people,
        as_of,
        data_version,
        variant,
        device=ranking_device(),
        standing=statuses,
        context=day.context,
    )
    # What one prediction of this chunk cost, for the cached result's latency field.
    share_ms = round((time.perf_counter() - started) * 1000 / max(1, len(results)), 3)

    ages = dict(zip(mine.features.index.tolist(), mine.features["age"].tolist(), strict=True))
    rows, answers = [], []
    for result in results:
        pid = result["prospect_id"]
        result["latency_ms"] = share_ms
        if pid in statuses:
            answers.append(result)
        else:  # ranked on a board of everyone; a prediction would say why he is not a prospect
            answer = not_a_prospect(result["prospect_name"], standing[pid], as_of, data_version)
            answers.append({**answer, "latency_ms": share_ms})
        position = str(mine.people.at[pid, "position"])
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
                "organization": str(mine.organization[pid]),
                "position": position,
                "kind": "pitcher" if position in PITCHER_POSITIONS else "hitter",
                "level": mine.level.get(pid),
                "age": float(ages[pid]),  # unrounded: filters compare it as the job did
            }
        )
    return ScoredChunk(rows, answers)

"""One prediction end to end: the prospect's rows → features → score → stored record."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from prospects import eligibility
from prospects.db.models import Prediction
from prospects.errors import UnknownProspectError
from prospects.serving.league_day import LeagueDays
from prospects.serving.loaded import LoadedModel
from prospects.serving.scoring import score


def predict_one(
    session: Session,
    model: LoadedModel,
    days: LeagueDays,
    prospect_id: int,
    as_of: date,
    data_version: str,
    variant: str = "champion",
) -> dict[str, object]:
    """Features as of ``as_of`` for one prospect, scored and explained by ``model``.

    A player outside the prospect rule (``prospects.eligibility``) gets no
    probability: the answer says which rule excluded him and the facts.
    """
    started = time.perf_counter()
    day = days.get(session, data_version, as_of)
    mine = day.rows(session, [prospect_id])
    if mine.features.empty:
        raise UnknownProspectError(f"prospect {prospect_id} does not exist (as of {as_of})")
    standing = mine.standing.iloc[0].to_dict()
    if not standing["eligible"]:
        name = str(mine.people["name"].iloc[0])
        result = not_a_prospect(name, standing, as_of, data_version)
    else:
        result = score(
            model,
            mine.features,
            mine.people,
            as_of,
            data_version,
            variant,
            standing={prospect_id: eligibility.status(standing)},
            context=day.context,
        )[0]
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return result


def not_a_prospect(
    name: str, standing: Mapping[str, Any], as_of: date, data_version: str
) -> dict[str, object]:
    """The answer for a player outside the prospect rule: why, with the facts; no probability."""
    status = eligibility.status(standing)
    return {
        "prospect_id": int(standing["prospect_id"]),
        "prospect_name": name,
        "as_of": as_of.isoformat(),
        "probability": None,
        "eligibility": status,
        # Named like every other answer's narrative; the rule's own words follow.
        "narrative": f"{name}: {status['message']}",
        "data_version": data_version,
    }


def record_prediction(
    session: Session, result: dict, job_id: str | None, requested_by: str | None
) -> None:
    """Store what was served (prospect, model version, probability, factors, who, how fast).

    An answer without a probability (not a prospect) is not a prediction: nothing is stored.
    """
    if result.get("probability") is None:
        return
    session.add(
        Prediction(
            job_id=job_id,
            prospect_id=result["prospect_id"],
            as_of=date.fromisoformat(result["as_of"]),
            model_name=result["model"]["name"],
            model_version=result["model"]["version"],
            variant=result["model"]["variant"],
            probability=result["probability"],
            confidence=result["confidence"],
            top_factors=result["top_factors"],
            requested_by=requested_by,
            latency_ms=result.get("latency_ms", 0.0),
            data_version=result["data_version"],
        )
    )

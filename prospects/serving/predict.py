"""One prediction end to end: the prospect's rows → features → score → stored record."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from prospects import eligibility
from prospects.db.models import Prediction
from prospects.errors import UnknownProspectError
from prospects.features.build import build_features
from prospects.features.context import LeagueContext
from prospects.features.data import load_league
from prospects.serving.loaded import LoadedModel
from prospects.serving.scoring import evidence, score


class ContextCache:
    """League-wide feature context per (data version, day), built once from the whole league.

    Building it reads every row, so a worker does it once and reuses it for
    every prediction until the data or the day changes.
    """

    def __init__(self, max_entries: int = 2):
        self._entries: OrderedDict[tuple[str, date], LeagueContext] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, session: Session, data_version: str, as_of: date) -> LeagueContext:
        key = (data_version, as_of)
        with self._lock:
            context = self._entries.get(key)
            if context is not None:
                self._entries.move_to_end(key)
                return context
            context = LeagueContext.build(load_league(session, as_of=as_of), as_of)
            self._entries[key] = context
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            return context


def predict_one(
    session: Session,
    model: LoadedModel,
    contexts: ContextCache,
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
    context = contexts.get(session, data_version, as_of)
    data = load_league(session, prospect_ids=[prospect_id], as_of=as_of)
    if data.prospects.empty:
        raise UnknownProspectError(f"prospect {prospect_id} does not exist (as of {as_of})")
    standing = eligibility.assess_one(data, as_of)
    if not standing["eligible"]:
        name = str(data.prospects["name"].iloc[0])
        result = not_a_prospect(name, standing, as_of, data_version)
    else:
        features = build_features(data, as_of, [prospect_id], context=context)
        status = {prospect_id: eligibility.status(standing)}
        result = score(
            model,
            features,
            evidence(data),
            as_of,
            data_version,
            variant,
            standing=status,
            context=context,
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
        "narrative": status["message"],
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

"""Score, explain and describe a frame of feature rows in one vectorised pass.

Single predictions and ranking chunks both come through here, so a prospect
gets the same answer whichever way it is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from prospects.db.models import PITCHER_POSITIONS
from prospects.errors import ModelUnavailableError
from prospects.features.catalog import FEATURES
from prospects.features.data import LeagueData
from prospects.serving import confidence as confidence_rule
from prospects.serving.explain import contributions, top_factors
from prospects.serving.loaded import LoadedModel
from prospects.serving.narrative import narrate

LABELS: dict[str, str] = {f.name: f.name.replace("_", " ") for f in FEATURES}


def evidence(data: LeagueData) -> pd.DataFrame:
    """Per prospect: name, position, and the sample behind its numbers (PA or BF).

    Plain numpy group sums: this runs on every single prediction.
    """
    ids = data.prospects["id"].to_numpy()
    position = data.prospects["position"].to_numpy()
    is_pitcher = np.isin(position, PITCHER_POSITIONS)
    pa = _sum_by(ids, data.batting, "pa")
    bf = _sum_by(ids, data.pitching, "bf")
    return pd.DataFrame(
        {
            "name": data.prospects["name"].to_numpy(),
            "position": position,
            "is_pitcher": is_pitcher,
            "sample": np.where(is_pitcher, bf, pa).astype(int),
            "unit": np.where(is_pitcher, "BF", "PA"),
        },
        index=pd.Index(ids, name="id"),
    )


def _sum_by(ids: np.ndarray, lines: pd.DataFrame, column: str) -> np.ndarray:
    """Sum of ``column`` per prospect id in ``ids`` (0 where it has no lines)."""
    if lines.empty:
        return np.zeros(len(ids))
    owners = lines["prospect_id"].to_numpy()
    values = lines[column].to_numpy(dtype=float)
    position = np.searchsorted(np.sort(ids), owners)
    order = np.argsort(ids)
    valid = (position < len(ids)) & (np.sort(ids)[np.minimum(position, len(ids) - 1)] == owners)
    sums_sorted = np.bincount(position[valid], weights=values[valid], minlength=len(ids))
    sums = np.empty(len(ids))
    sums[order] = sums_sorted
    return sums


def feature_matrix(model: LoadedModel, features: pd.DataFrame) -> np.ndarray:
    """The columns the model was trained on, in its order."""
    missing = [n for n in model.feature_names if n not in features.columns]
    if missing:
        raise ModelUnavailableError(
            f"model v{model.version} expects features this code no longer builds: {missing[:5]}"
        )
    return features[list(model.feature_names)].to_numpy(dtype=np.float32)


def probabilities(model: LoadedModel, features: pd.DataFrame) -> np.ndarray:
    """Probabilities only: the cheap path for ordering a board."""
    return model.booster.predict(
        model.matrix(feature_matrix(model, features)), iteration_range=model.iteration_range
    )


def score(
    model: LoadedModel,
    features: pd.DataFrame,
    people: pd.DataFrame,
    as_of: date,
    data_version: str,
    variant: str = "champion",
    labels: Mapping[str, str] = LABELS,
    device: str = "cpu",
) -> list[dict[str, object]]:
    """One result dict per row of ``features`` (indexed by prospect id); contributions on
    ``device`` (XGBoost's: ``cpu``, or ``cuda`` for ranking chunks on a GPU host)."""
    X = feature_matrix(model, features)
    contrib = contributions(model, X, device)
    logits = contrib.sum(axis=1)
    probs = 1.0 / (1.0 + np.exp(-logits))
    unusual = model.unusual_counts(X)
    names = list(model.feature_names)
    results = []
    for row, prospect_id in enumerate(features.index):
        who = people.loc[prospect_id]
        p = float(probs[row])
        conf = confidence_rule.assess(p, int(who["sample"]), str(who["unit"]), int(unusual[row]))
        pro, con = top_factors(contrib[row], X[row].astype(float), names, dict(labels))
        role = f"{who['position']}, {'pitcher' if who['is_pitcher'] else 'hitter'}"
        results.append(
            {
                "prospect_id": int(prospect_id),
                "prospect_name": str(who["name"]),
                "as_of": as_of.isoformat(),
                "model": {"name": model.name, "version": model.version, "variant": variant},
                "probability": round(p, 6),
                "confidence": conf.level,
                "confidence_reasons": list(conf.reasons),
                "top_factors": {
                    "for": [f.as_dict() for f in pro],
                    "against": [f.as_dict() for f in con],
                },
                "narrative": narrate(str(who["name"]), role, p, conf, pro, con),
                "base_value": round(float(contrib[row, -1]), 6),
                "data_version": data_version,
            }
        )
    return results

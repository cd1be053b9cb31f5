"""Score, explain and describe a frame of feature rows in one vectorised pass.

Single predictions and ranking chunks both come through here, so a prospect
gets the same answer whichever way it is asked for. One SHAP pass per row;
the interval's members cost one probability evaluation each on the same
DMatrix; the concept points are arithmetic on the SHAP values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from prospects.db.models import PITCHER_POSITIONS
from prospects.errors import ModelUnavailableError
from prospects.features.context import LeagueContext
from prospects.features.data import LeagueData
from prospects.features.wording import CONCEPTS, EXPECTED_SIGN, wording
from prospects.serving import confidence as confidence_rule
from prospects.serving.comparables import comparables
from prospects.serving.concepts import concept_index, group_logits, shapley_points, tenths
from prospects.serving.explain import contributions, top_factors
from prospects.serving.loaded import LoadedModel
from prospects.serving.narrative import Group, narrate

FACTS_PER_GROUP = 2
ELIGIBLE_MESSAGE = "Rookie-eligible, active prospect."


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
    columns = features.columns.get_indexer(model.feature_names)
    if (columns < 0).any():
        missing = [n for n, c in zip(model.feature_names, columns, strict=True) if c < 0]
        raise ModelUnavailableError(
            f"model v{model.version} expects features this code no longer builds: {missing[:5]}"
        )
    # The frame as float32, then the model's columns: the same values as selecting the
    # columns first, without building a second frame (a third of a millisecond per answer).
    return np.ascontiguousarray(features.to_numpy(dtype=np.float32)[:, columns])


def probabilities(model: LoadedModel, features: pd.DataFrame) -> np.ndarray:
    """Calibrated probabilities only: the cheap path for ordering a board."""
    margin = model.booster.predict(
        model.matrix(feature_matrix(model, features)),
        iteration_range=model.iteration_range,
        output_margin=True,
        validate_features=False,  # the columns are the model's, by name (LoadedModel.matrix)
    )
    return model.calibration(margin)


@lru_cache(maxsize=8)
def _traits(names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per feature of a model: named to users, a stat line, the sign a scout expects.

    The same for every answer of a model version, so computed once per feature list.
    """
    shown = np.array([not wording(name).diagnostic for name in names])
    stat_line = np.array([wording(name).concept == "performance" for name in names])
    expected = np.array([EXPECTED_SIGN.get(name, 0) for name in names])
    for array in (shown, stat_line, expected):
        array.setflags(write=False)  # shared between calls
    return shown, stat_line, expected


def _fact_columns(
    contrib: np.ndarray, X: np.ndarray, names: list[str], index: np.ndarray, points: np.ndarray
) -> np.ndarray:
    """Per row and concept group, the columns of its plainest facts (-1: none), strongest first.

    A fact is a feature of the group pulling the same way as the group, so no
    fact reads backwards to the effect it is quoted for; diagnostics are never facts,
    and neither is a missing stat line (a pitcher's absent batting line says nothing).
    Chosen for every row of a chunk at once: shape (rows, groups, FACTS_PER_GROUP).
    """
    n = len(names)
    shown, stat_line, expected = _traits(tuple(names))
    pull = np.sign(contrib[:, :n])
    present = ~np.isnan(X) | ~stat_line
    # a value on the side a scout expects to hurt is never quoted as helping, nor the reverse
    reads_right = (expected == 0) | (np.sign(np.nan_to_num(X)) * expected == pull)
    quotable = shown & present & reads_right
    strength = np.abs(contrib[:, :n])
    # Every group at once, axes (rows, groups, features): one argsort instead of one per group.
    groups = np.arange(points.shape[1])
    sign = np.sign(points)[:, :, None]
    ok = (index[None, None, :] == groups[None, :, None]) & quotable[:, None, :]
    ok &= (pull[:, None, :] == sign) & (sign != 0)
    score = np.where(ok, strength[:, None, :], -1.0)
    top = np.argsort(-score, axis=2, kind="stable")[:, :, :FACTS_PER_GROUP]
    return np.where(np.take_along_axis(score, top, axis=2) > 0, top, -1)


def _groups(
    row: int,
    concepts: tuple[str, ...],
    points: np.ndarray,
    shown_points: np.ndarray,
    X: np.ndarray,
    names: list[str],
    fact_columns: np.ndarray,
) -> list[Group]:
    """The concept groups of one row, strongest first, each with its plainest facts."""
    out = []
    for g, concept in enumerate(concepts):
        facts = tuple(
            wording(names[i]).format(float(X[row, i])) for i in fact_columns[row, g] if i >= 0
        )
        out.append(
            Group(
                concept=concept,
                label=CONCEPTS[concept],
                points=float(shown_points[g]) / 10.0,
                exact=float(points[row, g]) * 100.0,
                facts=facts,
            )
        )
    return sorted(out, key=lambda grp: -abs(grp.exact))


def score(
    model: LoadedModel,
    features: pd.DataFrame,
    people: pd.DataFrame,
    as_of: date,
    data_version: str,
    variant: str = "champion",
    device: str = "cpu",
    standing: Mapping[int, Mapping[str, Any]] | None = None,
    context: LeagueContext | None = None,
) -> list[dict[str, object]]:
    """One result dict per row of ``features`` (indexed by prospect id); contributions on
    ``device`` (XGBoost's: ``cpu``, or ``cuda`` for ranking chunks on a GPU host).

    ``standing`` (prospect id -> ``eligibility.status``) puts each prospect's eligibility
    in his answer and its narrative; without it the narrative assumes an eligible prospect.
    ``context`` (the one ``features`` were built with) names comparable players.
    """
    X = feature_matrix(model, features)
    dmatrix = model.matrix(X)
    contrib = contributions(model, X, device, dmatrix)
    logits = contrib.sum(axis=1).astype(np.float64)
    bias = contrib[:, -1].astype(np.float64)
    link = model.calibration
    probs, base = link(logits), link(bias)
    if model.ensemble is not None:
        lo, hi = model.ensemble.bounds(logits, model.ensemble.spread(X))
        lows, highs = link(lo), link(hi)
    else:
        lows = highs = None
    distance = model.population.distance(X) if model.population is not None else None
    names = list(model.feature_names)
    concepts, index = concept_index(names)
    shown = _traits(tuple(names))[0]
    points = shapley_points(bias, group_logits(contrib, index, len(concepts)), link)
    fact_columns = _fact_columns(contrib, X, names, index, points)
    similar = comparables(context, features) if context is not None else None
    # Per-row values as Python objects once, from numpy (pandas' per-column conversions cost
    # ~0.1 ms each for one row). The day's rows come aligned: no lookup needed then.
    who_all = people if people.index.equals(features.index) else people.loc[features.index]
    person_name = [str(v) for v in who_all["name"].to_numpy()]
    position = [str(v) for v in who_all["position"].to_numpy()]
    pitcher = [bool(v) for v in who_all["is_pitcher"].to_numpy()]
    # The sample the rule reads is the model's own career-volume feature, as in its validation.
    if confidence_rule.VOLUME_FEATURE in features.columns:
        career = features[confidence_rule.VOLUME_FEATURE].to_numpy(dtype=np.float64)
        volume = np.where(np.isnan(career), 0.0, career).astype(int).tolist()
    else:
        volume = who_all["sample"].to_numpy().astype(int).tolist()
    unit = [str(v) for v in who_all["unit"].to_numpy()]
    nonzero = contrib[:, : len(names)] != 0
    rounded = np.round(contrib[:, : len(names)].astype(np.float64), 6)
    results = []
    for row, prospect_id in enumerate(features.index):
        p = float(probs[row])
        interval = (
            None
            if lows is None
            else {
                "low": round(float(lows[row]), 6),
                "high": round(float(highs[row]), 6),
                "level": model.ensemble.level,  # type: ignore[union-attr]
            }
        )
        unusual = None if distance is None else bool(distance[row] > model.population.threshold)  # type: ignore[union-attr]
        conf = confidence_rule.assess(interval, unusual, volume[row], unit[row], model.widths)
        shown_points = tenths(round(p, 6), round(float(base[row]), 6), points[row])
        groups = _groups(row, concepts, points, shown_points, X, names, fact_columns)
        pro, con = top_factors(contrib[row], X[row].astype(float), names, shown=shown)
        role = f"{position[row]}, {'pitcher' if pitcher[row] else 'hitter'}"
        status = None if standing is None else standing.get(int(prospect_id))
        message = ELIGIBLE_MESSAGE if status is None else str(status["message"])
        top = groups[0]
        result: dict[str, object] = {
            "prospect_id": int(prospect_id),
            "prospect_name": person_name[row],
            "as_of": as_of.isoformat(),
            "model": {"name": model.name, "version": model.version, "variant": variant},
            "probability": round(p, 6),
            "interval": interval,
            "base_rate": round(float(base[row]), 6),
            "confidence": conf.level,
            "confidence_reasons": list(conf.reasons),
            "top_group": top.as_summary(),
            "groups": [g.as_dict() for g in groups],
            "contributions": dict(
                zip(
                    (names[i] for i in np.flatnonzero(nonzero[row])),
                    rounded[row, nonzero[row]].tolist(),
                    strict=True,
                )
            ),
            "top_factors": {
                "for": [f.as_dict() for f in pro],
                "against": [f.as_dict() for f in con],
            },
            "comparables": [] if similar is None else similar[row],
            "narrative": narrate(
                person_name[row],
                role,
                message,
                p,
                interval,
                float(base[row]),
                conf,
                groups,
                [] if similar is None else similar[row],
            ),
            "base_value": round(float(bias[row]), 6),
            "data_version": data_version,
        }
        if status is not None:
            result["eligibility"] = dict(status)
        results.append(result)
    return results

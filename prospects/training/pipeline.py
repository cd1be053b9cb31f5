"""Training end to end: examples → time split → fit → holdout metrics against baselines."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xgboost as xgb

from prospects.features.catalog import FEATURES
from prospects.features.data import LeagueData
from prospects.features.examples import build_examples
from prospects.training.baselines import base_rate_predictions, grades_baseline_predictions
from prospects.training.metrics import classification_metrics, prefixed
from prospects.training.model import (
    RANGES_ATTR,
    TrainParams,
    fit_booster,
    importance,
    kept_trees,
    predict_proba,
)
from prospects.training.split import TimeSplit, time_split

Progress = Callable[[str, int, int], None]
RANGE_QUANTILES = (0.005, 0.995)
GRADE_COLUMNS: tuple[str, ...] = tuple(f.name for f in FEATURES if f.family == "scouting")


@dataclass
class TrainingResult:
    """A fitted booster with the evidence needed to judge, log and register it."""

    booster: xgb.Booster
    params: TrainParams
    split: TimeSplit
    feature_names: list[str]
    metrics: dict[str, float]
    counts: dict[str, int]
    holdout_X: pd.DataFrame
    holdout_y: np.ndarray
    holdout_p: np.ndarray
    importance: pd.Series
    valid_curve: list[float] = field(default_factory=list)  # validation logloss per round

    @property
    def best_iteration(self) -> int:
        return int(self.booster.attr("best_iteration") or 0)

    @property
    def n_trees(self) -> int:
        """The rounds the booster keeps: what every prediction and explanation pays for."""
        return kept_trees(self.booster)


def feature_ranges(X: pd.DataFrame) -> dict[str, list[float]]:
    """The central 99% of each feature in training: outside it, an input is unusual."""
    low, high = RANGE_QUANTILES
    q = X.quantile([low, high])
    return {
        name: [float(q.at[low, name]), float(q.at[high, name])]
        for name in X.columns
        if not (np.isnan(q.at[low, name]) or np.isnan(q.at[high, name]))
    }


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


def train(
    data: LeagueData,
    params: TrainParams | None = None,
    progress: Progress | None = None,
    holdout_seasons: int = 1,
    valid_seasons: int = 1,
) -> TrainingResult:
    """Fit on earlier reference seasons, stop early on the next, score the latest held out."""
    params = params or TrainParams()
    report = progress or _noop
    X, meta = build_examples(data, progress=lambda d, t: report("building examples", d, t))
    if X.empty:
        raise ValueError("no labelled examples: seed a league whose outcomes have matured")
    split = time_split(meta["season"].unique(), holdout=holdout_seasons, valid=valid_seasons)
    train_mask, valid_mask, holdout_mask = split.masks(meta["season"])
    y = meta["label"].to_numpy(dtype=int)

    curve: dict = {}
    booster = fit_booster(
        X[train_mask],
        y[train_mask],
        X[valid_mask],
        y[valid_mask],
        params,
        progress=lambda d, t: report("boosting", d, t),
        evals_result=curve,
    )
    booster.set_attr(**{RANGES_ATTR: json.dumps(feature_ranges(X[train_mask]))})
    X_hold, y_hold = X[holdout_mask], y[holdout_mask]
    p_hold = predict_proba(booster, X_hold)
    metrics = {
        **prefixed("holdout", classification_metrics(y_hold, p_hold)),
        **prefixed(
            "base_rate_holdout",
            classification_metrics(y_hold, base_rate_predictions(y[train_mask], len(y_hold))),
        ),
        **prefixed(
            "grades_baseline_holdout",
            classification_metrics(
                y_hold,
                grades_baseline_predictions(
                    X[train_mask], y[train_mask], X_hold, GRADE_COLUMNS, seed=params.seed
                ),
            ),
        ),
        **prefixed(
            "valid", classification_metrics(y[valid_mask], predict_proba(booster, X[valid_mask]))
        ),
    }
    metrics["best_iteration"] = float(booster.attr("best_iteration") or 0)
    counts = {
        "n_examples": int(len(y)),
        "n_train": int(train_mask.sum()),
        "n_valid": int(valid_mask.sum()),
        "n_holdout": int(holdout_mask.sum()),
        "n_features": int(X.shape[1]),
    }
    metrics["positive_share"] = float(y.mean())
    return TrainingResult(
        booster=booster,
        params=params,
        split=split,
        feature_names=list(X.columns),
        metrics=metrics,
        counts=counts,
        holdout_X=X_hold.reset_index(drop=True),
        holdout_y=y_hold,
        holdout_p=p_hold,
        importance=importance(booster, list(X.columns)),
        valid_curve=[float(v) for v in curve.get("valid", {}).get("logloss", [])],
    )

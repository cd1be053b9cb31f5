"""Training end to end: examples → honest split → fit → holdout report → refit on everything."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import xgboost as xgb

from prospects.features.catalog import FEATURES
from prospects.features.data import LeagueData
from prospects.features.examples import build_examples
from prospects.training.baselines import (
    base_rate_predictions,
    grades_baseline_predictions,
    level_age_baseline_predictions,
)
from prospects.training.metrics import classification_metrics, prefixed
from prospects.training.model import (
    TREES_ATTR,
    TrainParams,
    fit_booster,
    importance,
    kept_trees,
    predict_proba,
)
from prospects.training.report import HoldoutReport, build_report
from prospects.training.split import TimeSplit, time_split
from prospects.training.uncertainty import Uncertainty, fit_uncertainty

Progress = Callable[[str, int, int], None]
GRADE_COLUMNS: tuple[str, ...] = tuple(f.name for f in FEATURES if f.family == "scouting")
REPORT_COUNT = "sc_n_reports"  # 0 for a prospect without a report known on the date


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
    holdout_p: np.ndarray  # from the evaluation model, which never saw the holdout
    holdout_prospects: np.ndarray
    report: HoldoutReport
    importance: pd.Series
    # The model scored on the holdout; ``booster`` is it refitted on every labelled season
    # (same settings and tree count) unless ``refit`` is False, when both are the same.
    evaluation_booster: xgb.Booster | None = None
    refit: bool = False
    valid_curve: list[float] = field(default_factory=list)  # the evaluation's logloss per round
    # Calibration, interval members and population, judged on the holdout (None: not fitted).
    uncertainty: Uncertainty | None = None
    # The rows ``booster`` was fitted on (features and labels): logged as the run's dataset.
    fitted_X: pd.DataFrame | None = None
    fitted_y: np.ndarray | None = None

    @property
    def best_iteration(self) -> int:
        return int(self.booster.attr("best_iteration") or 0)

    @property
    def n_trees(self) -> int:
        """The rounds the booster keeps: what every prediction and explanation pays for."""
        return kept_trees(self.booster)


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


def baseline_predictions(
    X_train: pd.DataFrame, y_train: np.ndarray, X_eval: pd.DataFrame, seed: int
) -> dict[str, np.ndarray]:
    """Every baseline's probabilities for ``X_eval``, fitted on the model's training rows.

    The grades baseline is left out when the training rows hold no scouting grade
    at all (a club without reports): it would only repeat the base rate, and the
    report then says it is unavailable instead of showing a copy of the base rate.
    """
    baselines = {"base_rate": base_rate_predictions(y_train, len(X_eval))}
    graded = [c for c in GRADE_COLUMNS if X_train[c].notna().any()]
    if (X_train[REPORT_COUNT] > 0).any():
        baselines["grades_baseline"] = grades_baseline_predictions(
            X_train, y_train, X_eval, graded, seed=seed
        )
    baselines["level_age_baseline"] = level_age_baseline_predictions(
        X_train, y_train, X_eval, seed=seed
    )
    return baselines


def refit_all(X: pd.DataFrame, y: np.ndarray, params: TrainParams, n_trees: int) -> xgb.Booster:
    """The served model: the same settings and tree count, fitted on every labelled example."""
    fixed = replace(params, n_estimators=n_trees, early_stopping_rounds=None)
    booster = fit_booster(X, y, None, None, fixed)
    booster.set_attr(refit="all labelled seasons")
    return booster


def train(
    data: LeagueData,
    params: TrainParams | None = None,
    progress: Progress | None = None,
    holdout_seasons: int = 1,
    valid_seasons: int = 1,
    refit: bool = True,
    examples: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    uncertainty: bool = True,
) -> TrainingResult:
    """Evaluate honestly, then (``refit``) fit the served model on everything labelled.

    The evaluation model trains on seasons whose labels were known on the
    holdout's reference date, without any holdout prospect, stops early on the
    latest of them, and is scored on the holdout against the baselines. The
    registered model then repeats the fit on every labelled season with the
    evaluation's tree count, so its newest labels are the newest the data has.
    ``examples`` reuses an already built (X, meta) pair.
    """
    params = params or TrainParams()
    report = progress or _noop
    X, meta = examples or build_examples(
        data, progress=lambda d, t: report("building examples", d, t)
    )
    if X.empty:
        from prospects.features.diagnosis import no_examples_reason

        raise ValueError(no_examples_reason(data))
    split = time_split(meta["season"].unique(), holdout=holdout_seasons, valid=valid_seasons)
    train_mask, valid_mask, holdout_mask = split.masks(meta["season"], meta["prospect_id"])
    y = meta["label"].to_numpy(dtype=int)

    curve: dict = {}
    evaluated = fit_booster(
        X[train_mask],
        y[train_mask],
        X[valid_mask],
        y[valid_mask],
        params,
        progress=lambda d, t: report("boosting", d, t),
        evals_result=curve,
    )
    X_hold, y_hold = X[holdout_mask], y[holdout_mask]
    p_hold = predict_proba(evaluated, X_hold)
    baselines = baseline_predictions(X[train_mask], y[train_mask], X_hold, params.seed)
    holdout_ids = meta.loc[holdout_mask, "prospect_id"].to_numpy()
    holdout = build_report(y_hold, p_hold, baselines, X_hold, holdout_ids, seed=params.seed)
    metrics = {
        **prefixed("holdout", classification_metrics(y_hold, p_hold)),
        **{
            key: value
            for who, probs in baselines.items()
            for key, value in prefixed(
                f"{who}_holdout", classification_metrics(y_hold, probs)
            ).items()
        },
        **prefixed(
            "valid", classification_metrics(y[valid_mask], predict_proba(evaluated, X[valid_mask]))
        ),
        **holdout.metrics(),
    }
    metrics["grades_baseline_available"] = float("grades_baseline" in baselines)
    n_trees = kept_trees(evaluated)
    metrics["best_iteration"] = float(evaluated.attr("best_iteration") or 0)
    metrics["n_trees"] = float(n_trees)
    labelled = np.ones(len(y), dtype=bool)
    booster = refit_all(X, y, params, n_trees) if refit else evaluated
    fitted_on = labelled if refit else train_mask
    fitted = None
    if uncertainty:
        report("calibrating and fitting the interval", 0, 1)
        masks = (train_mask, valid_mask, holdout_mask)
        fitted = fit_uncertainty(X, meta, masks, evaluated, params, fitted_on)
        booster.set_attr(**fitted.attributes())
        metrics.update(fitted.metrics)
    booster.set_attr(
        **{
            "best_iteration": str(n_trees - 1),
            TREES_ATTR: str(n_trees),
        }
    )
    counts = {
        "n_examples": int(len(y)),
        "n_train": int(train_mask.sum()),
        "n_valid": int(valid_mask.sum()),
        "n_holdout": int(holdout_mask.sum()),
        "n_refit": int(fitted_on.sum()) if refit else 0,
        "n_features": int(X.shape[1]),
    }
    metrics["positive_share"] = float(y.mean())
    return TrainingResult(
        booster=booster,
        evaluation_booster=evaluated,
        refit=refit,
        params=params,
        split=split,
        feature_names=list(X.columns),
        metrics=metrics,
        counts=counts,
        holdout_X=X_hold.reset_index(drop=True),
        holdout_y=y_hold,
        holdout_p=p_hold,
        holdout_prospects=holdout_ids,
        report=holdout,
        importance=importance(booster, list(X.columns)),
        valid_curve=[float(v) for v in curve.get("valid", {}).get("logloss", [])],
        uncertainty=fitted,
        fitted_X=X[fitted_on],
        fitted_y=y[fitted_on],
    )

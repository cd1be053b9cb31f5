"""Fitting and scoring the XGBoost booster: the one place its parameters are spelled out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import xgboost as xgb

TREES_ATTR = "n_trees"  # booster attribute: the rounds kept after early stopping


@dataclass(frozen=True)
class TrainParams:
    """XGBoost parameters; defaults as agreed for the product, every one overridable."""

    n_estimators: int = 1000
    max_depth: int = 6
    learning_rate: float = 0.01
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    min_child_weight: float = 1.0
    early_stopping_rounds: int | None = 100
    # Boosting stops once ``early_stopping_rounds`` rounds in a row lower the validation
    # log loss by less than this in all. At a learning rate of 0.01 the curve never stops
    # creeping down (about 1e-5 a round after 600 rounds on the default league, under 1% of
    # its value per 100 rounds), so without a tolerance every one of the 1,000 rounds is
    # kept for no measurable gain in ranking (docs/serving.md#only-the-trees-the-model-needs).
    early_stopping_min_delta: float = 0.001
    seed: int = 42
    nthread: int = 0  # 0: all cores
    device: str = "cpu"  # "cuda" on a GPU host with the full xgboost wheel (see README)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def booster_params(self) -> dict[str, object]:
        """Parameters for ``xgb.train`` (the classifier's objective and metric included)."""
        return {
            "objective": "binary:logistic",
            "eval_metric": "logloss",
            "tree_method": "hist",
            "device": self.device,
            "max_depth": self.max_depth,
            "eta": self.learning_rate,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "min_child_weight": self.min_child_weight,
            "seed": self.seed,
            "nthread": self.nthread or None,
        }


def to_dmatrix(X: pd.DataFrame, y: np.ndarray | None = None) -> xgb.DMatrix:
    """A DMatrix that keeps the feature names, so a model refuses columns in another order."""
    return xgb.DMatrix(
        X.to_numpy(dtype=np.float32),
        label=None if y is None else np.asarray(y, dtype=np.float32),
        feature_names=list(X.columns),
        missing=np.nan,
    )


class _ProgressCallback(xgb.callback.TrainingCallback):
    """Reports boosting rounds to a ``progress(done, total)`` callable."""

    def __init__(self, total: int, progress: Callable[[int, int], None], every: int = 25):
        self.total, self.progress, self.every = total, progress, every

    def after_iteration(self, model, epoch, evals_log) -> bool:  # type: ignore[no-untyped-def]
        if (epoch + 1) % self.every == 0:
            self.progress(epoch + 1, self.total)
        return False


def fit_booster(
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    X_valid: pd.DataFrame | None,
    y_valid: np.ndarray | None,
    params: TrainParams,
    progress: Callable[[int, int], None] | None = None,
    evals_result: dict | None = None,
) -> xgb.Booster:
    """Fit with early stopping on the later-in-time validation fold; keep only the best trees.

    Serving cost grows with the number of trees, so the returned booster is
    sliced to its best iteration rather than carrying the rounds after it.
    Without a validation fold (the refit on everything labelled) every one of
    ``params.n_estimators`` rounds is kept. ``evals_result``, if given,
    receives the validation curve as ``xgb.train`` fills it:
    ``{"valid": {"logloss": [one value per round]}}``.
    """
    dtrain = to_dmatrix(X_train, y_train)
    stopping = params.early_stopping_rounds if X_valid is not None else None
    evals = [(to_dmatrix(X_valid, y_valid), "valid")] if X_valid is not None else []
    callbacks: list[xgb.callback.TrainingCallback] = (
        [_ProgressCallback(params.n_estimators, progress)] if progress else []
    )
    if stopping:
        callbacks.append(
            xgb.callback.EarlyStopping(
                rounds=stopping, min_delta=params.early_stopping_min_delta, save_best=False
            )
        )
    booster = xgb.train(
        {k: v for k, v in params.booster_params().items() if v is not None},
        dtrain,
        num_boost_round=params.n_estimators,
        evals=evals,
        callbacks=callbacks,
        verbose_eval=False,
        evals_result=evals_result,
    )
    best = booster.best_iteration if stopping else params.n_estimators - 1
    trimmed = booster[: best + 1]
    trimmed.set_attr(best_iteration=str(best), **{TREES_ATTR: str(best + 1)})
    return trimmed


def kept_trees(booster: xgb.Booster) -> int:
    """How many boosting rounds the model keeps: its ``n_trees`` attribute, else all of them."""
    rounds = booster.num_boosted_rounds()
    stated = booster.attr(TREES_ATTR)
    return min(rounds, int(stated)) if stated else rounds


def predict_proba(booster: xgb.Booster, X: pd.DataFrame) -> np.ndarray:
    """Success probabilities for the rows of ``X``."""
    return booster.predict(to_dmatrix(X))


def importance(booster: xgb.Booster, names: Sequence[str]) -> pd.Series:
    """Total gain per feature, zero for features the trees never split on."""
    gains = booster.get_score(importance_type="total_gain")
    return pd.Series({n: float(gains.get(n, 0.0)) for n in names}).sort_values(ascending=False)


def booster_from_bytes(raw: bytes) -> xgb.Booster:
    """A booster from XGBoost's own UBJ/JSON bytes (never a pickle)."""
    booster = xgb.Booster()
    booster.load_model(bytearray(raw))
    return booster

"""Exact TreeSHAP contributions and the factors they single out.

XGBoost's ``pred_contribs`` computes exact TreeSHAP inside the booster, far
faster than building a ``shap`` explainer per call; tests check both agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xgboost as xgb

from prospects.features.wording import wording
from prospects.serving.loaded import LoadedModel

TOP_K = 3


@dataclass(frozen=True)
class Factor:
    """One feature's pull on the log-odds of success, with the value that caused it."""

    feature: str
    label: str
    value: float | None
    contribution: float
    display: str = ""  # the value as a scout writes it (prospects.features.wording)

    def as_dict(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "label": self.label,
            "value": self.value,
            "display": self.display,
            "contribution": round(self.contribution, 4),
        }


def contributions(
    model: LoadedModel, X: np.ndarray, device: str = "cpu", dmatrix: xgb.DMatrix | None = None
) -> np.ndarray:
    """(n_rows, n_features + 1) log-odds contributions; the last column is the bias.

    ``device`` is XGBoost's: ranking chunks pass ``prospects.serving.device.ranking_device()``.
    ``dmatrix`` (``model.matrix(X)``) lets a caller that needs it again build it once.
    """
    return model.booster_on(device).predict(
        model.matrix(X) if dmatrix is None else dmatrix,
        pred_contribs=True,
        iteration_range=model.iteration_range,
        validate_features=False,  # X's columns are the model's, by name (LoadedModel.matrix)
    )


def top_factors(
    contrib_row: np.ndarray,
    values_row: np.ndarray,
    names: Sequence[str],
    k: int = TOP_K,
    shown: np.ndarray | None = None,
) -> tuple[list[Factor], list[Factor]]:
    """The ``k`` features pushing hardest towards success, and the ``k`` pushing hardest away.

    ``shown`` (a mask over ``names``) leaves out features never named to a user (the
    diagnostics of ``prospects.features.wording``); their contributions still count.
    """
    contrib = contrib_row[: len(names)]
    if shown is not None:
        contrib = np.where(shown, contrib, 0.0)
    order = np.argsort(contrib)

    def factor(i: int) -> Factor:
        value = values_row[i]
        word = wording(names[i])
        return Factor(
            feature=names[i],
            label=word.label,
            value=None if np.isnan(value) else round(float(value), 4),
            contribution=float(contrib[i]),
            display=word.format(float(value)),
        )

    pro = [factor(i) for i in order[::-1][:k] if contrib[i] > 0]
    con = [factor(i) for i in order[:k] if contrib[i] < 0]
    return pro, con

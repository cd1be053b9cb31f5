"""Exact TreeSHAP contributions and the factors they single out.

XGBoost's ``pred_contribs`` computes exact TreeSHAP inside the booster, far
faster than building a ``shap`` explainer per call; tests check both agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from prospects.serving.loaded import LoadedModel

TOP_K = 3


@dataclass(frozen=True)
class Factor:
    """One feature's pull on the log-odds of success, with the value that caused it."""

    feature: str
    label: str
    value: float | None
    contribution: float

    def as_dict(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "label": self.label,
            "value": self.value,
            "contribution": round(self.contribution, 4),
        }


def contributions(model: LoadedModel, X: np.ndarray, device: str = "cpu") -> np.ndarray:
    """(n_rows, n_features + 1) log-odds contributions; the last column is the bias.

    ``device`` is XGBoost's: ranking chunks pass ``prospects.serving.device.ranking_device()``.
    """
    return model.booster_on(device).predict(
        model.matrix(X), pred_contribs=True, iteration_range=model.iteration_range
    )


def top_factors(
    contrib_row: np.ndarray,
    values_row: np.ndarray,
    names: Sequence[str],
    labels: dict[str, str],
    k: int = TOP_K,
) -> tuple[list[Factor], list[Factor]]:
    """The ``k`` features pushing hardest towards success, and the ``k`` pushing hardest away."""
    contrib = contrib_row[: len(names)]
    order = np.argsort(contrib)

    def factor(i: int) -> Factor:
        value = values_row[i]
        return Factor(
            feature=names[i],
            label=labels.get(names[i], names[i].replace("_", " ")),
            value=None if np.isnan(value) else round(float(value), 4),
            contribution=float(contrib[i]),
        )

    pro = [factor(i) for i in order[::-1][:k] if contrib[i] > 0]
    con = [factor(i) for i in order[:k] if contrib[i] < 0]
    return pro, con

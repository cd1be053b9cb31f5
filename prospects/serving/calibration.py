"""Platt calibration of the served probability: the logit the trees add up, mapped by a line.

Fitted in training (``prospects.training.uncertainty``) on a fold later than the
evaluation model's training data, and stored in the model as a booster
attribute, so a version always serves with its own calibration. Platt rather
than isotonic: the calibration fold is one season (a few hundred eligible
rows), where isotonic regression's steps overfit; Platt's two parameters keep
the map smooth and strictly increasing, so it never reorders a board and the
probability-space Shapley points of ``concepts`` stay well defined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

CALIBRATION_ATTR = "calibration"  # booster attribute: {"method": "platt", "a": .., "b": ..}


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


@dataclass(frozen=True)
class Calibration:
    """p = sigmoid(a + b * logit); the identity (a=0, b=1) for a model fitted without one."""

    a: float = 0.0
    b: float = 1.0
    method: str = "none"

    def __call__(self, logit: np.ndarray) -> np.ndarray:
        return sigmoid(self.a + self.b * np.asarray(logit, dtype=np.float64))

    def to_json(self) -> str:
        return json.dumps({"method": self.method, "a": self.a, "b": self.b})

    @classmethod
    def from_json(cls, text: str | None) -> Calibration:
        if not text:
            return cls()
        raw = json.loads(text)
        return cls(float(raw["a"]), float(raw["b"]), str(raw.get("method", "platt")))


def fit_platt(logit: np.ndarray, y: np.ndarray, iterations: int = 50) -> Calibration:
    """Maximum-likelihood (a, b) by Newton's method, with Platt's target smoothing
    (positives at (n+ + 1)/(n+ + 2), negatives at 1/(n- + 2)) so a small fold cannot push
    the map to 0 or 1."""
    z = np.asarray(logit, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    t = np.where(y > 0.5, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    X = np.column_stack([np.ones_like(z), z])
    w = np.array([0.0, 1.0])
    for _ in range(iterations):
        p = sigmoid(X @ w)
        grad = X.T @ (p - t)
        hess = X.T @ (X * (p * (1 - p))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return Calibration(float(w[0]), float(w[1]), "platt")

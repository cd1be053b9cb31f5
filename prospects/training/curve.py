"""The validation curve and the tree count of a training run, logged to MLflow.

Early stopping keeps the rounds up to the best validation logloss and the
booster is trimmed there (``fit_booster``): every tree kept is paid for by
every explanation served. The curve shows where that point lies; the count is
a run metric, a run tag and a tag of the registered version.
"""

from __future__ import annotations

import time

import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

from prospects.training import plots

CURVE_METRIC = "valid_logloss"  # one value per boosting round, the round as its step
TREES_METRIC = "n_trees"  # rounds the registered booster keeps (a metric, a run and version tag)
CURVE_ARTIFACT = "validation_curve.json"


def log_validation_curve(run_id: str, curve: list[float], n_trees: int) -> None:
    """Log ``curve`` as a stepped metric (one batch), a JSON artifact and a plot; and the count."""
    client = MlflowClient()
    now = int(time.time() * 1000)
    for start in range(0, len(curve), 1000):  # MLflow takes at most 1000 metrics per batch
        client.log_batch(
            run_id,
            metrics=[
                Metric(CURVE_METRIC, float(v), now, step)
                for step, v in enumerate(curve[start : start + 1000], start=start)
            ],
        )
    mlflow.log_metric(TREES_METRIC, n_trees)
    mlflow.set_tag(TREES_METRIC, str(n_trees))
    mlflow.log_dict(
        {"metric": "logloss", "fold": "valid", "per_round": curve, "n_trees": n_trees},
        CURVE_ARTIFACT,
    )
    if curve:
        fig = plots.validation_curve_figure(curve, n_trees)
        mlflow.log_figure(fig, "plots/validation_curve.png")
        plots.close(fig)

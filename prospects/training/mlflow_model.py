"""The registered model as MLflow serves it: Callup's booster plus its own Platt calibration.

MLflow logs this file as a "model from code" (``mlflow.pyfunc.log_model(python_model=<this
file>)``), so it must stand alone: it imports only MLflow, XGBoost, NumPy and pandas, never
Callup, and ``mlflow models serve -m models:/prospect-success@champion`` runs it on a machine
without Callup installed. It reproduces exactly what Callup serves for a feature row: the
booster's margin over the rounds it keeps (its ``n_trees`` attribute), mapped through the
calibration stored on the booster (``{"method": "platt", "a": .., "b": ..}``; the identity when
absent). Callup's own serving reads the same booster file and the same attributes
(``prospects.serving.calibration``), so the two cannot drift apart.
"""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pandas as pd
import xgboost as xgb

BOOSTER = "booster"  # the artifact key of the booster file (model.ubj)
OUTPUT = "probability"


class CalibratedBooster(mlflow.pyfunc.PythonModel):
    """Feature rows in, one calibrated ``probability`` per row out."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        self.booster = xgb.Booster()
        self.booster.load_model(context.artifacts[BOOSTER])
        rounds = self.booster.num_boosted_rounds()
        stated = self.booster.attr("n_trees")
        self.rounds = min(rounds, int(stated)) if stated else rounds
        raw = self.booster.attr("calibration")
        params = json.loads(raw) if raw else {"a": 0.0, "b": 1.0}
        self.a, self.b = float(params["a"]), float(params["b"])

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict | None = None,
    ) -> pd.DataFrame:
        names = self.booster.feature_names or list(model_input.columns)
        X = model_input[names].astype("float64")
        margin = self.booster.predict(
            xgb.DMatrix(X, missing=np.nan),
            iteration_range=(0, self.rounds),
            output_margin=True,
        )
        probability = 1.0 / (1.0 + np.exp(-(self.a + self.b * margin)))
        return pd.DataFrame({OUTPUT: probability})


mlflow.models.set_model(CalibratedBooster())

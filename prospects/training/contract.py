"""What the registered model promises to anyone who serves it outside Callup.

``mlflow models serve -m models:/prospect-success@champion`` works without
Callup's code, so the model must say what it takes and gives: every feature
by name, each a required double where NaN (JSON ``null``) means "missing"
(XGBoost's own missing value: 0.0 would be read as a real zero); one output,
``probability``; an example row that keeps its NaNs; a description saying the
inputs are computed features, not a prospect id. The MLflow model is
``mlflow_model.py`` (a standalone model from code) over the booster trimmed to
the rounds Callup serves, with the version's Platt calibration applied, so
MLflow's scoring server returns exactly Callup's probabilities.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xgboost as xgb
from mlflow.models import ModelSignature
from mlflow.tracking import MlflowClient
from mlflow.types import ColSpec, DataType, Schema

from prospects.training.model import kept_trees

OUTPUT = "probability"
# The MLflow model: this standalone file (never imported by Callup: it calls set_model) and
# the booster file it loads, under this artifact key (the same key the file reads).
MODEL_CODE = Path(__file__).with_name("mlflow_model.py")
BOOSTER_ARTIFACT = "booster"
TARGET = "label"  # the label column of the logged training dataset
EXAMPLE_ROWS = 5


def signature(feature_names: list[str]) -> ModelSignature:
    """Every feature a named, required double (NaN allowed); one named double output."""
    inputs = Schema([ColSpec(DataType.double, name, required=True) for name in feature_names])
    return ModelSignature(inputs=inputs, outputs=Schema([ColSpec(DataType.double, OUTPUT)]))


def input_example(X: pd.DataFrame) -> pd.DataFrame:
    """A few real rows, NaN kept (missing, as the model reads it), as doubles."""
    return X.head(EXAMPLE_ROWS).astype("float64").reset_index(drop=True)


def served_booster(booster: xgb.Booster) -> xgb.Booster:
    """The booster as Callup serves it: only the rounds it keeps (``kept_trees``)."""
    n_trees = kept_trees(booster)
    return booster[:n_trees] if booster.num_boosted_rounds() > n_trees else booster


def description(n_features: int) -> str:
    """The registered version's description: what goes in and what comes out."""
    return (
        "Probability that a baseball prospect reaches Callup's success bar "
        "(docs/model-card.md). Input: one row per prospect and day of the "
        f"{n_features} computed features of prospects.features (docs/features.md), "
        "every one a named double; send all of them, null (NaN) where a feature "
        "does not apply, never 0 in its place. It does not take a prospect id: "
        "Callup's API (POST /api/ml/predict) computes the features from the league "
        f"data. Output: `{OUTPUT}`, in [0, 1]."
    )


def describe(client: MlflowClient, name: str, version: int, n_features: int) -> None:
    """Write the description on the version and, if it has none, on the registered model."""
    text = description(n_features)
    client.update_model_version(name, str(version), description=text)
    if not client.get_registered_model(name).description:
        client.update_registered_model(name, description=text)

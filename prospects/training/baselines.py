"""The two baselines a model must beat: the base rate, and scouting grades alone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def base_rate_predictions(y_train: np.ndarray, n: int) -> np.ndarray:
    """Everyone gets the training positive rate: what knowing nothing scores."""
    return np.full(n, float(np.mean(y_train)))


def grades_baseline_predictions(
    X_train: pd.DataFrame,
    y_train: np.ndarray,
    X_eval: pd.DataFrame,
    grade_columns: Sequence[str],
    seed: int = 0,
) -> np.ndarray:
    """A logistic regression on the scouting grades only: what a scouting department knows.

    Missing grades (a hitter's pitching tools, a prospect not yet scouted) are
    imputed as 0 — the 50 grade after normalisation — with a missing indicator.
    """
    cols = list(grade_columns)
    model = make_pipeline(
        SimpleImputer(strategy="constant", fill_value=0.0, add_indicator=True),
        StandardScaler(),
        LogisticRegression(max_iter=2000, random_state=seed),
    )
    model.fit(X_train[cols].to_numpy(dtype=float), np.asarray(y_train, dtype=int))
    return model.predict_proba(X_eval[cols].to_numpy(dtype=float))[:, 1]


LEVEL_COLUMN, AGE_COLUMN = "highest_level", "age"


def _level_age_design(X: pd.DataFrame) -> np.ndarray:
    """One column per level (no level yet is its own), age, and age within each level."""
    level = X[LEVEL_COLUMN].to_numpy(dtype=float)
    age = X[AGE_COLUMN].to_numpy(dtype=float)
    codes = np.where(np.isnan(level), -1, level).astype(int)
    columns = [age]
    for code in range(-1, 5):
        is_level = (codes == code).astype(float)
        columns += [is_level, is_level * age]
    return np.column_stack(columns)


def level_age_baseline_predictions(
    X_train: pd.DataFrame, y_train: np.ndarray, X_eval: pd.DataFrame, seed: int = 0
) -> np.ndarray:
    """A logistic regression on the highest level reached and age, with an age slope per level.

    The baseline to beat: "which level is he at, and how young for it" is most of
    what a naive prospect ranking knows. A model that does not clearly beat it
    has learned little else.
    """
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    model.fit(_level_age_design(X_train), np.asarray(y_train, dtype=int))
    return model.predict_proba(_level_age_design(X_eval))[:, 1]

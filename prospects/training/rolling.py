"""Rolling holdouts: each season scored by a model trained only on what was known before it.

The confidence validation (``prospects.training.confidence_check``) judges the
rows this pools. It lives apart from that module because it runs the training
pipeline, which itself uses the validation's bins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from prospects.serving.confidence import log_odds_wide
from prospects.training.pipeline import train


def rolling_holdouts(
    X: pd.DataFrame,
    meta: pd.DataFrame,
    seasons: Iterable[int],
    params: object,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Per holdout season H, the pipeline run on the examples of seasons <= H only — what a
    model trained on H's reference date would have answered — and its holdout rows pooled.

    ``train`` then holds H out, trains on the seasons whose labels were final on H's date,
    calibrates on the latest of them and fits the members and the population on what it
    trained on: no row of a later season is seen by the model scoring H.
    """
    parts = []
    for season in seasons:
        known = (meta["season"] <= season).to_numpy()
        Xs, ms = X[known].reset_index(drop=True), meta[known].reset_index(drop=True)
        result = train(None, params, refit=False, examples=(Xs, ms))  # type: ignore[arg-type]
        u = result.uncertainty
        assert u is not None
        hold = result.holdout_X
        parts.append(
            pd.DataFrame(
                {
                    "season": season,
                    "prospect_id": result.holdout_prospects,
                    "y": result.holdout_y,
                    "p": u.holdout_p,
                    "low": u.holdout_low,
                    "high": u.holdout_high,
                    "distance": u.population.distance(hold.to_numpy(dtype=np.float64)),
                    "unusual": u.holdout_unusual,
                    "volume": hold["career_volume"].fillna(0).to_numpy(),
                    "level": u.holdout_level,
                    "width": log_odds_wide(u.holdout_low, u.holdout_high),
                    "width_high": u.widths.high,
                    "width_low": u.widths.low,
                    "train_first": result.split.train[0],
                    "train_last": result.split.train[-1],
                }
            )
        )
        if progress:
            progress(
                f"holdout {season}: {len(hold)} rows, {int(result.holdout_y.sum())} successes, "
                f"trained on {result.split.train[0]}-{result.split.train[-1]}, "
                f"{u.holdout_unusual.mean():.1%} unusual"
            )
    return pd.concat(parts, ignore_index=True)

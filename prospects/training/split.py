"""Time-based splits: train on earlier reference seasons, validate and hold out later ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class TimeSplit:
    """Which reference seasons feed training, early stopping and the final holdout."""

    train: tuple[int, ...]
    valid: tuple[int, ...]
    holdout: tuple[int, ...]

    def masks(self, seasons: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boolean row masks for a ``season`` column."""
        values = seasons.to_numpy()
        return (
            np.isin(values, self.train),
            np.isin(values, self.valid),
            np.isin(values, self.holdout),
        )

    def as_params(self) -> dict[str, str]:
        return {
            "train_seasons": f"{self.train[0]}-{self.train[-1]}",
            "valid_seasons": ",".join(map(str, self.valid)),
            "holdout_seasons": ",".join(map(str, self.holdout)),
        }


def time_split(seasons: Sequence[int], holdout: int = 1, valid: int = 1) -> TimeSplit:
    """The latest ``holdout`` seasons are held out, the ``valid`` before them stop early."""
    ordered = sorted(set(int(s) for s in seasons))
    if len(ordered) < holdout + valid + 1:
        raise ValueError(
            f"need at least {holdout + valid + 1} labelled seasons for a time split, "
            f"have {len(ordered)}: seed a longer league"
        )
    return TimeSplit(
        train=tuple(ordered[: -(holdout + valid)]),
        valid=tuple(ordered[-(holdout + valid) : -holdout]),
        holdout=tuple(ordered[-holdout:]),
    )

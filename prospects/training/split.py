"""The evaluation split: no training label from after the holdout's reference date, no prospect
on both sides.

A label for reference season Y is known only once season Y + 4 is over, so a
model evaluated on season H may train only on seasons whose labels were known
on H's reference date: Y <= H - 4. The latest such seasons stop the boosting
early (validation), the ones before them train it; the seasons in between
(H - 3 .. H - 1) are used by neither, since their labels come from after the
holdout's date. Prospects are the unit of independence: every prospect with a
holdout row is removed from training and validation, so the holdout is judged
on players the model has never seen. (Validation keeps prospects that also
appear in training: it only chooses the number of trees.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prospects.config import HORIZON_YEARS


@dataclass(frozen=True)
class TimeSplit:
    """Which reference seasons feed training, early stopping and the final holdout."""

    train: tuple[int, ...]
    valid: tuple[int, ...]
    holdout: tuple[int, ...]

    def masks(
        self, seasons: pd.Series, prospects: pd.Series | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boolean row masks; with ``prospects``, holdout prospects leave train and valid."""
        values = seasons.to_numpy()
        train, valid = np.isin(values, self.train), np.isin(values, self.valid)
        holdout = np.isin(values, self.holdout)
        if prospects is not None:
            ids = prospects.to_numpy()
            seen_later = np.isin(ids, ids[holdout])
            train &= ~seen_later
            valid &= ~seen_later
        return train, valid, holdout

    def as_params(self) -> dict[str, str]:
        return {
            "train_seasons": f"{self.train[0]}-{self.train[-1]}",
            "valid_seasons": ",".join(map(str, self.valid)),
            "holdout_seasons": ",".join(map(str, self.holdout)),
            "split": "time, labels known by the holdout's reference date, prospect-disjoint",
        }


def time_split(seasons: Sequence[int], holdout: int = 1, valid: int = 1) -> TimeSplit:
    """The latest ``holdout`` seasons are held out; ``valid`` seasons whose labels were known on
    the first holdout season's reference date stop early; every season before them trains."""
    ordered = sorted(set(int(s) for s in seasons))
    if len(ordered) < holdout:
        raise ValueError("need at least one labelled season for a holdout: seed a longer league")
    held = tuple(ordered[-holdout:])
    latest_known = held[0] - HORIZON_YEARS  # its label was final on the holdout's date
    usable = [s for s in ordered if s <= latest_known]
    if len(usable) < valid + 1:
        raise ValueError(
            f"need {valid + 1} labelled seasons at least {HORIZON_YEARS} before the holdout "
            f"season {held[0]} (labels known by its reference date) for training and "
            f"validation, have {len(usable)}: seed a longer league"
        )
    return TimeSplit(
        train=tuple(usable[:-valid]),
        valid=tuple(usable[-valid:]),
        holdout=held,
    )

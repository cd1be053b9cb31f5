"""A model version held in memory, ready to score: the booster and what it was trained on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xgboost as xgb

from prospects.serving.calibration import CALIBRATION_ATTR, Calibration
from prospects.serving.confidence import WIDTHS_ATTR, Widths
from prospects.serving.interval import INTERVAL_ATTR, IntervalEnsemble
from prospects.serving.ood import OOD_ATTR, Population
from prospects.training.model import booster_from_bytes, kept_trees

# Threads per prediction call. A worker runs one pool process per core: a second thread per
# call only spins against the other process (a one-row explanation took 5.9 ms on two threads
# against 8.3 ms on one, for 12.6 ms of CPU against 8.3), and under load that spin is lost
# throughput. XGBoost takes the count from the DMatrix, not only from the booster.
SERVING_THREADS = 1


@dataclass(frozen=True)
class LoadedModel:
    """An immutable, warm model version; swapping models swaps the whole object."""

    name: str
    version: int
    booster: xgb.Booster
    digest: str
    feature_names: tuple[str, ...]
    n_trees: int = 0  # the rounds the registered model keeps; every call uses exactly these
    # What the version says about its own certainty (absent on versions trained before them:
    # identity calibration, no interval, no population check).
    calibration: Calibration = field(default_factory=Calibration)
    ensemble: IntervalEnsemble | None = field(default=None, repr=False)
    population: Population | None = field(default=None, repr=False)
    widths: Widths | None = None  # the confidence level's log-odds width lines
    # Copies of the booster placed on another device (``cuda``), made on first use.
    _placed: dict[str, xgb.Booster] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_bytes(cls, name: str, version: int, raw: bytes, digest: str) -> LoadedModel:
        booster = booster_from_bytes(raw)
        n_trees = kept_trees(booster)
        if booster.num_boosted_rounds() > n_trees:  # saved untrimmed: drop the rounds past it
            booster = booster[:n_trees]
        booster.set_param({"nthread": SERVING_THREADS})
        names = tuple(booster.feature_names or ())
        return cls(
            name,
            version,
            booster,
            digest,
            names,
            n_trees,
            calibration=Calibration.from_json(booster.attr(CALIBRATION_ATTR)),
            ensemble=IntervalEnsemble.from_json(booster.attr(INTERVAL_ATTR), SERVING_THREADS),
            population=Population.from_json(booster.attr(OOD_ATTR)),
            widths=Widths.from_json(booster.attr(WIDTHS_ATTR)),
        )

    def booster_on(self, device: str) -> xgb.Booster:
        """The booster computing on ``device``: itself for ``cpu``, else a copy placed there.

        The copy is made in the process that uses it (a pool process, after the fork), and
        kept: moving a thousand trees to a GPU for every chunk would cost more than it saves.
        """
        if device == "cpu":
            return self.booster
        placed = self._placed.get(device)
        if placed is None:
            placed = self.booster.copy()
            placed.set_param({"device": device})
            self._placed[device] = placed
        return placed

    @property
    def iteration_range(self) -> tuple[int, int]:
        """The rounds every prediction and explanation uses: all the model keeps, no more."""
        return (0, self.n_trees)

    def matrix(self, X: np.ndarray) -> xgb.DMatrix:
        """``X`` (columns in the model's order) as the booster's input, built on one thread.

        Without feature names, so predictions on it pass ``validate_features=False``: the
        columns were chosen by name and put in the model's order by
        ``scoring.feature_matrix``, which raises for a missing one. XGBoost's own check
        repeats that per call (names set and compared in Python): about 0.3 ms of a
        one-row answer, a sixth of its whole SHAP pass.
        """
        return xgb.DMatrix(X, missing=np.nan, nthread=SERVING_THREADS)

"""The probability interval: a bootstrap-by-prospect ensemble's spread around the answer.

Training fits ``B`` small boosters, each on a resample of *prospects* (all of a
prospect's seasons together, since his rows are not independent) drawn with
replacement from the evaluation's training fold. Their spread in log-odds is
how much the answer would move had the league handed us another, equally
likely set of prospects. The interval is the served logit plus and minus
``factor * s`` (``s``: the members' standard deviation for this row;
``factor``: Student's t quantile of the level with B-1 degrees of freedom times
sqrt(1 + 1/B), a prediction interval for one more bootstrap draw), mapped
through the same calibration as the answer, so the answer always lies inside it.

Cost at serving: one probability evaluation per member, never another SHAP
pass; the members' trees are walked together in numpy (``forest.py``), since
ten separate XGBoost calls cost more in per-call overhead than in trees. The
members are stored in the model (a booster attribute holding their UBJ bytes,
base64), so a version's interval travels with it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import numpy as np
import xgboost as xgb

from prospects.serving.forest import Forest

INTERVAL_ATTR = "interval_members"  # booster attribute: {"level": .., "members": [base64 UBJ]}


@dataclass(frozen=True)
class IntervalEnsemble:
    """The members and the level their interval states."""

    level: float
    members: tuple[xgb.Booster, ...]
    factor: float  # half-width in members' standard deviations
    forest: Forest | None = field(default=None, repr=False, compare=False)

    def spread(self, X: np.ndarray) -> np.ndarray:
        """Per row of ``X`` (the model's columns), the members' standard deviation in log-odds
        (0 without members): one vectorised pass over every member's trees."""
        X = np.asarray(X, dtype=np.float32)
        if len(self.members) < 2:
            return np.zeros(len(X))
        forest = self.forest or Forest.of(self.members, X.shape[1])
        return forest.margins(X).std(axis=0, ddof=1)

    def bounds(self, logit: np.ndarray, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper log-odds of the interval around ``logit``."""
        half = self.factor * np.asarray(spread, dtype=np.float64)
        return logit - half, logit + half

    def to_json(self) -> str:
        encoded = [base64.b64encode(bytes(m.save_raw("ubj"))).decode("ascii") for m in self.members]
        return json.dumps({"level": self.level, "factor": self.factor, "members": encoded})

    @classmethod
    def from_json(cls, text: str | None, threads: int = 1) -> IntervalEnsemble | None:
        if not text:
            return None
        raw = json.loads(text)
        members = []
        for blob in raw["members"]:
            booster = xgb.Booster()
            booster.load_model(bytearray(base64.b64decode(blob)))
            booster.set_param({"nthread": threads})
            members.append(booster)
        forest = Forest.of(tuple(members), members[0].num_features()) if members else None
        return cls(float(raw["level"]), tuple(members), float(raw["factor"]), forest)

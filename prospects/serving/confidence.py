"""How much to trust a prediction: its interval against others at that probability, and
whether he resembles the players the model learned from.

The rule (documented and validated in docs/confidence.md):

* a profile unlike the training population (``prospects.serving.ood``: a
  Mahalanobis distance beyond the training rows' 99th percentile) is ``low``,
  whatever the interval says — the members agree there only because none of
  them has seen anyone like him;
* otherwise the interval's width in log-odds is compared with the widths of
  answers *at the same probability* on the calibration fold (``WidthTable``):
  in their narrowest third ``high``, in their widest third ``low``, else
  ``medium``.

Why at the same probability: an interval's width follows the probability (a
0.1% answer is narrow, a 50% one wide), so an absolute threshold would make
every low probability "high" and every contender "low" — the probability
deciding the confidence again. Compared at matched probability, the level says
something the probability does not, which is what the validation checks: at
matched probability, "high" answers must have a lower error than "low" ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

CONFIDENCE_ATTR = "confidence_widths"  # booster attribute: the WidthTable
BINS = 5


@dataclass(frozen=True)
class Confidence:
    """A level and the reasons that produced it, in words a user can check."""

    level: str
    reasons: tuple[str, ...]


def _logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def width(interval: Mapping[str, float]) -> float:
    """The interval's width in log-odds."""
    return float(_logit(interval["high"]) - _logit(interval["low"]))


@dataclass(frozen=True)
class WidthTable:
    """Per probability bin (inner edges), the widths under which a third / two thirds fall."""

    edges: tuple[float, ...]  # BINS - 1 inner edges on the calibrated probability
    narrow: tuple[float, ...]
    wide: tuple[float, ...]

    @classmethod
    def fit(cls, p: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int = BINS) -> WidthTable:
        widths = _logit(high) - _logit(low)
        edges = np.quantile(p, np.linspace(0, 1, bins + 1)[1:-1])
        which = np.searchsorted(edges, p, side="right")
        narrow, wide = [], []
        for b in range(bins):
            mine = widths[which == b]
            q1, q2 = np.quantile(mine, [1 / 3, 2 / 3]) if len(mine) else (np.inf, np.inf)
            narrow.append(float(q1))
            wide.append(float(q2))
        return cls(tuple(float(e) for e in edges), tuple(narrow), tuple(wide))

    def thresholds(self, probability: float) -> tuple[float, float]:
        b = int(np.searchsorted(self.edges, probability, side="right"))
        return self.narrow[b], self.wide[b]

    def to_json(self) -> str:
        return json.dumps({"edges": self.edges, "narrow": self.narrow, "wide": self.wide})

    @classmethod
    def from_json(cls, text: str | None) -> WidthTable | None:
        if not text:
            return None
        raw = json.loads(text)
        return cls(tuple(raw["edges"]), tuple(raw["narrow"]), tuple(raw["wide"]))


def assess(
    probability: float,
    interval: Mapping[str, float] | None,
    table: WidthTable | None,
    unusual: bool | None,
    sample: int,
    unit: str,
) -> Confidence:
    """Apply the rule to one prediction."""
    reasons = []
    if interval is None or table is None:
        level = "medium"
        reasons.append("this model version states no interval")
    else:
        w = width(interval)
        narrow, wide = table.thresholds(probability)
        span = f"{(interval['high'] - interval['low']) * 100:.1f} points wide"
        if w <= narrow:
            level = "high"
            reasons.append(f"interval narrower than most at this probability ({span})")
        elif w <= wide:
            level = "medium"
            reasons.append(f"interval typical for this probability ({span})")
        else:
            level = "low"
            reasons.append(f"interval wider than most at this probability ({span})")
    if unusual:
        level = "low"
        reasons.append("a profile unlike the prospects the model learned from")
    elif unusual is not None:
        reasons.append("a profile like many the model learned from")
    reasons.append(f"{sample:,} {unit} on record")
    return Confidence(level, tuple(reasons))


def levels(
    p: np.ndarray, low: np.ndarray, high: np.ndarray, unusual: np.ndarray, table: WidthTable
) -> np.ndarray:
    """The rule over arrays (the validation's vectorised twin of :func:`assess`)."""
    widths = _logit(high) - _logit(low)
    which = np.searchsorted(np.array(table.edges), p, side="right")
    narrow, wide = np.array(table.narrow)[which], np.array(table.wide)[which]
    out = np.where(widths <= narrow, "high", np.where(widths <= wide, "medium", "low"))
    return np.where(unusual, "low", out)

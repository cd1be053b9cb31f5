"""How much to trust a prediction: how far the answer could move, whether he resembles the
players the model learned from, and how much he has played.

The rule (documented and validated in docs/confidence.md), in the order it applies:

1. **A profile unlike the training population** (``prospects.serving.ood``: a
   Mahalanobis distance beyond the training rows' 99th percentile) is ``low``,
   whatever the interval says — the members agree there only because none of
   them has seen anyone like him.
2. **How far the answer could move**: the 80% interval's width in probability
   points, the unit the scout reads. At most ``HIGH_POINTS`` (10 points: the
   answer is pinned within about five points either way, less than a step
   between tiers on a board) ``high``; over ``LOW_POINTS`` (25 points: a quarter
   of the whole scale, "unlikely" and "likely" both inside) ``low``; else
   ``medium``. Absolute, so a 46-point-wide interval is never ``high`` and a
   0.1–0.8% one never ``low``.
3. **Thin evidence**: under ``THIN_SAMPLE`` career minor-league PA (hitters) or
   BF (pitchers) — about a third of a full season; the sample a forecaster such as
   KATOH required — caps the level at ``medium``: the answer then rests on
   grades and draft position more than on anything he has done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

HIGH_POINTS = 10.0  # 80% interval at most this many probability points wide: high
LOW_POINTS = 25.0  # wider than this: low
THIN_SAMPLE = 200  # fewer career minor-league PA / BF: at most medium
VOLUME_FEATURE = "career_volume"  # the model's feature holding that sample
UNUSUAL_REASON = "a profile unlike the prospects the model learned from"


@dataclass(frozen=True)
class Confidence:
    """A level and the reasons that produced it, in words a user can check."""

    level: str
    reasons: tuple[str, ...]


def points_wide(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The interval's width in probability points, to the tenth the answer shows."""
    return np.round((np.asarray(high, dtype=float) - np.asarray(low, dtype=float)) * 100, 1)


def _by_width(points: np.ndarray) -> np.ndarray:
    return np.where(points <= HIGH_POINTS, "high", np.where(points <= LOW_POINTS, "medium", "low"))


def assess(
    probability: float,
    interval: Mapping[str, float] | None,
    unusual: bool | None,
    sample: int,
    unit: str,
) -> Confidence:
    """Apply the rule to one prediction."""
    reasons = []
    if interval is None:
        level = "medium"
        reasons.append("this model version states no interval")
    else:
        points = points_wide(np.array([interval["low"]]), np.array([interval["high"]]))
        level = str(_by_width(points)[0])
        words = f"{points[0]:.1f} points wide"
        reasons.append(
            {
                "high": f"the answer could move little (interval {words})",
                "medium": f"the answer could move some (interval {words})",
                "low": f"the answer could move a lot (interval {words})",
            }[level]
        )
    if unusual:
        level = "low"
        reasons.append(UNUSUAL_REASON)
    elif unusual is not None:
        reasons.append("a profile like many the model learned from")
    if sample < THIN_SAMPLE:
        level = "medium" if level == "high" else level
        reasons.append(f"little professional playing time ({sample:,} {unit} on record)")
    else:
        reasons.append(f"{sample:,} {unit} on record")
    return Confidence(level, tuple(reasons))


def levels_of(
    low: np.ndarray,
    high: np.ndarray,
    unusual: np.ndarray,
    sample: np.ndarray,
) -> np.ndarray:
    """The rule over arrays (the validation's vectorised twin of :func:`assess`)."""
    out = _by_width(points_wide(low, high))
    out = np.where(np.asarray(sample) < THIN_SAMPLE, np.where(out == "high", "medium", out), out)
    return np.where(np.asarray(unusual, dtype=bool), "low", out)

"""How much to trust a prediction: the width of its interval and whether he resembles the past.

The rule (documented and validated in docs/confidence.md):

* a profile unlike the training population (``prospects.serving.ood``: a
  Mahalanobis distance beyond the training rows' 99th percentile) is ``low``,
  whatever the interval says — the members agree there only because none of
  them has seen anyone like him;
* otherwise the interval's width in log-odds decides: at most ``HIGH_WIDTH`` is
  ``high``, more than ``LOW_WIDTH`` is ``low``, between them ``medium``.

The width is read in log-odds, not in points of probability, so a low
probability is not "sure" merely because it is low (a 2-8% interval is as
wide, in log-odds, as a 40-75% one). The sample behind the numbers is quoted
as context, not scored: the interval already carries it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

HIGH_WIDTH = 0.8  # log-odds between the interval's ends
LOW_WIDTH = 1.4


@dataclass(frozen=True)
class Confidence:
    """A level and the reasons that produced it, in words a user can check."""

    level: str
    reasons: tuple[str, ...]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def width(interval: Mapping[str, float]) -> float:
    """The interval's width in log-odds."""
    return _logit(interval["high"]) - _logit(interval["low"])


def assess(
    interval: Mapping[str, float] | None, unusual: bool | None, sample: int, unit: str
) -> Confidence:
    """Apply the rule to one prediction."""
    reasons = []
    if interval is None:
        level = "medium"
        reasons.append("this model version states no interval")
    else:
        w = width(interval)
        span = f"{(interval['high'] - interval['low']) * 100:.0f} points wide"
        if w <= HIGH_WIDTH:
            level = "high"
            reasons.append(f"a narrow interval ({span})")
        elif w <= LOW_WIDTH:
            level = "medium"
            reasons.append(f"a moderate interval ({span})")
        else:
            level = "low"
            reasons.append(f"a wide interval ({span})")
    if unusual:
        level = "low"
        reasons.append("a profile unlike the prospects the model learned from")
    elif unusual is not None:
        reasons.append("a profile like many the model learned from")
    reasons.append(f"{sample:,} {unit} on record")
    return Confidence(level, tuple(reasons))

"""How much to trust a prediction, from the evidence behind it — not from the probability alone.

The rule (documented in docs/confidence.md) adds points for evidence and
takes them away for an input unlike anything the model was trained on:

* sample: professional plate appearances (hitters) or batters faced (pitchers)
  known on the date — 800 or more: +2; 250 to 799: +1; fewer: 0;
* margin: distance from the 50% decision boundary in log-odds, |logit p| —
  2 or more (p ≤ 12% or ≥ 88%): +2; 1 or more (p ≤ 27% or ≥ 73%): +1;
* unusual input: features outside the central 99% of the training data —
  3 or more: −2; 1 or 2: −1.

3 points or more is ``high``, 1–2 ``medium``, 0 or less ``low``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_HIGH, SAMPLE_MEDIUM = 800, 250
MARGIN_HIGH, MARGIN_MEDIUM = 2.0, 1.0
UNUSUAL_MANY = 3
HIGH_POINTS, MEDIUM_POINTS = 3, 1


@dataclass(frozen=True)
class Confidence:
    """A level and the reasons that produced it, in words a user can check."""

    level: str
    points: int
    reasons: tuple[str, ...]


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def assess(probability: float, sample: int, sample_unit: str, unusual: int) -> Confidence:
    """Apply the rule to one prediction."""
    points, reasons = 0, []
    if sample >= SAMPLE_HIGH:
        points += 2
        reasons.append(f"large sample: {sample} {sample_unit}")
    elif sample >= SAMPLE_MEDIUM:
        points += 1
        reasons.append(f"moderate sample: {sample} {sample_unit}")
    else:
        reasons.append(f"small sample: {sample} {sample_unit}")

    margin = abs(_logit(probability))
    if margin >= MARGIN_HIGH:
        points += 2
        reasons.append("far from the decision boundary")
    elif margin >= MARGIN_MEDIUM:
        points += 1
        reasons.append("some distance from the decision boundary")
    else:
        reasons.append("close to the decision boundary")

    if unusual >= UNUSUAL_MANY:
        points -= 2
        reasons.append(f"{unusual} features outside the training range")
    elif unusual > 0:
        points -= 1
        reasons.append(f"{unusual} feature(s) outside the training range")

    if points >= HIGH_POINTS:
        level = "high"
    elif points >= MEDIUM_POINTS:
        level = "medium"
    else:
        level = "low"
    return Confidence(level, points, tuple(reasons))

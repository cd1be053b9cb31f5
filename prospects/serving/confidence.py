"""How much to trust a prediction: how far the models behind the answer disagree, whether he
resembles the players the model learned from, and how much he has played.

The rule (documented and validated in docs/confidence.md), in the order it applies:

1. **A profile unlike the training population** (``prospects.serving.ood``: a
   Mahalanobis distance beyond the training rows' 99th percentile) is ``low``,
   whatever the interval says — the members agree there only because none of
   them has seen anyone like him.
2. **How far the models disagree**: the 80% interval's width on the log-odds
   scale, ``logit(high) - logit(low)`` — the spread of the bootstrap members the
   interval is built from, in the unit in which a 1–4% interval (odds four
   times apart) is as uncertain as a 20–50% one. The two lines are the
   terciles of that width on the model's **validation fold** (``Widths.fit``:
   rows later than any it trained on, scored as a served answer is), stored in
   the model version (``confidence_widths``): the narrowest third ``high``, the
   widest third ``low``, between ``medium``. Never read off the holdout.
3. **Thin evidence**: under ``THIN_SAMPLE`` career minor-league PA (hitters) or
   BF (pitchers) — about a third of a full season; the sample a forecaster such as
   KATOH required — caps the level at ``medium``: the answer then rests on
   grades and draft position more than on anything he has done.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

THIN_SAMPLE = 200  # fewer career minor-league PA / BF: at most medium
VOLUME_FEATURE = "career_volume"  # the model's feature holding that sample
UNUSUAL_REASON = "a profile unlike the prospects the model learned from"
WIDTHS_ATTR = "confidence_widths"  # booster attribute: {"high": .., "low": ..} in log-odds
TERCILES = (1 / 3, 2 / 3)
# Probabilities are clipped this far from 0 and 1 before taking log-odds (the answer is shown
# to six decimals, so a bound of exactly 0 or 1 is a rounding, not an infinite width).
_EPS = 1e-6
WIDTH_REASONS = {
    "high": "the models behind it agree more than usual",
    "medium": "the models behind it differ about as much as usual",
    "low": "the models behind it disagree more than usual",
}
NO_INTERVAL = "this model version states no interval"
NO_WIDTHS = "this model version states no width lines for its interval"


def log_odds_wide(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The interval's width on the log-odds scale: ``log`` of how many times the odds at its top
    exceed the odds at its bottom (1–4%: 1.42, odds 4.1 times apart; 20–50%: 1.39)."""
    lo = np.clip(np.asarray(low, dtype=float), _EPS, 1 - _EPS)
    hi = np.clip(np.asarray(high, dtype=float), _EPS, 1 - _EPS)
    return np.log(hi / (1 - hi)) - np.log(lo / (1 - lo))


@dataclass(frozen=True)
class Widths:
    """The log-odds widths that separate the levels: at most ``high`` is high, over ``low`` low."""

    high: float
    low: float

    @classmethod
    def fit(cls, widths: np.ndarray) -> Widths:
        """The terciles of the widths a model answers with on rows it did not train on."""
        lo, hi = np.quantile(np.asarray(widths, dtype=float), TERCILES)
        return cls(float(lo), float(hi))

    def levels(self, widths: np.ndarray) -> np.ndarray:
        w = np.asarray(widths, dtype=float)
        return np.where(w <= self.high, "high", np.where(w <= self.low, "medium", "low"))

    def to_json(self) -> str:
        return json.dumps({"high": self.high, "low": self.low})

    @classmethod
    def from_json(cls, text: str | None) -> Widths | None:
        if not text:
            return None
        raw = json.loads(text)
        return cls(float(raw["high"]), float(raw["low"]))


@dataclass(frozen=True)
class Confidence:
    """A level and the reasons that produced it, in words a user can check."""

    level: str
    reasons: tuple[str, ...]


def assess(
    interval: Mapping[str, float] | None,
    unusual: bool | None,
    sample: int,
    unit: str,
    widths: Widths | None = None,
) -> Confidence:
    """Apply the rule to one prediction (``widths``: the model version's lines)."""
    reasons = []
    if interval is None or widths is None:
        level = "medium"
        reasons.append(NO_INTERVAL if interval is None else NO_WIDTHS)
    else:
        wide = log_odds_wide(np.array([interval["low"]]), np.array([interval["high"]]))
        level = str(widths.levels(wide)[0])
        # Relative to the model's own lines, and without the interval's numbers: the answer
        # states the interval just before, and a narrative quoting it twice reads as padding.
        reasons.append(WIDTH_REASONS[level])
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
    widths: Widths,
) -> np.ndarray:
    """The rule over arrays (the validation's vectorised twin of :func:`assess`)."""
    out = widths.levels(log_odds_wide(low, high))
    out = np.where(np.asarray(sample) < THIN_SAMPLE, np.where(out == "high", "medium", out), out)
    return np.where(np.asarray(unusual, dtype=bool), "low", out)

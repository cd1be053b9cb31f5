"""Intervals that respect who the rows are: bootstrap resamples of prospects, not of rows.

One prospect can contribute several correlated rows (one per reference season),
so a row bootstrap would understate the uncertainty; resampling prospects keeps
each one's rows together. A paired bootstrap scores two models on the very same
resample each time, so the interval of their difference is not widened by the
noise both share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

N_BOOT = 1000
Metric = Callable[[np.ndarray, np.ndarray], float]


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula with tied scores sharing ranks (NaN with one class)."""
    y = np.asarray(y, dtype=bool)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    sorted_p = np.asarray(p, dtype=float)[order]
    ranks = np.empty(len(p))
    # average rank of each run of ties
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_p)) + 1]
    ends = np.r_[starts[1:], len(p)]
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def pr_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision (area under the precision-recall curve, as scikit-learn defines it).

    Written in numpy because the bootstrap calls it thousands of times; NaN without positives.
    """
    y = np.asarray(y, dtype=bool)
    if not y.any():
        return float("nan")
    order = np.argsort(-np.asarray(p, dtype=float), kind="mergesort")
    ys, ps = y[order], np.asarray(p, dtype=float)[order]
    last_of_threshold = np.r_[np.flatnonzero(np.diff(ps)), len(ps) - 1]
    tps = np.cumsum(ys)[last_of_threshold]
    precision = tps / (last_of_threshold + 1)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2))


def resamples(groups: np.ndarray, n_boot: int = N_BOOT, seed: int = 0) -> list[np.ndarray]:
    """``n_boot`` row-index arrays, each the rows of prospects drawn with replacement."""
    groups = np.asarray(groups)
    unique, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=len(unique))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_boot):
        drawn = rng.integers(0, len(unique), len(unique))
        if (counts == 1).all():  # one row per prospect: the rows themselves
            out.append(order[drawn])
            continue
        out.append(np.concatenate([order[starts[g] : starts[g] + counts[g]] for g in drawn]))
    return out


@dataclass(frozen=True)
class Estimate:
    """A figure with its percentile interval."""

    value: float
    low: float
    high: float
    level: float

    def as_dict(self, name: str) -> dict[str, float]:
        return {name: self.value, f"{name}_ci_low": self.low, f"{name}_ci_high": self.high}


def _interval(values: list[float], level: float) -> tuple[float, float]:
    finite = np.asarray([v for v in values if not np.isnan(v)])
    if len(finite) == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2
    return float(np.quantile(finite, tail)), float(np.quantile(finite, 1 - tail))


def estimate(
    metric: Metric,
    y: np.ndarray,
    p: np.ndarray,
    draws: list[np.ndarray],
    level: float = 0.95,
) -> Estimate:
    """``metric`` on all rows, with a percentile interval over the prospect resamples."""
    y, p = np.asarray(y), np.asarray(p)
    low, high = _interval([metric(y[i], p[i]) for i in draws], level)
    return Estimate(metric(y, p), low, high, level)


@dataclass(frozen=True)
class Difference:
    """``metric(a) - metric(b)`` on the same rows, its interval, and how often it was above 0."""

    value: float
    low: float
    high: float
    level: float
    share_above_zero: float

    def as_dict(self, name: str) -> dict[str, float]:
        return {
            name: self.value,
            f"{name}_ci_low": self.low,
            f"{name}_ci_high": self.high,
            f"{name}_share_above_zero": self.share_above_zero,
        }


def paired_difference(
    metric: Metric,
    y: np.ndarray,
    p_a: np.ndarray,
    p_b: np.ndarray,
    draws: list[np.ndarray],
    level: float = 0.95,
) -> Difference:
    """Model a against model b on the same resampled prospects each time."""
    y, p_a, p_b = np.asarray(y), np.asarray(p_a), np.asarray(p_b)
    diffs = [metric(y[i], p_a[i]) - metric(y[i], p_b[i]) for i in draws]
    finite = np.asarray([d for d in diffs if not np.isnan(d)])
    low, high = _interval(diffs, level)
    share = float((finite > 0).mean()) if len(finite) else float("nan")
    return Difference(metric(y, p_a) - metric(y, p_b), low, high, level, share)


def improves(difference: Difference, confidence: float) -> bool:
    """Whether the improvement is above zero with ``confidence`` (one-sided, by resampling)."""
    return bool(difference.share_above_zero >= confidence)

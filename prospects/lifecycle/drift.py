"""Input and output drift: population stability index against the registration-time profile.

At registration the model's holdout is summarised per important feature (and
for its predicted probabilities) as reference-quantile bins and their shares.
The monitor bins the current cohort the same way and computes PSI.

PSI fires falsely on small samples: with ``B`` bins and no drift at all,
``PSI · n_eff`` is approximately χ² with ``B − 1`` degrees of freedom, where
``1/n_eff = 1/n_ref + 1/n_cur``. So a bin breaches only when its PSI exceeds
the configured threshold plus that noise floor (the χ² quantile at the
configured confidence, divided by ``n_eff``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from prospects.features.catalog import FEATURES
from prospects.lifecycle.thresholds import MonitorThresholds

PREDICTION = "__prediction__"  # the profile entry for the model's output
_SMOOTH = 0.5  # pseudo-count per bin, so an empty bin does not make PSI infinite


def _edges(values: np.ndarray, bins: int) -> list[float]:
    """Inner bin edges at the reference quantiles, moved half-way between observed values.

    Grades come in steps of 5 and many features take a handful of values; an
    edge sitting exactly on a value would send that value to one side or the
    other by a rounding hair. Half-way edges keep each value in one bin.
    """
    finite = np.unique(values[np.isfinite(values)])
    if finite.size < 2:
        return []
    qs = np.quantile(values[np.isfinite(values)], np.linspace(0, 1, bins + 1)[1:-1])
    upper = np.clip(np.searchsorted(finite, qs, side="right"), 1, finite.size - 1)
    edges = (finite[upper - 1] + finite[upper]) / 2
    return [float(e) for e in np.unique(edges)]


def counts(values: np.ndarray, edges: list[float]) -> list[int]:
    """How many values fall in each bin, the last bin counting missing values."""
    values = np.asarray(values, dtype=float)
    missing = ~np.isfinite(values)
    which = np.searchsorted(np.asarray(edges, dtype=float), values[~missing], side="right")
    found = np.bincount(which, minlength=len(edges) + 1).tolist()
    return [int(c) for c in found] + [int(missing.sum())]


def _entry(values: np.ndarray, bins: int) -> dict[str, Any]:
    edges = _edges(np.asarray(values, dtype=float), bins)
    return {"edges": edges, "counts": counts(values, edges)}


def reference_profile(
    X: pd.DataFrame,
    p: np.ndarray,
    importance: pd.Series,
    top: int,
    bins: int,
    exclude: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The holdout's shape for the ``top`` most important features and the predictions.

    Features whose family is in ``exclude`` are never watched.
    """
    skip = {f.name for f in FEATURES if f.family in exclude}
    ranked = [
        f for f in importance.sort_values(ascending=False).index if f in X.columns and f not in skip
    ]
    watched = ranked[:top]
    features = {name: _entry(X[name].to_numpy(dtype=float), bins) for name in watched}
    return {
        "n": int(len(X)),
        "bins": bins,
        "features": features,
        "prediction": _entry(np.asarray(p, dtype=float), bins),
    }


def psi(reference: list[int], current: list[int]) -> float:
    """Population stability index between two binned samples (pseudo-counts smooth empty bins)."""
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    used = (ref + cur) > 0
    ref, cur = ref[used] + _SMOOTH, cur[used] + _SMOOTH
    r, c = ref / ref.sum(), cur / cur.sum()
    return float(np.sum((c - r) * np.log(c / r)))


def psi_limit(threshold: float, n_ref: int, n_cur: int, used_bins: int, confidence: float) -> float:
    """The PSI above which a difference is drift rather than sampling noise at these sizes."""
    if n_ref < 1 or n_cur < 1 or used_bins < 2:
        return math.inf
    noise = chi2.ppf(confidence, used_bins - 1) * (1.0 / n_ref + 1.0 / n_cur)
    return float(threshold + noise)


def compare(entry: dict[str, Any], values: np.ndarray, th: MonitorThresholds) -> dict[str, Any]:
    """PSI of ``values`` against one profile entry, its limit, and whether it breaches."""
    ref_counts = entry["counts"]
    cur_counts = counts(values, entry["edges"])
    used = sum(1 for a, b in zip(ref_counts, cur_counts, strict=True) if a + b > 0)
    value = psi(ref_counts, cur_counts)
    limit = psi_limit(th.psi, sum(ref_counts), sum(cur_counts), used, th.psi_confidence)
    return {"psi": round(value, 4), "limit": round(limit, 4), "breach": bool(value > limit)}


def drift_report(
    profile: dict[str, Any], X: pd.DataFrame, p: np.ndarray, th: MonitorThresholds
) -> dict[str, Any]:
    """PSI per watched feature and for the predictions; ``breaches`` names what drifted."""
    features = {
        name: compare(entry, X[name].to_numpy(dtype=float), th)
        for name, entry in profile.get("features", {}).items()
        if name in X.columns
    }
    report: dict[str, Any] = {"n_reference": profile.get("n", 0), "n_current": int(len(X))}
    report["features"] = features
    if "prediction" in profile:
        report["prediction"] = compare(profile["prediction"], np.asarray(p, dtype=float), th)
    breaches = [name for name, r in features.items() if r["breach"]]
    if report.get("prediction", {}).get("breach"):
        breaches.append(PREDICTION)
    report["breaches"] = breaches
    return report

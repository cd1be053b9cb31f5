"""Judging a model on labelled examples: figures with their standard errors, and comparisons.

Registration compares a new version with the champion on the new version's
holdout (the latest labelled reference season); the monitor compares a
champion with its own registration figures and with its predecessor on the
outcomes that matured since. Both use the figures and rules here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from prospects.lifecycle.thresholds import ChallengerRule
from prospects.training import bootstrap as bs
from prospects.training.metrics import classification_metrics

FIRST, CHALLENGER, KEPT, NOT_COMPARABLE = "champion", "challenger", "kept", "not_comparable"


def auc_standard_error(auc: float, positives: int, negatives: int) -> float:
    """Hanley & McNeil (1982): how far an AUC from this many positives and negatives may stray."""
    if positives < 1 or negatives < 1 or math.isnan(auc):
        return float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
    ) / (positives * negatives)
    return math.sqrt(max(var, 0.0))


def figures(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """AUC, Brier, ECE, calibration gap, sizes and standard errors of probabilities ``p``."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    m = classification_metrics(y, p) if len(y) else {}
    n, positives = int(len(y)), int(y.sum())
    squared = (p - y) ** 2
    out = {
        "n": n,
        "positives": positives,
        "auc": m.get("auc", float("nan")),
        "brier": m.get("brier", float("nan")),
        "ece": m.get("ece", float("nan")),
        "log_loss": m.get("log_loss", float("nan")),
        "mean_probability": float(p.mean()) if n else float("nan"),
        "positive_rate": float(y.mean()) if n else float("nan"),
    }
    out["calibration_gap"] = out["mean_probability"] - out["positive_rate"]
    out["auc_se"] = auc_standard_error(out["auc"], positives, n - positives)
    out["brier_se"] = float(squared.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
    return out


def agreement(p_a: np.ndarray, p_b: np.ndarray) -> dict[str, float]:
    """How alike two models' probabilities are on the same rows."""
    p_a, p_b = np.asarray(p_a, dtype=float), np.asarray(p_b, dtype=float)
    if len(p_a) < 2:
        return {"n": int(len(p_a)), "mean_abs_diff": float("nan"), "spearman": float("nan")}
    rho = spearmanr(p_a, p_b).statistic if np.ptp(p_a) > 0 and np.ptp(p_b) > 0 else float("nan")
    return {
        "n": int(len(p_a)),
        "mean_abs_diff": float(np.abs(p_a - p_b).mean()),
        "within_0_05": float((np.abs(p_a - p_b) <= 0.05).mean()),
        "spearman": float(rho),
    }


@dataclass(frozen=True)
class Decision:
    """What registration does with a new version, and why in one sentence."""

    kind: str  # champion (first) | challenger | kept | not_comparable
    reason: str


def compare(
    y: np.ndarray,
    p_new: np.ndarray,
    p_current: np.ndarray,
    prospect_ids: np.ndarray,
    rule: ChallengerRule,
) -> bs.Difference:
    """AUC(new) − AUC(current) on the same rows, with its bootstrap by prospect."""
    draws = bs.resamples(prospect_ids, n_boot=rule.n_boot, seed=rule.seed)
    return bs.paired_difference(bs.auc, y, p_new, p_current, draws, level=0.95)


def describe_difference(d: bs.Difference) -> str:
    return (
        f"AUC gain {d.value:+.4f} (95% CI {d.low:+.4f} to {d.high:+.4f}; higher in "
        f"{d.share_above_zero:.0%} of prospect resamples)"
    )


def decide(
    new: dict[str, float],
    champion_version: int | None,
    champion: dict[str, float] | None,
    rule: ChallengerRule,
    difference: bs.Difference | None = None,
) -> Decision:
    """First version → champion; better by the paired bootstrap on the same holdout → challenger."""
    if champion_version is None:
        return Decision(FIRST, "first registered version")
    if champion is None or difference is None:
        return Decision(
            NOT_COMPARABLE, f"champion v{champion_version} uses other features; not compared"
        )
    summary = (
        f"AUC {new['auc']:.4f} vs {champion['auc']:.4f}: {describe_difference(difference)}, "
        f"needs {rule.confidence:.0%}"
    )
    if bs.improves(difference, rule.confidence):
        return Decision(CHALLENGER, f"beats v{champion_version} on the same holdout: {summary}")
    return Decision(KEPT, f"does not beat v{champion_version} with confidence: {summary}")

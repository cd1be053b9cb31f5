"""The holdout report: headline figures on the eligible population, with baselines and intervals.

Every figure here is computed on the holdout's eligible rows (the training
examples are the eligible population, so that is every holdout row) and comes
with a 95% interval from a bootstrap by prospect. The baselines stand beside
the model: the base rate, scouting grades alone, and level + age, the one to
beat. Within-level AUCs and per-role figures show what is left once "which level
is he at" is held fixed, and how the 100-inning bar treats relievers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from prospects.db.models import LEVELS
from prospects.training import bootstrap as bs
from prospects.training.metrics import expected_calibration_error

CI_LEVEL = 0.95
LEVEL_AUCS: tuple[str, ...] = ("A+", "AA", "AAA")
ROLES: tuple[str, ...] = ("hitter", "starter", "reliever")
# Baselines that need data a club may not have, and what the report says in their place.
UNAVAILABLE: dict[str, str] = {
    "grades_baseline": "no scouting grades in the training seasons",
}
BASELINES: dict[str, str] = {
    "base_rate": "base rate",
    "grades_baseline": "grades only",
    "level_age_baseline": "level + age",
}


def roles(X: pd.DataFrame) -> np.ndarray:
    """hitter / starter / reliever from the ``is_pitcher`` and ``is_reliever`` features."""
    pitcher = X["is_pitcher"].to_numpy(dtype=float) == 1
    reliever = X["is_reliever"].to_numpy(dtype=float) == 1
    return np.where(~pitcher, "hitter", np.where(reliever, "reliever", "starter"))


def levels(X: pd.DataFrame) -> np.ndarray:
    """The highest level reached, by name ("none" before a first line)."""
    code = X["highest_level"].to_numpy(dtype=float)
    names = np.array(LEVELS + ("none",), dtype=object)
    return names[np.where(np.isnan(code), len(LEVELS), code).astype(int)]


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(np.asarray(p, dtype=float), 1e-7, 1 - 1e-7)
    y = np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@dataclass
class HoldoutReport:
    """Figures for the model and each baseline on the same eligible holdout rows."""

    n: int
    positives: int
    figures: dict[str, dict[str, bs.Estimate]] = field(default_factory=dict)
    scalars: dict[str, dict[str, float]] = field(default_factory=dict)
    versus_level_age: bs.Difference | None = None
    by_level: dict[str, dict[str, float]] = field(default_factory=dict)
    by_role: dict[str, dict[str, float]] = field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metric names (``holdout_auc_eligible``, ``level_age_baseline_…``)."""
        out: dict[str, float] = {}
        for who, figs in self.figures.items():
            prefix = "" if who == "model" else f"{who}_"
            for name, est in figs.items():
                key = f"{prefix}holdout_{name}_eligible"
                out[key] = est.value
                if name == "auc":
                    out[f"{key}_ci_low"], out[f"{key}_ci_high"] = est.low, est.high
            for name, value in self.scalars.get(who, {}).items():
                out[f"{prefix}holdout_{name}_eligible"] = value
        for level, figs in self.by_level.items():
            out[f"holdout_auc_level_{level.replace('+', 'plus')}"] = figs["auc"]
            out[f"level_age_baseline_holdout_auc_level_{level.replace('+', 'plus')}"] = figs[
                "level_age_auc"
            ]
        for role, figs in self.by_role.items():
            out[f"holdout_auc_role_{role}"] = figs["auc"]
            out[f"holdout_positive_rate_role_{role}"] = figs["positive_rate"]
        if self.versus_level_age is not None:
            out.update(self.versus_level_age.as_dict("holdout_auc_gain_over_level_age"))
        out["holdout_n_eligible"] = float(self.n)
        out["holdout_positives_eligible"] = float(self.positives)
        return out


def build_report(
    y: np.ndarray,
    p: np.ndarray,
    baselines: dict[str, np.ndarray],
    X: pd.DataFrame,
    prospect_ids: np.ndarray,
    seed: int = 0,
    n_boot: int = bs.N_BOOT,
) -> HoldoutReport:
    """The model's and the baselines' figures on the same rows and the same resamples."""
    y = np.asarray(y, dtype=int)
    draws = bs.resamples(prospect_ids, n_boot=n_boot, seed=seed)
    report = HoldoutReport(n=len(y), positives=int(y.sum()))
    for who, probs in {"model": p, **baselines}.items():
        report.figures[who] = {
            "auc": bs.estimate(bs.auc, y, probs, draws, CI_LEVEL),
            "pr_auc": bs.estimate(bs.pr_auc, y, probs, draws, CI_LEVEL),
            "brier": bs.estimate(bs.brier, y, probs, draws, CI_LEVEL),
        }
        report.scalars[who] = {
            "log_loss": log_loss(y, probs),
            "ece": expected_calibration_error(y, probs),
        }
    if "level_age_baseline" in baselines:
        report.versus_level_age = bs.paired_difference(
            bs.auc, y, p, baselines["level_age_baseline"], draws, CI_LEVEL
        )
    level = levels(X)
    for name in LEVEL_AUCS:
        mask = level == name
        report.by_level[name] = {
            "n": int(mask.sum()),
            "positives": int(y[mask].sum()),
            "auc": bs.auc(y[mask], p[mask]),
            "level_age_auc": bs.auc(y[mask], baselines["level_age_baseline"][mask])
            if "level_age_baseline" in baselines
            else float("nan"),
        }
    role = roles(X)
    for name in ROLES:
        mask = role == name
        report.by_role[name] = {
            "n": int(mask.sum()),
            "positives": int(y[mask].sum()),
            "positive_rate": float(y[mask].mean()) if mask.any() else float("nan"),
            "auc": bs.auc(y[mask], p[mask]),
            "brier": bs.brier(y[mask], p[mask]) if mask.any() else float("nan"),
        }
    return report


def _fmt(value: float, digits: int = 3) -> str:
    return "   n/a" if value is None or np.isnan(value) else f"{value:.{digits}f}"


def format_report(report: HoldoutReport) -> str:
    """The tables ``callup evaluate`` and ``callup train`` print."""
    lines = [
        f"eligible holdout: {report.n} prospects, {report.positives} reached the bar "
        f"({report.positives / max(report.n, 1):.1%}); 95% intervals from "
        f"{bs.N_BOOT} bootstrap resamples of prospects",
        f"{'':14}{'AUC [95% CI]':>24}{'PR-AUC':>9}{'Brier':>8}{'log loss':>10}{'ECE':>7}",
    ]
    for who in ("model", *[b for b in BASELINES if b in report.figures]):
        f, s = report.figures[who], report.scalars[who]
        label = "model" if who == "model" else BASELINES[who]
        ci = f"{_fmt(f['auc'].value)} [{_fmt(f['auc'].low)}, {_fmt(f['auc'].high)}]"
        lines.append(
            f"{label:14}{ci:>24}{_fmt(f['pr_auc'].value):>9}{_fmt(f['brier'].value, 4):>8}"
            f"{_fmt(s['log_loss']):>10}{_fmt(s['ece']):>7}"
        )
    for who, why in UNAVAILABLE.items():
        if who not in report.figures:
            lines.append(f"{BASELINES[who]:14}  unavailable: {why}")
    d = report.versus_level_age
    if d is not None:
        verdict = "beats" if d.low > 0 else "does not clearly beat"
        lines.append(
            f"model − level + age AUC: {d.value:+.3f} [95% CI {d.low:+.3f}, {d.high:+.3f}]; "
            f"the model {verdict} level + age"
        )
    lines.append("")
    lines.append(f"{'within level':14}{'n':>6}{'reached':>9}{'model AUC':>11}{'level+age':>11}")
    for name, figs in report.by_level.items():
        lines.append(
            f"{name:14}{figs['n']:>6}{figs['positives']:>9}{_fmt(figs['auc']):>11}"
            f"{_fmt(figs['level_age_auc']):>11}"
        )
    lines.append("")
    lines.append(f"{'by role':14}{'n':>6}{'reached':>9}{'rate':>7}{'AUC':>8}{'Brier':>8}")
    for name, figs in report.by_role.items():
        lines.append(
            f"{name:14}{figs['n']:>6}{figs['positives']:>9}{_fmt(figs['positive_rate']):>7}"
            f"{_fmt(figs['auc']):>8}{_fmt(figs['brier'], 4):>8}"
        )
    return "\n".join(lines)

"""Every threshold of the lifecycle, read from the environment when asked (never at import).

One dataclass per decision, so a decision records exactly the figures it was
taken with (``as_dict`` goes into the event's ``thresholds``).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from prospects.config import env_float, env_int


def env_bool(name: str, default: bool) -> bool:
    """A true/false setting (1/0, yes/no, on/off also accepted)."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class ChallengerRule:
    """When a new version is better than the champion: a paired bootstrap, not a fixed margin.

    Both models score the same holdout rows; prospects are resampled ``n_boot``
    times and the new version must have the higher AUC in at least
    ``confidence`` of the resamples (its improvement is above zero with that
    one-sided confidence). A fixed margin ignores how many rows back it up.
    """

    confidence: float = 0.90
    n_boot: int = 1000
    seed: int = 0

    @classmethod
    def from_env(cls) -> ChallengerRule:
        return cls(
            confidence=env_float("CALLUP_CHALLENGER_CONFIDENCE", cls.confidence, 0.5, 0.999),
            n_boot=int(env_float("CALLUP_CHALLENGER_BOOTSTRAP", cls.n_boot, 100, 100_000)),
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class MonitorThresholds:
    """When the champion counts as degraded or drifting, and when a predecessor is better.

    Every tolerance is the larger of a fixed floor and ``z`` standard errors of
    the difference, so a few dozen matured outcomes cannot trigger a rollback
    by chance; PSI limits add the noise floor PSI has at the samples' sizes.
    """

    # Fewer matured outcomes (or positives) than this: performance is not judged at all.
    min_outcomes: int = 50
    min_positives: int = 5
    # AUC may fall, and Brier rise, by this much below/above the registration figures.
    auc_drop: float = 0.05
    brier_rise: float = 0.02
    # |mean predicted - observed rate| beyond this is miscalibration.
    calibration_gap: float = 0.05
    z: float = 2.0
    # PSI above this (plus the sample-size noise floor) is drift of one input or the output.
    psi: float = 0.25
    psi_confidence: float = 0.99  # the noise floor is this quantile of PSI under no drift
    drift_features: int = 10  # the most important features watched for drift
    # Feature families never watched: history features are rates looked up from matured
    # outcomes, so they move whenever a season matures (the performance check covers that).
    drift_exclude: str = "history"
    drift_bins: int = 10
    consecutive: int = 1  # drift must be seen in this many runs in a row before an alert

    @classmethod
    def from_env(cls) -> MonitorThresholds:
        d = cls()
        return cls(
            min_outcomes=env_int("CALLUP_MONITOR_MIN_OUTCOMES", d.min_outcomes, 1),
            min_positives=env_int("CALLUP_MONITOR_MIN_POSITIVES", d.min_positives, 1),
            auc_drop=env_float("CALLUP_MONITOR_AUC_DROP", d.auc_drop, 0, 1),
            brier_rise=env_float("CALLUP_MONITOR_BRIER_RISE", d.brier_rise, 0, 1),
            calibration_gap=env_float("CALLUP_MONITOR_CALIBRATION_GAP", d.calibration_gap, 0, 1),
            z=env_float("CALLUP_MONITOR_Z", d.z, 0, 10),
            psi=env_float("CALLUP_DRIFT_PSI", d.psi, 0, 100),
            psi_confidence=env_float("CALLUP_DRIFT_CONFIDENCE", d.psi_confidence, 0.5, 0.9999),
            drift_features=env_int("CALLUP_DRIFT_TOP_FEATURES", d.drift_features, 0),
            drift_exclude=os.environ.get("CALLUP_DRIFT_EXCLUDE_FAMILIES", d.drift_exclude),
            drift_bins=env_int("CALLUP_DRIFT_BINS", d.drift_bins, 2),
            consecutive=env_int("CALLUP_DRIFT_CONSECUTIVE", d.consecutive, 1),
        )

    def as_dict(self) -> dict[str, float | str]:
        return asdict(self)

    @property
    def excluded_families(self) -> tuple[str, ...]:
        return tuple(f.strip() for f in self.drift_exclude.split(",") if f.strip())


@dataclass(frozen=True)
class PromotionRule:
    """When the monitor promotes a challenger by itself (an admin can always do it by hand)."""

    enabled: bool = True
    min_days: float = 7.0  # the challenger must have taken traffic this long ...
    min_predictions: int = 200  # ... and served at least this many predictions

    @classmethod
    def from_env(cls) -> PromotionRule:
        d = cls()
        return cls(
            enabled=env_bool("CALLUP_AUTO_PROMOTE", d.enabled),
            min_days=env_float("CALLUP_AUTO_PROMOTE_DAYS", d.min_days, 0),
            min_predictions=env_int("CALLUP_AUTO_PROMOTE_MIN_PREDICTIONS", d.min_predictions, 0),
        )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def retrain_lock_seconds() -> int:
    """How long the single-flight retraining lock lives unless its holder renews it."""
    return env_int("CALLUP_RETRAIN_LOCK_SECONDS", 600, 10)

"""``train_and_register``: the one call the CLI and the retraining task make."""

from __future__ import annotations

import time
from dataclasses import dataclass

from prospects.db.session import session_scope
from prospects.features.data import data_version, load_league
from prospects.training.model import TrainParams
from prospects.training.pipeline import Progress, TrainingResult, train
from prospects.training.register import Registration, log_and_register


@dataclass(frozen=True)
class TrainingOutcome:
    """A finished training: its metrics, its registry fate and how long it took."""

    result: TrainingResult
    registration: Registration
    data_version: str
    seconds: float

    def describe(self) -> str:
        m = self.result.metrics
        rows = [
            ("model", "holdout"),
            ("grades baseline", "grades_baseline_holdout"),
            ("base rate", "base_rate_holdout"),
        ]
        lines = [
            f"registered version {self.registration.version} "
            f"({self.registration.label}: "
            f"{self.registration.reason})",
            f"examples: {self.result.counts['n_examples']} "
            f"(train {self.result.counts['n_train']}, valid {self.result.counts['n_valid']}, "
            f"holdout {self.result.counts['n_holdout']} in {self.result.split.holdout}); "
            f"positive share {m['positive_share']:.3f}; "
            f"trees {self.result.n_trees}; {self.seconds:.1f} s",
            f"{'':18}{'accuracy':>9}{'auc':>8}{'logloss':>9}{'brier':>8}{'ece':>8}",
        ]
        for label, prefix in rows:
            lines.append(
                f"{label:18}"
                + "".join(
                    f"{m[f'{prefix}_{key}']:>{width}.3f}"
                    for key, width in (
                        ("accuracy", 9),
                        ("auc", 8),
                        ("log_loss", 9),
                        ("brier", 8),
                        ("ece", 8),
                    )
                )
            )
        return "\n".join(lines)


def train_and_register(
    params: TrainParams | None = None,
    progress: Progress | None = None,
    database_url: str | None = None,
    *,
    trigger: str = "cli",
    job_id: str | None = None,
) -> TrainingOutcome:
    """Load the league as it is now, train, log to MLflow and register the model.

    ``trigger`` and ``job_id`` say who asked (cli, api, beat, monitor) in the lifecycle record.
    """
    started = time.perf_counter()
    with session_scope(database_url) as session:
        version = data_version(session)
        data = load_league(session)
    result = train(data, params, progress=progress)
    registration = log_and_register(
        result, version, trigger=trigger, job_id=job_id, database_url=database_url
    )
    return TrainingOutcome(result, registration, version, time.perf_counter() - started)

"""``train_and_register``: the one call the CLI and the retraining task make."""

from __future__ import annotations

import time
from dataclasses import dataclass

from prospects import config, registry
from prospects.db.session import session_scope
from prospects.features.data import data_version, load_league
from prospects.lifecycle.registration import Registration, record_registration
from prospects.training.model import TrainParams
from prospects.training.pipeline import Progress, TrainingResult, train
from prospects.training.register import log_version
from prospects.training.report import format_report


@dataclass(frozen=True)
class TrainingOutcome:
    """A finished training: its metrics, its registry fate and how long it took."""

    result: TrainingResult
    registration: Registration
    data_version: str
    seconds: float

    def describe(self) -> str:
        r = self.result
        lines = [
            f"registered version {self.registration.version} "
            f"({self.registration.label}: {self.registration.reason})",
            f"examples: {r.counts['n_examples']} eligible (prospect, season) pairs; evaluation "
            f"trained on {r.counts['n_train']} (seasons {r.split.train[0]}-{r.split.train[-1]}), "
            f"stopped on {r.counts['n_valid']} ({', '.join(map(str, r.split.valid))}), held out "
            f"{r.counts['n_holdout']} ({', '.join(map(str, r.split.holdout))}); "
            f"positive share {r.metrics['positive_share']:.3f}",
            (
                f"registered model: refit on all {r.counts['n_refit']} labelled examples with "
                f"{r.n_trees} trees"
                if r.refit
                else f"registered model: the evaluation model, {r.n_trees} trees"
            )
            + f"; {self.seconds:.1f} s",
            "",
            format_report(r.report),
        ]
        return "\n".join(lines)


def train_and_register(
    params: TrainParams | None = None,
    progress: Progress | None = None,
    *,
    trigger: str = "cli",
    job_id: str | None = None,
) -> TrainingOutcome:
    """Load the league as it is now, train, log to MLflow, register the model and decide.

    The first version becomes champion, one better by the margins the challenger.
    "Better" is judged on the new model's holdout, the same rows for both, by
    the margins of ``ChallengerRule`` (``CALLUP_CHALLENGER_AUC_MARGIN``,
    ``CALLUP_CHALLENGER_BRIER_MARGIN``). A new version never replaces the
    champion here: a challenger takes a share of live traffic until it is
    promoted (by an admin or the monitor's rule). A champion whose features no
    longer exist cannot be compared and is kept. Everything is recorded in the
    database (version mirror, events) as well as in MLflow. ``trigger`` and
    ``job_id`` say who asked (cli, api, beat, monitor) in the lifecycle record.
    """
    started = time.perf_counter()
    with session_scope() as session:
        version = data_version(session)
        data = load_league(session)
    result = train(data, params, progress=progress)
    client, name = registry.client(), config.model_name()
    logged = log_version(result, version, client, name)
    registration = record_registration(
        client,
        name,
        result,
        run_id=logged.run_id,
        version=logged.version,
        data_version=version,
        champion=logged.champion,
        champion_p=logged.champion_p,
        trigger=trigger,
        job_id=job_id,
    )
    return TrainingOutcome(result, registration, version, time.perf_counter() - started)

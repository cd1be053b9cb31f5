"""One retraining, whoever asked for it: train, register, decide; a failure is recorded, not lost.

The champion is only ever moved by registration (the very first version) or
by a promotion, never half-way through a retraining, so a failure at any step
leaves it exactly as it was; the failure itself becomes a ``retrain_failed``
event with the step's error.
"""

from __future__ import annotations

import logging
from typing import Any

from prospects import config, registry
from prospects.db.session import session_scope
from prospects.lifecycle import events
from prospects.lifecycle.service import TrainingOutcome, train_and_register
from prospects.training.model import TrainParams
from prospects.training.pipeline import Progress

log = logging.getLogger(__name__)


def run_retrain(
    trigger: str,
    *,
    job_id: str | None = None,
    params: TrainParams | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Retrain on the league as it is now; a summary of the new version and what became of it."""
    try:
        outcome = train_and_register(params, progress, trigger=trigger, job_id=job_id)
    except Exception as exc:
        record_failure(trigger, exc, job_id=job_id)
        raise
    return summarize(outcome)


def summarize(outcome: TrainingOutcome) -> dict[str, Any]:
    """Plain data for a task result and the CLI."""
    reg, m = outcome.registration, outcome.result.metrics
    return {
        "version": reg.version,
        "decision": reg.decision,
        "reason": reg.reason,
        "run_id": reg.run_id,
        "previous_champion": reg.previous_champion,
        "data_version": outcome.data_version,
        "holdout": {k: m.get(f"holdout_{k}") for k in ("auc", "brier", "ece", "log_loss")},
        "holdout_seasons": list(outcome.result.split.holdout),
        "seconds": round(outcome.seconds, 2),
    }


def record_failure(
    trigger: str,
    exc: BaseException,
    *,
    job_id: str | None = None,
) -> None:
    """Store a ``retrain_failed`` event naming the error and the champion that stayed."""
    name = config.model_name()
    champion: int | None = None
    try:
        ref = registry.get_alias(registry.client(), registry.CHAMPION, name)
        champion = ref.version if ref else None
    except Exception:  # noqa: BLE001 - the registry may be why we failed
        log.warning("could not read the champion while recording a failed retraining")
    try:
        events.ensure_tables()
        with session_scope() as session:
            events.record_event(
                session,
                name,
                "retrain_failed",
                trigger,
                from_version=champion,
                to_version=champion,
                reason=f"{type(exc).__name__}: {exc}"[:2000],
                metrics={"champion_version": champion},
                job_id=job_id,
            )
    except Exception:  # noqa: BLE001 - never hide the training error behind this one
        log.exception("could not record the failed retraining")

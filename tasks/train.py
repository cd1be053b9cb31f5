"""The retraining task: thin — it holds the single-flight lock and calls ``prospects.lifecycle``.

Sent by Beat (weekly in season), ``POST /api/ml/models/retrain`` and the monitor.
Whoever enqueues claims the lock with the job id first; the task re-checks it,
so a copy sent without a claim (Beat) never trains alongside a running one.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from prospects.errors import CallupError
from prospects.jobs import TASK_RETRAIN
from prospects.lifecycle.flight import SingleFlight
from prospects.lifecycle.retrain import run_retrain
from prospects.training.model import TrainParams
from workers.celery_app import celery_app
from workers.runtime import runtime

_PARAMS = ("n_estimators", "max_depth", "learning_rate", "early_stopping_rounds", "seed")


@celery_app.task(name=TASK_RETRAIN, bind=True, time_limit=3600, soft_time_limit=3540)
def retrain(
    self: Task,
    trigger: str = "beat",
    requested_by: str | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train on the league as it is now, register, evaluate against the champion."""
    rt = runtime()
    job_id = self.request.id or ""
    flight = SingleFlight(rt.redis)
    holder, mine = flight.claim(job_id)
    if not mine:
        return {
            "skipped": True,
            "reason": f"retraining {holder} is already running",
            "running_job": holder,
        }
    chosen = {k: v for k, v in (params or {}).items() if k in _PARAMS and v is not None}

    def progress(stage: str, done: int, total: int) -> None:
        self.update_state(state="PROGRESS", meta={"stage": stage, "done": done, "total": total})

    with flight.held(job_id):
        try:
            return run_retrain(
                trigger, job_id=job_id, params=TrainParams(**chosen), progress=progress
            )
        except CallupError as exc:
            rt.jobs.record_error(job_id, exc.as_dict())
            raise
        except Exception as exc:
            message = f"retraining failed ({type(exc).__name__}: {exc}); the champion is unchanged"
            rt.jobs.record_error(job_id, {"code": "retrain_failed", "message": message[:500]})
            raise

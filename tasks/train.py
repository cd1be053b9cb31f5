"""The retraining task: thin — it holds the single-flight lock and calls ``prospects.lifecycle``.

Sent by Beat (weekly in season), ``POST /api/ml/models/retrain`` and the monitor.
Whoever enqueues claims the lock with the job id first; the task re-checks it,
so a copy sent without a claim (Beat) never trains alongside a running one.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.exceptions import Ignore

from prospects.db.session import session_scope
from prospects.errors import CallupError
from prospects.feed.ingest import feed_hold
from prospects.jobrecords import records
from prospects.jobs import TASK_RETRAIN
from prospects.lifecycle.flight import SingleFlight
from prospects.lifecycle.retrain import run_retrain
from prospects.training.model import TrainParams
from workers.celery_app import celery_app
from workers.runtime import runtime

_PARAMS = (
    "n_estimators",
    "max_depth",
    "learning_rate",
    "early_stopping_rounds",
    "early_stopping_min_delta",
    "seed",
)


@celery_app.task(name=TASK_RETRAIN, bind=True, time_limit=3600, soft_time_limit=3540)
def retrain(
    self: Task,
    trigger: str = "beat",
    requested_by: str | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train on the league as it is now, register, evaluate against the champion.

    A message delivered again after the job finished (its worker died before
    the ack, or the sweeper re-sent it) trains nothing.
    """
    rt = runtime()
    job_id = self.request.id or ""
    sent = {"trigger": trigger, "requested_by": requested_by, "params": params}
    with session_scope() as session:
        if not records.start(session, job_id, records.KIND_RETRAIN, requested_by, sent):
            raise Ignore()  # finished already: its result stands
    if trigger == "beat":
        with session_scope() as session:
            held = feed_hold(session)
        if held is not None:
            skipped = {"skipped": True, "reason": f"retraining held back: {held}"}
            records.apply(lambda session: records.succeed(session, job_id, skipped), job_id)
            return skipped
    flight = SingleFlight(rt.redis)
    holder, mine = flight.claim(job_id)
    if not mine:
        skipped = {
            "skipped": True,
            "reason": f"retraining {holder} is already running",
            "running_job": holder,
        }
        records.apply(lambda session: records.succeed(session, job_id, skipped), job_id)
        return skipped
    chosen = {k: v for k, v in (params or {}).items() if k in _PARAMS and v is not None}

    def progress(stage: str, done: int, total: int) -> None:
        shown = {"stage": stage, "done": done, "total": total}
        records.apply(lambda session: records.heartbeat(session, job_id, shown), job_id)

    with flight.held(job_id):
        try:
            summary = run_retrain(
                trigger, job_id=job_id, params=TrainParams(**chosen), progress=progress
            )
        except CallupError as exc:
            _failed(job_id, exc.as_dict())
            raise
        except Exception as exc:
            message = f"retraining failed ({type(exc).__name__}: {exc}); the champion is unchanged"
            _failed(job_id, {"code": "retrain_failed", "message": message[:500]})
            raise
    ref = f"model:v{summary['version']}" if summary.get("version") is not None else None
    records.apply(lambda session: records.succeed(session, job_id, summary, ref), job_id)
    return summary


def _failed(job_id: str, error: dict[str, str]) -> None:
    """The reason, on the job's row (what polls and the woken waiters read)."""
    records.apply(lambda session: records.fail(session, job_id, error), job_id)

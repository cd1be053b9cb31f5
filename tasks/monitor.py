"""The monitoring task (daily from Beat, or on demand): thin — ``prospects.lifecycle.monitor``."""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.exceptions import Ignore

from prospects.db.session import session_scope
from prospects.jobrecords import records
from prospects.jobrecords.thresholds import MONITOR_TIME_LIMIT_SECONDS
from prospects.jobs import QUEUE_TRAIN, TASK_MONITOR, TASK_RETRAIN, system_requester
from prospects.lifecycle.monitor import run_monitor
from prospects.lifecycle.queue import queue_retrain
from workers.celery_app import celery_app
from workers.runtime import runtime

MONITOR = system_requester("monitor")  # the requester of the retrainings it asks for


def _queue_retrain(reason: str) -> str:
    """Queue a retraining for the monitor (single-flight: the running one if there is one)."""
    rt = runtime()

    def send(job_id: str) -> None:
        celery_app.send_task(
            TASK_RETRAIN,
            kwargs={"trigger": "monitor", "requested_by": MONITOR},
            task_id=job_id,
            queue=QUEUE_TRAIN,
        )

    job_id, _new = queue_retrain(rt.redis, send, trigger="monitor", actor=MONITOR, reason=reason)
    return job_id


@celery_app.task(
    name=TASK_MONITOR,
    bind=True,
    time_limit=MONITOR_TIME_LIMIT_SECONDS,
    soft_time_limit=MONITOR_TIME_LIMIT_SECONDS - 60,
)
def monitor(self: Task, trigger: str = "beat") -> dict[str, Any]:
    """One monitoring pass; the result says what was measured and done (rollback, alert).

    On record like every job (kind ``monitor``), so the sweeper sends it again
    if Redis loses it and a delivery of a finished pass does nothing.
    """
    job_id = self.request.id or ""
    requester = system_requester(trigger)
    with session_scope() as session:
        sent = {"trigger": trigger}
        if not records.start(session, job_id, records.KIND_MONITOR, requester, sent):
            raise Ignore()  # finished already: its result stands
    try:
        outcome = run_monitor(trigger=trigger, request_retrain=_queue_retrain).as_dict()
    except Exception as exc:
        error = {"code": "monitor_failed", "message": f"{type(exc).__name__}: {exc}"[:500]}
        records.apply(lambda session: records.fail(session, job_id, error), job_id)
        raise
    records.apply(lambda session: records.succeed(session, job_id, outcome), job_id)
    return outcome

"""The monitoring task (daily from Beat, or on demand): thin — ``prospects.lifecycle.monitor``."""

from __future__ import annotations

from typing import Any

from celery import Task

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


@celery_app.task(name=TASK_MONITOR, bind=True, time_limit=1800, soft_time_limit=1740)
def monitor(self: Task, trigger: str = "beat") -> dict[str, Any]:
    """One monitoring pass; the result says what was measured and done (rollback, alert)."""
    return run_monitor(trigger=trigger, request_retrain=_queue_retrain).as_dict()

"""The job sweeper (Beat, every minute): thin — ``prospects.jobrecords.sweep`` does the work."""

from __future__ import annotations

from typing import Any

from prospects.jobrecords.sweep import sweep
from prospects.jobs import TASK_SWEEP_JOBS
from workers.celery_app import celery_app
from workers.runtime import runtime


def _send(task: str, job_id: str, kwargs: dict[str, Any], queue: str) -> None:
    celery_app.send_task(task, kwargs=kwargs, task_id=job_id, queue=queue)


@celery_app.task(name=TASK_SWEEP_JOBS, time_limit=300, soft_time_limit=280)
def sweep_jobs(older_than: int | None = None) -> dict[str, Any]:
    """One sweep; ``older_than`` (seconds) overrides the configured thresholds."""
    return sweep(runtime().redis, _send, older_than=older_than).as_dict()

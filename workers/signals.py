"""Worker signal handlers: warm up after the fork, wake waiting requests after each job."""

from __future__ import annotations

import logging

import redis
from celery.signals import task_postrun, worker_process_init

from prospects.db.session import reset_engine
from prospects.jobs import TASK_PREDICT
from workers.mlflow_http import bound_registry_waits
from workers.runtime import runtime, warm

log = logging.getLogger(__name__)


@worker_process_init.connect
def _on_process_init(**_kwargs) -> None:  # type: ignore[no-untyped-def]
    reset_engine()  # connections inherited from the prefork parent must not be shared
    bound_registry_waits()  # an unreachable MLflow: give up in seconds, not minutes
    warm()


@task_postrun.connect
def _on_task_done(  # type: ignore[no-untyped-def]
    task_id: str | None = None, state: str | None = None, sender=None, **_kwargs
) -> None:
    """The task has written its job's row by now: wake any API process waiting on this job."""
    if not task_id or state in ("IGNORED", "RETRY"):
        return  # not finished: the job goes on (a ranking's coordinator, a retry)
    if state == "SUCCESS" and getattr(sender, "name", None) == TASK_PREDICT:
        return  # the task woke its waiters itself, with the result (JobStore.deliver_prediction)
    try:
        runtime().jobs.notify_done(task_id)
    except redis.RedisError:
        log.warning("could not announce completion of job %s", task_id)

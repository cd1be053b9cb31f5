"""Promotion and rollback by hand (``POST /api/ml/models/...``): thin, a few registry calls.

They run on the ``predict`` queue, which every deployment serves with many
short-task processes, so an admin's promotion is not stuck behind an hour of
training on the ``train`` queue.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from prospects.errors import CallupError
from prospects.jobs import TASK_PROMOTE, TASK_ROLLBACK
from prospects.lifecycle import aliases
from workers.celery_app import celery_app
from workers.runtime import runtime


def _failing(job_id: str | None, exc: CallupError) -> None:
    if job_id:
        runtime().jobs.record_error(job_id, exc.as_dict())


@celery_app.task(name=TASK_PROMOTE, bind=True, time_limit=120, soft_time_limit=110)
def promote(
    self: Task, version: int, requested_by: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """Make ``version`` the champion; workers serve it before their next task."""
    try:
        return aliases.promote(
            version, "api", reason=reason, actor=requested_by, job_id=self.request.id
        )
    except CallupError as exc:
        _failing(self.request.id, exc)
        raise


@celery_app.task(name=TASK_ROLLBACK, bind=True, time_limit=120, soft_time_limit=110)
def rollback(
    self: Task,
    to_version: int | None = None,
    requested_by: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Return the champion alias to the previous champion (or ``to_version``)."""
    try:
        return aliases.rollback(
            "api",
            to_version=to_version,
            reason=reason,
            actor=requested_by,
            job_id=self.request.id,
        )
    except CallupError as exc:
        _failing(self.request.id, exc)
        raise

"""Promotion and rollback by hand (``POST /api/ml/models/...``): thin, a few registry calls.

They run on the ``predict`` queue, which every deployment serves with many
short-task processes, so an admin's promotion is not stuck behind an hour of
training on the ``train`` queue. Each is a job on record like any other: the
row the API accepted is started, then finished with the move or failed with
its reason, and a delivery of a job that already moved the champion answers
with that move instead of moving again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task
from celery.exceptions import Ignore

from prospects.db.session import session_scope
from prospects.errors import CallupError
from prospects.jobrecords import records
from prospects.jobs import TASK_PROMOTE, TASK_ROLLBACK
from prospects.lifecycle import aliases
from tasks.retry import RETRY_BRIEF_OUTAGES
from workers.celery_app import celery_app


def _run_move(
    task: Task, kind: str, sent: dict[str, Any], move: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Start the job, move the champion once (or find the move on record), finish the job."""
    job_id = task.request.id or ""
    with session_scope() as session:
        if not records.start(session, job_id, kind, sent.get("requested_by"), sent):
            raise Ignore()  # finished already: its result stands
    result = aliases.recorded_move(job_id) if job_id else None
    if result is None:
        try:
            result = move()
        except CallupError as exc:
            error = exc.as_dict()
            records.apply(lambda session: records.fail(session, job_id, error), job_id)
            raise
    records.apply(lambda session: records.succeed(session, job_id, result), job_id)
    return result


@celery_app.task(
    name=TASK_PROMOTE, bind=True, time_limit=120, soft_time_limit=110, **RETRY_BRIEF_OUTAGES
)
def promote(
    self: Task, version: int, requested_by: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """Make ``version`` the champion; workers serve it before their next task."""
    sent = {"version": version, "requested_by": requested_by, "reason": reason}
    return _run_move(
        self,
        records.KIND_PROMOTE,
        sent,
        lambda: aliases.promote(
            version, "api", reason=reason, actor=requested_by, job_id=self.request.id
        ),
    )


@celery_app.task(
    name=TASK_ROLLBACK, bind=True, time_limit=120, soft_time_limit=110, **RETRY_BRIEF_OUTAGES
)
def rollback(
    self: Task,
    to_version: int | None = None,
    requested_by: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Return the champion alias to the previous champion (or ``to_version``)."""
    sent = {"to_version": to_version, "requested_by": requested_by, "reason": reason}
    return _run_move(
        self,
        records.KIND_ROLLBACK,
        sent,
        lambda: aliases.rollback(
            "api",
            to_version=to_version,
            reason=reason,
            actor=requested_by,
            job_id=self.request.id,
        ),
    )

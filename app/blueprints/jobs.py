"""``GET /api/ml/jobs/<id>``: a job's public status, read from Celery's backend, never waited on.

When Redis no longer knows the job (restarted without persistence, or the
record expired), or Celery's result is gone while the job is finished, the
durable record in the database answers instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery.result import AsyncResult
from sqlalchemy.exc import SQLAlchemyError

from app import jobrecords
from app.auth import current_principal
from app.blueprints import api_blueprint
from app.errors import ApiError
from app.extensions import celery_client, redis_clients
from app.limits import limiter, poll_limit
from app.openapi import document
from app.responses import ErrorResponse, JobView
from app.schemas import valid_job_id
from prospects.jobs import JobStatus, status_from_celery

bp = api_blueprint("jobs", __name__)

_GENERIC_FAILURE = {"code": "job_failed", "message": "the job failed"}
_REVOKED = {"code": "job_revoked", "message": "the job was cancelled"}


def _not_found() -> ApiError:
    return ApiError(404, "job_not_found", "no such job")


@dataclass(frozen=True)
class StoredJob:
    """A job Redis no longer holds, read from its durable row: whose it is, and its view."""

    user: str
    shared: bool  # a ranking builds a board every user may read
    view: dict[str, Any]  # the poll's answer, as the row has it


def load_job(job_id: str) -> dict[str, Any] | StoredJob:
    """The caller's job: its Redis record, else its durable row.

    404 for garbage ids, unknown ids and other users' jobs.
    """
    if not valid_job_id(job_id):
        raise _not_found()
    record = redis_clients.jobs().get(job_id)
    job = record if record is not None else _from_database(job_id)
    if isinstance(job, StoredJob):
        user, shared = job.user, job.shared
    else:
        user, shared = job.get("user"), job.get("shared") == "1"
    principal = current_principal()
    if user != principal.name and not principal.has_role("admin") and not shared:
        raise _not_found()  # not 403: whether someone else's job exists is not ours to say
    return job


def _from_database(job_id: str) -> StoredJob:
    """The durable record: its owner and its view; 404 when there is none."""
    stored = jobrecords.load(job_id)
    if stored is None:
        raise _not_found()
    user = stored.pop("requested_by")
    return StoredJob(user=user, shared=stored["kind"] == "rank", view=stored)


def _progress(info: Any) -> dict[str, int] | None:
    if not isinstance(info, dict):
        return None
    done, total = info.get("done"), info.get("total")
    if isinstance(done, int) and isinstance(total, int):
        return {"done": done, "total": total}
    return None


def describe_job(job_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """``{job_id, kind, status, result?, error?, progress?}`` from the record and Celery's state.

    Reads the state and stored result only: ``AsyncResult.get()`` would block and
    re-raise the task's exception inside the web process.
    """
    result = AsyncResult(job_id, app=celery_client.app)
    state = result.state
    status = status_from_celery(state)
    if record.get("error") and status is not JobStatus.SUCCEEDED:
        status = JobStatus.FAILED  # the worker's reason is stored before Celery's FAILURE
    if status in (JobStatus.QUEUED, JobStatus.RUNNING) and record.get("kind") == "predict":
        # A prediction answers its waiters before Celery stores its result: the same answer.
        woken = redis_clients.jobs().wait_done(job_id, 0)
        if woken is not None and "result" in woken:
            return {**_base(job_id, record), "status": "succeeded", "result": woken["result"]}
    body: dict[str, Any] = {**_base(job_id, record), "status": status.value}
    if status is JobStatus.SUCCEEDED:
        body["result"] = result.result
    elif status is JobStatus.FAILED:
        error = record.get("error")
        if isinstance(error, dict) and error.get("code"):
            body["error"] = {"code": str(error["code"]), "message": str(error.get("message", ""))}
        else:
            body["error"] = dict(_REVOKED if state == "REVOKED" else _GENERIC_FAILURE)
    elif state == "PROGRESS":
        progress = _progress(result.info)
        if progress is not None:
            body["progress"] = progress
    return body


def _base(job_id: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"job_id": job_id, "kind": record.get("kind")}


@bp.get("/jobs/<job_id>")
@limiter.limit(poll_limit)
@document(
    tags=("jobs",),
    responses={
        200: (JobView, "The job's status, with its result or error once finished."),
        404: (ErrorResponse, "`job_not_found`: unknown, expired, malformed or someone else's."),
    },
)
def get_job(job_id: str) -> tuple[dict[str, Any], int]:
    """The job's status; poll it until ``succeeded`` or ``failed``."""
    job = load_job(job_id)
    if isinstance(job, StoredJob):
        return job.view, 200
    view = describe_job(job_id, job)
    if view["status"] == JobStatus.QUEUED.value:  # or Celery's result is gone (evicted, lost)
        return _finished_on_record(job_id) or view, 200
    return view, 200


def view_after_wakeup(job_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """The view of a job whose worker has pushed its wake-up: one primary-key read of its row.

    Workers commit the row's final state before the wake-up goes out (a task's
    last step, or its failure handler, runs before Celery's ``task_postrun``
    signal that pushes it), so no loop waits for Celery to catch up. Celery's
    view (``describe_job``) answers only when the row has no final state: the
    database blinked as the worker wrote it, or the job was sent without one.
    """
    stored = _finished_on_record(job_id)
    if stored is not None:
        return stored
    return describe_job(job_id, redis_clients.jobs().get(job_id) or record)


def _finished_on_record(job_id: str) -> dict[str, Any] | None:
    """The durable record's view if it says the job has finished; None if not, or unreadable."""
    try:
        stored = jobrecords.load(job_id)
    except SQLAlchemyError:
        return None  # the database is down: Redis' view is the best there is
    if stored is None or stored["status"] not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return None
    stored.pop("requested_by")
    return stored

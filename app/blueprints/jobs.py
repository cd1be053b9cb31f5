"""``GET /api/ml/jobs/<id>``: a job's public status, one primary-key read of its row.

The ``jobs`` row is the one record of a job's status, result, error and
progress (docs/jobs.md): workers write it, nothing here reads Redis, and
Celery keeps no results, so there are no copies to reconcile. A database that
is down is a ``503`` like any dependency.
"""

from __future__ import annotations

from typing import Any

from app import jobrecords
from app.auth import current_principal
from app.blueprints import api_blueprint
from app.errors import ApiError
from app.limits import limiter, poll_limit
from app.openapi import document
from app.responses import ErrorResponse, JobView
from app.schemas import valid_job_id

bp = api_blueprint("jobs", __name__)


def _not_found() -> ApiError:
    return ApiError(404, "job_not_found", "no such job")


def job_view(job_id: str) -> dict[str, Any] | None:
    """``{job_id, kind, status, result?, error?, progress?}`` from the row; None without one."""
    stored = jobrecords.load(job_id)
    if stored is None:
        return None
    stored.pop("requested_by")
    return stored


def load_job(job_id: str) -> dict[str, Any]:
    """The caller's job's view; 404 for garbage ids, unknown ids and other users' jobs."""
    if not valid_job_id(job_id):
        raise _not_found()
    stored = jobrecords.load(job_id)
    if stored is None:
        raise _not_found()
    user = stored.pop("requested_by")
    shared = stored["kind"] == "rank"  # a ranking builds a board every user may read
    principal = current_principal()
    if user != principal.name and not principal.has_role("admin") and not shared:
        raise _not_found()  # not 403: whether someone else's job exists is not ours to say
    return stored


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
    return load_job(job_id), 200

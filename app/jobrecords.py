"""The API's side of the durable job records: ``accept`` on the app's database, and reads.

Every job the API sends goes through ``prospects.jobrecords.accept``: its row
is committed before the message goes to the broker, so a job the client was
told about (202) is on record even if Redis loses the message; the sweeper
re-sends it from there. A send that fails removes the row again: the client
got a 503 and that job never existed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from app.extensions import database
from prospects.jobrecords import records
from prospects.jobrecords.accept import Accepted
from prospects.jobrecords.accept import accept as accept_job

__all__ = ["Accepted", "accept", "load", "open_jobs"]


def accept(
    job_id: str,
    kind: str,
    user: str | None,
    kwargs: dict[str, Any],
    send: Callable[[], None],
    *,
    prospect_id: int | None = None,
) -> Accepted:
    """``prospects.jobrecords.accept`` on this app's database (row, then ``send``, or neither)."""
    url = current_app.extensions["callup.database_url"]
    return accept_job(job_id, kind, user, kwargs, send, prospect_id=prospect_id, database_url=url)


def open_jobs(kind: str, user: str) -> int:
    """How many of ``user``'s jobs of ``kind`` are queued or running, on record."""
    with database.session() as session:
        return records.open_count(session, kind, user)


def load(job_id: str) -> dict[str, Any] | None:
    """``{job_id, kind, status, result?, error?, requested_by}``, or None when never recorded."""
    with database.session() as session:
        job = records.get(session, job_id)
        if job is None:
            return None
        return {**records.public_view(job), "requested_by": job.requested_by or ""}

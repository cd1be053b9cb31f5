"""The API's side of the durable job records: one row before a task is sent, read when Redis forgot.

The row is committed before the message goes to the broker, so a job the
client was told about (202) is on record even if Redis loses the message and
the job's Redis record; the sweeper re-sends it from here. A send that fails
removes the row again: the client got a 503 and that job never existed.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.extensions import database
from prospects.jobrecords import records


class Recorded(Enum):
    """What ``record`` did."""

    CREATED = "created"
    DUPLICATE = "duplicate"  # the id is on record already
    NO_SUCH_PROSPECT = "no_such_prospect"  # the prospect does not exist: nothing written


def record(
    job_id: str,
    kind: str,
    user: str | None,
    kwargs: dict[str, Any],
    *,
    prospect_id: int | None = None,
) -> Recorded:
    """Write the job's row (``kwargs``: the task's arguments, so it can be sent again).

    With ``prospect_id``, only if that prospect exists, checked in the same
    statement (``NO_SUCH_PROSPECT`` when it does not: nothing is written). ``DUPLICATE``
    when a row with this id exists already: another request holds the job (the
    same Idempotency-Key, concurrently), and only it may send it.
    """
    try:
        if prospect_id is None:
            with database.session() as session:
                records.create(session, job_id, kind, user, kwargs)
            return Recorded.CREATED
        with database.connection() as conn:
            written = records.create_for_prospect(conn, job_id, kind, user, kwargs, prospect_id)
    except IntegrityError:
        return Recorded.DUPLICATE
    return Recorded.CREATED if written else Recorded.NO_SUCH_PROSPECT


def open_jobs(kind: str, user: str) -> int:
    """How many of ``user``'s jobs of ``kind`` are queued or running, on record."""
    with database.session() as session:
        return records.open_count(session, kind, user)


def forget(job_id: str) -> None:
    """Best effort: drop the row of a job whose message could not be sent."""
    try:
        with database.session() as session:
            records.delete(session, job_id)
    except Exception:  # noqa: BLE001 - the send error is what the client hears about
        current_app.logger.warning("could not forget unsent job %s", job_id)


def load(job_id: str) -> dict[str, Any] | None:
    """``{job_id, kind, status, result?, error?, requested_by}``, or None when never recorded."""
    with database.session() as session:
        job = records.get(session, job_id)
        if job is None:
            return None
        return {**records.public_view(job), "requested_by": job.requested_by or ""}

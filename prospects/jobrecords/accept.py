"""Accepting a job: the one order every enqueue follows — row committed, message sent, or neither.

A client (or an operator) told "accepted" must find the job again whatever
happens next, so its durable row is committed before the task message goes
to the broker: if Redis then loses the message, the sweeper re-sends it from
the row. A send that fails takes the row back out, so a job the caller heard
a 503 about never existed. Every enqueue site (predict, rank, retrain,
promote, rollback, the console's rank) calls ``accept``, so the order is the
same everywhere. SQLAlchemy only: no Flask, no Celery; the caller brings the
``send`` that publishes its message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from prospects.db.models import Job
from prospects.db.session import get_engine
from prospects.jobrecords import records

log = logging.getLogger(__name__)


class Accepted(Enum):
    """What ``accept`` did."""

    SENT = "sent"  # the row is committed and the message sent
    DUPLICATE = "duplicate"  # the id is on record already: whoever holds it sends it, not us
    NO_SUCH_PROSPECT = "no_such_prospect"  # the job's prospect does not exist: nothing written


def accept(
    job_id: str,
    kind: str,
    requested_by: str | None,
    kwargs: dict[str, Any],
    send: Callable[[], None],
    *,
    prospect_id: int | None = None,
    database_url: str | None = None,
) -> Accepted:
    """Commit the job's row, then ``send()`` its message; on a failed send, remove the row.

    ``kwargs`` are the task's arguments as sent, so the sweeper can send the
    job again. With ``prospect_id`` the row is written only if that prospect
    exists, checked in the same statement (one round trip on the hot path).
    Whatever ``send`` raises is raised again once the row is gone.
    """
    records.ensure_table(database_url)  # once per process: a dict lookup after the first
    try:
        with get_engine(database_url).begin() as conn:
            if prospect_id is None:
                conn.execute(insert(Job), [records.new_row(job_id, kind, requested_by, kwargs)])
            elif not records.create_for_prospect(
                conn, job_id, kind, requested_by, kwargs, prospect_id
            ):
                return Accepted.NO_SUCH_PROSPECT
    except IntegrityError:
        return Accepted.DUPLICATE
    try:
        send()
    except BaseException:
        withdraw(job_id, database_url)
        raise
    return Accepted.SENT


def withdraw(job_id: str, database_url: str | None = None) -> None:
    """Best effort: remove the row of a job whose message could not be sent.

    The send's own error is what the caller reports; a row left behind by a
    database that failed here too is sent later by the sweeper: work done
    once more than asked, never a job lost.
    """
    try:
        with get_engine(database_url).begin() as conn:
            conn.execute(Job.__table__.delete().where(Job.__table__.c.id == job_id))
    except Exception:  # noqa: BLE001 - the send error is what the caller hears about
        log.warning("could not withdraw unsent job %s", job_id)

"""Reads and writes of the ``jobs`` table, each one conditional on the state it expects.

Redelivered tasks, the sweeper and late workers all write here, so no update
moves a job backwards: a succeeded job stays succeeded, and only one of two
concurrent finishers of the same job wins (``succeed`` says which), which is
how a redelivered prediction knows not to store itself twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Insert, bindparam, func, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from prospects.db.models import Job, Prospect
from prospects.db.session import get_engine, session_scope

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
OPEN = (QUEUED, RUNNING)
KIND_PREDICT, KIND_RANK, KIND_RETRAIN = "predict", "rank", "retrain"
KIND_INGEST = "ingest"  # the weekly feed (prospects.feed)
KIND_PROMOTE, KIND_ROLLBACK = "promote", "rollback"  # champion moves (API), seconds each
KIND_MONITOR = "monitor"  # the lifecycle monitor (Beat), recorded when it starts
_ready: set[str] = set()
log = logging.getLogger(__name__)


class Finish(StrEnum):
    """What ``succeed`` did: finished the job, found it succeeded already, or found no record."""

    DONE = "done"
    ALREADY_SUCCEEDED = "already_succeeded"  # another delivery of the task finished it first
    MISSING = "missing"


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one stored here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def ensure_table(database_url: str | None = None) -> None:
    """Migrate a database that predates the ``jobs`` table (once per process and URL)."""
    _ensure(get_engine(database_url))


def _ensure(bind: Engine | Connection) -> None:
    engine = bind.engine
    key = str(engine.url)
    if key in _ready:
        return
    from prospects.db.migrate import upgrade

    upgrade(engine)
    _ready.add(key)


def _table(session: Session) -> Session:
    """The session, once the ``jobs`` table is known to exist on its database."""
    _ensure(session.get_bind())
    return session


APPLY_PAUSES = (0.5, 1.0, 2.0)  # seconds between tries: a database restart, not an outage


def apply(
    change: Callable[[Session], object],
    job_id: str,
    database_url: str | None = None,
    *,
    pauses: tuple[float, ...] = APPLY_PAUSES,
) -> bool:
    """Run one change in its own transaction; False (and a warning) when it could not be stored.

    For the bookkeeping that must not fail a task on its own. A connection
    error is tried again after each of ``pauses``; a row still left open after
    that is the sweeper's: it sends the job again and the redelivery settles
    the row (Celery keeps no result to catch it up from).
    """
    failure: Exception | None = None
    for pause in (*pauses, None):
        try:
            with session_scope(database_url) as session:
                change(session)
            return True
        except OperationalError as exc:  # refused or dropped: the database may be restarting
            failure = exc
            if pause is None:
                break
            time.sleep(pause)
        except Exception as exc:  # noqa: BLE001 - any database error: the task's outcome stands
            failure = exc
            break
    log.warning("job %s: could not update its record (%s)", job_id, type(failure).__name__)
    return False


def new_row(job_id: str, kind: str, requested_by: str | None, params: dict[str, Any]) -> dict:
    """A just-accepted job's columns: queued, never attempted, never re-sent."""
    moment = now()
    return {
        "id": job_id,
        "kind": kind,
        "state": QUEUED,
        "requested_by": requested_by,
        "params": params,
        "created_at": moment,
        "updated_at": moment,
        "attempts": 0,
        "requeues": 0,
    }


def create_for_prospect(
    bind: Connection,
    job_id: str,
    kind: str,
    requested_by: str | None,
    params: dict[str, Any],
    prospect_id: int,
) -> bool:
    """Record a job about one prospect if that prospect exists; False (nothing written) if not.

    One prepared statement (``INSERT … SELECT … WHERE EXISTS``) on a plain
    connection: the prediction path's 404 check and its durable record cost one
    round trip and no ORM work. A duplicate ``job_id`` raises ``IntegrityError``.
    """
    _ensure(bind)
    values = {**new_row(job_id, kind, requested_by, params), "prospect_id": prospect_id}
    return bind.execute(_insert_if_prospect(), values).first() is not None


@cache
def _insert_if_prospect() -> Insert:
    table = Job.__table__
    columns = list(new_row("", "", None, {}))
    exists = select(Prospect.id).where(Prospect.id == bindparam("prospect_id")).exists()
    rows = select(*(bindparam(name, type_=table.c[name].type) for name in columns))
    return insert(Job).from_select(columns, rows.where(exists)).returning(Job.id)


def get(session: Session, job_id: str) -> Job | None:
    _table(session)
    return session.get(Job, job_id)


def start(
    session: Session,
    job_id: str,
    kind: str,
    requested_by: str | None = None,
    params: dict[str, Any] | None = None,
) -> bool:
    """Mark the job running and count the attempt; False when it has finished already.

    A job sent without a record (a Beat ranking, an old client) gets one here,
    so it is tracked and swept like the others.
    """
    _table(session)
    moment = now()
    changed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(OPEN))
        .values(
            state=RUNNING,
            started_at=func.coalesce(Job.started_at, moment),
            updated_at=moment,
            attempts=Job.attempts + 1,
        )
    ).rowcount
    if changed:
        return True
    if session.get(Job, job_id) is not None:
        return False
    session.add(
        Job(
            id=job_id,
            kind=kind,
            state=RUNNING,
            requested_by=requested_by,
            params=params or {},
            created_at=moment,
            started_at=moment,
            updated_at=moment,
            attempts=1,
            requeues=0,
        )
    )
    return True


def heartbeat(session: Session, job_id: str, progress: dict[str, Any] | None = None) -> None:
    """The job is making progress (a ranking chunk committed): it is not stuck.

    ``progress`` (``{done, total}``, a retraining's ``stage``) is what a poll
    shows while the job runs.
    """
    _table(session)
    values: dict[str, Any] = {"updated_at": now()}
    if progress is not None:
        values["progress"] = progress
    session.execute(update(Job).where(Job.id == job_id, Job.state == RUNNING).values(**values))


def succeed(
    session: Session, job_id: str, result: dict[str, Any] | None, ref: str | None = None
) -> Finish:
    """Finish the job with its result, unless another delivery of it already did."""
    _table(session)
    moment = now()
    changed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state != SUCCEEDED)
        .values(
            state=SUCCEEDED,
            result=result,
            result_ref=ref,
            error=None,
            progress=None,
            finished_at=moment,
            updated_at=moment,
        )
    ).rowcount
    if changed:
        return Finish.DONE
    return Finish.ALREADY_SUCCEEDED if session.get(Job, job_id) is not None else Finish.MISSING


def fail(session: Session, job_id: str, error: dict[str, str]) -> bool:
    """Mark the job failed with ``{code, message}``; a succeeded job stays succeeded."""
    _table(session)
    moment = now()
    return bool(
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state != SUCCEEDED)
            .values(state=FAILED, error=error, progress=None, finished_at=moment, updated_at=moment)
        ).rowcount
    )


def stale(
    session: Session,
    older_than: dict[str, int],
    limit: int = 500,
    *,
    queued_older_than: int | None = None,
) -> list[Job]:
    """Open jobs silent for longer than their kind's threshold, oldest first.

    With ``queued_older_than``, jobs still ``queued`` (no worker ever started
    them) are stale after that many seconds if that is sooner.
    """
    _table(session)
    if not older_than:
        return []
    moment = now()
    shortest = min([*older_than.values(), *([queued_older_than] if queued_older_than else [])])
    cutoff = moment - timedelta(seconds=shortest)
    rows = session.scalars(
        select(Job)
        .where(Job.state.in_(OPEN), Job.updated_at < cutoff)
        .order_by(Job.updated_at)
        .limit(limit)
    ).all()
    default = max(older_than.values())

    def threshold(row: Job) -> int:
        kind_limit = older_than.get(row.kind, default)
        if row.state == QUEUED and queued_older_than is not None:
            return min(kind_limit, queued_older_than)
        return kind_limit

    return [
        row for row in rows if aware(row.updated_at) < moment - timedelta(seconds=threshold(row))
    ]


def open_count(session: Session, kind: str, requested_by: str) -> int:
    """How many of ``requested_by``'s jobs of ``kind`` are queued or running."""
    _table(session)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.state.in_(OPEN), Job.kind == kind, Job.requested_by == requested_by)
        )
        or 0
    )


def claim_requeue(session: Session, job: Job, cutoff: datetime) -> bool:
    """Take the right to re-send ``job``: one sweeper wins even without the Redis lock.

    The update only matches the row as the sweeper read it (still open, still
    silent, same re-send count), so a second sweeper's update matches nothing.
    """
    _table(session)
    return bool(
        session.execute(
            update(Job)
            .where(
                Job.id == job.id,
                Job.state.in_(OPEN),
                Job.requeues == job.requeues,
                Job.updated_at < cutoff,
            )
            .values(state=QUEUED, requeues=Job.requeues + 1, updated_at=now())
        ).rowcount
    )


def public_view(job: Job) -> dict[str, Any]:
    """``{job_id, kind, status, result?, error?}`` as ``GET /api/ml/jobs/<id>`` shows it."""
    body: dict[str, Any] = {"job_id": job.id, "kind": job.kind, "status": job.state}
    if job.state == RUNNING and isinstance(job.progress, dict):
        done, total = job.progress.get("done"), job.progress.get("total")
        if isinstance(done, int) and isinstance(total, int):
            body["progress"] = {"done": done, "total": total}
    if job.state == SUCCEEDED:
        body["result"] = job.result
    elif job.state == FAILED:
        error = job.error or {}
        body["error"] = {
            "code": str(error.get("code") or "job_failed"),
            "message": str(error.get("message") or "the job failed"),
        }
    return body

"""Re-send jobs whose task message was lost: the ``jobs`` table is the record, Redis the queue.

A job is stuck when it has been queued or running with no news for longer
than its kind allows (``settings.stale_after``), or queued for longer than
``settings.lost_seconds`` with its message neither in its queue nor in a
worker's hands (Redis restarted empty). For each stuck job, oldest first:

* its message still waits in the queue (a backlog, not a loss): left alone;
* re-sent too often already: failed as ``job_lost``;
* otherwise it is sent again with the same job id and the same arguments.

Re-sending is idempotent twice over: one Redis lock per sweep, so two Beats
or two overlapping runs do not both send, and a conditional update per job
(``records.claim_requeue``), so even without the lock only one sweeper wins.
The tasks themselves skip a job the table says is finished, and prediction
records and ranking rows are written once per job.

The row is the only record of how a job ended: Celery keeps no results
(``task_ignore_result``). A worker that finished a job but could not write
its row (the database was down through ``records.apply``'s retries) leaves it
open; the sweeper sends it again like a lost one, and the redelivery settles
it: a ranking reuses its finished snapshot, a prediction is recomputed and
stored once, a champion move finds the alias already moved.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import redis

from prospects import locks
from prospects.db.models import Job
from prospects.db.session import session_scope
from prospects.jobrecords import records
from prospects.jobrecords.thresholds import lost_seconds, max_requeues, stale_after
from prospects.jobs import (
    PREFIX,
    QUEUE_PREDICT,
    QUEUE_RANK,
    QUEUE_TRAIN,
    TASK_INGEST_FEED,
    TASK_MONITOR,
    TASK_PREDICT,
    TASK_PROMOTE,
    TASK_RANK,
    TASK_RETRAIN,
    TASK_ROLLBACK,
    JobStore,
)

log = logging.getLogger(__name__)
LOCK_KEY = f"{PREFIX}:lock:jobsweep"
LOCK_SECONDS = 300  # longer than any sweep; a sweeper that dies frees it by expiry
SCAN_LIMIT = 20_000  # messages read per queue; a longer queue is assumed to hold the job
# kombu's Redis transport keeps a queue as one list per priority step: the queue's own name
# for step 0, ``queue + sep + step`` for the others. ``sep`` and ``priority_steps`` are its
# documented transport options (Celery's "Redis message priorities"); these are their
# defaults, which workers/celery_app.py keeps. tests/test_job_records.py sends a task at every
# priority through Celery and checks that these keys find each message.
PRIORITY_SEP = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)
UNACKED_KEY = "unacked"  # kombu's Redis transport: messages delivered to a worker, not yet acked

# kind → (task name, queue) to send a job of that kind again.
ROUTES: dict[str, tuple[str, str]] = {
    records.KIND_PREDICT: (TASK_PREDICT, QUEUE_PREDICT),
    records.KIND_RANK: (TASK_RANK, QUEUE_RANK),
    records.KIND_RETRAIN: (TASK_RETRAIN, QUEUE_TRAIN),
    records.KIND_INGEST: (TASK_INGEST_FEED, QUEUE_TRAIN),
    records.KIND_PROMOTE: (TASK_PROMOTE, QUEUE_PREDICT),
    records.KIND_ROLLBACK: (TASK_ROLLBACK, QUEUE_PREDICT),
    records.KIND_MONITOR: (TASK_MONITOR, QUEUE_TRAIN),
}

Send = Callable[[str, str, dict[str, Any], str], None]  # (task, job id, kwargs, queue)


@dataclass
class SweepReport:
    """What one sweep found and did (the Beat task's result)."""

    locked: bool = False  # another sweep was running: this one did nothing
    stuck: int = 0
    requeued: list[str] = field(default_factory=list)
    waiting: int = 0  # still in the queue: left alone
    lost: list[str] = field(default_factory=list)  # re-sent too often: failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "locked": self.locked,
            "stuck": self.stuck,
            "requeued": list(self.requeued),
            "waiting": self.waiting,
            "lost": list(self.lost),
        }


def queued_ids(client: redis.Redis, queue: str, limit: int = SCAN_LIMIT) -> set[str] | None:
    """Ids of the task messages waiting in ``queue``; None when it is too long to read."""
    found: set[str] = set()
    for key in priority_queue_keys(queue):
        if client.llen(key) > limit:
            return None
        for raw in client.lrange(key, 0, limit - 1):
            try:
                found.add(str(json.loads(raw)["headers"]["id"]))
            except (ValueError, KeyError, TypeError):
                continue  # not a Celery message: nothing to match
    return found


def priority_queue_keys(
    queue: str, sep: str = PRIORITY_SEP, steps: tuple[int, ...] = PRIORITY_STEPS
) -> list[str]:
    """The Redis lists that hold ``queue``'s waiting messages, one per priority step."""
    return [f"{queue}{sep}{step}" if step else queue for step in steps]


def unacked_ids(client: redis.Redis, limit: int = SCAN_LIMIT) -> set[str] | None:
    """Ids of the task messages a worker holds (prefetched or running); None when too many."""
    if client.hlen(UNACKED_KEY) > limit:
        return None
    found: set[str] = set()
    for raw in client.hvals(UNACKED_KEY):
        try:
            found.add(str(json.loads(raw)[0]["headers"]["id"]))
        except (ValueError, KeyError, TypeError, IndexError):
            continue
    return found


def sweep(
    client: redis.Redis,
    send: Send,
    *,
    older_than: int | None = None,
    database_url: str | None = None,
) -> SweepReport:
    """One pass over the stuck jobs; ``older_than`` overrides every kind's threshold (tests)."""
    report = SweepReport()
    token = uuid.uuid4().hex
    if not locks.take(client, LOCK_KEY, LOCK_SECONDS, token):
        report.locked = True
        return report
    try:
        thresholds = {
            kind: older_than if older_than is not None else stale_after(kind) for kind in ROUTES
        }
        # A queued job whose message is nowhere in Redis is lost long before it is stale.
        lost_after = older_than if older_than is not None else lost_seconds()
        records.ensure_table(database_url)
        with session_scope(database_url) as session:
            stuck = records.stale(session, thresholds, queued_older_than=lost_after)
        report.stuck = len(stuck)
        waiting: dict[str, set[str] | None] = {}
        for job in stuck:
            limit = thresholds.get(job.kind, lost_after)
            early = job.state == records.QUEUED and _silent_for(job) < limit
            seconds = lost_after if early else limit
            _handle(client, job, send, seconds, early, waiting, report, database_url)
    finally:
        try:
            locks.release(client, LOCK_KEY, token)
        except redis.RedisError:
            log.warning("could not release %s; it expires by itself", LOCK_KEY)
    if report.requeued or report.lost:
        log.info("job sweep: %s", report.as_dict())
    return report


def _handle(
    client: redis.Redis,
    job: Job,
    send: Send,
    silent_seconds: int,
    early: bool,
    waiting: dict[str, set[str] | None],
    report: SweepReport,
    database_url: str | None,
) -> None:
    """``early``: stuck only by the lost threshold, so a worker holding it also counts."""
    route = ROUTES.get(job.kind)
    if route is None:
        return
    task, queue = route
    if queue not in waiting:
        waiting[queue] = queued_ids(client, queue)
    in_queue = waiting[queue]
    if in_queue is None or job.id in in_queue:
        report.waiting += 1
        return
    if early:
        if UNACKED_KEY not in waiting:
            waiting[UNACKED_KEY] = unacked_ids(client)
        held = waiting[UNACKED_KEY]
        if held is None or job.id in held:
            report.waiting += 1  # a worker has it (prefetched): not lost
            return
    if job.requeues >= max_requeues():
        error = {
            "code": "job_lost",
            "message": f"the job was re-sent {job.requeues} times and never finished",
        }
        with session_scope(database_url) as session:
            records.fail(session, job.id, error)
        JobStore(client).notify_done(job.id)  # after the row: a waiter reads it there
        report.lost.append(job.id)
        return
    cutoff = records.now() - timedelta(seconds=silent_seconds)
    with session_scope(database_url) as session:
        claimed = records.claim_requeue(session, job, cutoff)
    if not claimed:
        return  # another sweeper took it, or it moved on since it was read
    send(task, job.id, dict(job.params or {}), queue)
    report.requeued.append(job.id)


def _silent_for(job: Job) -> float:
    return (records.now() - records.aware(job.updated_at)).total_seconds()

"""The feed task (Beat, one hour before the weekly retrain): thin — ``prospects.feed.ingest``.

Recorded in the durable job table like every job (kind ``ingest``), so it
shows in ``/api/ml/jobs``, the metrics and the sweeper's view; a held or
rejected batch raises an alert event and makes the Beat retrain skip. Every run
also records an ``ingest`` model event, so the job shows in the dashboard's
event list (``GET /api/ml/models`` history), not only when it raised an alert.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.exceptions import Ignore

from prospects.db.session import session_scope
from prospects.feed.ingest import APPLIED, ingest_pending, record_run
from prospects.feed.location import drop_location
from prospects.jobrecords import records
from prospects.jobrecords.thresholds import INGEST_TIME_LIMIT_SECONDS
from prospects.jobs import TASK_INGEST_FEED
from workers.celery_app import celery_app


@celery_app.task(
    name=TASK_INGEST_FEED,
    bind=True,
    time_limit=INGEST_TIME_LIMIT_SECONDS,
    soft_time_limit=INGEST_TIME_LIMIT_SECONDS - 60,
)
def ingest_feed(self: Task, trigger: str = "beat") -> dict[str, Any]:
    """Import every waiting batch of the drop location; the result lists what each became."""
    job_id = self.request.id or ""
    with session_scope() as session:
        if not records.start(session, job_id, records.KIND_INGEST, trigger, {"trigger": trigger}):
            raise Ignore()  # finished already: its result stands
    try:
        location = drop_location()
        results = ingest_pending(location, job_id=job_id)
        with session_scope() as session:
            record_run(session, location, results, trigger=trigger, job_id=job_id)
    except Exception as exc:
        error = {"code": "ingest_failed", "message": f"{type(exc).__name__}: {exc}"[:500]}
        records.apply(lambda session: records.fail(session, job_id, error), job_id)
        raise
    summary = {
        "location": location.describe(),
        "batches": [r.describe() for r in results],
        "held": any(r.status != APPLIED for r in results),
    }
    records.apply(lambda session: records.succeed(session, job_id, summary), job_id)
    if any(r.status == APPLIED and any(c["inserted"] or c["updated"] for c in r.counts.values())
           for r in results):  # fmt: skip
        from prospects.db.version import forget_cached_data_version

        forget_cached_data_version()
    return summary

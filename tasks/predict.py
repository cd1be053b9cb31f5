"""The predict task: thin — ids in, a plain dict out; the work is in ``prospects.serving``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from celery import Task
from kombu.exceptions import OperationalError as KombuOperationalError

from prospects.ab import cache_key
from prospects.db.session import session_scope
from prospects.db.version import cached_data_version
from prospects.errors import CallupError
from prospects.jobrecords import records
from prospects.jobs import TASK_PREDICT
from prospects.serving.predict import predict_one, record_prediction
from tasks.retry import RETRY_BRIEF_OUTAGES, TRANSIENT
from workers.celery_app import celery_app
from workers.runtime import runtime
from workers.variants import choose


class PredictTask(Task):
    """Marks the durable record failed once the job has failed for good (after its retries).

    Not for Redis or the database being down: the record stays open, and the
    sweeper sends the job again once they are back (unless Celery stored the failure).
    """

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        if isinstance(exc, (*TRANSIENT, KombuOperationalError)):
            return
        if isinstance(exc, CallupError):
            error = exc.as_dict()
        else:
            error = {"code": "prediction_failed", "message": f"the prediction failed: {exc!r}"}
        records.apply(lambda session: records.fail(session, task_id, error), task_id)


# track_started off: a predict runs in milliseconds, and reporting "running" would cost a
# Redis write and publish per call on the hot path; rank and train jobs do report it.
@celery_app.task(
    name=TASK_PREDICT,
    bind=True,
    base=PredictTask,
    time_limit=60,
    soft_time_limit=50,
    track_started=False,
    resultrepr_maxsize=80,  # the worker's success log line: an id's worth, not a 2 kB repr
    **RETRY_BRIEF_OUTAGES,
)
def predict(
    self: Task,
    prospect_id: int,
    as_of: str | None = None,
    requested_by: str | None = None,
    request_id: str | None = None,
) -> dict:
    """Score one prospect with the warm champion (or, for its A/B share, the challenger), answer
    the waiting client, then store the prediction with its variant.

    The answer goes out first (cache entry and wake-up carrying the result, one
    Redis round trip), so the client does not wait for the bookkeeping: with
    the commit first, the queued cache miss measured ~25% slower against the
    in-process baseline (bench/predict.py, issue 16). The job's row and the
    prediction then commit together, and only the delivery that finishes the
    job stores a prediction: a worker dying between the answer and the commit
    leaves the message unacknowledged, its redelivery computes the same answer
    again and stores it once. This is the one place a wake-up precedes the row.
    """
    rt = runtime()
    day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    job_id = self.request.id
    # The champion, or for its A/B share of users the challenger.
    model, variant = choose(rt.models, requested_by)
    with session_scope() as session:
        version = cached_data_version(rt.redis, session)
        result = predict_one(session, model, rt.days, prospect_id, day, version, variant)
        key = cache_key(variant, model.version, result["data_version"], day, prospect_id)
        if job_id:
            rt.jobs.deliver_prediction(job_id, key, result)  # waiters answer from this
        else:
            rt.jobs.cache_prediction(key, result)
        done = records.succeed(session, job_id, result) if job_id else records.Finish.MISSING
        if done is not records.Finish.ALREADY_SUCCEEDED:
            record_prediction(session, result, job_id, requested_by)
    # A domain error (CallupError) is raised as it is: on_failure writes it on the row.
    return result

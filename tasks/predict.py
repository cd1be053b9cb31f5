"""The predict task: thin — ids in, a plain dict out; the work is in ``prospects.serving``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from celery import Task

from prospects.ab import cache_key
from prospects.db.session import session_scope
from prospects.db.version import cached_data_version
from prospects.errors import CallupError
from prospects.jobs import TASK_PREDICT
from prospects.serving.predict import predict_one, record_prediction
from workers.celery_app import celery_app
from workers.runtime import runtime
from workers.variants import choose


# track_started off: a predict runs in milliseconds, and reporting "running" would cost a
# Redis write and publish per call on the hot path; rank and train jobs do report it.
@celery_app.task(
    name=TASK_PREDICT, bind=True, time_limit=60, soft_time_limit=50, track_started=False
)
def predict(
    self: Task,
    prospect_id: int,
    as_of: str | None = None,
    requested_by: str | None = None,
    request_id: str | None = None,
) -> dict:
    """Score one prospect with the warm champion (or, for its A/B share, the challenger); store
    the prediction with its variant and cache the answer under that variant."""
    rt = runtime()
    day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    try:
        model, variant = choose(rt.models, requested_by)  # champion, or challenger (A/B)
        with session_scope() as session:
            version = cached_data_version(rt.redis, session)
            result = predict_one(session, model, rt.contexts, prospect_id, day, version, variant)
            record_prediction(session, result, self.request.id, requested_by)
    except CallupError as exc:
        if self.request.id:
            rt.jobs.record_error(self.request.id, exc.as_dict())
        raise
    key = cache_key(variant, model.version, result["data_version"], day, prospect_id)
    rt.jobs.cache_prediction(key, result)
    return result

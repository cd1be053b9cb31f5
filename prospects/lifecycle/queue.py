"""Asking for a retraining from anywhere (API, Beat, monitor), single-flight and on the record.

Redis and SQLAlchemy only: the API calls this. ``send(job_id)`` publishes the
Celery task; everything else (the job's row through ``accept``, the lock, the
``retrain_queued`` event) is done the same way for every caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis

from prospects import config
from prospects.db.session import session_scope
from prospects.jobrecords import records
from prospects.jobrecords.accept import accept
from prospects.lifecycle import events
from prospects.lifecycle.flight import SingleFlight, request_retrain

log = logging.getLogger(__name__)


def queue_retrain(
    client: redis.Redis,
    send: Callable[[str], None],
    *,
    trigger: str,
    actor: str | None = None,
    params: dict[str, Any] | None = None,
    reason: str = "",
    database_url: str | None = None,
) -> tuple[str, bool]:
    """(job id, whether it is new): the running retraining's id if one is queued or running."""
    kwargs: dict[str, Any] = {"trigger": trigger, "requested_by": actor}
    if params:
        kwargs["params"] = params

    def publish(job_id: str) -> None:
        accept(
            job_id,
            records.KIND_RETRAIN,
            actor,
            kwargs,
            lambda: send(job_id),
            database_url=database_url,
        )

    job_id, is_new = request_retrain(SingleFlight(client), publish)
    if is_new:
        try:
            events.ensure_tables(database_url)
            with session_scope(database_url) as session:
                events.record_event(
                    session,
                    config.model_name(),
                    "retrain_queued",
                    trigger,
                    reason=reason or f"retraining requested by {actor or trigger}",
                    metrics={"params": params or {}},
                    job_id=job_id,
                    actor=actor,
                )
        except Exception:  # noqa: BLE001 - the job is queued; a missing note must not undo it
            log.exception("retraining %s queued, but its event could not be stored", job_id)
    return job_id, is_new

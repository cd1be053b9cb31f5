"""Ranking tasks: a coordinator, the chunks it fans out, and a finalizer under the job's id.

``callup.rank`` (the job id) claims the snapshot, cuts the prospects into
chunks, sends one ``callup.rank_chunk`` per chunk and ends with ``Ignore``, so
the job stays running. Each chunk scores its rows in one vectorised call,
writes them idempotently, fills the prediction cache and reports progress on
the job. The chunk that commits last sends ``callup.rank_finalize`` with the
job's own id: it numbers the rows and its return value is the job's result.

No chord: Redis chord counters count a redelivered chunk twice and could fire
the body early; the chunk ledger (a Redis hash) counts each chunk once, and
the finalizer checks the rows in the database before it publishes anything.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

import redis
from celery import Task
from celery.exceptions import Ignore
from sqlalchemy.exc import OperationalError

from prospects import config
from prospects.db.session import session_scope
from prospects.db.version import cached_data_version
from prospects.errors import CallupError, ModelUnavailableError
from prospects.jobrecords import records
from prospects.jobs import (
    QUEUE_RANK,
    TASK_RANK,
    TASK_RANK_CHUNK,
    TASK_RANK_FINALIZE,
    prediction_cache_key,
)
from prospects.ranking.chunk import score_chunk
from prospects.ranking.filters import RankingFilters
from prospects.ranking.plan import plan_ranking
from prospects.ranking.queries import describe_snapshot
from prospects.ranking.redis_keys import ChunkLedger
from prospects.ranking.store import (
    RUNNING,
    RankingSpec,
    fail_snapshot,
    finalize_snapshot,
    snapshot_status,
    write_entries,
)
from prospects.serving.loaded import LoadedModel
from workers.celery_app import celery_app
from workers.metrics import count_predictions
from workers.runtime import Runtime, runtime

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, redis.ConnectionError, redis.TimeoutError)
_RETRY = {"autoretry_for": TRANSIENT, "max_retries": 5, "retry_backoff": 1, "retry_jitter": True}


def _error(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, CallupError):
        return exc.as_dict()
    return {"code": "ranking_failed", "message": f"the ranking failed: {type(exc).__name__}"}


def fail_job(job_id: str, snapshot_id: int | None, exc: BaseException, *, wake: bool) -> None:
    """Record why a ranking failed: the job's row, the snapshot, then (``wake``) its waiters.

    The row first: whoever the wake-up reaches reads the job's final state there.
    """
    rt = runtime()
    error = _error(exc)
    records.apply(lambda session: records.fail(session, job_id, error), job_id)
    try:
        if snapshot_id is not None:
            with session_scope() as session:
                fail_snapshot(session, snapshot_id, error["message"])
        if wake:  # a chunk failed: no task runs under the job's own id to wake its waiters
            rt.jobs.notify_done(job_id)
    except Exception:  # noqa: BLE001 - already failing; the original error is what counts
        log.exception("could not record the failure of ranking job %s", job_id)


class RankTask(Task):
    """Marks the whole job failed when any part of it fails for good (after its retries)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        job_id = kwargs.get("job_id") or task_id
        fail_job(job_id, kwargs.get("snapshot_id"), exc, wake=job_id != task_id)


def _model_for(rt: Runtime, version: int | None) -> tuple[LoadedModel, str]:
    """The model to rank with and its variant: "champion", or "pinned" for another version."""
    if version is None:
        return rt.models.get(), "champion"
    model = rt.models.version(version)
    try:
        champion = rt.models.resolve()
    except ModelUnavailableError:
        champion = None
    return model, "champion" if champion == model.version else "pinned"


@celery_app.task(name=TASK_RANK, bind=True, base=RankTask, time_limit=600, **_RETRY)
def rank(
    self: Task,
    filters: dict[str, Any] | None = None,
    as_of: str | None = None,
    model_version: int | None = None,
    requested_by: str | None = None,
    chunk_size: int | None = None,
) -> dict[str, Any]:
    """Plan the ranking and fan its chunks out; returns at once when a snapshot is reused.

    A message delivered again after the job finished (its worker died before
    the ack, or the sweeper re-sent it) does nothing.
    """
    rt = runtime()
    job_id = self.request.id
    day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    sent = {"filters": filters, "as_of": as_of, "model_version": model_version}
    sent.update({"requested_by": requested_by, "chunk_size": chunk_size})
    with session_scope() as session:
        if not records.start(session, job_id, records.KIND_RANK, requested_by, sent):
            raise Ignore()  # finished already: its result stands
    model, variant = _model_for(rt, model_version)
    with session_scope() as session:
        spec = RankingSpec(
            RankingFilters.from_dict(filters),
            day,
            model.name,
            model.version,
            variant,
            cached_data_version(rt.redis, session),
        )
        plan = plan_ranking(
            session, spec, job_id, requested_by, chunk_size or config.rank_chunk_size()
        )
        if plan.summary is not None:
            records.succeed(session, job_id, plan.summary, f"ranking:{plan.snapshot_id}")
    if plan.summary is not None:
        return plan.summary
    ledger = ChunkLedger(rt.redis, job_id)
    done = ledger.done_indices()
    progress = {"done": ledger.rows_done(), "total": plan.total}
    records.apply(lambda session: records.heartbeat(session, job_id, progress), job_id)
    for index, ids in enumerate(plan.chunks):
        if index in done:
            continue  # a redelivered coordinator: that chunk is already committed
        rank_chunk.apply_async(
            kwargs={
                "job_id": job_id,
                "snapshot_id": plan.snapshot_id,
                "index": index,
                "n_chunks": len(plan.chunks),
                "total": plan.total,
                "prospect_ids": ids,
                "as_of": day.isoformat(),
                "model_version": model.version,
                "data_version": spec.data_version,
                "variant": variant,
            },
            queue=QUEUE_RANK,
        )
    raise Ignore()  # the finalizer, under this job's id, stores the result


# A chunk reports on the job's row (progress), like every task: no Celery result is stored.
@celery_app.task(name=TASK_RANK_CHUNK, bind=True, base=RankTask, time_limit=900, **_RETRY)
def rank_chunk(
    self: Task,
    job_id: str,
    snapshot_id: int,
    index: int,
    n_chunks: int,
    total: int,
    prospect_ids: list[int],
    as_of: str,
    model_version: int,
    data_version: str,
    variant: str,
) -> int:
    """Score, explain and store one chunk; the last one to commit sends the finalizer."""
    rt = runtime()
    day = date.fromisoformat(as_of)
    scored = None
    with session_scope() as session:
        # Not running: finished already (a late redelivery) or failed: nothing to add.
        if snapshot_status(session, snapshot_id) == RUNNING:
            model = rt.models.version(model_version)
            league_day = rt.days.get(session, data_version, day)
            scored = score_chunk(
                session, model, league_day, prospect_ids, day, data_version, variant
            )
    ledger = ChunkLedger(rt.redis, job_id)
    if scored is not None:
        # Rows done once this chunk commits, shown on the job's row with them.
        progress = {"done": ledger.rows_done(extra=(index, len(prospect_ids))), "total": total}
        with session_scope() as session:  # reads done: the write transaction stays short
            write_entries(session, snapshot_id, scored.rows)
            records.heartbeat(session, job_id, progress)  # the sweeper leaves the job alone
        count_predictions(model_version, variant, n=len(scored.rows))
        if variant == "champion":  # the API looks the cache up by the champion's version
            rt.jobs.cache_predictions(
                [
                    (prediction_cache_key(model_version, data_version, day, r["prospect_id"]), r)
                    for r in scored.results
                ]
            )
    if ledger.record(index, len(prospect_ids), n_chunks):
        rank_finalize.apply_async(kwargs={"snapshot_id": snapshot_id}, task_id=job_id)
    return len(prospect_ids)


@celery_app.task(name=TASK_RANK_FINALIZE, bind=True, base=RankTask, time_limit=600, **_RETRY)
def rank_finalize(self: Task, snapshot_id: int) -> dict[str, Any]:
    """Number the rows and close the snapshot; the job's result. Safe to run twice."""
    rt = runtime()
    with session_scope() as session:
        snapshot = finalize_snapshot(session, snapshot_id)
        summary = describe_snapshot(snapshot)
        records.succeed(session, self.request.id, summary, f"ranking:{snapshot_id}")
    ChunkLedger(rt.redis, self.request.id).clear()
    if summary["model"]["variant"] == "champion":
        try:  # refresh the API's view of the champion, so the cache just filled is found
            rt.models.resolve()
        except ModelUnavailableError:
            pass
    return summary

"""The contract between the API and the workers: task names, queues and Redis keys.

Needs only ``redis``: the API imports it without loading any ML library. A
job's state lives in its database row (``prospects.jobrecords``); Redis holds
the queue, the wake-up that tells a waiting request the job has finished, and
caches.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Any

import redis

PREFIX = "callup"
TASK_PREDICT = "callup.predict"
TASK_RANK = "callup.rank"
TASK_RANK_CHUNK = "callup.rank_chunk"  # one slice of a ranking
TASK_RANK_FINALIZE = "callup.rank_finalize"  # numbers the rows; runs under the job's id
TASK_RETRAIN = "callup.retrain"
TASK_MONITOR = "callup.monitor"  # the lifecycle monitor (train queue)
TASK_PROMOTE = "callup.promote"  # move the champion alias forward (predict queue: seconds)
TASK_ROLLBACK = "callup.rollback"  # move it back to the previous champion (predict queue)
TASK_SWEEP_JOBS = "callup.sweep_jobs"  # Beat: re-send jobs whose messages were lost
TASK_INGEST_FEED = "callup.ingest_feed"  # Beat, before the weekly retrain: the week's data
QUEUE_PREDICT, QUEUE_RANK, QUEUE_TRAIN = "predict", "rank", "train"
JOB_TTL_SECONDS = 24 * 3600  # wake-ups, in-flight markers, idempotency keys: a day
PREDICTION_CACHE_TTL_SECONDS = 24 * 3600
ALIAS_TTL_SECONDS = 30  # an alias moved outside Callup (MLflow UI) is noticed within this


class JobStatus(StrEnum):
    """A job's state as clients see it."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


SYSTEM_PREFIX = "system:"


def system_requester(name: str) -> str:
    """The requester name of a job Callup starts itself (``system:beat``, ``system:monitor``).

    Job ownership is checked by requester name; user names may not contain
    ``:``, so no user can be given a name that owns a system's jobs.
    """
    return f"{SYSTEM_PREFIX}{name}"


def done_key(job_id: str) -> str:
    """The job's wake-up list: a waiting request blocks on it (the job's state is its row)."""
    return f"{PREFIX}:job:{job_id}:done"


def alias_key(alias: str) -> str:
    return f"{PREFIX}:alias:{alias}"


def idempotency_key(user: str, key: str) -> str:
    return f"{PREFIX}:idem:{user}:{key}"


def prediction_cache_key(
    model_version: int, data_version: str, as_of: date, prospect_id: int
) -> str:
    """Same prospect, model version, data and day → the same answer."""
    head, between, tail = prediction_cache_key_frame(as_of, prospect_id)
    return f"{head}{model_version}{between}{data_version}{tail}"


def prediction_cache_key_frame(as_of: date, prospect_id: int) -> tuple[str, str, str]:
    """The key around its model and data versions: head + version + between + data + tail."""
    return f"{PREFIX}:pred:v", ":", f":{as_of.isoformat()}:{prospect_id}"


DATA_VERSION_KEY = f"{PREFIX}:data_version"
WAKEUP_TOKEN = "1"  # a finished job's wake-up when it carries no result
# A wake-up that carries a prediction is for waiters (seconds): an hour is ample, and a
# day of every answer beside the cache and the job's row would be memory for nothing.
WAKEUP_RESULT_TTL_SECONDS = 3600


def parse_wakeup(raw: bytes | str) -> dict[str, Any]:
    """A wake-up's payload: ``{"result": …}`` from a prediction, ``{}`` from any other job."""
    if raw in (WAKEUP_TOKEN, WAKEUP_TOKEN.encode()):
        return {}
    try:
        payload = json.loads(raw)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) and isinstance(payload.get("result"), dict) else {}


class JobStore:
    """Completion wake-ups, the prediction cache and published aliases in Redis.

    A job's state is not kept here: its row in the ``jobs`` table is the one
    record (docs/jobs.md); the wake-up only tells a waiting request to read it
    (or, for a prediction, hands it the answer).
    """

    def __init__(self, client: redis.Redis):
        self.redis = client

    def notify_done(self, job_id: str) -> None:
        """Wake anyone waiting on the job (called by the worker after the result is stored)."""
        self._push_wakeup(self.redis.pipeline(), job_id, WAKEUP_TOKEN).execute()

    def deliver_prediction(self, job_id: str, cache_key: str, result: dict[str, Any]) -> None:
        """Cache a prediction and wake its waiters with the result itself, in one round trip.

        The predict task calls this just before it commits the job's row: a
        waiting request answers from the wake-up without reading anything else.
        """
        body = json.dumps(result)
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(cache_key, body, ex=PREDICTION_CACHE_TTL_SECONDS)
        self._push_wakeup(pipe, job_id, '{"result":' + body + "}", WAKEUP_RESULT_TTL_SECONDS)
        pipe.execute()

    @staticmethod
    def _push_wakeup(pipe: Any, job_id: str, value: str | bytes, ttl: int = JOB_TTL_SECONDS) -> Any:
        pipe.rpush(done_key(job_id), value)
        pipe.expire(done_key(job_id), ttl)
        return pipe

    def wait_done(
        self, job_id: str, timeout: float, *, pass_on: bool = True
    ) -> dict[str, Any] | None:
        """Block up to ``timeout`` seconds for the job to finish.

        None while it has not; once it has, what the worker sent: ``{"result": …}``
        for a prediction (so the caller needs no further read), else ``{}``. The
        wake-up is put back for other waiters on the same job (idempotent
        retries) unless ``pass_on`` is False: then the caller does it, with
        ``pass_on_wakeup``, when it has answered its own client.
        """
        if timeout <= 0:
            raw = self.redis.lindex(done_key(job_id), 0)
            return None if raw is None else parse_wakeup(raw)
        popped = self.redis.blpop([done_key(job_id)], timeout=timeout)
        if popped is None:
            return None
        wakeup = parse_wakeup(popped[1])
        if pass_on:
            self.pass_on_wakeup(job_id, wakeup)
        return wakeup

    def pass_on_wakeup(self, job_id: str, wakeup: dict[str, Any]) -> None:
        """Put a popped wake-up back for the next waiter on the same job."""
        if "result" in wakeup:
            value, ttl = json.dumps(wakeup), WAKEUP_RESULT_TTL_SECONDS
        else:
            value, ttl = WAKEUP_TOKEN, JOB_TTL_SECONDS
        self._push_wakeup(self.redis.pipeline(), job_id, value, ttl).execute()

    def cached_prediction(self, key: str) -> dict[str, Any] | None:
        raw = self.redis.get(key)
        return json.loads(raw) if raw else None

    def cache_prediction(self, key: str, result: dict[str, Any]) -> None:
        self.redis.set(key, json.dumps(result), ex=PREDICTION_CACHE_TTL_SECONDS)

    def cache_predictions(self, entries: list[tuple[str, dict[str, Any]]]) -> None:
        """Many cache entries in one round trip (a ranking chunk fills hundreds at once)."""
        pipe = self.redis.pipeline(transaction=False)
        for key, result in entries:
            pipe.set(key, json.dumps(result), ex=PREDICTION_CACHE_TTL_SECONDS)
        pipe.execute()

    def alias_version(self, alias: str) -> int | None:
        """The model version an alias points at, as last published; None when not known."""
        raw = self.redis.get(alias_key(alias))
        return int(raw) if raw and raw.strip().isdigit() else None

    def publish_alias(self, alias: str, version: int | None) -> None:
        """Set (or remove) the alias key the API and every worker read the model version from."""
        if version is None:
            self.redis.delete(alias_key(alias))
        else:
            self.redis.set(alias_key(alias), str(version), ex=ALIAS_TTL_SECONDS)

"""``POST /api/ml/predict``: validate, deduplicate, answer from cache, or enqueue (and maybe wait).

Checks run cheapest-to-refuse first and nothing is enqueued until every one
has passed: auth → rate limit → body → prediction cache → Idempotency-Key →
job row, written only if the prospect exists, then the task message (docs/jobs.md).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import date
from typing import Any

import redis
from flask import after_this_request, current_app, request, url_for
from flask.wrappers import Response
from sqlalchemy.exc import InterfaceError, OperationalError

from app import cached_answers, jobrecords, metrics
from app.auth import current_principal
from app.blueprints import api_blueprint
from app.blueprints.jobs import job_view
from app.errors import RETRY_AFTER_SECONDS, ApiError, domain_error
from app.extensions import celery_client, redis_clients
from app.limits import limiter, predict_limit, predict_limiter
from app.openapi import document
from app.openapi.headers import IDEMPOTENCY_KEY, LOCATION, PREFER, PREFERENCE_APPLIED, REQUEST_ID
from app.responses import ErrorResponse, JobAccepted, PredictionAnswer
from app.schemas import PredictRequest, parse_json_body, today_utc
from app.waiters import waiter_slots
from prospects.errors import error_from_dict
from prospects.jobs import (
    JOB_TTL_SECONDS,
    QUEUE_PREDICT,
    TASK_PREDICT,
    JobStatus,
    idempotency_key,
)
from prospects.logs import current_request_id

bp = api_blueprint("predict", __name__)

IDEMPOTENCY_TTL_SECONDS = JOB_TTL_SECONDS  # a replay finds its job for as long as the job lives
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as in Stripe's keys
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_WAIT_VALUE = re.compile(r"^[0-9]{1,9}$")
# Redis or the database gone after the job was sent: a 503 that names the job.
_DOWN = (redis.ConnectionError, redis.TimeoutError, OperationalError, InterfaceError)


@bp.post("/predict")
@limiter.exempt  # from the default limit: the predict limit is its own (a moving window)
@predict_limiter.limit(predict_limit)  # never more than the rate in any minute
@document(
    tags=("predictions",),
    request=PredictRequest,
    headers=(PREFER, IDEMPOTENCY_KEY, REQUEST_ID),
    responses={
        200: (PredictionAnswer, "Answered from cache, or finished within `Prefer: wait`."),
        202: (JobAccepted, "Queued: poll `status_url` (also in `Location`)."),
        404: (ErrorResponse, "`unknown_prospect`: no prospect with this id."),
        409: (ErrorResponse, "`no_champion`: no model is serving yet; `conflict`: key busy."),
        422: (ErrorResponse, "`validation_error`; `idempotency_key_reused` with another body."),
        502: (ErrorResponse, "`prediction_failed`: the worker failed for a reason of its own."),
        503: (ErrorResponse, "`unavailable` (Redis, broker, database) or `model_unavailable`."),
    },
    response_headers={200: (PREFERENCE_APPLIED,), 202: (LOCATION, PREFERENCE_APPLIED)},
)
def predict() -> Response:
    """Queue a prediction (202), or answer it (200) from cache or within ``Prefer: wait``."""
    payload = parse_json_body(PredictRequest)
    as_of = payload.as_of or today_utc()
    wait = requested_wait()
    job_id, claim = str(uuid.uuid4()), None
    # The Idempotency-Key comes before the cache: a replay gets its own job back (and a key
    # reused with another body a 422), even when the answer has been cached since.
    if "Idempotency-Key" in request.headers:
        claim = IdempotencyClaim.take(_idempotency_key(), _fingerprint(payload), job_id)
        job_id = claim.job_id
        if not claim.is_new:  # a replay: its job was sent, so every answer names it
            try:
                view = job_view(job_id)
            except _DOWN as exc:
                raise _unavailable_with_job(job_id) from exc
            if view is not None:
                return answer_for_job(job_id, view, wait)

    # A cached answer exists only for a real prospect, so it can skip the database.
    cached = cached_answers.lookup(payload.prospect_id, as_of, current_principal().name)
    metrics.count_cache_lookup(hit=cached is not None)
    if cached is not None:
        if claim is not None and claim.is_new:
            claim.release()  # no job was made for the key: a replay is answered from cache too
        replayed = claim.job_id if claim is not None and not claim.is_new else None
        return _respond_cached(cached, wait, job_id=replayed)

    try:
        _enqueue(job_id, payload.prospect_id, as_of)  # or a twin request with the key did
    except BaseException:
        if claim is not None and claim.is_new:
            claim.release()  # let the client retry with the same key once we are healthy
        raise
    return answer_for_job(job_id, {"job_id": job_id, "status": JobStatus.QUEUED.value}, wait)


def requested_wait() -> int | None:
    """Seconds asked for by ``Prefer: wait=N`` (RFC 7240), clamped; None when not asked.

    A malformed value is ignored, as RFC 7240 asks of preferences a server cannot honour.
    """
    limit = int(current_app.config["CALLUP_MAX_WAIT_SECONDS"])
    for header in request.headers.getlist("Prefer"):
        for preference in header.split(","):
            token = preference.split(";", 1)[0]
            name, _, value = token.partition("=")
            if name.strip().lower() != "wait":
                continue
            value = value.strip().strip('"')
            if not _WAIT_VALUE.fullmatch(value):
                return None
            return min(int(value), limit)
    return None


def answer_for_job(job_id: str, view: dict[str, Any], wait: int | None) -> Response:
    """200 with the result once the job has succeeded, its error if it failed, else 202.

    ``view`` is the job's row as last read (``job_view``). The job has been
    sent: a Redis or database outage from here on is a 503 that still names
    it, so a client retries by polling instead of sending the work again.
    """
    try:
        return _answer_for_job(job_id, view, wait)
    except _DOWN as exc:
        raise _unavailable_with_job(job_id) from exc


def _unavailable_with_job(job_id: str) -> ApiError:
    """503 for Redis gone after the job was sent, naming the job to poll instead of resending."""
    current_app.logger.warning("redis unreachable while answering job %s", job_id)
    status_url = url_for("jobs.get_job", job_id=job_id)
    return ApiError(
        503,
        "unavailable",
        "the job queue is temporarily unavailable; the job was sent: poll status_url",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Location": status_url},
        extra={"job_id": job_id, "status_url": status_url},
    )


def _answer_for_job(job_id: str, view: dict[str, Any], wait: int | None) -> Response:
    if wait is not None and not _finished(view):
        with waiter_slots().slot(current_principal().name) as admitted:
            woken = None
            if admitted:
                woken = redis_clients.jobs(blocking=True).wait_done(job_id, wait, pass_on=False)
            else:
                wait = None  # over the cap: answered at once, the preference not applied
        if woken is not None:
            _pass_on_after_response(job_id, woken)
        if woken is not None and "result" in woken:  # a prediction's wake-up carries its answer
            view = {"job_id": job_id, "status": JobStatus.SUCCEEDED, "result": woken["result"]}
        elif woken is not None:  # the row holds the final state before the wake-up goes out
            view = job_view(job_id) or view
    if view["status"] == JobStatus.SUCCEEDED:
        body = {"job_id": job_id, "status": view["status"], "result": view["result"]}
        return _respond({**body, "cached": False}, 200, wait)
    if view["status"] == JobStatus.FAILED:
        error = domain_error(error_from_dict(view["error"]), job_id=job_id)
        if wait is not None:
            error.headers["Preference-Applied"] = f"wait={wait}"
        raise error
    status_url = url_for("jobs.get_job", job_id=job_id)
    body = {"job_id": job_id, "status": view["status"], "status_url": status_url}
    response = _respond(body, 202, wait)
    response.headers["Location"] = status_url
    return response


def _pass_on_after_response(job_id: str, wakeup: dict[str, Any]) -> None:
    """Give the wake-up back for other waiters on this job once our client has its answer."""
    store = redis_clients.jobs()
    log = current_app.logger

    def pass_on() -> None:
        try:
            store.pass_on_wakeup(job_id, wakeup)
        except Exception:  # noqa: BLE001 - after the response: nobody to tell but the log
            log.warning("could not pass on the wake-up of job %s", job_id)

    @after_this_request
    def _on_close(response: Response) -> Response:
        response.call_on_close(pass_on)
        return response


def _finished(view: dict[str, Any]) -> bool:
    return view["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def _respond(body: dict[str, Any], status: int, wait: int | None) -> Response:
    if status == 200:
        metrics.count_prediction_served(body.get("result"), cached=bool(body.get("cached")))
    response = current_app.json.response(body)
    response.status_code = status
    if wait is not None:
        response.headers["Preference-Applied"] = f"wait={wait}"
    return response


def _respond_cached(
    answer: cached_answers.CachedAnswer, wait: int | None, *, job_id: str | None = None
) -> Response:
    """200 with the stored answer's JSON embedded as it is (no decode and encode).

    ``job_id`` is the job a replayed Idempotency-Key was given, when its record is gone.
    """
    metrics.count_served(answer.model_version, answer.variant, cached=True)
    named = json.dumps(job_id).encode()
    body = b'{"job_id":' + named + b',"status":"succeeded","result":' + answer.raw
    body += b',"cached":true}'
    response = current_app.response_class(body, status=200, mimetype="application/json")
    if wait is not None:
        response.headers["Preference-Applied"] = f"wait={wait}"
    return response


def _unknown_prospect(prospect_id: int) -> ApiError:
    return ApiError(
        404, "unknown_prospect", f"no prospect with id {prospect_id}", field="prospect_id"
    )


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            400,
            "invalid_header",
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
            field="Idempotency-Key",
        )
    return key


def _fingerprint(payload: PredictRequest) -> str:
    """The request as sent (defaults not filled in), canonicalised and hashed."""
    canonical = json.dumps(payload.model_dump(mode="json", exclude_unset=True), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyClaim:
    """``Idempotency-Key`` → the job id reserved for it and the hash of the body it came with.

    The first request reserves a job id with SET NX (24 h); a replay gets that
    id back (and so the same job), a replay with another body gets 422.
    """

    def __init__(self, redis_key: str, job_id: str, is_new: bool):
        self.redis_key = redis_key
        self.job_id = job_id
        self.is_new = is_new

    @classmethod
    def take(cls, key: str, fingerprint: str, job_id: str) -> IdempotencyClaim:
        client = redis_clients.client
        # Hash the client's key: bounded length, and no ':' to blur the user/key boundary.
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        redis_key = idempotency_key(current_principal().name, digest)
        value = json.dumps({"job_id": job_id, "body": fingerprint})
        for _ in range(2):  # a claim may expire between SET NX and GET: claim again once
            if client.set(redis_key, value, nx=True, ex=IDEMPOTENCY_TTL_SECONDS):
                return cls(redis_key, job_id, is_new=True)
            raw = client.get(redis_key)
            if raw is not None:
                break
        else:
            raise ApiError(409, "conflict", "Idempotency-Key is busy; retry")
        stored = json.loads(raw)
        if stored.get("body") != fingerprint:
            raise ApiError(
                422,
                "idempotency_key_reused",
                "this Idempotency-Key was used with a different request body",
                field="Idempotency-Key",
            )
        return cls(redis_key, str(stored["job_id"]), is_new=False)

    def release(self) -> None:
        """Best effort: forget the claim after a failure, so a retry is not stuck on it."""
        try:
            redis_clients.client.delete(self.redis_key)
        except Exception:  # noqa: BLE001 - Redis is likely the reason we are here
            current_app.logger.warning("could not release idempotency claim %s", self.redis_key)


def _request_id() -> str:
    bound = current_request_id()  # app.requestlog binds one for every request
    if bound:
        return bound
    supplied = request.headers.get("X-Request-ID", "")
    return supplied if _REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex


def _enqueue(job_id: str, prospect_id: int, as_of: date) -> None:
    """Accept the job: its row, written only if the prospect exists, then the task by name.

    The row and the 404 check are one statement: an unknown prospect is a 404
    before anything is recorded or enqueued, for the price of one round trip.
    A failed send leaves no job behind: the client hears 503 and may retry. A
    row on record already means two requests with one Idempotency-Key raced:
    the database's key let only the other one send it, and both name its job.
    """
    user = current_principal().name
    params = {"prospect_id": prospect_id, "as_of": as_of.isoformat()}
    kwargs = {**params, "requested_by": user, "request_id": _request_id()}

    def send() -> None:
        celery_client.app.send_task(
            TASK_PREDICT, kwargs=kwargs, task_id=job_id, queue=QUEUE_PREDICT
        )

    accepted = jobrecords.accept(job_id, "predict", user, kwargs, send, prospect_id=prospect_id)
    if accepted is jobrecords.Accepted.NO_SUCH_PROSPECT:
        raise _unknown_prospect(prospect_id)

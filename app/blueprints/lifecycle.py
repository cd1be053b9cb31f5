"""The model lifecycle over HTTP: list versions, retrain, promote, roll back, the A/B report.

Reads come straight from the database (the lifecycle mirrors MLflow there, so
the API never imports mlflow). Writes that move aliases are worker tasks on
the short ``predict`` queue; the view waits for them (``Prefer: wait``,
default ``DEFAULT_WAIT_SECONDS``) and answers 200, or 202 if still running.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, request, url_for
from flask.wrappers import Response
from pydantic import BaseModel

from app import jobrecords
from app.auth import current_principal, require_role
from app.blueprints import api_blueprint
from app.blueprints.jobs import job_view
from app.blueprints.predict import requested_wait
from app.errors import ApiError
from app.extensions import celery_client, database, redis_clients
from app.openapi import document
from app.openapi.headers import LOCATION, PREFER, PREFERENCE_APPLIED
from app.responses import ErrorResponse
from app.schemas import parse_json_body
from app.schemas_lifecycle import (
    ExperimentReport,
    LifecycleAccepted,
    LifecycleAnswer,
    ModelsListing,
    PromoteRequest,
    RetrainAccepted,
    RetrainRequest,
    RollbackRequest,
)
from prospects import config
from prospects.ab import CHALLENGER, CHAMPION
from prospects.jobs import (
    QUEUE_PREDICT,
    QUEUE_TRAIN,
    TASK_PROMOTE,
    TASK_RETRAIN,
    TASK_ROLLBACK,
    JobStatus,
)
from prospects.lifecycle.errors import LIFECYCLE_STATUS
from prospects.lifecycle.events import (
    alias_version,
    champion_lineage,
    ensure_tables,
    get_version_row,
    previous_champion,
)
from prospects.lifecycle.experiment import experiment_report
from prospects.lifecycle.listing import models_overview
from prospects.lifecycle.queue import queue_retrain

# The blueprint keeps its name "models": endpoint names and the OpenAPI tag stay as they were.
bp = api_blueprint("models", __name__)
DEFAULT_WAIT_SECONDS = 10


def _database_url() -> str:
    url = current_app.extensions["callup.database_url"]
    ensure_tables(url)
    return url


def _optional_body(model: type[BaseModel]) -> Any:
    """The JSON body as ``model``, or every default when the request has no body."""
    if not request.get_data(cache=True) and not request.is_json:
        return model()
    return parse_json_body(model)


def _json(body: dict[str, Any], status: int, wait: int | None = None) -> Response:
    response = current_app.json.response(body)
    response.status_code = status
    if wait is not None:
        response.headers["Preference-Applied"] = f"wait={wait}"
    return response


@bp.get("/models")
@document(tags=("models",), responses={200: ModelsListing})
def list_models() -> Response:
    """Every registered version with its aliases and figures, and the lifecycle's history."""
    _database_url()
    with database.session() as session:
        return _json(models_overview(session, config.model_name()), 200)


@bp.get("/experiments/current")
@document(tags=("models",), responses={200: ExperimentReport})
def current_experiment() -> Response:
    """The A/B test now running: traffic, mean probability, agreement, matured-outcome metrics."""
    _database_url()
    name = config.model_name()
    store = redis_clients.jobs()
    with database.session() as session:
        champion = store.alias_version(CHAMPION) or alias_version(session, name, CHAMPION)
        challenger = alias_version(session, name, CHALLENGER)
        return _json(experiment_report(session, name, champion, challenger), 200)


@bp.post("/models/retrain")
@require_role("admin")
@document(
    tags=("models",),
    request=RetrainRequest,
    responses={202: (RetrainAccepted, "Queued, or the retraining already queued or running.")},
    response_headers={202: (LOCATION,)},
)
def retrain() -> Response:
    """Retrain now (single-flight: while one runs, this answers with that job)."""
    payload = _optional_body(RetrainRequest)
    params = payload.model_dump(exclude_none=True)
    user = current_principal().name

    def send(job_id: str) -> None:
        celery_client.app.send_task(
            TASK_RETRAIN,
            kwargs={"trigger": "api", "requested_by": user, "params": params},
            task_id=job_id,
            queue=QUEUE_TRAIN,
        )

    job_id, is_new = queue_retrain(
        redis_clients.client,
        send,
        trigger="api",
        actor=user,
        params=params,
        database_url=_database_url(),
    )
    status = JobStatus.QUEUED.value
    if not is_new:  # the retraining already queued or running, as its row says
        view = job_view(job_id)
        status = view["status"] if view else JobStatus.RUNNING.value
    status_url = url_for("jobs.get_job", job_id=job_id)
    body = {
        "job_id": job_id,
        "status": status,
        "status_url": status_url,
        "deduplicated": not is_new,
    }
    response = _json(body, 202)
    response.headers["Location"] = status_url
    return response


_MOVE_RESPONSES = {
    200: (LifecycleAnswer, "Done: `result` names the versions and the event."),
    202: (LifecycleAccepted, "Still running after the wait: poll `status_url`."),
    404: (ErrorResponse, "`unknown_version`: no such version."),
    409: (ErrorResponse, "`no_previous_champion` / `no_champion`."),
}


@bp.post("/models/<int:version>/promote")
@require_role("admin")
@document(
    tags=("models",),
    request=PromoteRequest,
    headers=(PREFER,),
    responses=_MOVE_RESPONSES,
    response_headers={200: (PREFERENCE_APPLIED,), 202: (LOCATION, PREFERENCE_APPLIED)},
    path={"version": {"description": "The registered version to make champion."}},
)
def promote(version: int) -> Response:
    """Make a version the champion (ending its A/B test if it is the challenger)."""
    payload = _optional_body(PromoteRequest)
    name = config.model_name()
    with database.session() as session:
        _database_url()
        known = get_version_row(session, name, version) is not None
        any_known = alias_version(session, name, CHAMPION) is not None
    if not known and any_known:
        raise ApiError(404, "unknown_version", f"model {name} has no version {version}")
    kwargs = {"version": version, "reason": payload.reason}
    return _run(TASK_PROMOTE, "promote", kwargs)


@bp.post("/models/rollback")
@require_role("admin")
@document(
    tags=("models",),
    request=RollbackRequest,
    headers=(PREFER,),
    responses=_MOVE_RESPONSES,
    response_headers={200: (PREFERENCE_APPLIED,), 202: (LOCATION, PREFERENCE_APPLIED)},
)
def rollback() -> Response:
    """Return the champion alias to the previous champion (or to ``to_version``)."""
    payload = _optional_body(RollbackRequest)
    name = config.model_name()
    if payload.to_version is None:
        with database.session() as session:
            _database_url()
            current = alias_version(session, name, CHAMPION)
            if (
                champion_lineage(session, name)
                and previous_champion(session, name, current) is None
            ):
                raise ApiError(
                    409,
                    "no_previous_champion",
                    "the champion has no previous champion to roll back to",
                )
    kwargs = {"to_version": payload.to_version, "reason": payload.reason}
    return _run(TASK_ROLLBACK, "rollback", kwargs)


def _run(task: str, kind: str, kwargs: dict[str, Any]) -> Response:
    """Accept the job (row, then message), wait for it, answer with its result (or 202)."""
    user = current_principal().name
    job_id = str(uuid.uuid4())
    sent = {**kwargs, "requested_by": user}

    def send() -> None:
        celery_client.app.send_task(task, kwargs=sent, task_id=job_id, queue=QUEUE_PREDICT)

    jobrecords.accept(job_id, kind, user, sent, send)
    asked = requested_wait()
    wait = DEFAULT_WAIT_SECONDS if asked is None else asked
    wait = min(wait, int(current_app.config["CALLUP_MAX_WAIT_SECONDS"]))
    view = {"status": JobStatus.QUEUED.value}
    if redis_clients.jobs(blocking=True).wait_done(job_id, wait) is not None:
        view = job_view(job_id) or view  # the row holds the final state before the wake-up
    if view["status"] == JobStatus.SUCCEEDED.value:
        return _json(
            {"job_id": job_id, "status": view["status"], "result": view["result"]}, 200, asked
        )
    if view["status"] == JobStatus.FAILED.value:
        error = view.get("error") or {}
        code = str(error.get("code", "job_failed"))
        raise ApiError(
            LIFECYCLE_STATUS.get(code, 502),
            code,
            str(error.get("message", "the job failed")),
            extra={"job_id": job_id},
        )
    status_url = url_for("jobs.get_job", job_id=job_id)
    response = _json(
        {"job_id": job_id, "status": view["status"], "status_url": status_url}, 202, asked
    )
    response.headers["Location"] = status_url
    return response

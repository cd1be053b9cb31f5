"""Rankings: ``POST /rankings`` starts one; boards are read by id, as the latest, or as CSV.

Starting a ranking costs nothing when it is already done or under way: a
finished snapshot with the same filters, model version, data version and
as-of date answers ``200`` at once, and an identical ranking in flight
answers ``202`` with that job's id (a Redis key from the request's hash, as
redash deduplicates queries). Otherwise the coordinator task is queued.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request, stream_with_context, url_for

from app import jobrecords
from app.auth import current_principal, require_role
from app.blueprints import api_blueprint
from app.blueprints.jobs import job_view
from app.errors import ApiError
from app.extensions import celery_client, database, redis_clients
from app.openapi import Raw, document
from app.openapi.headers import LOCATION
from app.responses import (
    ErrorResponse,
    RankingAccepted,
    RankingBoard,
    RankingReused,
)
from app.schemas import MAX_ID, parse_json_body, parse_query, today_utc
from app.schemas_rankings import RankingQuery, RankingRequest
from prospects import config
from prospects.db.models import RankingEntry, RankingSnapshot
from prospects.db.version import cached_data_version
from prospects.jobs import JOB_TTL_SECONDS, QUEUE_RANK, TASK_RANK, JobStatus
from prospects.ranking.queries import (
    describe_snapshot,
    entries_page,
    finished_snapshot,
    iter_entries,
    latest_snapshot,
    snapshot_exclusions,
)
from prospects.ranking.redis_keys import inflight_key, snapshot_key

bp = api_blueprint("rankings", __name__)

RANKING_RETRY_SECONDS = 30  # what a refused ranking's Retry-After suggests

CSV_COLUMNS = (
    "rank", "prospect_id", "name", "organization", "position", "kind", "level", "age",
    "probability", "interval_low", "interval_high", "interval_level", "confidence",
    "top_group", "factors_for", "factors_against", "not_a_prospect",
)  # fmt: skip


@bp.post("/rankings")
@require_role("analyst")
@document(
    tags=("rankings",),
    request=RankingRequest,
    responses={
        200: (RankingReused, "An identical finished ranking: reused, nothing queued."),
        202: (RankingAccepted, "Queued, or joined the identical ranking under way."),
        429: (ErrorResponse, "`too_many_rankings`: the caller's own rankings under way."),
    },
    response_headers={202: (LOCATION,)},
)
def create_ranking() -> Response:
    """Reuse a finished snapshot (200), join an identical job (202), or queue a new one (202)."""
    payload = _ranking_request()
    filters = payload.filters()
    as_of = payload.as_of or today_utc()
    store = redis_clients.jobs()
    with database.session() as session:
        data_version = cached_data_version(redis_clients.client, session)
        version = payload.model_version or store.alias_version("champion")
        if version is not None:
            key = snapshot_key(filters, config.model_name(), version, data_version, as_of)
            snapshot = finished_snapshot(session, key)
            if snapshot is not None:
                return _json(_reused(snapshot), 200)

    # "champion" when no version was asked for: identical requests share a job either way.
    wanted = payload.model_version or "champion"
    marker = inflight_key(snapshot_key(filters, config.model_name(), wanted, data_version, as_of))
    running = _job_in_flight(marker)
    if running is not None:  # joining costs nothing: no cap on it
        return _accepted(running, 202)
    _refuse_over_the_cap()
    job_id = str(uuid.uuid4())
    if not redis_clients.client.set(marker, job_id, nx=True, ex=JOB_TTL_SECONDS):
        running = _job_in_flight(marker)
        if running is not None:
            return _accepted(running, 202)
        redis_clients.client.set(marker, job_id, ex=JOB_TTL_SECONDS)

    params = {"filters": filters.as_dict(), "as_of": as_of.isoformat()}
    if payload.model_version is not None:
        params["model_version"] = payload.model_version
    _enqueue(job_id, marker, params)
    return _accepted({"job_id": job_id, "status": JobStatus.QUEUED.value}, 202)


def _refuse_over_the_cap() -> None:
    """429 when the caller already has ``CALLUP_MAX_RANKINGS_PER_USER`` rankings under way.

    Each new board costs a full pass over the prospects on the workers; an
    analyst asking for one per ``as_of`` day would otherwise queue work without
    bound. Checked on the durable records, so every API process sees the same
    count; two requests at the same instant may both pass (one over, at most).
    """
    cap = int(current_app.config["CALLUP_MAX_RANKINGS_PER_USER"])
    under_way = jobrecords.open_jobs("rank", current_principal().name)
    if under_way >= cap:
        raise ApiError(
            429,
            "too_many_rankings",
            f"{under_way} of your rankings are under way (at most {cap}); "
            "retry when one has finished",
            headers={"Retry-After": str(RANKING_RETRY_SECONDS)},
        )


def _ranking_request() -> RankingRequest:
    """The body, or every default when there is none (rank the whole board)."""
    if not request.get_data(cache=True) and not request.is_json:
        return RankingRequest()
    return parse_json_body(RankingRequest)


def _reused(snapshot: RankingSnapshot) -> dict[str, Any]:
    return {
        "job_id": None,
        "status": JobStatus.SUCCEEDED.value,
        "reused": True,
        "result": describe_snapshot(snapshot, reused=True),
        "ranking_url": url_for("rankings.get_ranking", ranking_id=snapshot.id),
    }


def _job_in_flight(marker: str) -> dict[str, Any] | None:
    """The view of the job an identical request started, while it is queued or running."""
    raw = redis_clients.client.get(marker)
    if raw is None:
        return None
    job_id = raw.decode()
    view = job_view(job_id)
    if view is None:  # the other request is between its marker and its job's row
        return {"job_id": job_id, "status": JobStatus.QUEUED.value}
    if view["status"] in (JobStatus.SUCCEEDED.value, JobStatus.FAILED.value):
        return None  # finished: a new job reuses its snapshot (or retries its failure)
    return {k: view[k] for k in ("job_id", "status", "progress") if k in view}


def _enqueue(job_id: str, marker: str, params: dict[str, Any]) -> None:
    """Accept the job (visible to every user: a board is shared) and send the coordinator."""
    user = current_principal().name
    kwargs = {**params, "requested_by": user}

    def send() -> None:
        celery_client.app.send_task(TASK_RANK, kwargs=kwargs, task_id=job_id, queue=QUEUE_RANK)

    try:
        jobrecords.accept(job_id, "rank", user, kwargs, send)
    except BaseException:
        try:
            redis_clients.client.delete(marker)  # an identical request may start its own
        except Exception:  # noqa: BLE001 - best effort; the broker error is what matters
            pass
        raise


def _accepted(body: dict[str, Any], status: int) -> Response:
    status_url = url_for("jobs.get_job", job_id=body["job_id"])
    response = _json({**body, "status_url": status_url}, status)
    response.headers["Location"] = status_url
    return response


def _json(body: dict[str, Any], status: int) -> Response:
    response = current_app.json.response(body)
    response.status_code = status
    return response


def _snapshot_or_404(session: Any, ranking_id: int) -> RankingSnapshot:
    snapshot = session.get(RankingSnapshot, ranking_id) if ranking_id <= MAX_ID else None
    if snapshot is None:
        raise ApiError(404, "unknown_ranking", f"no ranking with id {ranking_id}")
    return snapshot


def _board(session: Any, snapshot: RankingSnapshot, query: RankingQuery) -> dict[str, Any]:
    items, total = [], 0
    if snapshot.status == "succeeded":
        items, total = entries_page(
            session, snapshot.id, query.filters(), query.sort, query.page, query.per_page
        )
    return {
        "ranking": describe_snapshot(snapshot),
        "items": items,
        "page": query.page,
        "per_page": query.per_page,
        "total": total,
        "sort": query.sort,
    }


@bp.get("/rankings/<int:ranking_id>")
@document(
    tags=("rankings",),
    query=RankingQuery,
    responses={
        200: RankingBoard,
        404: (ErrorResponse, "`unknown_ranking`: no ranking with this id."),
    },
)
def get_ranking(ranking_id: int) -> dict[str, Any]:
    """A page of one snapshot, filtered and sorted (rows appear once it has succeeded)."""
    query = parse_query(RankingQuery)
    with database.session() as session:
        return _board(session, _snapshot_or_404(session, ranking_id), query)


@bp.get("/rankings/latest")
@document(
    tags=("rankings",),
    query=RankingQuery,
    responses={
        200: RankingBoard,
        404: (ErrorResponse, "`no_ranking`: no finished ranking covers these filters yet."),
    },
)
def latest_ranking() -> dict[str, Any]:
    """A page of the newest finished snapshot that includes every prospect the filters ask for."""
    query = parse_query(RankingQuery)
    with database.session() as session:
        snapshot = latest_snapshot(session, query.filters(), query.model_version)
        if snapshot is None:
            raise ApiError(404, "no_ranking", "no finished ranking covers these filters yet")
        return _board(session, snapshot, query)


@bp.get("/rankings/<int:ranking_id>/export.csv")
@document(
    tags=("rankings",),
    query=RankingQuery,
    responses={
        200: (Raw("text/csv"), "Every matching row by rank (page, per_page and sort ignored)."),
        404: (ErrorResponse, "`unknown_ranking`: no ranking with this id."),
        409: (ErrorResponse, "`ranking_not_ready`: the ranking is still running or failed."),
    },
)
def export_ranking(ranking_id: int) -> Response:
    """The whole snapshot (or its rows matching the filters) as CSV, streamed by rank."""
    filters = parse_query(RankingQuery).filters()
    with database.session() as session:
        snapshot = _snapshot_or_404(session, ranking_id)
        if snapshot.status != "succeeded":
            raise ApiError(409, "ranking_not_ready", f"ranking {ranking_id} is {snapshot.status}")
        flags = snapshot_exclusions(session, ranking_id)
    rows = iter_entries(database.session, ranking_id, filters)
    response = Response(stream_with_context(_csv_lines(rows, flags)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="ranking-{ranking_id}.csv"'
    return response


def _factors(factors: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{f['label']} ({f.get('display') or f['value']}) {f['contribution']:+.4f}" for f in factors
    )


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str | None) -> str | None:
    """Text as a spreadsheet shows it, never runs it: a leading quote before a formula start."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_lines(rows: Iterator[RankingEntry], flags: dict[int, str]) -> Iterator[str]:
    """The CSV export, meant for spreadsheets: every text cell neutralised against formulas
    (numbers are ours, never a client's); ``not_a_prospect`` names the rule for a flagged row."""
    text = spreadsheet_text
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for n, entry in enumerate(rows, start=1):
        factors = entry.top_factors or {}
        interval = factors.get("interval") or {}
        writer.writerow(
            (
                entry.rank, entry.prospect_id, text(entry.prospect_name),
                text(entry.organization), text(entry.position), entry.kind, text(entry.level),
                entry.age, entry.probability, interval.get("low"), interval.get("high"),
                interval.get("level"), entry.confidence,
                text((factors.get("top_group") or {}).get("text")),
                text(_factors(factors.get("for", []))), text(_factors(factors.get("against", []))),
                flags.get(entry.prospect_id, ""),
            )
        )  # fmt: skip
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

"""Liveness (``/healthz``: the process can serve) and readiness (``/readyz``: it can answer).

Neither needs an API key: load balancers, orchestrators and ``callup up`` poll them.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask.wrappers import Response

from app.openapi import Header, document
from app.responses import Health, Readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@document(tags=("operations",), responses={200: Health})
def healthz() -> dict[str, str]:
    """200 while the process is up; dependencies are reported by their own 503s."""
    return {"status": "ok"}


@bp.get("/readyz")
@document(
    tags=("operations",),
    responses={
        200: (Readiness, "Ready: every check passed."),
        503: (Readiness, "Not ready: the failing checks say why."),
    },
    response_headers={503: (Header("Retry-After", "Seconds before asking again."),)},
)
def readyz() -> Response:
    """200 when Redis, the database, a worker and a champion are all there; else 503."""
    from app.readiness import readiness

    ready, checks = readiness()
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    response = current_app.json.response(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    if not ready:
        response.headers["Retry-After"] = "5"
    return response

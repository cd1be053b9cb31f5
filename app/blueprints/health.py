"""Liveness: answers while the process can serve, without touching Redis or the database."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """200 while the process is up; dependencies are reported by their own 503s."""
    return {"status": "ok"}

"""The API's blueprints: every ``/api/ml`` one needs a key, and counts against a limit."""

from __future__ import annotations

from flask import Blueprint, g

from app.auth import authenticate
from app.openapi.registry import document_api_blueprint
from app.settings import API_PREFIX


def authenticated() -> None:
    """Authenticate unless the rate limiter already has (it keys limits by the user)."""
    if g.get("principal") is None:
        authenticate()


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under ``/api/ml`` whose views all need a key and count against a limit.

    flask-limiter counts the default limit before this hook and a route's own
    limit when the view runs; both key by the user ``app.limits.rate_limit_key``
    authenticates. Routing errors (404/405) count against nothing.
    """
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    bp.before_request(authenticated)
    document_api_blueprint(name)  # the OpenAPI document lists the key and the 401/429
    return bp

"""The API's blueprints; every ``/api/ml`` one authenticates, then rate-limits, in that order."""

from __future__ import annotations

from flask import Blueprint

from app.auth import authenticate
from app.limits import check_rate_limit

API_PREFIX = "/api/ml"


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under ``/api/ml`` whose views all need a key and count against a limit.

    Hooks run in registration order, so the limit is keyed by the user that
    ``authenticate`` established; routing errors (404/405) run neither.
    """
    bp = Blueprint(name, import_name, url_prefix=API_PREFIX)
    bp.before_request(authenticate)
    bp.before_request(check_rate_limit)
    return bp

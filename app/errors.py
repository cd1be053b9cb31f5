"""Every error as JSON ``{"error": {"code", "message", "field"?}}`` with an honest status.

Client mistakes get 4xx with a stable code; Redis, the broker or the database
being unreachable gets 503 with Retry-After (the request can simply be
retried); anything else is a 500 that says nothing about the internals.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, jsonify
from flask.wrappers import Response
from kombu.exceptions import OperationalError as KombuOperationalError
from limits.errors import StorageError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from prospects.errors import CallupError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5  # what a 503 suggests: long enough for a restart, short for a blip

# Stable codes for the HTTP errors werkzeug raises itself (routing, body size, limits).
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}

# Domain errors (raised here or reported by a worker) and the status each one means.
DOMAIN_STATUS = {"no_champion": 409, "unknown_prospect": 404, "model_unavailable": 503}

_REDIS_DOWN = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    KombuOperationalError,
    StorageError,
)
_DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError)


class ApiError(Exception):
    """An error the API answers deliberately, with its status, code and optional field."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}
        self.extra = extra or {}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The one JSON error shape every handler answers with."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    response = jsonify({"error": error, **(extra or {})})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def unavailable(what: str) -> Response:
    """503 for a dependency that is down: the client should retry shortly."""
    return error_response(
        503,
        "unavailable",
        f"{what} is temporarily unavailable; retry shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def domain_error(error: CallupError, **extra: Any) -> ApiError:
    """The API error for a domain error, e.g. a failed job's ``no_champion``."""
    status = DOMAIN_STATUS.get(error.code, 502)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    code = error.code if error.code in DOMAIN_STATUS else "prediction_failed"
    return ApiError(status, code, error.message, headers=headers, extra=extra)


def _handle_api_error(error: ApiError) -> Response:
    return error_response(
        error.status,
        error.code,
        error.message,
        field=error.field,
        headers=error.headers,
        extra=error.extra,
    )


def _handle_callup_error(error: CallupError) -> Response:
    return _handle_api_error(domain_error(error))


def http_error_code(status: int) -> str:
    """The stable code of an HTTP error status (``http_error`` for one without its own)."""
    return _HTTP_CODES.get(status, "http_error")


def _handle_http(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(sorted(valid_methods))
    message = error.description or error.name
    if status == 429:
        message = f"rate limit exceeded ({message}); see Retry-After"
    return error_response(status, http_error_code(status), message, headers=headers)


def _handle_redis_down(error: Exception) -> Response:
    log.warning("redis unreachable: %s", error)
    return unavailable("the job queue")


def _handle_database(error: sa_exc.DBAPIError) -> Response:
    if isinstance(error, _DATABASE_DOWN) or getattr(error, "connection_invalidated", False):
        log.warning("database unreachable: %s", error.__class__.__name__)
        return unavailable("the database")
    return _handle_unexpected(error)


def _handle_pool_timeout(error: sa_exc.TimeoutError) -> Response:
    log.warning("database pool exhausted: %s", error)
    return unavailable("the database")


def _handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error", exc_info=error)
    return error_response(500, "internal_error", "internal error; it has been logged")


def register_errorhandlers(app: Flask) -> None:
    """JSON for every error, 503 for a dependency that is down, never a stack trace."""
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(CallupError, _handle_callup_error)
    app.register_error_handler(HTTPException, _handle_http)
    for exc_type in _REDIS_DOWN:
        app.register_error_handler(exc_type, _handle_redis_down)
    app.register_error_handler(sa_exc.DBAPIError, _handle_database)
    app.register_error_handler(sa_exc.TimeoutError, _handle_pool_timeout)
    app.register_error_handler(Exception, _handle_unexpected)

"""One JSON log line per request, and the request id that ties it to the jobs it enqueued.

The id comes from the client's ``X-Request-ID`` when it is a safe token
(else a fresh one), is bound for the request's logs, echoed in the
response's ``X-Request-ID`` and stamped on every task the request sends
(``workers.tracing``), so the worker's log lines carry it too.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from prospects import logs

log = logging.getLogger("callup.request")
# Polled every few seconds by probes and scrapers: at DEBUG, so they do not drown the rest.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def init_request_logging(app: Flask) -> None:
    """JSON logs for the process (unless it configured logging itself) and per-request hooks."""
    logs.configure()
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_unbind)


def _start() -> None:
    supplied = request.headers.get(logs.REQUEST_ID_HEADER)
    g.request_id = supplied if logs.valid_request_id(supplied) else logs.new_request_id()
    g.request_log_tokens = logs.bind(request_id=g.request_id)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a request that failed before our hook ran
        return response
    response.headers[logs.REQUEST_ID_HEADER] = request_id
    principal = g.get("principal")
    duration_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
    if request.path in PROBE_PATHS:
        level = logging.DEBUG
    else:
        level = logging.WARNING if response.status_code >= 500 else logging.INFO
    log.log(
        level,
        "%s %s %d",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration_ms, 2),
            "user": principal.name if principal is not None else None,
            "remote_addr": request.remote_addr,
        },
    )
    return response


def _unbind(_exc: BaseException | None) -> None:
    tokens = g.pop("request_log_tokens", None)
    if tokens is not None:
        try:
            logs.unbind(tokens)
        except (ValueError, RuntimeError):  # bound in another context, or already reset
            pass

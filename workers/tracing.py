"""JSON logs in workers and Beat, and the request id carried from the API into each task.

The publisher stamps the id it has bound (an API request's) on the message
headers, so it reaches every task, whatever its arguments; the worker binds
it, with the job id, around the task, so every line the task logs carries
both. Imported by ``workers.celery_app``: the API (a publisher) and the
worker and Beat (whose logging Celery would otherwise configure) all get it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from prospects import logs

HEADER = "request_id"
log = logging.getLogger("callup.task")
_active: dict[str, tuple[logs.Tokens, float]] = {}  # task id → (bound ids, start time)
_lock = threading.Lock()  # thread pools run several tasks in one process


@setup_logging.connect(dispatch_uid="callup.tracing.setup_logging")
def _setup_logging(loglevel: Any = None, **_kwargs: Any) -> None:
    """Our JSON handler instead of Celery's own (connecting this receiver stops Celery's)."""
    logs.configure(level=loglevel or None, force=True)


@before_task_publish.connect(dispatch_uid="callup.tracing.publish")
def stamp_request_id(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    """Copy the publisher's bound request id onto the task message."""
    request_id = logs.current_request_id()
    if request_id and headers is not None and not headers.get(HEADER):
        headers[HEADER] = request_id


def request_id_of(task: Any, kwargs: dict[str, Any] | None) -> str | None:
    """The request id a task message carries: its header, else a ``request_id`` argument."""
    request = getattr(task, "request", None)
    value = getattr(request, HEADER, None)
    if not value:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    if not value and kwargs:
        value = kwargs.get(HEADER)
    return str(value) if value and logs.valid_request_id(str(value)) else None


@task_prerun.connect(dispatch_uid="callup.tracing.prerun")
def bind_task(
    task_id: str | None = None,
    task: Any = None,
    kwargs: dict[str, Any] | None = None,
    **_kwargs: Any,
) -> None:
    """Bind the request and job ids for the task's log lines."""
    if not task_id:
        return
    tokens = logs.bind(request_id=request_id_of(task, kwargs), job_id=task_id)
    with _lock:
        _active[task_id] = (tokens, time.perf_counter())
    name = getattr(task, "name", "?")
    log.info("task %s started", name, extra={"task": name})


@task_postrun.connect(dispatch_uid="callup.tracing.postrun")
def unbind_task(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_kwargs: Any
) -> None:
    """Log how the task ended, with its ids, then unbind them."""
    with _lock:
        entry = _active.pop(task_id or "", None)
    if entry is None:
        return
    tokens, started = entry
    name = getattr(task, "name", "?")
    log.info(
        "task %s %s",
        name,
        (state or "done").lower(),
        extra={
            "task": name,
            "state": state,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    try:
        logs.unbind(tokens)
    except (ValueError, RuntimeError):  # bound in another context: nothing to restore here
        pass

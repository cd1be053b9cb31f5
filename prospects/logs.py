"""Structured logs: one JSON object per line, carrying the request id from the API into tasks.

The API binds a request id for each request and the worker binds it again
(with the job id) around each task, so one ``grep <request id>`` follows a
prediction from the HTTP line to the task that answered it. Context lives in
``contextvars``, so threads (gunicorn gthread) and tasks never see each
other's ids. Standard library only: the API, workers, Beat and the CLI all
use it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # safe to echo in a header and a log line

_request_id: ContextVar[str | None] = ContextVar("callup_request_id", default=None)
_job_id: ContextVar[str | None] = ContextVar("callup_job_id", default=None)

# Attributes every LogRecord has: anything else on a record came from ``extra=``.
_RECORD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_PRIMITIVES = (str, int, float, bool, type(None))


def valid_request_id(value: str | None) -> bool:
    """True for an id a client may choose: 1-64 of ``A-Za-z0-9._-``."""
    return bool(value) and _REQUEST_ID.fullmatch(value or "") is not None


def new_request_id() -> str:
    """A fresh id for a request that did not bring a usable one."""
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The request id bound in this context (an API request or a task), if any."""
    return _request_id.get()


def current_job_id() -> str | None:
    """The job (Celery task) id bound in this context, if any."""
    return _job_id.get()


Tokens = tuple[Token, Token]


def bind(request_id: str | None = None, job_id: str | None = None) -> Tokens:
    """Set the ids for this context; pass the result to ``unbind`` to restore the old ones."""
    return _request_id.set(request_id), _job_id.set(job_id)


def unbind(tokens: Tokens) -> None:
    """Restore the ids that were bound before ``bind`` returned ``tokens``."""
    request_token, job_token = tokens
    _job_id.reset(job_token)
    _request_id.reset(request_token)


@contextmanager
def bound(request_id: str | None = None, job_id: str | None = None) -> Iterator[None]:
    """``bind`` for the duration of a ``with`` block."""
    tokens = bind(request_id, job_id)
    try:
        yield
    finally:
        unbind(tokens)


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: ts, level, logger, message, request_id, job_id, process.

    Fields passed with ``extra=`` are added when they are plain values (str,
    numbers, bool, None); structured extras (Celery attaches whole task
    results) would only repeat the message at length.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get(),
            "job_id": getattr(record, "job_id", None) or _job_id.get(),
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key in _RECORD_FIELDS or key in entry or key.startswith("_"):
                continue
            if isinstance(value, _PRIMITIVES):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line with the ids, for a developer's terminal (``CALLUP_LOG_FORMAT=text``)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None) or _request_id.get()
        jid = getattr(record, "job_id", None) or _job_id.get()
        tags = " ".join(f"{k}={v}" for k, v in (("request_id", rid), ("job_id", jid)) if v)
        return f"{line} [{tags}]" if tags else line


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[no-untyped-def, override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # type: ignore[no-untyped-def]
        pass


def configure(level: str | int | None = None, fmt: str | None = None, force: bool = False) -> None:
    """Send every log record to stderr as JSON (or text); safe to call again.

    Like ``logging.basicConfig``, it leaves a process whose logging someone else
    configured alone (a test runner, an embedding application) unless ``force``
    is set; our own handler is replaced, never duplicated. ``$CALLUP_LOG_LEVEL``
    (default INFO) and ``$CALLUP_LOG_FORMAT`` (``json``, the default, or
    ``text``) apply when the arguments are not given.
    """
    level = level or os.environ.get("CALLUP_LOG_LEVEL") or "INFO"
    fmt = (fmt or os.environ.get("CALLUP_LOG_FORMAT") or "json").lower()
    if fmt not in ("json", "text"):
        raise ValueError(f"CALLUP_LOG_FORMAT must be json or text, got {fmt!r}")
    if isinstance(level, str):
        level = level.upper()
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, "callup", False)]
    if not force and len(root.handlers) > len(ours):
        return
    for handler in ours:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.callup = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)

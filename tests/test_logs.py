"""Structured logs: the JSON line, the bound ids, the API's request id, and the task signal pair."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from prospects import logs
from workers import tracing


def _record(msg: str = "hello %s", args: tuple = ("world",), **extra) -> logging.LogRecord:
    record = logging.LogRecord("callup.test", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_a_record_becomes_one_json_line_with_the_documented_fields():
    line = logs.JsonFormatter().format(_record())

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "hello world"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "callup.test"
    assert entry["ts"].endswith("Z")
    assert isinstance(entry["process"], int)
    assert entry["request_id"] is None and entry["job_id"] is None


def test_bound_ids_appear_on_every_line_and_are_restored_after():
    with logs.bound(request_id="req-1", job_id="job-1"):
        inner = json.loads(logs.JsonFormatter().format(_record()))
        with logs.bound(request_id="req-2"):
            nested = json.loads(logs.JsonFormatter().format(_record()))
    after = json.loads(logs.JsonFormatter().format(_record()))

    assert (inner["request_id"], inner["job_id"]) == ("req-1", "job-1")
    assert (nested["request_id"], nested["job_id"]) == ("req-2", None)
    assert (after["request_id"], after["job_id"]) == (None, None)


def test_plain_extras_are_kept_and_structured_ones_dropped():
    entry = json.loads(
        logs.JsonFormatter().format(_record(status=200, user="ann", data={"big": "result"}))
    )

    assert entry["status"] == 200 and entry["user"] == "ann"
    assert "data" not in entry


def test_an_exception_is_kept_in_the_same_line():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), exc_info=__import__("sys").exc_info()
        )
    entry = json.loads(logs.JsonFormatter().format(record))

    assert "RuntimeError: boom" in entry["exc"]


@pytest.fixture
def root_logger():
    """The root logger, with its handlers and level put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configure_replaces_only_its_own_handler(root_logger, monkeypatch):
    others = [h for h in root_logger.handlers if not getattr(h, "callup", False)]
    monkeypatch.setenv("CALLUP_LOG_FORMAT", "text")

    logs.configure(force=True)
    logs.configure(force=True)

    ours = [h for h in root_logger.handlers if getattr(h, "callup", False)]
    assert len(ours) == 1 and isinstance(ours[0].formatter, logs.TextFormatter)
    assert [h for h in root_logger.handlers if not getattr(h, "callup", False)] == others
    assert root_logger.level == logging.INFO
    with pytest.raises(ValueError, match="CALLUP_LOG_FORMAT"):
        logs.configure(fmt="xml")


def test_a_process_whose_logging_is_configured_elsewhere_is_left_alone(root_logger):
    root_logger.handlers[:] = [logging.NullHandler()]
    logs.configure()
    assert not any(getattr(h, "callup", False) for h in root_logger.handlers)

    root_logger.handlers[:] = []
    logs.configure(level="WARNING")
    assert [getattr(h, "callup", False) for h in root_logger.handlers] == [True]
    assert root_logger.level == logging.WARNING


def test_text_lines_carry_the_ids():
    with logs.bound(request_id="req-9", job_id="job-9"):
        line = logs.TextFormatter().format(_record())
    assert line.endswith("hello world [request_id=req-9 job_id=job-9]")


@pytest.mark.parametrize(
    "value, ok",
    [("abc-123_x.y", True), ("", False), ("a" * 65, False), ("bad id", False), ("x\ny", False)],
)
def test_which_client_request_ids_are_accepted(value, ok):
    assert logs.valid_request_id(value) is ok


# --- the Celery signal pair -----------------------------------------------------------------


def test_publishing_stamps_the_bound_request_id_on_the_message():
    headers: dict = {}
    with logs.bound(request_id="req-pub"):
        tracing.stamp_request_id(headers=headers)
    assert headers["request_id"] == "req-pub"

    untouched: dict = {"request_id": "set-by-caller"}
    with logs.bound(request_id="req-other"):
        tracing.stamp_request_id(headers=untouched)
    assert untouched["request_id"] == "set-by-caller"

    empty: dict = {}
    tracing.stamp_request_id(headers=empty)  # nothing bound: nothing stamped
    assert empty == {}


def test_a_task_runs_with_the_message_request_id_and_its_job_id_bound(caplog):
    task = SimpleNamespace(name="callup.predict", request=SimpleNamespace(request_id="req-hdr"))
    caplog.set_level(logging.INFO, logger="callup.task")

    tracing.bind_task(task_id="job-42", task=task, kwargs={})
    during = (logs.current_request_id(), logs.current_job_id())
    tracing.unbind_task(task_id="job-42", task=task, state="SUCCESS")

    assert during == ("req-hdr", "job-42")
    assert (logs.current_request_id(), logs.current_job_id()) == (None, None)
    finished = [r for r in caplog.records if r.getMessage() == "task callup.predict success"]
    assert finished and finished[0].state == "SUCCESS"


def test_a_task_without_the_header_falls_back_to_its_request_id_argument():
    task = SimpleNamespace(name="t", request=SimpleNamespace(headers=None))
    assert tracing.request_id_of(task, {"request_id": "req-kw"}) == "req-kw"
    assert tracing.request_id_of(task, {"request_id": "not valid!"}) is None
    assert tracing.request_id_of(task, None) is None


# --- the API's request id and request line --------------------------------------------------


def test_the_api_echoes_a_client_request_id_and_makes_one_when_missing_or_unsafe(client):
    supplied = client.get("/healthz", headers={"X-Request-ID": "client-id-1"})
    missing = client.get("/healthz")
    unsafe = client.get("/healthz", headers={"X-Request-ID": "two words"})

    assert supplied.headers["X-Request-ID"] == "client-id-1"
    assert logs.valid_request_id(missing.headers["X-Request-ID"])
    assert unsafe.headers["X-Request-ID"] not in ("two words", missing.headers["X-Request-ID"])
    assert logs.current_request_id() is None  # unbound after each request


def test_each_request_is_one_log_line_with_method_path_status_duration_and_user(
    client, make_key, caplog
):
    caplog.set_level(logging.INFO, logger="callup.request")
    headers = {"Authorization": f"Bearer {make_key()}", "X-Request-ID": "line-test-1"}

    response = client.get("/api/ml/prospects/999999", headers=headers)

    lines = [r for r in caplog.records if r.name == "callup.request"]
    assert len(lines) == 1
    entry = json.loads(logs.JsonFormatter().format(lines[0]))
    assert entry["request_id"] == "line-test-1"
    assert entry["method"] == "GET" and entry["path"] == "/api/ml/prospects/999999"
    assert entry["status"] == response.status_code == 404
    assert entry["user"] and entry["duration_ms"] >= 0

"""Every enqueue is durable: the job's row is committed before its message is sent, or neither.

One ``accept`` does it for every site that sends a job a client or an operator
waits on (predict, rank, retrain, promote, rollback, the console's rank). Each
site is checked the same two ways against a real broker (Redis) and database:
when the message goes out, the row is already committed (read in another
session, with the job queued and its arguments as sent), and when the broker
refuses the message, the caller hears it and no row is left.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from prospects.db.models import Job
from prospects.db.session import session_scope
from prospects.jobrecords import records
from prospects.jobrecords.accept import Accepted, accept
from prospects.lifecycle import aliases, events

pytest_plugins = ["tests.api_fixtures"]

BROKER_DOWN = redis.exceptions.ConnectionError("broker down")


def _count(url: str) -> int:
    with session_scope(url) as session:
        return int(session.scalar(select(func.count()).select_from(Job)) or 0)


def _row(url: str, job_id: str) -> Job | None:
    with session_scope(url) as session:
        return records.get(session, job_id)


class RowAtSend:
    """Wraps a ``send_task``: notes each job's row as another session sees it when it is sent."""

    def __init__(self, url: str, send_task: Callable[..., Any]):
        self.url, self.send_task = url, send_task
        self.seen: dict[str, tuple[str, str | None, dict[str, Any]] | None] = {}

    def __call__(self, name: str, *args: Any, task_id: str, **kwargs: Any) -> Any:
        row = _row(self.url, task_id)
        self.seen[task_id] = None if row is None else (row.state, row.requested_by, row.params)
        return self.send_task(name, *args, task_id=task_id, **kwargs)


def _refuse(*_args: Any, **_kwargs: Any) -> None:
    raise BROKER_DOWN


# -- accept itself ---------------------------------------------------------------------------


def test_accept_commits_the_row_before_it_sends(sqlite_url):
    seen: list[Job | None] = []
    kwargs = {"version": 3, "requested_by": "root", "reason": None}

    outcome = accept(
        "job-accept-01",
        records.KIND_PROMOTE,
        "root",
        kwargs,
        lambda: seen.append(_row(sqlite_url, "job-accept-01")),
        database_url=sqlite_url,
    )

    assert outcome is Accepted.SENT
    assert [(j.kind, j.state, j.requested_by, j.params) for j in seen] == [
        ("promote", "queued", "root", kwargs)
    ]


def test_a_send_that_fails_takes_the_row_back_out_and_raises(sqlite_url):
    with pytest.raises(redis.exceptions.ConnectionError):
        accept("job-accept-02", "rank", "alice", {}, lambda: _refuse(), database_url=sqlite_url)
    assert _row(sqlite_url, "job-accept-02") is None


def test_an_id_on_record_already_is_not_sent_again(sqlite_url):
    sends: list[str] = []
    accept(
        "job-accept-03", "rank", "alice", {}, lambda: sends.append("first"), database_url=sqlite_url
    )

    again = accept(
        "job-accept-03", "rank", "eve", {}, lambda: sends.append("second"), database_url=sqlite_url
    )

    assert again is Accepted.DUPLICATE and sends == ["first"]
    assert _row(sqlite_url, "job-accept-03").requested_by == "alice"


def test_a_job_about_an_unknown_prospect_is_neither_written_nor_sent(sqlite_url, prospects):
    sends: list[int] = []
    outcome = accept(
        "job-accept-04",
        records.KIND_PREDICT,
        "alice",
        {"prospect_id": 999_999},
        lambda: sends.append(1),
        prospect_id=999_999,
        database_url=sqlite_url,
    )
    assert outcome is Accepted.NO_SUCH_PROSPECT and sends == [] and _count(sqlite_url) == 0


# -- each enqueue site -------------------------------------------------------------------------

# (method, path, body, role, headers): each answers 202 with a job id when no worker runs.
SITES = {
    "predict": ("/api/ml/predict", {"prospect_id": 101}, "analyst", {}),
    "rank": ("/api/ml/rankings", {}, "analyst", {}),
    "retrain": ("/api/ml/models/retrain", None, "admin", {}),
    "promote": ("/api/ml/models/1/promote", None, "admin", {"Prefer": "wait=0"}),
    "rollback": ("/api/ml/models/rollback", {"to_version": 1}, "admin", {"Prefer": "wait=0"}),
}


def _post(client, make_key, site: str, user: str = "alice"):  # type: ignore[no-untyped-def]
    path, body, role, extra = SITES[site]
    auth = {"Authorization": f"Bearer {make_key(user, role)}", **extra}
    return (
        client.post(path, json=body, headers=auth)
        if body is not None
        else client.post(path, headers=auth)
    )


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_api_enqueue_commits_its_row_before_the_message(
    site, app, client, celery, make_key, prospects, sqlite_url, monkeypatch
):
    spy = RowAtSend(sqlite_url, celery.send_task)
    monkeypatch.setattr(celery, "send_task", spy)

    response = _post(client, make_key, site)

    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["job_id"]
    state, requested_by, params = spy.seen[job_id]
    assert (state, requested_by) == ("queued", "alice")
    assert _row(sqlite_url, job_id).kind == site
    assert params["requested_by"] == "alice"  # the task's own arguments: it can be sent again


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_api_enqueue_leaves_no_job_when_the_broker_refuses(
    site, app, client, celery, make_key, prospects, sqlite_url, redis_client, monkeypatch
):
    monkeypatch.setattr(celery, "send_task", _refuse)

    response = _post(client, make_key, site)

    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"]["code"] == "unavailable"
    assert _count(sqlite_url) == 0
    assert not list(redis_client.scan_iter("callup:job:*"))


def test_the_console_ranking_commits_its_row_before_the_message(
    sqlite_url, redis_test_url, monkeypatch
):
    from cli import rank as console

    celery_module = importlib.import_module("workers.celery_app")  # the module, not the app

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("REDIS_URL", redis_test_url)
    apps: list[Any] = []

    def make(redis_url: str | None = None) -> Any:
        app = celery_module.Celery("callup")
        app.conf.update(celery_module.celery_settings(redis_url or redis_test_url))
        app.send_task = RowAtSend(sqlite_url, app.send_task)  # type: ignore[method-assign]
        apps.append(app)
        return app

    monkeypatch.setattr(celery_module, "make_celery", make)
    job_id = console.start_job({"kind": "pitcher"}, None, None, 10, "ops")

    assert apps[0].send_task.seen[job_id][:2] == ("queued", "ops")
    assert _row(sqlite_url, job_id).params["chunk_size"] == 10


def test_the_console_ranking_leaves_no_job_when_the_broker_refuses(
    sqlite_url, redis_test_url, monkeypatch
):
    from cli import rank as console

    celery_module = importlib.import_module("workers.celery_app")  # the module, not the app

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("REDIS_URL", redis_test_url)

    def make(redis_url: str | None = None) -> Any:
        app = celery_module.Celery("callup")
        app.send_task = _refuse  # type: ignore[method-assign]
        return app

    monkeypatch.setattr(celery_module, "make_celery", make)
    with pytest.raises(redis.exceptions.ConnectionError):
        console.start_job({}, None, None, None, "ops")
    assert _count(sqlite_url) == 0


# -- a champion move delivered twice moves once --------------------------------------------------


def test_a_champion_move_on_record_is_found_again_by_its_job(sqlite_url):
    events.ensure_tables(sqlite_url)
    with session_scope(sqlite_url) as session:
        events.record_event(
            session, "callup", "rollback", "api", from_version=3, to_version=2, job_id="job-rb-1"
        )
        events.record_event(session, "callup", "retrain_queued", "api", job_id="job-rt-1")

    move = aliases.recorded_move("job-rb-1", sqlite_url)

    assert move is not None
    assert (move["kind"], move["from_version"], move["to_version"], move["changed"]) == (
        "rollback",
        3,
        2,
        True,
    )
    assert aliases.recorded_move("job-rt-1", sqlite_url) is None  # not a champion move
    assert aliases.recorded_move("job-unknown", sqlite_url) is None

"""Rankings end to end: the real API (in-process), the real Redis and a real prefork worker.

The worker runs two processes and small chunks (``CALLUP_RANK_CHUNK_SIZE=5``),
so a ranking of the seeded league takes a few seconds: long enough to watch its
progress and to SIGKILL a pool process in the middle of it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from app import create_app
from app.schemas import today_utc
from prospects.apikeys import create_key
from prospects.db.models import Outcome, Prospect, RankingEntry
from prospects.db.session import session_scope
from prospects.jobs import alias_key
from prospects.ranking.select import current_levels
from prospects.training.register import announce_alias
from tests.stack import ROOT, prospects_by_standing, stack
from workers.celery_app import make_celery

pytestmark = pytest.mark.integration
OPEN = "10000/minute"
CHUNK = 5


@pytest.fixture(scope="module")
def live(tmp_path_factory, redis_dbs):
    with redis_dbs.take() as db, stack(tmp_path_factory.mktemp("rankings"), db) as s:
        s.env["CALLUP_RANK_CHUNK_SIZE"] = str(CHUNK)
        s.node = s.start_worker(concurrency=2)
        yield s


def _client(live):
    app = create_app(
        {
            "REDIS_URL": live.redis_url,
            "DATABASE_URL": live.env["DATABASE_URL"],
            "CALLUP_PREDICT_RATE_LIMIT": OPEN,
            "CALLUP_POLL_RATE_LIMIT": OPEN,
            "CALLUP_DEFAULT_RATE_LIMIT": OPEN,
        }
    )
    return app.test_client()


@pytest.fixture
def client(live):
    return _client(live)


def _key(role: str) -> dict[str, str]:
    with session_scope() as session:
        key, _ = create_key(session, f"{role}-{time.monotonic_ns()}", role)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def auth(live):
    return _key("analyst")


def _start(client, auth, body: dict) -> str:
    response = client.post("/api/ml/rankings", json=body, headers=auth)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["job_id"]


def _finish(client, auth, job_id: str, timeout: float = 60.0, seen: list | None = None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/ml/jobs/{job_id}", headers=auth).get_json()
        if seen is not None and "progress" in body:
            seen.append(body["progress"])
        if body["status"] in ("succeeded", "failed"):
            assert body["status"] == "succeeded", body
            return body["result"]
        time.sleep(0.02)
    raise AssertionError(f"ranking {job_id} did not finish in {timeout} s")


def _board(client, auth, ranking_id: int, query: str = "") -> dict:
    body = client.get(f"/api/ml/rankings/{ranking_id}?per_page=500{query}", headers=auth)
    assert body.status_code == 200
    return body.get_json()


def _all_rows(client, auth, ranking_id: int) -> list[dict]:
    rows, page = [], 1
    while True:
        body = _board(client, auth, ranking_id, f"&page={page}")
        rows += body["items"]
        if len(rows) >= body["total"]:
            return rows
        page += 1


def _signed_by(as_of: date, **where) -> list[Prospect]:
    with session_scope() as session:
        stmt = select(Prospect).where(Prospect.signed_on <= as_of)
        for name, value in where.items():
            stmt = stmt.where(getattr(Prospect, name) == value)
        return list(session.scalars(stmt))


def _prospects(as_of: date) -> set[int]:
    """Every player the prospect rule admits on ``as_of``."""
    return set(prospects_by_standing(10**6, on=as_of))


def _assert_ranked(rows: list[dict], expected_ids: set[int]) -> None:
    assert {r["prospect_id"] for r in rows} == expected_ids
    assert len(rows) == len(expected_ids)  # no duplicates
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    probabilities = [r["probability"] for r in rows]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(r["confidence"] in ("high", "medium", "low") for r in rows)
    assert all(r["top_factors"]["for"] or r["top_factors"]["against"] for r in rows)


@pytest.fixture(scope="module")
def full(live):
    """The whole board, ranked once for the module: (job result, progress reports seen)."""
    client, auth = _client(live), _key("analyst")
    seen: list[dict] = []
    result = _finish(client, auth, _start(client, auth, {}), seen=seen)
    return result, seen


def test_a_full_ranking_has_every_prospect_once_in_order(client, auth, full):
    result, _ = full
    expected = _prospects(date.fromisoformat(result["as_of"]))
    assert result["total"] == len(expected) and result["reused"] is False
    assert result["model"]["variant"] == "champion"
    _assert_ranked(_all_rows(client, auth, result["ranking_id"]), expected)


def test_the_default_board_says_how_many_players_the_prospect_rule_left_out(full):
    result, _ = full
    as_of = date.fromisoformat(result["as_of"])
    signed = {p.id for p in _signed_by(as_of)}
    excluded = result["excluded"]
    assert excluded["total"] == len(signed) - result["total"] > 0
    assert sum(excluded["by_reason"].values()) == excluded["total"]
    assert set(excluded["by_reason"]) <= {
        "succeeded",
        "graduated",
        "released",
        "inactive",
        "over_age",
    }
    for reason, n in excluded["by_reason"].items():
        assert n == len(prospects_by_standing(10**6, eligible=False, reason=reason, on=as_of))


def test_no_one_on_the_default_board_has_graduated_or_succeeded(client, auth, full):
    from prospects.eligibility import ROOKIE_OUTS, ROOKIE_PA

    rows = _all_rows(client, auth, full[0]["ranking_id"])
    ids = [r["prospect_id"] for r in rows]
    assert all(r["eligible"] and r["ineligible_reason"] is None for r in rows)
    with session_scope() as session:
        totals = session.execute(
            select(Outcome.prospect_id, func.sum(Outcome.mlb_pa), func.sum(Outcome.mlb_outs))
            .where(Outcome.prospect_id.in_(ids))
            .group_by(Outcome.prospect_id)
        ).all()
    assert all(pa <= ROOKIE_PA and outs <= ROOKIE_OUTS for _, pa, outs in totals)


def test_a_board_of_everyone_flags_who_is_not_a_prospect(client, auth, full):
    result = _finish(client, auth, _start(client, auth, {"eligibility": "all"}))
    as_of = date.fromisoformat(result["as_of"])
    rows = _all_rows(client, auth, result["ranking_id"])
    assert result["filters"] == {"eligibility": "all"}
    assert {r["prospect_id"] for r in rows} == {p.id for p in _signed_by(as_of)}
    flagged = {r["prospect_id"]: r["ineligible_reason"] for r in rows if not r["eligible"]}
    assert set(flagged) == {p.id for p in _signed_by(as_of)} - _prospects(as_of)
    assert result["excluded"]["total"] == len(flagged)
    csv = client.get(f"/api/ml/rankings/{result['ranking_id']}/export.csv", headers=auth)
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].endswith(",not_a_prospect")
    marked = {int(line.split(",")[1]): line.rsplit(",", 1)[1] for line in lines[1:]}
    assert {pid: reason for pid, reason in marked.items() if reason} == flagged


def test_a_finished_ranking_leaves_no_celery_result_only_its_row(live, full):
    # The coordinator, its chunks and the finalizer have run: the row holds the job's
    # result (task_ignore_result, no result backend), Redis holds no copy of it.
    assert live.redis().keys("celery-task-meta-*") == []


def test_progress_is_visible_while_the_job_runs(full):
    result, seen = full
    assert seen and all(p["total"] == result["total"] for p in seen)
    assert len({p["done"] for p in seen if 0 < p["done"] < p["total"]}) >= 2, seen


def test_every_ranked_prospect_is_a_prediction_cache_hit(client, auth, full):
    # The API finds cached answers under the champion's version, which it knows while the
    # alias key is fresh (the finalizer refreshes it; a slow run may outlast its 30 s TTL).
    announce_alias("champion", full[0]["model"]["version"])
    rows = _all_rows(client, auth, full[0]["ranking_id"])
    for row in rows[:3] + rows[-2:]:
        response = client.post(
            "/api/ml/predict", json={"prospect_id": row["prospect_id"]}, headers=auth
        )
        assert response.status_code == 200, response.get_json()
        cached = response.get_json()
        assert cached["cached"] is True and cached["job_id"] is None
        assert cached["result"]["probability"] == row["probability"]
        assert cached["result"]["top_factors"] == row["top_factors"]


def test_a_repeated_request_reuses_the_snapshot(client, auth, live, full):
    first = full[0]
    # the API knows the champion's version: answered at once, no job
    announce_alias("champion", first["model"]["version"])
    again = client.post("/api/ml/rankings", json={}, headers=auth)
    assert again.status_code == 200
    assert again.get_json()["result"]["ranking_id"] == first["ranking_id"]

    # it does not (the alias key expired): a job that finds the snapshot and reuses it
    live.redis().delete(alias_key("champion"))
    queued = client.post("/api/ml/rankings", json={}, headers=auth)
    assert queued.status_code == 202
    reused = _finish(client, auth, queued.get_json()["job_id"])
    assert reused["reused"] is True and reused["ranking_id"] == first["ranking_id"]


def test_a_ranking_whose_last_write_was_missed_is_resent_and_settled_from_its_snapshot(
    client, auth, live, full
):
    from datetime import timedelta

    from sqlalchemy import update

    from prospects.db.models import Job, RankingSnapshot
    from prospects.jobrecords import records
    from prospects.jobrecords.sweep import sweep

    first = full[0]
    with session_scope() as session:
        job_id = session.scalars(
            select(Job.id)
            .where(Job.result_ref == f"ranking:{first['ranking_id']}")
            .order_by(Job.created_at)
        ).first()
        # The finalizer ranked, then the database refused its last write: the row still says
        # running, and Celery keeps no result that says otherwise.
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state="running",
                result=None,
                result_ref=None,
                finished_at=None,
                updated_at=records.now() - timedelta(seconds=120),
            )
        )
        snapshots = session.scalar(select(func.count()).select_from(RankingSnapshot))
    sender = make_celery(live.redis_url)

    def send(task: str, sent_id: str, kwargs: dict, queue: str) -> None:
        sender.send_task(task, kwargs=kwargs, task_id=sent_id, queue=queue)

    report = sweep(live.redis(), send, older_than=60)

    assert job_id in report.requeued
    settled = _finish(client, auth, job_id)  # the redelivery finds the finished snapshot
    assert settled["ranking_id"] == first["ranking_id"] and settled["reused"] is True
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(RankingSnapshot)) == snapshots


def test_export_csv_is_the_whole_board(client, auth, full):
    result = full[0]
    response = client.get(f"/api/ml/rankings/{result['ranking_id']}/export.csv", headers=auth)
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("rank,prospect_id,name,")
    assert len(lines) == 1 + result["total"]
    rows = _all_rows(client, auth, result["ranking_id"])
    assert [int(line.split(",")[1]) for line in lines[1:]] == [r["prospect_id"] for r in rows]


def test_filters_select_the_right_prospects(client, auth):
    some = _signed_by(today_utc())[0]
    body = {"organization": some.organization, "kind": "hitter", "min_age": 19, "max_age": 26}
    result = _finish(client, auth, _start(client, auth, body))
    rows = _all_rows(client, auth, result["ranking_id"])
    assert result["filters"] == {**body, "min_age": 19.0, "max_age": 26.0}
    assert rows and all(r["organization"] == some.organization for r in rows)
    assert all(r["kind"] == "hitter" and 19 <= r["age"] <= 26 for r in rows)
    hitters = [p for p in _signed_by(today_utc(), organization=some.organization)]
    hitters = [p for p in hitters if p.position not in ("SP", "RP")]
    in_range = {p.id for p in hitters if 19 <= (today_utc() - p.birth_date).days / 365.25 <= 26}
    in_range &= _prospects(today_utc())
    _assert_ranked(rows, in_range)

    level = _finish(client, auth, _start(client, auth, {"level": "AA"}))
    level_rows = _all_rows(client, auth, level["ranking_id"])
    with session_scope() as session:
        at_aa = {pid for pid, lvl in current_levels(session, today_utc()).items() if lvl == "AA"}
    at_aa &= _prospects(today_utc())
    _assert_ranked(level_rows, at_aa)
    assert all(r["level"] == "AA" for r in level_rows)


def test_a_worker_process_killed_mid_ranking_still_leaves_a_complete_snapshot(client, auth, live):
    # Everyone (prospects or not): enough chunks to catch one running.
    job_id = _start(client, auth, {"kind": "pitcher", "eligibility": "all"})
    inspector = make_celery(live.redis_url).control.inspect([live.node], timeout=1.0)
    victim = None
    deadline = time.monotonic() + 30
    while victim is None and time.monotonic() < deadline:
        job = client.get(f"/api/ml/jobs/{job_id}", headers=auth).get_json()
        assert job["status"] != "succeeded", "the ranking finished before a process was killed"
        if job.get("progress", {}).get("done", 0) > 0:
            active = (inspector.active() or {}).get(live.node, [])
            chunks = [t for t in active if t["name"] == "callup.rank_chunk"]
            if chunks:
                victim = chunks[0]["worker_pid"]
                os.kill(victim, signal.SIGKILL)
        time.sleep(0.02)
    assert victim is not None, "never caught a chunk running"

    result = _finish(client, auth, job_id, timeout=90)
    expected = {p.id for p in _signed_by(today_utc()) if p.position in ("SP", "RP")}
    assert result["total"] == len(expected)
    _assert_ranked(_all_rows(client, auth, result["ranking_id"]), expected)
    with session_scope() as session:
        rows, distinct = session.execute(
            select(func.count(), func.count(func.distinct(RankingEntry.prospect_id))).where(
                RankingEntry.snapshot_id == result["ranking_id"]
            )
        ).one()
    assert rows == distinct == len(expected)
    log = (live.root / f"{live.node.split('@')[0]}.log").read_text()
    assert "signal 9" in log or "SIGKILL" in log  # the pool did lose a process


def test_an_unknown_model_version_fails_the_job_with_a_reason(client, auth):
    job_id = _start(client, auth, {"model_version": 99})
    deadline = time.monotonic() + 30
    while (body := client.get(f"/api/ml/jobs/{job_id}", headers=auth).get_json())["status"] not in (
        "succeeded",
        "failed",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert body["status"] == "failed"
    assert body["error"]["code"] == "model_unavailable" and "v99" in body["error"]["message"]


def test_viewers_get_403_and_bad_filters_422(client):
    viewer = _key("viewer")
    assert client.post("/api/ml/rankings", json={}, headers=viewer).status_code == 403
    analyst = _key("analyst")
    bad = client.post("/api/ml/rankings", json={"min_age": 30, "max_age": 20}, headers=analyst)
    assert bad.status_code == 422


def test_callup_rank_draws_progress_then_prints_the_top(live):
    # Every hitter, prospect or not, in chunks of 3 (about 128 of them): the job lasts
    # several of the bar's 0.2 s polls.
    done = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "rank"]
        + ["--kind", "hitter", "--min-age", "17", "--top", "5", "--chunk-size", "3"]
        + ["--eligibility", "all"],
        cwd=ROOT,
        env={**os.environ, **live.env},
        capture_output=True,
        timeout=120,
    )
    stderr = done.stderr.decode()  # bytes: text mode would turn the bar's \r into \n
    assert done.returncode == 0, stderr
    frames = re.findall(r"\rranking \[[#.]+\] ([\d,]+)/([\d,]+)[^\r\n]*ETA", stderr)
    assert len(frames) >= 2, stderr[-2000:]  # redrawn in place as chunks land
    assert frames[-1][0] != frames[0][0]
    lines = done.stdout.decode().splitlines()
    assert lines[0].startswith("ranking ") and "prospects as of" in lines[0]
    assert lines[1].startswith("not prospects (flagged): ")
    assert lines[2].split()[:3] == ["rank", "prob", "conf"]
    assert [line.split()[0] for line in lines[3:]] == ["1", "2", "3", "4", "5"]

    invalid = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "rank"]
        + ["--min-age", "30", "--max-age", "20"],
        cwd=ROOT,
        env={**os.environ, **live.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert invalid.returncode == 2 and "min_age must not be greater" in invalid.stderr

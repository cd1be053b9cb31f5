"""Chaos: break the real processes on purpose and check that nothing accepted is lost.

One stack for the module, because starting it is the slow part: the API under
gunicorn (2 processes), a private Redis, a private PostgreSQL, an MLflow server
reached through a gate the test can close, and two ``celery worker``
processes. Tests run in file order; each leaves the stack healthy for the next.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from prospects import registry
from prospects.apikeys import create_key
from prospects.db.models import Job, ModelEvent, Prediction, Prospect, RankingEntry
from prospects.db.session import reset_engine, session_scope
from prospects.jobrecords.sweep import sweep
from prospects.jobs import PREFIX, alias_key
from tests.servers import Gunicorn, MlflowServer, PostgresServer, RedisServer, TcpGate
from tests.stack import Stack, seed_and_train, stack
from workers.celery_app import make_celery

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.integration,
    pytest.mark.skipif(not PostgresServer.available(), reason="no PostgreSQL server binaries"),
]
OPEN = "100000/minute"  # the burst is 500 requests from one user: limits out of the way
BURST = 500
RESERVED = 80  # hitters kept out of the burst and the (pitchers-only) ranking: never cached
QUICK = 5.0  # seconds: an answer while a dependency is down must come at least this fast
PITCHERS = ("SP", "RP")


@dataclass
class Chaos:
    """The running stack and the handles a test needs to break it."""

    stack: Stack
    api: Gunicorn
    redis: RedisServer
    postgres: PostgresServer
    gate: TcpGate
    auth: dict[str, str]
    unused_auth: dict[str, str]
    burst_ids: list[int]
    spare_ids: list[int]
    as_of: dict[int, str]  # a day each prospect was a prospect on (only they get predictions)
    figures: dict[str, Any] = field(default_factory=dict)
    admin: dict[str, str] = field(default_factory=dict)  # made on first use (_admin)

    def body(self, prospect_id: int) -> dict[str, Any]:
        """A predict request that the worker scores and stores: a day he was a prospect."""
        return {"prospect_id": prospect_id, "as_of": self.as_of[prospect_id]}

    def url(self, path: str) -> str:
        return f"{self.api.url}{path}"

    def spare(self, n: int) -> list[int]:
        """Prospects no earlier request asked for: each one is a cache miss and a real job."""
        taken, self.spare_ids = self.spare_ids[:n], self.spare_ids[n:]
        assert len(taken) == n, "ran out of spare prospects"
        return taken


def _prospect_ids() -> tuple[list[int], list[int], dict[int, str]]:
    """Burst and spare ids, and for each a season's reference date on which he was a prospect.

    A 700-player league has only ~80 prospects today; asked about a day he was one, every
    player's answer is a scored prediction that is stored once, which is what these tests count.
    """
    from prospects.eligibility import eligible_ids
    from prospects.features.data import load_league
    from prospects.labels import reference_date

    with session_scope() as session:
        data = load_league(session)
        positions = dict(session.execute(select(Prospect.id, Prospect.position)).all())
    as_of: dict[int, str] = {}
    for season in range(2025, 2009, -1):  # the latest day each was a prospect
        ref = reference_date(season)
        for pid in eligible_ids(data.as_of(ref), ref):
            as_of.setdefault(int(pid), ref.isoformat())
    hitters = sorted(pid for pid in as_of if positions[pid] not in PITCHERS)
    spare = hitters[:RESERVED]
    burst = sorted(pid for pid in as_of if pid not in set(spare))[:BURST]
    assert len(burst) == BURST
    return burst, spare, as_of


@pytest.fixture(scope="module")
def chaos(tmp_path_factory) -> Iterator[Chaos]:
    """Everything starts at once: servers and workers boot while the league is seeded."""
    tmp = tmp_path_factory.mktemp("chaos")
    began = time.monotonic()
    marks: dict[str, float] = {}
    redis_server = RedisServer(workdir=tmp)
    postgres = PostgresServer()
    redis_server.start()
    api = mlflow = gate = None
    try:
        postgres.init()
        postgres.start()
        with stack(
            tmp, 0, champion=False, redis_base=redis_server.base(), database_url=postgres.url
        ) as s:
            registry.client().search_experiments()  # its tables exist before the server opens it
            mlflow = MlflowServer(tmp, s.env["MLFLOW_TRACKING_URI"], s.env["MLFLOW_ARTIFACT_ROOT"])
            mlflow.start()
            gate = TcpGate(mlflow.port)
            gate.open()
            s.worker_env = {
                "MLFLOW_TRACKING_URI": gate.url,  # workers reach the registry through the gate
                "CALLUP_RANK_CHUNK_SIZE": "10",
                "CALLUP_TASK_EVENTS": "0",
            }
            limits = {f"CALLUP_{k}_RATE_LIMIT": OPEN for k in ("PREDICT", "POLL", "DEFAULT")}
            api = Gunicorn(tmp, {**s.env, **limits}, workers=2, threads=8)
            api.start()
            s.spawn_worker()
            s.spawn_worker()
            seed_and_train()  # meanwhile; the workers start cold and load the champion on use
            marks["trained"] = time.monotonic() - began
            mlflow.wait()
            api.wait()
            s.await_workers()
            marks["ready"] = time.monotonic() - began
            with session_scope() as session:
                keys = [create_key(session, name, "analyst")[0] for name in ("chaos", "later")]
            auth, unused = ({"Authorization": f"Bearer {key}"} for key in keys)
            burst, spare, as_of = _prospect_ids()
            state = Chaos(s, api, redis_server, postgres, gate, auth, unused, burst, spare, as_of)
            state.figures["setup_seconds"] = {k: round(v, 1) for k, v in marks.items()}
            yield state
            report = os.environ.get("CALLUP_CHAOS_REPORT")
            if report:
                with open(report, "w") as out:
                    json.dump(state.figures, out, indent=2, sort_keys=True)
            for worker in s.workers:  # everything is thrown away: no warm shutdown to wait for
                os.killpg(worker.pid, signal.SIGKILL)
    finally:
        if gate is not None:
            gate.close()  # first: open connections through it would hold up MLflow's shutdown
        for server in (api, mlflow):
            if server is not None:
                server.stop()
        redis_server.stop()
        reset_engine(postgres.url)
        postgres.remove()


# -- helpers ---------------------------------------------------------------------------------------


def _predict(chaos: Chaos, session: requests.Session, prospect_id: int, wait: int = 0):
    headers = {**chaos.auth, **({"Prefer": f"wait={wait}"} if wait else {})}
    return session.post(
        chaos.url("/api/ml/predict"),
        json=chaos.body(prospect_id),
        headers=headers,
        timeout=wait + 15,
    )


def _accept_all(chaos: Chaos, ids: list[int], threads: int = 8) -> dict[int, str]:
    """POST every id (no wait); each must be accepted with 202. Returns prospect → job id."""
    local = threading.local()

    def one(pid: int) -> tuple[int, str]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = _predict(chaos, local.session, pid)
        assert response.status_code == 202, (pid, response.status_code, response.text)
        return pid, response.json()["job_id"]

    with ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(one, ids))


def _statuses(chaos: Chaos, job_ids: list[str], threads: int = 8) -> Counter:
    """Every job's status as a client polling ``GET /api/ml/jobs/<id>`` sees it."""
    local = threading.local()

    def one(job_id: str) -> str:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = local.session.get(chaos.url(f"/api/ml/jobs/{job_id}"), headers=chaos.auth)
        assert response.status_code == 200, (job_id, response.status_code, response.text)
        return response.json()["status"]

    with ThreadPoolExecutor(threads) as pool:
        return Counter(pool.map(one, job_ids))


def _open_jobs(job_ids: list[str]) -> int:
    """Jobs of ``job_ids`` the database does not yet record as finished."""
    with session_scope() as session:
        done = session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.id.in_(job_ids), Job.state.in_(("succeeded", "failed")))
        )
    return len(job_ids) - done


def _wait_finished(job_ids: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _open_jobs(job_ids):
        assert time.monotonic() < deadline, f"{_open_jobs(job_ids)} jobs still open"
        time.sleep(0.5)


def _predictions_per_job(job_ids: list[str]) -> Counter:
    with session_scope() as session:
        rows = session.execute(
            select(Prediction.job_id, func.count())
            .where(Prediction.job_id.in_(job_ids))
            .group_by(Prediction.job_id)
        ).all()
    return Counter({job_id: n for job_id, n in rows})


def _timed(call) -> tuple[requests.Response, float]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _assert_unavailable(response: requests.Response, seconds: float, limit: float = QUICK) -> None:
    """A dependency is down: 503 with Retry-After and a JSON reason, quickly."""
    assert response.status_code == 503, (response.status_code, response.text)
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["error"]["code"] in ("unavailable", "model_unavailable")
    assert seconds < limit


def _probe(chaos: Chaos, *calls: tuple[str, str, dict | None, dict[str, str]]) -> float:
    """Each call must be a quick 503 with Retry-After; returns the slowest answer's seconds."""
    worst = 0.0
    with requests.Session() as session:
        for method, path, body, headers in calls:
            started = time.monotonic()
            response = session.request(
                method, chaos.url(path), json=body, headers=headers, timeout=30
            )
            seconds = time.monotonic() - started
            _assert_unavailable(response, seconds)
            worst = max(worst, seconds)
    return worst


def _eventually_200(chaos: Chaos, prospect_id: int, timeout: float = 45) -> dict[str, Any]:
    """A new request succeeds once the dependency is back (503s and 202s are retried)."""
    deadline = time.monotonic() + timeout
    with requests.Session() as session:
        while True:
            response = _predict(chaos, session, prospect_id, wait=10)
            if response.status_code == 200:
                return response.json()
            assert response.status_code in (202, 503), (response.status_code, response.text)
            assert time.monotonic() < deadline, f"still {response.status_code} after {timeout} s"
            time.sleep(0.5)


def _sweep(chaos: Chaos) -> dict[str, Any]:
    """Run the Beat job sweep now, treating every open job as stuck.

    The code ``callup.sweep_jobs`` runs, run here: the sweep's report is a task
    result, and Celery keeps none (the jobs' rows are what the test checks).
    """
    app = make_celery(chaos.stack.redis_url)

    def send(task: str, job_id: str, kwargs: dict[str, Any], queue: str) -> None:
        app.send_task(task, kwargs=kwargs, task_id=job_id, queue=queue)

    client = chaos.stack.redis()
    try:
        return sweep(client, send, older_than=0).as_dict()
    finally:
        client.close()


def _admin(chaos: Chaos) -> dict[str, str]:
    """An admin's Authorization (champion moves are admin-only), made once per stack."""
    if not chaos.admin:
        with session_scope() as session:
            key = create_key(session, "chaos-admin", "admin")[0]
        chaos.admin["Authorization"] = f"Bearer {key}"
    return dict(chaos.admin)


def _champion_moves(chaos: Chaos) -> dict[str, str]:
    """Accept a promotion and a rollback without waiting: job id → the status each must end in.

    The stack has one model version, so both are moves onto the champion itself:
    the promotion succeeds as a no-op, the rollback fails with its own verdict
    (``no_previous_champion``). Either way the job ends once, not lost and not twice.
    """
    version = registry.get_alias(registry.client(), registry.CHAMPION).version
    headers = {**_admin(chaos), "Prefer": "wait=0"}
    expected = {}
    for path, body, status in (
        (f"/api/ml/models/{version}/promote", {"reason": "chaos"}, "succeeded"),
        ("/api/ml/models/rollback", {"to_version": version, "reason": "chaos"}, "failed"),
    ):
        response = requests.post(chaos.url(path), json=body, headers=headers, timeout=15)
        assert response.status_code == 202, (path, response.status_code, response.text)
        expected[response.json()["job_id"]] = status
    return expected


def _check_champion_moves(chaos: Chaos, expected: dict[str, str]) -> dict[str, int]:
    """Each move ended as expected, seen by a poll and on record, with at most one event."""
    _wait_finished(list(expected), timeout=60)
    with requests.Session() as session:
        for job_id, status in expected.items():
            polled = session.get(chaos.url(f"/api/ml/jobs/{job_id}"), headers=_admin(chaos))
            assert polled.status_code == 200 and polled.json()["status"] == status, polled.text
    with session_scope() as session:
        events = Counter(
            job_id
            for (job_id,) in session.execute(
                select(ModelEvent.job_id).where(ModelEvent.job_id.in_(list(expected)))
            )
        )
    assert all(n <= 1 for n in events.values()), events
    return {
        "lifecycle_jobs": len(expected),
        "lifecycle_duplicate_events": sum(n - 1 for n in events.values()),
    }


class Traffic:
    """Clients reading and predicting in a loop while a dependency goes away and comes back."""

    def __init__(self, chaos: Chaos, prospect_id: int, job_id: str, threads: int = 3):
        self.paths = [
            ("get", f"/api/ml/prospects/{prospect_id}", None),
            ("get", f"/api/ml/jobs/{job_id}", None),
            ("post", "/api/ml/predict", chaos.body(prospect_id)),  # one job, asked again
        ]
        self.headers = {**chaos.auth, "Idempotency-Key": f"traffic-{time.monotonic_ns()}"}
        self.chaos = chaos
        self.seen: list[tuple[int, float, str | None]] = []  # status, seconds, Retry-After
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        with requests.Session() as session:
            turn = 0
            while not self.stop.is_set():
                method, path, body = self.paths[turn % len(self.paths)]
                turn += 1
                started = time.monotonic()
                try:
                    response = session.request(
                        method, self.chaos.url(path), json=body, headers=self.headers, timeout=30
                    )
                    status, retry = response.status_code, response.headers.get("Retry-After")
                except requests.RequestException:
                    status, retry = 0, None  # no answer at all: as bad as a 500
                self.seen.append((status, time.monotonic() - started, retry))
                time.sleep(0.02)

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=35)

    def check(self) -> dict[str, Any]:
        """Only answers a client can act on, each quickly; 503s say when to come back."""
        statuses = Counter(status for status, _, _ in self.seen)
        assert set(statuses) <= {200, 202, 503}, statuses
        assert statuses[503] > 0, "the outage was never seen"
        assert all(retry and int(retry) > 0 for status, _, retry in self.seen if status == 503)
        slowest = max(seconds for _, seconds, _ in self.seen)
        assert slowest < QUICK, f"an answer took {slowest:.1f} s"
        return {"requests": len(self.seen), "503s": statuses[503], "slowest": round(slowest, 3)}


class Killer:
    """SIGKILLs the prefork child of each worker in turn while there is work left.

    A worker is left alone for ``rest`` seconds after its child was killed, so
    the replacement has warmed up and taken a task before it dies in its turn.
    """

    def __init__(self, chaos: Chaos, job_ids: list[str], rest: float = 3.0, most: int = 6):
        self.chaos, self.job_ids, self.rest, self.most = chaos, job_ids, rest, most
        self.kills: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        workers = self.chaos.stack.workers
        last = [0.0] * len(workers)
        turn = 0
        while not self.stop.wait(self.rest / len(workers)) and len(self.kills) < self.most:
            if self.job_ids and not _open_jobs(self.job_ids):  # empty: still being accepted
                return
            index = turn % len(workers)
            turn += 1
            children = self.chaos.stack.pool_pids(workers[index])
            if children and time.monotonic() - last[index] >= self.rest:
                os.kill(children[0], signal.SIGKILL)
                self.kills.append(children[0])
                last[index] = time.monotonic()

    def __enter__(self) -> Killer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


# -- the tests -----------------------------------------------------------------------------------


def test_workers_killed_during_a_burst_and_a_ranking_lose_and_duplicate_nothing(chaos):
    started = time.monotonic()
    job_ids: list[str] = []  # filled once accepted; the killer starts with the burst
    with Killer(chaos, job_ids) as killer:
        moves = _champion_moves(chaos)
        accepted = _accept_all(chaos, chaos.burst_ids)
        ranking = requests.post(
            chaos.url("/api/ml/rankings"),
            json={"kind": "pitcher", "eligibility": "all"},  # every pitcher: enough chunks
            headers=chaos.auth,
            timeout=15,
        )
        assert ranking.status_code == 202, ranking.text
        rank_job = ranking.json()["job_id"]
        job_ids.extend([*accepted.values(), rank_job])
        _wait_finished([*job_ids, *moves], timeout=150)
    elapsed = time.monotonic() - started

    assert len(killer.kills) >= 4, f"only {len(killer.kills)} worker processes were killed"
    logs = "".join(path.read_text() for path in chaos.stack.root.glob("test-*.log"))
    redelivered = logs.count("Task handler raised error: WorkerLostError")
    assert redelivered >= 2, "the kills never caught a task running"
    statuses = _statuses(chaos, job_ids)
    assert statuses == Counter({"succeeded": len(job_ids)}), statuses
    per_job = _predictions_per_job(list(accepted.values()))
    assert len(per_job) == BURST and set(per_job.values()) == {1}  # none lost, none twice

    result = requests.get(chaos.url(f"/api/ml/jobs/{rank_job}"), headers=chaos.auth).json()
    ranking_id = result["result"]["ranking_id"]
    with session_scope() as session:
        rows, distinct = session.execute(
            select(func.count(), func.count(func.distinct(RankingEntry.prospect_id))).where(
                RankingEntry.snapshot_id == ranking_id
            )
        ).one()
        today = datetime.now(UTC).date()
        pitchers = session.scalar(
            select(func.count())
            .select_from(Prospect)
            .where(Prospect.position.in_(PITCHERS), Prospect.signed_on <= today)
        )
        record = session.get(Job, rank_job)
        assert (record.state, record.result_ref) == ("succeeded", f"ranking:{ranking_id}")
    assert rows == distinct == result["result"]["total"] == pitchers

    lifecycle = _check_champion_moves(chaos, moves)
    chaos.figures["worker_kill"] = {
        **lifecycle,
        "predictions_accepted": BURST,
        "ranking_rows": rows,
        "jobs_succeeded": statuses["succeeded"],
        "jobs_lost": len(job_ids) - statuses["succeeded"],
        "duplicate_predictions": sum(n - 1 for n in per_job.values()),
        "duplicate_ranking_rows": rows - distinct,
        "processes_killed": len(killer.kills),
        "tasks_redelivered": redelivered,
        "seconds": round(elapsed, 1),
    }


def test_redis_down_is_a_quick_503_and_queued_jobs_survive_its_restart(chaos):
    chaos.stack.pause_workers()  # hold the next jobs in the queue, as a backlog would
    try:
        moves = _champion_moves(chaos)  # lost with the queue too: the sweep sends them again
        accepted = _accept_all(chaos, chaos.spare(20))
        pid = chaos.spare(1)[0]
        some_job = next(iter(accepted.values()))
        with Traffic(chaos, pid, some_job) as traffic:
            time.sleep(0.3)
            chaos.redis.stop()  # no persistence: the queue, the results and the job records go
            worst = _probe(
                chaos,
                ("post", "/api/ml/predict", chaos.body(pid), chaos.auth),
                ("get", f"/api/ml/jobs/{some_job}", None, chaos.auth),
                ("get", "/api/ml/prospects", None, chaos.auth),
                ("post", "/api/ml/rankings", {}, chaos.auth),
            )
            assert requests.get(chaos.url("/healthz"), timeout=5).status_code == 200
            time.sleep(1.0)
            chaos.redis.start()  # same port, empty
            time.sleep(1.0)
    finally:
        chaos.stack.resume_workers()
    during = traffic.check()

    _eventually_200(chaos, pid)  # nothing was restarted: the API and the workers reconnect
    swept = _sweep(chaos)  # what Beat does every minute: re-send what Redis lost
    _wait_finished(list(accepted.values()), timeout=60)
    statuses = _statuses(chaos, list(accepted.values()))
    assert statuses == Counter({"succeeded": len(accepted)}), (statuses, swept)
    per_job = _predictions_per_job(list(accepted.values()))
    assert set(per_job.values()) == {1} and len(per_job) == len(accepted)
    lifecycle = _check_champion_moves(chaos, moves)
    chaos.figures["redis_restart"] = {
        **lifecycle,
        "jobs_accepted_before": len(accepted),
        "jobs_resent_by_sweep": len(swept["requeued"]),
        "jobs_succeeded": statuses["succeeded"],
        "jobs_lost": len(accepted) - statuses["succeeded"],
        "duplicate_predictions": sum(n - 1 for n in per_job.values()),
        "slowest_503_seconds": round(worst, 3),
        "traffic_during_outage": during,
    }


def test_database_down_is_a_quick_503_and_jobs_in_flight_finish_after(chaos):
    chaos.stack.pause_workers()
    try:
        moves = _champion_moves(chaos)
        accepted = _accept_all(chaos, chaos.spare(10))
        pid = chaos.spare(1)[0]
        with Traffic(chaos, pid, next(iter(accepted.values()))) as traffic:
            time.sleep(0.3)
            chaos.postgres.stop()
            chaos.stack.resume_workers()  # they take the jobs and find the database gone
            worst = _probe(
                chaos,
                ("post", "/api/ml/predict", chaos.body(pid), chaos.auth),
                ("get", "/api/ml/prospects", None, chaos.auth),
                # A valid key no API process has cached: checking it needs the database.
                ("get", "/api/ml/prospects", None, chaos.unused_auth),
            )
            time.sleep(2)  # the workers' first retries fail too
            chaos.postgres.start()
            time.sleep(1.0)
    finally:
        chaos.stack.resume_workers()
        if not chaos.postgres.running:
            chaos.postgres.start()
    during = traffic.check()

    _eventually_200(chaos, pid)
    _wait_finished(list(accepted.values()), timeout=90)  # their retries now succeed
    statuses = _statuses(chaos, list(accepted.values()))
    assert statuses == Counter({"succeeded": len(accepted)}), statuses
    per_job = _predictions_per_job(list(accepted.values()))
    assert set(per_job.values()) == {1} and len(per_job) == len(accepted)
    lifecycle = _check_champion_moves(chaos, moves)
    chaos.figures["database_restart"] = {
        **lifecycle,
        "jobs_accepted_before": len(accepted),
        "jobs_succeeded": statuses["succeeded"],
        "jobs_lost": len(accepted) - statuses["succeeded"],
        "duplicate_predictions": sum(n - 1 for n in per_job.values()),
        "slowest_503_seconds": round(worst, 3),
        "traffic_during_outage": during,
    }


def test_a_worker_without_its_cached_model_or_mlflow_fails_clearly_then_recovers(chaos):
    client = chaos.stack.redis()
    chaos.gate.close()  # MLflow unreachable
    try:
        client.delete(alias_key("champion"))  # expired: only the registry could say which version
        warm = _eventually_200(chaos, chaos.spare(1)[0], timeout=10)  # the warm model serves on
        cached = client.keys(f"{PREFIX}:model:*")
        if cached:
            client.delete(*cached)  # the artifact cache entry is gone
        for worker in chaos.stack.workers:  # and so is every process's memory
            for pid in chaos.stack.pool_pids(worker):
                os.kill(pid, signal.SIGKILL)
        time.sleep(1.0)
        with requests.Session() as session:
            # The worker asks MLflow (a retry included) before it gives up: well within the wait.
            response, seconds = _timed(lambda: _predict(chaos, session, chaos.spare(1)[0], 20))
        _assert_unavailable(response, seconds, limit=10)
        assert response.json()["error"]["code"] == "model_unavailable"
        assert "registry" in response.json()["error"]["message"]
    finally:
        chaos.gate.open()
    answer = _eventually_200(chaos, chaos.spare(1)[0], timeout=30)
    assert answer["result"]["model"]["version"] >= 1
    assert warm["result"]["model"]["version"] == answer["result"]["model"]["version"]
    chaos.figures["model_unavailable"] = {
        "answer_seconds": round(seconds, 3),
        "status": response.status_code,
        "retry_after": response.headers["Retry-After"],
    }

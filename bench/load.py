"""Load test: many clients with their own API keys against the real stack, on loopback only.

    python bench/load.py                          # 50 clients, 60 s, 30/minute per user
    python bench/load.py --clients 20 --seconds 30 --workdir var/bench-load --json

The stack is what production runs, on this machine: gunicorn with 4 gthread
workers, one ``celery worker -c 2`` (two pool processes), a private
redis-server on a free port, the league in SQLite. Each client takes turns:
``POST /api/ml/predict`` for a prospect no other request asked for (a cache
miss, a real job), then one poll of its oldest unfinished job, pausing
``--think-ms`` between requests. It does not wait for its jobs before asking
for more and does not honour Retry-After, so every user runs into the limit
and keeps knocking: the worst case for the limiter. Every request opens a new
connection, so one user's requests land on all four API processes.

Figures: requests per second, p50/p95/p99 per kind of request, job latency
from the durable records (accepted to result, queueing included) and how
long the queue took to drain after the run, the status breakdown, and the
per-user limit: per user and window (told by ``X-RateLimit-Reset``),
accepted predictions must equal the limit wherever a 429 was answered and
never exceed it, no 429 may come before the limit was used up, and
``X-RateLimit-Remaining`` must count down without repeats.

Bounded: at most 200 clients, 600 seconds and ``--max-requests`` requests;
the drain is given at most 600 seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' live-stack harness, shared with bench/

from cli.up.commands import api_command, worker_command  # noqa: E402
from tests.servers import RedisServer, free_port  # noqa: E402
from tests.stack import stack_env  # noqa: E402

ACCESS_FORMAT = "%(p)s %({x-load-client}i)s %(s)s"  # API process, client, status
MAX_CLIENTS, MAX_SECONDS = 200, 600


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))], 2)


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "p99_ms": percentile(values, 99),
        "mean_ms": round(statistics.fmean(values), 2) if values else None,
    }


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up in {timeout} s")


def prepare(n_prospects: int, n_users: int) -> tuple[list[str], list[int]]:
    """Seed a league and a champion unless the workdir has them; one key per client."""
    from sqlalchemy import select

    from prospects.apikeys import create_key
    from prospects.db.models import Prospect
    from prospects.db.session import init_db, session_scope
    from prospects.league.generator import generate_league, league_is_empty
    from prospects.lifecycle.service import train_and_register
    from prospects.training.model import TrainParams

    init_db()
    with session_scope() as session:
        empty = league_is_empty(session)
    if empty:
        with session_scope() as session:
            generate_league(
                session, n_prospects=n_prospects, first_season=2008, last_season=2026, seed=7
            )
        # The model's quality is beside the point here; a small one trains in seconds.
        train_and_register(TrainParams(n_estimators=120, early_stopping_rounds=20))
    run = f"{int(time.time())}"
    with session_scope() as session:
        keys = [create_key(session, f"load-{run}-{i}", "analyst")[0] for i in range(n_users)]
        ids = list(session.scalars(select(Prospect.id)))
    random.Random(1).shuffle(ids)
    return keys, ids


@dataclass
class Sample:
    """One response as a client saw it."""

    kind: str  # predict | poll
    status: int
    ms: float
    at: float  # monotonic seconds when the response arrived
    reset: int | None = None  # X-RateLimit-Reset: which window of the user's limit
    remaining: int | None = None


@dataclass
class Client:
    """One user: its key, its own prospects, what it saw."""

    number: int
    key: str
    prospects: list[int]
    samples: list[Sample] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)  # every job accepted (202)
    done: int = 0  # of which this client saw finish

    @property
    def open(self) -> list[str]:
        return self.jobs[self.done :]

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.key}",
            "Connection": "close",  # a new connection each time: any API process may answer
            "X-Load-Client": str(self.number),
        }


def _call(
    client: Client, method: str, url: str, kind: str, **kwargs: Any
) -> requests.Response | None:
    """One request on a new connection, recorded; None (recorded as status 0) if it failed."""
    started = time.perf_counter()
    try:
        response = requests.request(method, url, headers=client.headers(), timeout=30, **kwargs)
    except requests.RequestException:
        elapsed = (time.perf_counter() - started) * 1000
        client.samples.append(Sample(kind, 0, elapsed, time.monotonic()))
        return None
    reset = response.headers.get("X-RateLimit-Reset")
    remaining = response.headers.get("X-RateLimit-Remaining")
    client.samples.append(
        Sample(
            kind,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            time.monotonic(),
            int(reset) if reset else None,
            int(remaining) if remaining else None,
        )
    )
    return response


def run_client(
    client: Client, base: str, stop_at: float, budget: list[int], lock: threading.Lock, think: float
) -> None:
    """Ask for a prediction, then poll the oldest job still open, by turns; pause ``think`` s.

    Predictions go on while earlier jobs run, so the client reaches its limit
    and hears 429 for the rest of the window, as an impatient client would.
    """
    index = 0
    while time.monotonic() < stop_at:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        if index % 2 == 0:
            pid = client.prospects[(index // 2) % len(client.prospects)]
            body = {"prospect_id": pid}
            response = _call(client, "POST", f"{base}/api/ml/predict", "predict", json=body)
            if response is not None and response.status_code == 202:
                client.jobs.append(response.json()["job_id"])
        elif client.open:
            job_id = client.open[0]
            polled = _call(client, "GET", f"{base}/api/ml/jobs/{job_id}", "poll")
            if polled is not None and polled.status_code == 200:
                if polled.json()["status"] in ("succeeded", "failed"):
                    client.done += 1
        index += 1
        time.sleep(think)


def check_limit(client: Client, limit: int) -> dict[str, Any]:
    """Per window of this user's limit: accepted ≤ limit, == limit once a 429 came, none early."""
    windows: dict[int, list[Sample]] = defaultdict(list)
    anchors: list[int] = []
    for sample in (s for s in client.samples if s.kind == "predict"):
        if sample.reset is None:
            continue
        # X-RateLimit-Reset is rounded up from a TTL in whole seconds: ±1 s between requests.
        anchor = next((a for a in anchors if abs(a - sample.reset) <= 2), None)
        if anchor is None:
            anchor = sample.reset
            anchors.append(anchor)
        windows[anchor].append(sample)
    problems, saturated = [], 0
    for anchor, samples in windows.items():
        samples.sort(key=lambda s: s.at)
        accepted = [s for s in samples if s.status in (200, 202)]
        refused = [s for s in samples if s.status == 429]
        if len(accepted) > limit:
            problems.append(f"window {anchor}: {len(accepted)} accepted > {limit}")
        if refused:
            saturated += 1
            if len(accepted) != limit:
                problems.append(f"window {anchor}: 429 after only {len(accepted)} accepted")
            first_refusal = refused[0].at
            if sum(1 for s in accepted if s.at < first_refusal) != limit:
                problems.append(f"window {anchor}: a 429 came before the limit was used up")
        if sorted(s.remaining for s in accepted) != list(range(limit - len(accepted), limit)):
            problems.append(f"window {anchor}: X-RateLimit-Remaining repeats or skips")
    return {"windows": len(windows), "saturated": saturated, "problems": problems}


def api_processes_per_client(access_log: Path) -> dict[str, set[str]]:
    """Which gunicorn processes answered each client (from the access log)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for line in access_log.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            seen[parts[1]].add(parts[0])
    return seen


def wait_for_jobs(job_ids: list[str], timeout: float) -> Counter:
    """The final state of every accepted job, from the durable job records."""
    from sqlalchemy import select

    from prospects.db.models import Job
    from prospects.db.session import session_scope

    deadline = time.monotonic() + timeout
    while True:
        states: Counter = Counter()
        with session_scope() as session:
            for i in range(0, len(job_ids), 500):
                chunk = job_ids[i : i + 500]
                states.update(session.scalars(select(Job.state).where(Job.id.in_(chunk))))
        states["missing"] = len(job_ids) - sum(states.values())
        if states["queued"] + states["running"] == 0 or time.monotonic() > deadline:
            return +states
        time.sleep(1)


def job_latencies(job_ids: list[str]) -> list[float]:
    """Milliseconds from each job's record to its result, as the server wrote them down."""
    from sqlalchemy import select

    from prospects.db.models import Job
    from prospects.db.session import session_scope
    from prospects.jobrecords.records import aware

    found: list[float] = []
    with session_scope() as session:
        for i in range(0, len(job_ids), 500):
            rows = session.execute(
                select(Job.created_at, Job.finished_at).where(
                    Job.id.in_(job_ids[i : i + 500]), Job.finished_at.is_not(None)
                )
            ).all()
            found += [(aware(end) - aware(start)).total_seconds() * 1000 for start, end in rows]
    return found


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--limit", default="30/minute", help="per-user predict limit, N/minute")
    parser.add_argument("--max-requests", type=int, default=300_000)
    parser.add_argument("--think-ms", type=float, default=100.0, help="pause between requests")
    parser.add_argument("--prospects", type=int, default=3000)
    parser.add_argument("--workdir", type=Path, help="reuse a league + registry from a folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--clients must be 1..{MAX_CLIENTS} and --seconds 1..{MAX_SECONDS}")
    amount, _, per = args.limit.partition("/")
    if not amount.isdigit() or int(amount) < 1 or per != "minute":
        parser.error("--limit must look like 30/minute")
    return args


def environment(workdir: Path, redis_url: str, limit: str) -> dict[str, str]:
    return {
        **os.environ,
        **stack_env(workdir, redis_url, model_name="load-test"),
        "CALLUP_PREDICT_RATE_LIMIT": limit,
        "CALLUP_POLL_RATE_LIMIT": "1000000/minute",  # only the predict limit is under test
        "CALLUP_DEFAULT_RATE_LIMIT": "1000000/minute",
        "CALLUP_TASK_EVENTS": "0",
    }


def start_servers(env: dict[str, str], workdir: Path, api_port: int) -> list[subprocess.Popen]:
    """The worker (two pool processes) and the API (four gunicorn processes), on loopback."""
    worker = worker_command(concurrency=2, loglevel="WARNING", node="load@localhost")
    api = api_command(f"127.0.0.1:{api_port}", workers=4, threads=8)
    api += ["--access-logfile", str(workdir / "access.log"), "--access-logformat", ACCESS_FORMAT]
    return [
        start(worker, env, workdir / "worker.log"),
        start(api, env, workdir / "api.log"),
    ]


def warm_up(base: str, client: Client) -> None:
    """One prediction end to end, so the run starts with a worker up and the model loaded."""
    body = {"prospect_id": client.prospects[0]}
    response = _call(client, "POST", f"{base}/api/ml/predict", "predict", json=body)
    if response is None or response.status_code != 202:
        return
    url = f"{base}/api/ml/jobs/{response.json()['job_id']}"
    wait_until(
        lambda: (
            requests.get(url, headers=client.headers(), timeout=5).json()["status"] == "succeeded"
        ),
        120,
        "the first prediction",
    )


def run_load(
    base: str, clients: list[Client], seconds: float, max_requests: int, think: float
) -> float:
    """Every client in its own thread until the time or the request budget runs out."""
    budget, lock = [max_requests], threading.Lock()
    started = time.monotonic()
    threads = [
        threading.Thread(target=run_client, args=(c, base, started + seconds, budget, lock, think))
        for c in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def main() -> None:
    args = parse_args()
    limit = int(args.limit.partition("/")[0])
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="callup-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    redis_server, api_port = RedisServer(), free_port()
    env = environment(workdir, redis_server.url, args.limit)
    redis_server.start()
    procs: list[subprocess.Popen] = []
    try:
        os.environ.update(env)
        keys, ids = prepare(args.prospects, args.clients + 1)
        (workdir / "access.log").write_text("")
        procs += start_servers(env, workdir, api_port)
        base = f"http://127.0.0.1:{api_port}"
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=1).ok, 60, "the API")
        warm_up(base, Client(-1, keys[-1], ids[-5:]))
        pool = ids[:-5]
        clients = [Client(n, keys[n], pool[n :: args.clients]) for n in range(args.clients)]
        elapsed = run_load(base, clients, args.seconds, args.max_requests, args.think_ms / 1000)
        accepted = [job for c in clients for job in c.jobs]
        drain_started = time.monotonic()
        states = wait_for_jobs(accepted, timeout=600)  # the queue the burst left behind
        drain = time.monotonic() - drain_started
        latencies = job_latencies(accepted)
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        redis_server.stop()

    report = build_report(args, limit, clients, elapsed, accepted, states, workdir / "access.log")
    report["jobs"]["drain_seconds_after_run"] = round(drain, 1)
    report["latency"]["job_record_to_result"] = summary(latencies)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)


def build_report(
    args: argparse.Namespace,
    limit: int,
    clients: list[Client],
    elapsed: float,
    accepted: list[str],
    states: Counter,
    access_log: Path,
) -> dict[str, Any]:
    """Everything the run measured, as one JSON-friendly mapping."""
    samples = [s for c in clients for s in c.samples]
    statuses = Counter(f"{s.kind} {s.status}" for s in samples)
    checks = [check_limit(c, limit) for c in clients]
    spread = api_processes_per_client(access_log)
    per_client = [len(spread.get(str(c.number), ())) for c in clients]
    unexpected = {k: v for k, v in statuses.items() if k.split()[1] not in ("200", "202", "429")}
    return {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "limit": args.limit,
        "requests": len(samples),
        "requests_per_second": round(len(samples) / elapsed, 1),
        "statuses": dict(sorted(statuses.items())),
        "unexpected_statuses": unexpected,
        "latency": {
            "all": summary([s.ms for s in samples]),
            "predict_accepted_202": summary(
                [s.ms for s in samples if s.kind == "predict" and s.status == 202]
            ),
            "predict_refused_429": summary([s.ms for s in samples if s.status == 429]),
            "poll": summary([s.ms for s in samples if s.kind == "poll"]),
        },
        "jobs": {
            "accepted": len(accepted),
            "states_after_run": dict(states),
            "lost": len(accepted) - states.get("succeeded", 0),
        },
        "rate_limit": {
            "windows": sum(c["windows"] for c in checks),
            "windows_at_the_limit": sum(c["saturated"] for c in checks),
            "held_exactly": not any(c["problems"] for c in checks),
            "problems": [p for c in checks for p in c["problems"]][:20],
            "api_processes_per_user": {
                "min": min(per_client, default=0),
                "max": max(per_client, default=0),
            },
        },
    }


def print_report(report: dict[str, Any]) -> None:
    print(
        f"{report['clients']} clients, {report['seconds']} s, limit {report['limit']} per user: "
        f"{report['requests']} requests, {report['requests_per_second']} req/s"
    )
    print(f"{'':24}{'n':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, row in report["latency"].items():
        print(f"{name:24}{row['n']:>8}{row['p50_ms']!s:>9}{row['p95_ms']!s:>9}{row['p99_ms']!s:>9}")
    print("statuses:", ", ".join(f"{k}: {v}" for k, v in report["statuses"].items()))
    jobs = report["jobs"]
    print(f"jobs accepted {jobs['accepted']}, then {jobs['states_after_run']}, lost {jobs['lost']}")
    limit = report["rate_limit"]
    spread = limit["api_processes_per_user"]
    print(
        f"rate limit: {limit['windows']} user-windows, {limit['windows_at_the_limit']} at the "
        f"limit, held exactly: {limit['held_exactly']}; each user answered by "
        f"{spread['min']}-{spread['max']} API processes"
    )
    for problem in limit["problems"]:
        print("  ", problem)


if __name__ == "__main__":
    main()

"""Benchmark the prediction hot path: the real API + a real worker against an in-process baseline.

Both run under the same gunicorn settings on this machine. Figures:

* explained cache-miss latency (sync wait, one client): p50 / p99, queue vs baseline;
* sustained predictions per second with several concurrent clients, both, every request a
  cache miss (the bench deletes the prospect's cached answer before each queued request);
  and, labelled apart, the queue's figure with the cache emptied only once (past the first
  pass through the league's prospects, mostly cache hits: the mixed figure);
* cache-hit latency p50 (the API answers from Redis without a job), with the caller's
  predict-limit window kept at the product limit's size (10 entries) as a user within it
  holds, against ``GET /healthz``;
* the explained single-row compute floor: one row's exact contributions (which
  give its probability) on one thread, in this process, features already built,
  the champion as a worker holds it: what no cache miss can go below;
* what the interval and comparable players add to a queued answer, end to end: a second
  API and predict worker (``bench/lean_worker.py``: the same worker code, its answers
  without interval members and comparable players) on a Redis database of their own,
  same league, same champion; the explained cache-miss p50 with and without them, in the
  same run, requests interleaved with the others;
* the same in process: ``score`` with and without them, alternating row by row.

Requests to the servers are interleaved (the order rotating from one prospect to the next)
so machine noise hits them alike. Usage: ``python bench/predict.py [--prospects 3000]
[--requests 400] [--clients 4] [--worker-concurrency 2] [--workdir DIR] [--json]``.
"""

from __future__ import annotations

import argparse
import http.client
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
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the live-stack builders callup up and the tests use

from cli.up.commands import api_command, worker_command  # noqa: E402
from cli.up.redis_local import free_port  # noqa: E402

REDIS_DB = 15
API_WORKERS, API_THREADS = 2, 4  # gunicorn gthread: 2 processes of 4 threads, both APIs alike


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def prepare(workdir: Path, n_prospects: int, env: dict[str, str]) -> None:
    """Seed a league and train a champion with the product defaults (unless already there)."""
    os.environ.update(env)
    from prospects.db.session import init_db, session_scope
    from prospects.league.generator import generate_league, league_is_empty
    from prospects.lifecycle.service import train_and_register

    init_db()
    with session_scope() as session:
        empty = league_is_empty(session)
    if empty:
        with session_scope() as session:
            generate_league(
                session, n_prospects=n_prospects, first_season=2008, last_season=2026, seed=7
            )
        outcome = train_and_register()
        print(
            f"trained champion v{outcome.registration.version} "
            f"({outcome.result.best_iteration + 1} trees)",
            file=sys.stderr,
        )


def compute_floor(ids: list[int], n: int = 300) -> dict:
    """One row's exact contributions at a time, as a worker computes them: p50 / mean, in ms."""
    from datetime import date

    from prospects import registry
    from prospects.db.session import session_scope
    from prospects.features.build import build_features
    from prospects.features.context import LeagueContext
    from prospects.features.data import load_league
    from prospects.serving.explain import contributions
    from prospects.serving.loaded import LoadedModel
    from prospects.serving.scoring import feature_matrix

    mlflow = registry.client()
    champion = registry.get_alias(mlflow, registry.CHAMPION)
    raw = registry.fetch_model_bytes(mlflow, champion)
    model = LoadedModel.from_bytes(champion.name, champion.version, raw, registry.digest(raw))
    as_of = date.today()
    with session_scope() as session:
        data = load_league(session, as_of=as_of)
    features = build_features(data, as_of, context=LeagueContext.build(data, as_of))
    X = feature_matrix(model, features.loc[[i for i in ids if i in features.index][:n]])
    for row in X[:20]:  # warm-up
        contributions(model, row[None, :])
    times = []
    for row in X:
        started = time.perf_counter()
        contributions(model, row[None, :])
        times.append((time.perf_counter() - started) * 1000)
    return {
        "rows": len(times),
        "trees": model.booster.num_boosted_rounds(),
        "p50_ms": round(statistics.median(times), 3),
        "mean_ms": round(statistics.fmean(times), 3),
    }


def answer_cost(ids: list[int], n: int = 200) -> dict:
    """One prospect's whole scored answer (``score``), with and without its interval and
    comparable players, alternating row by row in this process: what those two add.

    "Without" serves the same booster with no interval members and no context (so no
    comparables); the SHAP pass, concept points and narrative are in both.
    """
    from dataclasses import replace
    from datetime import date

    from prospects import registry
    from prospects.db.session import session_scope
    from prospects.features.build import build_features
    from prospects.features.context import LeagueContext
    from prospects.features.data import load_league
    from prospects.serving.loaded import LoadedModel
    from prospects.serving.scoring import evidence, score

    mlflow = registry.client()
    champion = registry.get_alias(mlflow, registry.CHAMPION)
    raw = registry.fetch_model_bytes(mlflow, champion)
    full = LoadedModel.from_bytes(champion.name, champion.version, raw, registry.digest(raw))
    bare = replace(full, ensemble=None)
    as_of = date.today()
    with session_scope() as session:
        data = load_league(session, as_of=as_of)
    context = LeagueContext.build(data, as_of)
    features = build_features(data, as_of, context=context)
    people = evidence(data)
    rows = [i for i in ids if i in features.index][:n]
    times: dict[str, list[float]] = {"with": [], "without": []}
    for k, pid in enumerate(rows):
        one = features.loc[[pid]]
        runs = (("with", full, context), ("without", bare, None))
        for name, model, ctx in runs if k % 2 else runs[::-1]:
            started = time.perf_counter()
            score(model, one, people, as_of, "bench", context=ctx)
            times[name].append((time.perf_counter() - started) * 1000)
    p50 = {name: statistics.median(values) for name, values in times.items()}
    return {
        "rows": len(rows),
        "members": 0 if full.ensemble is None else len(full.ensemble.members),
        "with_p50_ms": round(p50["with"], 3),
        "without_p50_ms": round(p50["without"], 3),
        "added_p50_ms": round(p50["with"] - p50["without"], 3),
    }


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_http(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
        finally:
            conn.close()
    raise RuntimeError(f"port {port} did not come up")


class Client:
    """One keep-alive HTTP/1.1 connection (``http.client``), reopened if the server drops it.

    The standard library's client, not ``requests``: that one adds about 0.8 ms
    of its own per request on this machine (more than a cache hit costs the
    server), which would be measured as the service's latency.
    """

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.body = b""  # the last response's body

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                self.body = response.read()
                return response.status
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


class Target:
    """One server under test and how to ask it for a sync prediction."""

    def __init__(self, name: str, port: int, path: str, headers: dict[str, str]):
        self.name, self.port, self.path = name, port, path
        self.headers = {**headers, "Content-Type": "application/json"}

    def client(self) -> Client:
        return Client(self.port)

    def call(self, client: Client, prospect_id: int) -> tuple[float, int]:
        body = json.dumps({"prospect_id": prospect_id}).encode()
        started = time.perf_counter()
        status = client.request("POST", self.path, body, self.headers)
        return (time.perf_counter() - started) * 1000, status


def lean_answer_check(api: Target, lean: Target, prospect_id: int) -> dict:
    """One prospect's answer from each stack: the lean one must differ only by the interval
    and the comparables (same probability, same groups), or the comparison means nothing."""
    answers = []
    for target in (api, lean):
        conn = target.client()
        conn.conn.request(
            "POST",
            target.path,
            body=json.dumps({"prospect_id": prospect_id}).encode(),
            headers=target.headers,
        )
        answers.append(json.loads(conn.conn.getresponse().read())["result"])
        conn.close()
    full, bare = answers
    same = all(full[k] == bare[k] for k in ("probability", "groups", "contributions"))
    if not same or bare["interval"] is not None or bare["comparables"]:
        raise RuntimeError(f"the lean stack's answer is not the full one less two parts: {bare}")
    return {
        "prospect_id": prospect_id,
        "probability": full["probability"],
        "with": {"interval": full["interval"], "comparables": len(full["comparables"])},
        "without": {"interval": None, "comparables": 0},
    }


def clear_prediction_cache(client: redis.Redis) -> None:
    keys = list(client.scan_iter("callup:pred:*", count=1000))
    if keys:
        client.delete(*keys)


def sequential(targets: list[Target], ids: list[int], caches: list[redis.Redis]) -> dict:
    """Interleaved single-client cache-miss latencies: every target answers every prospect,
    the order rotating from one prospect to the next, each cache emptied before."""
    lat: dict[str, list[float]] = {t.name: [] for t in targets}
    bad = {t.name: 0 for t in targets}
    conns = [t.client() for t in targets]
    for k, pid in enumerate(ids):
        for cache in caches:
            clear_prediction_cache(cache)
        shift = k % len(targets)
        for target, conn in (
            list(zip(targets, conns, strict=True))[shift:]
            + list(zip(targets, conns, strict=True))[:shift]
        ):
            ms, status = target.call(conn, pid)
            if status == 200:
                lat[target.name].append(ms)
            else:
                bad[target.name] += 1
    for conn in conns:
        conn.close()
    return {name: summary(values, bad[name]) for name, values in lat.items()}


def sibling_db(url: str) -> str:
    """The same Redis server's database just below ``url``'s (15 -> 14): the lean stack's."""
    head, _, db = url.rpartition("/")
    number = int(db) if db.isdigit() else 0
    return f"{head}/{(number - 1) % 16}"


def summary(values: list[float], errors: int = 0) -> dict:
    return {
        "n": len(values),
        "errors": errors,
        "p50_ms": round(statistics.median(values), 2) if values else None,
        "p99_ms": round(percentile(values, 99), 2) if values else None,
        "mean_ms": round(statistics.fmean(values), 2) if values else None,
    }


class AnswerForgetter:
    """Deletes one prospect's cached answer, the way a cache miss finds it: absent.

    The key is the one the worker stores and the API reads: the champion's for today,
    with the model and data versions of ``known``'s cached answer (the hit phase leaves
    it; the published aliases expire and are refreshed, so they are not read here). Only
    answers go, not the data version, so the day stays materialized.
    """

    def __init__(self, client: redis.Redis, as_of, known: int):
        from prospects.jobs import prediction_cache_key_frame

        head, _, tail = prediction_cache_key_frame(as_of, known)
        keys = [k.decode() for k in client.scan_iter(f"{head}*{tail}", count=1000)]
        if len(keys) != 1:
            raise RuntimeError(f"expected one cached answer for prospect {known}: {keys}")
        self.versions = keys[0][len(head) : -len(tail)]  # model version, ":", data version
        self.client, self.as_of = client, as_of

    def __call__(self, prospect_id: int) -> None:
        from prospects.jobs import prediction_cache_key_frame

        head, _, tail = prediction_cache_key_frame(self.as_of, prospect_id)
        self.client.delete(f"{head}{self.versions}{tail}")


def concurrent(
    target: Target,
    ids: list[int],
    clients: int,
    seconds: float,
    before_each=None,
) -> dict:
    """``clients`` threads hammering distinct prospects for ``seconds``.

    ``before_each(prospect_id)``, when given, runs in the client's thread before each
    request, outside its latency but inside the elapsed time the rate is taken over:
    the bench deletes the prospect's cached answer with it (every queued request a
    miss) and runs the same deletion before the baseline's requests, so both sides'
    clients do the same work. Without it the cache is emptied once, before: past the
    first pass through ``ids`` the queued API answers from its cache. ``cached`` counts
    the answers that said they came from the cache.
    """
    lat: list[float] = []
    errors, cached = [0], [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run(offset: int) -> None:
        conn = target.client()
        i = offset
        while time.monotonic() < stop:
            pid = ids[i % len(ids)]
            if before_each is not None:
                before_each(pid)
            ms, status = target.call(conn, pid)
            hit = b'"cached":true' in conn.body
            with lock:
                if status == 200:
                    lat.append(ms)
                    cached[0] += hit
                else:
                    errors[0] += 1
            i += clients
        conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        **summary(lat, errors[0]),
        "per_second": round(len(lat) / elapsed, 1),
        "cached_answers": cached[0],
    }


WINDOW_ENTRIES = 10  # the product's predict limit is 10/minute: a user within it holds 10


def predict_windows(client: redis.Redis) -> list[bytes]:
    """The predict limit's moving-window lists (flask-limiter's storage, prefix ``LIMITS``)."""
    return [k for k in client.scan_iter("LIMITS*", count=1000) if client.type(k) == b"list"]


def cache_hits(api: Target, pid: int, n: int, client: redis.Redis) -> dict:
    """``n`` cache hits for one prospect, the caller's predict-limit window trimmed to the
    product limit's size before each (untimed).

    The bench raises the limit to 1,000,000/minute so that it never refuses; the moving
    window keeps one entry per request up to the limit, and reading it is O(entries):
    untrimmed, by this phase the list holds every request of the run, and the hit would
    measure that (about 2 ms on a loaded 2-core machine, docs/serving.md), not what a user
    within the product's 10/minute pays. The product's code is unchanged.
    """
    conn = api.client()
    api.call(conn, pid)  # make sure it is cached
    windows = predict_windows(client)
    if not windows:
        raise RuntimeError("no predict-limit window found in Redis: the trim would measure nothing")
    values = []
    for _ in range(n):
        for window in windows:
            client.ltrim(window, 0, WINDOW_ENTRIES - 1)
        ms, status = api.call(conn, pid)
        if status != 200 or b'"cached":true' not in conn.body:
            raise RuntimeError(f"not a cache hit: {status} {conn.body[:200]!r}")
        values.append(ms)
    conn.close()
    return {**summary(values), "window_entries": WINDOW_ENTRIES, "windows": len(windows)}


def http_floor(port: int, n: int) -> dict:
    """``GET /healthz`` (no I/O): what HTTP, gunicorn and Flask cost before any work."""
    conn = Client(port)
    values = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", "/healthz", None, {})
        values.append((time.perf_counter() - started) * 1000)
    conn.close()
    return summary(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prospects", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--worker-concurrency", type=int, default=2, help="predict worker -c")
    parser.add_argument(
        "--database-url", help="league database (default: SQLite in the workdir), e.g. PostgreSQL"
    )
    parser.add_argument("--workdir", type=Path, help="reuse a league + registry from a folder")
    parser.add_argument(
        "--redis-url",
        default=f"redis://127.0.0.1:6379/{REDIS_DB}",
        help="a Redis database of its own (it is flushed)",
    )
    parser.add_argument(
        "--lean-redis-url",
        help="the stack without interval and comparables: a Redis database of its own "
        "(flushed; default: the database below --redis-url's)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="callup-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'callup.db'}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}",
        "MLFLOW_ARTIFACT_ROOT": (workdir / "mlartifacts").as_uri(),
        "CALLUP_VAR_DIR": str(workdir / "var"),
        "REDIS_URL": args.redis_url,
        "CALLUP_PREDICT_RATE_LIMIT": "1000000/minute",
        "CALLUP_POLL_RATE_LIMIT": "1000000/minute",
        "CALLUP_DEFAULT_RATE_LIMIT": "1000000/minute",
        # Every client may wait (Prefer: wait) on either API process: with the product's
        # cap (2 waits per user per process), 4 clients got 202s instead of answers.
        "CALLUP_MAX_WAITERS": os.environ.get("CALLUP_MAX_WAITERS", str(args.clients)),
        "CALLUP_MAX_WAITERS_PER_USER": os.environ.get(
            "CALLUP_MAX_WAITERS_PER_USER", str(args.clients)
        ),
    }
    lean_url = args.lean_redis_url or sibling_db(args.redis_url)
    if lean_url == args.redis_url:
        parser.error("--lean-redis-url must name another Redis database than --redis-url")
    prepare(workdir, args.prospects, env)
    client = redis.Redis.from_url(env["REDIS_URL"])
    client.flushdb()
    lean_client = redis.Redis.from_url(lean_url)
    lean_client.flushdb()

    from datetime import UTC, datetime

    from prospects.apikeys import create_key
    from prospects.db.session import session_scope
    from prospects.eligibility import eligible_ids
    from prospects.features.data import load_league

    today = datetime.now(UTC).date()
    with session_scope() as session:
        key, _ = create_key(session, f"bench-{int(time.time())}", "analyst")
        # Prospects only: anyone else is answered without features or SHAP, which is not
        # the explained prediction this benchmark measures.
        ids = [int(i) for i in eligible_ids(load_league(session, as_of=today), today)]
    random.Random(1).shuffle(ids)
    if len(ids) < 40 + args.requests:
        args.requests = max(len(ids) - 40, 10)
        print(f"(only {len(ids)} prospects: {args.requests} cache-miss requests)", file=sys.stderr)
    compute = compute_floor(ids)
    interval_cost = answer_cost(ids)

    api_port, lean_port, base_port = free_port(), free_port(), free_port()
    worker = worker_command(
        queues="predict",
        concurrency=args.worker_concurrency,
        node="bench@localhost",
        loglevel="WARNING",
    )
    # The lean worker is the same command run through bench/lean_worker.py instead of
    # ``python -m celery`` (it takes the interval and comparables away, then starts Celery).
    lean_worker = [sys.executable, str(ROOT / "bench" / "lean_worker.py"), *worker[3:]]
    lean_worker[lean_worker.index("-n") + 1] = "bench-lean@localhost"
    lean_env = {**env, "REDIS_URL": lean_url}
    baseline_api = api_command(f"127.0.0.1:{base_port}", workers=API_WORKERS, threads=API_THREADS)
    baseline_api[baseline_api.index("app:create_app()")] = "baseline_app:create_app()"
    baseline_api += ["--pythonpath", str(ROOT / "bench")]
    procs = [
        # Without task events, as docker-compose's predict-worker runs.
        start(worker, {**env, "CALLUP_TASK_EVENTS": "0"}, workdir / "worker.log"),
        start(lean_worker, {**lean_env, "CALLUP_TASK_EVENTS": "0"}, workdir / "lean-worker.log"),
        *(
            start(
                api_command(f"127.0.0.1:{port}", workers=API_WORKERS, threads=API_THREADS),
                stack_env,
                workdir / log,
            )
            for port, stack_env, log in (
                (api_port, env, "api.log"),
                (lean_port, lean_env, "lean-api.log"),
            )
        ),
        start(baseline_api, env, workdir / "baseline.log"),
    ]
    try:
        wait_http(api_port, "/healthz")
        wait_http(lean_port, "/healthz")
        wait_http(base_port, "/")
        queued = {"Authorization": f"Bearer {key}", "Prefer": "wait=30"}
        api = Target("queue", api_port, "/api/ml/predict", queued)
        lean = Target("queue_lean", lean_port, "/api/ml/predict", queued)
        base = Target("baseline", base_port, "/baseline/predict", {})
        targets, caches = [api, lean, base], [client, lean_client]
        sequential(targets, ids[:40], caches)  # warm-up: models, contexts, connections
        seq = sequential(targets, ids[40 : 40 + args.requests], caches)
        lean_check = lean_answer_check(api, lean, ids[0])
        # Single-client figures first, then the concurrent runs (which leave backlogs behind).
        hits = cache_hits(api, ids[0], 1000, client)
        floor = http_floor(api_port, 1000)
        forget = AnswerForgetter(client, today, ids[0])
        clear_prediction_cache(client)
        conc_base = concurrent(base, ids, args.clients, args.seconds, before_each=forget)
        clear_prediction_cache(client)
        conc_api = concurrent(api, ids, args.clients, args.seconds, before_each=forget)
        clear_prediction_cache(client)
        conc_mixed = concurrent(api, ids, args.clients, args.seconds)
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
        client.flushdb()
        lean_client.flushdb()

    with_p50, without_p50 = seq["queue"]["p50_ms"], seq["queue_lean"]["p50_ms"]
    report = {
        "prospects": len(ids),
        "cache_miss_requests": args.requests,
        "worker_concurrency": args.worker_concurrency,
        "cache_miss_single_client": seq,
        "ratio_p50": round(seq["queue"]["p50_ms"] / seq["baseline"]["p50_ms"], 3),
        "ratio_p99": round(seq["queue"]["p99_ms"] / seq["baseline"]["p99_ms"], 3),
        f"concurrent_{args.clients}_clients": {
            "queue": conc_api,
            "baseline": conc_base,
            "queue_mixed_cache_emptied_once": conc_mixed,
        },
        "cache_hit": hits,
        "http_floor_healthz": floor,
        "explained_compute_floor_one_row": compute,
        "targets": {
            "cache_miss_p50_per_compute_floor": round(
                seq["queue"]["p50_ms"] / compute["p50_ms"], 2
            ),
            "queued_per_baseline_per_second_all_misses": round(
                conc_api["per_second"] / conc_base["per_second"], 3
            ),
            "queued_mixed_per_baseline_per_second": round(
                conc_mixed["per_second"] / conc_base["per_second"], 3
            ),
            "cache_hit_p50_per_healthz_p50": round(hits["p50_ms"] / floor["p50_ms"], 3),
        },
        "answer_with_and_without_interval_and_comparables": interval_cost,
        "queued_with_and_without_interval_and_comparables": {
            "with_p50_ms": with_p50,
            "without_p50_ms": without_p50,
            "added_p50_ms": round(with_p50 - without_p50, 2),
            "ratio_p50": round(with_p50 / without_p50, 3),
            "answers": lean_check,
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"league: {len(ids)} prospects; gunicorn -w {API_WORKERS} --threads {API_THREADS}; "
        f"worker -Q predict -c {args.worker_concurrency} (prefork, no task events)"
    )
    print(f"{'':28}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>8}")
    for name in ("queue", "queue_lean", "baseline"):
        row = seq[name]
        print(f"cache miss, 1 client {name:>10}{row['p50_ms']:>6}{row['p99_ms']:>9}")
    for name, row in (("queue", conc_api), ("baseline", conc_base), ("queue mixed", conc_mixed)):
        print(
            f"{args.clients} clients {name:>17}{row['p50_ms']:>9}{row['p99_ms']:>9}"
            f"{row['per_second']:>8}  ({row['cached_answers']} from cache)"
        )
    print(f"cache hit (queue API){'':7}{hits['p50_ms']:>9}{hits['p99_ms']:>9}")
    print(f"GET /healthz (HTTP floor){'':3}{floor['p50_ms']:>9}{floor['p99_ms']:>9}")
    print(f"ratio queue/baseline: p50 {report['ratio_p50']}  p99 {report['ratio_p99']}")
    for name, value in report["targets"].items():
        print(f"target ratio {name}: {value}")
    print(
        f"explained compute floor, one row, one thread ({compute['trees']} trees): "
        f"p50 {compute['p50_ms']} ms, mean {compute['mean_ms']} ms"
    )
    added = report["queued_with_and_without_interval_and_comparables"]
    print(
        f"interval + comparables, queued cache-miss p50: {with_p50} ms with, {without_p50} ms "
        f"without: +{added['added_p50_ms']} ms, ratio {added['ratio_p50']}"
    )
    print(
        f"interval + comparables, in process: {interval_cost['with_p50_ms']} ms with, "
        f"{interval_cost['without_p50_ms']} ms without: +{interval_cost['added_p50_ms']} ms"
    )


if __name__ == "__main__":
    main()

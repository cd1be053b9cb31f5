"""Benchmark a bulk ranking of 10,000 prospects against the raw XGBoost floor, in one run.

    python bench/rank.py                          # temp dir: seed 10,000 prospects, train, rank
    python bench/rank.py --workdir var/bench-rank # reuse (or create once) league + registry there
    python bench/rank.py --chunk-size 100,250,500 --concurrency 2,3   # a sweep
    python bench/rank.py --json

Figures:

* job: wall time of a whole ``callup.rank`` job over every signed player
  (``eligibility: all``; a default board ranks prospects only) with a real prefork worker, from
  sending the task to SUCCESS — candidate selection, every chunk's database
  reads, features, scoring with exact contributions, entry writes and cache
  fill, and the finalizer's ranking UPDATE — and prospects per second;
* floor: XGBoost ``predict`` plus ``pred_contribs`` on the same 10,000 feature
  rows in this process, all cores (the least any explained ranking can cost);
* ratio job / floor (target ≤ 1.3), in wall time and in CPU seconds (the
  worker's processes against this process's threads: what the job spends
  beyond the raw compute, much steadier than wall time on a shared machine);
* probability only: ``predict`` on the 10,000 rows (target < 1 s).

The champion is trained with the product's defaults (``callup train``) unless
``--trees`` asks for fewer. Each configuration measures ``--repeat`` floor/job
pairs back to back (a shared machine's load then hits both alike) and reports
medians; the ratio is taken within each pair.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import redis
import xgboost as xgb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' live-stack harness, shared with bench/

from cli.up.commands import worker_command  # noqa: E402
from tests.servers import RedisServer  # noqa: E402
from tests.stack import stack_env  # noqa: E402

JOB_TIMEOUT_SECONDS = 1800  # a job whose messages were lost (Redis flushed) must not hang us


def environment(workdir: Path, redis_url: str, model_name: str) -> dict[str, str]:
    """The harness's stack settings; the league keeps its file name, so old workdirs still count."""
    league = f"sqlite:///{workdir / 'league.db'}"
    return stack_env(workdir, redis_url, database_url=league, model_name=model_name)


def prepare(n_prospects: int, trees: int | None) -> int:
    """Seed the league and train a champion unless they exist; the champion's version."""
    from prospects import registry
    from prospects.db.session import init_db, session_scope
    from prospects.league.generator import generate_league, league_is_empty
    from prospects.lifecycle.service import train_and_register
    from prospects.training.model import TrainParams

    init_db()
    with session_scope() as session:
        if league_is_empty(session):
            generate_league(
                session, n_prospects=n_prospects, first_season=2008, last_season=2026, seed=7
            )
    champion = registry.get_alias(registry.client(), registry.CHAMPION)
    if champion is not None:
        return champion.version
    params = TrainParams() if trees is None else TrainParams(n_estimators=trees)
    outcome = train_and_register(params)
    print(f"trained v{outcome.registration.version}: {outcome.result.best_iteration + 1} trees",
          file=sys.stderr)  # fmt: skip
    return outcome.registration.version


class Floor:
    """The raw compute on every prospect's feature row, in this process: the least any
    explained ranking can cost. Features are built once; ``measure`` times only XGBoost."""

    def __init__(self, version: int, as_of: date):
        from prospects.db.session import session_scope
        from prospects.features.build import build_features
        from prospects.features.context import LeagueContext
        from prospects.features.data import load_league
        from prospects.serving.scoring import feature_matrix
        from workers.model_holder import ModelHolder

        self.model = ModelHolder(redis.Redis.from_url(os.environ["REDIS_URL"])).version(version)
        with session_scope() as session:
            data = load_league(session, as_of=as_of)
        features = build_features(data, as_of, context=LeagueContext.build(data, as_of))
        self.X = feature_matrix(self.model, features)
        self.names = list(self.model.feature_names)
        self.rows = len(self.X)
        self.trees = self.model.booster.num_boosted_rounds()

    def _matrix(self) -> xgb.DMatrix:
        return xgb.DMatrix(self.X, feature_names=self.names, missing=np.nan)

    def measure(self) -> dict[str, float]:
        """predict + pred_contribs with every core; predict alone with one and every core."""
        out = {}
        for label, threads in (("one_thread", 1), ("all_cores", os.cpu_count() or 1)):
            self.model.booster.set_param({"nthread": threads})
            started = time.perf_counter()
            self.model.booster.predict(self._matrix())
            out[f"probability_only_s_{label}"] = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        matrix = self._matrix()
        self.model.booster.predict(matrix)
        self.model.booster.predict(matrix, pred_contribs=True)
        out["floor_s"] = time.perf_counter() - started
        out["floor_cpu_s"] = time.process_time() - cpu  # every thread of this process
        return out


class Worker:
    """``celery -A workers worker -Q rank`` as a subprocess."""

    def __init__(self, env: dict[str, str], concurrency: int, log: Path):
        from workers.celery_app import make_celery

        self.node = f"bench-{uuid.uuid4().hex[:6]}@localhost"
        self.log = open(log, "w")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            worker_command(
                queues="rank", concurrency=concurrency, node=self.node, loglevel="WARNING"
            ),
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.app = make_celery(env["REDIS_URL"])
        deadline = time.monotonic() + 120
        while not self.app.control.ping(timeout=0.5, destination=[self.node]):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start; see {log}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the worker and its pool processes so far (Linux /proc)."""
        main = self.proc.pid
        try:
            children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
        except OSError:
            children = []
        total = 0
        for pid in [main, *map(int, children)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def clear_rankings() -> None:
    """Forget earlier snapshots, so the next job computes instead of reusing."""
    from sqlalchemy import delete

    from prospects.db.models import RankingEntry, RankingSnapshot
    from prospects.db.session import session_scope

    with session_scope() as session:
        session.execute(delete(RankingEntry))
        session.execute(delete(RankingSnapshot))


def run_job(worker: Worker, as_of: date, chunk_size: int, filters: dict | None = None) -> dict:
    """Send one ranking and time it until its job row says succeeded; check its snapshot."""
    from sqlalchemy import func, select

    from prospects.db.models import RankingEntry
    from prospects.db.session import session_scope
    from prospects.jobrecords import records
    from prospects.jobs import QUEUE_RANK, TASK_RANK

    job_id = str(uuid.uuid4())
    steps: set[int] = set()
    cpu = worker.cpu_seconds()
    started = time.perf_counter()
    worker.app.send_task(
        TASK_RANK,
        kwargs={"filters": filters or {}, "as_of": as_of.isoformat(), "chunk_size": chunk_size},
        task_id=job_id,
        queue=QUEUE_RANK,
    )
    state = "not started"
    while True:  # the job's row is its only record (Celery keeps no results)
        if time.perf_counter() - started > JOB_TIMEOUT_SECONDS:
            raise RuntimeError(f"ranking {job_id} still {state} after {JOB_TIMEOUT_SECONDS} s")
        with session_scope() as session:
            row = records.get(session, job_id)
            state = row.state if row is not None else state
            progress, summary, error = (
                (row.progress, row.result, row.error) if row else (None, None, None)
            )
        if state == records.SUCCEEDED:
            break
        if state == records.FAILED:
            raise RuntimeError(f"ranking failed: {error!r}")
        if isinstance(progress, dict):
            steps.add(int(progress.get("done", 0)))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    cpu = worker.cpu_seconds() - cpu
    with session_scope() as session:
        rows, lowest, highest = session.execute(
            select(func.count(), func.min(RankingEntry.rank), func.max(RankingEntry.rank)).where(
                RankingEntry.snapshot_id == summary["ranking_id"]
            )
        ).one()
    assert rows == summary["total"] and (lowest, highest) == (1, rows), (rows, lowest, highest)
    return {"job_s": seconds, "job_cpu_s": cpu, "prospects": rows, "progress_steps": len(steps)}


def summarise(pairs: list[dict], concurrency: int, chunk_size: int) -> dict:
    """Medians over the repeats; the ratio is taken per pair, then its median."""
    ratios = [p["job_s"] / p["floor_s"] for p in pairs]
    out = {"concurrency": concurrency, "chunk_size": chunk_size, "repeats": len(pairs)}
    for key in pairs[0]:
        out[key] = statistics.median(p[key] for p in pairs)
    out["prospects_per_s"] = out["prospects"] / out["job_s"]
    out["ratio"] = statistics.median(ratios)
    out["ratio_min"], out["ratio_max"] = min(ratios), max(ratios)
    # CPU seconds spent, job over floor: what the job costs beyond the raw compute, and far
    # less sensitive than wall time to other work on a shared machine.
    out["cpu_ratio"] = statistics.median(p["job_cpu_s"] / p["floor_cpu_s"] for p in pairs)
    out["pairs"] = pairs
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="reuse (or create once) league + registry")
    parser.add_argument("--prospects", type=int, default=10_000)
    parser.add_argument("--trees", type=int, help="train with this many trees (default: product)")
    parser.add_argument("--chunk-size", default="250", help="comma-separated sizes to try")
    parser.add_argument("--concurrency", default="2", help="comma-separated pool sizes to try")
    parser.add_argument("--repeat", type=int, default=1, help="floor/job pairs per configuration")
    parser.add_argument("--redis-url", help="a Redis to use (default: a private redis-server)")
    parser.add_argument("--model-name", default="bench-rank", help="registered model to use")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    private = None if args.redis_url else RedisServer()
    if private is not None:
        private.start()
    try:
        report = _run(args, private.url if private is not None else args.redis_url)
    finally:
        if private is not None:
            private.stop()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"ranking {report['prospects']:,} prospects as of {report['as_of']}: {report['trees']} "
        f"trees, {report['cpus']} CPUs, medians of {args.repeat} floor/job pair(s)"
    )
    for run in report["runs"]:
        print(
            f"  c={run['concurrency']} chunk={run['chunk_size']:<5} "
            f"job {run['job_s']:6.1f} s ({run['prospects_per_s']:4.0f}/s)  "
            f"floor {run['floor_s']:6.1f} s  ratio {run['ratio']:.2f} "
            f"[{run['ratio_min']:.2f}-{run['ratio_max']:.2f}]  cpu ratio {run['cpu_ratio']:.2f}  "
            f"probability only {run['probability_only_s_all_cores']:.3f} s "
            f"(one thread {run['probability_only_s_one_thread']:.3f} s)  "
            f"progress steps {run['progress_steps']}"
        )
    return 0


def _run(args: argparse.Namespace, redis_url: str) -> dict:
    """Prepare the league and champion, then measure every configuration; the report."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = (args.workdir or Path(tmp)).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        env = environment(workdir, redis_url, args.model_name)
        os.environ.update(env)
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
        version = prepare(args.prospects, args.trees)
        as_of = datetime.now(UTC).date()  # the workers' warm context is today's
        floor = Floor(version, as_of)
        runs = []
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            worker = Worker(env, concurrency, workdir / f"worker-c{concurrency}.log")
            try:
                run_job(worker, as_of, 10, {"organization": "NYY"})  # every process warm
                for chunk_size in (int(c) for c in args.chunk_size.split(",")):
                    pairs = []
                    for _ in range(max(1, args.repeat)):
                        # Floor and job back to back: a shared machine's load hits both alike.
                        measured = floor.measure()
                        clear_rankings()
                        # Every player (a board of everyone): the same rows the floor scores.
                        job = run_job(worker, as_of, chunk_size, {"eligibility": "all"})
                        pairs.append({**measured, **job})
                    runs.append(summarise(pairs, concurrency, chunk_size))
            finally:
                worker.stop()
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()

    return {
        "as_of": as_of.isoformat(),
        "cpus": os.cpu_count(),
        "prospects": floor.rows,
        "trees": floor.trees,
        "runs": runs,
    }


if __name__ == "__main__":
    sys.exit(main())

"""How long jobs stranded by a Redis wipe wait before the sweeper sends them again.

    python bench/stranded.py --workdir var/bench-load --jobs 12 --json

The stack of bench/load.py (gunicorn, one ``celery worker``, a private
redis-server, the league in SQLite) plus Beat, whose ``jobs-sweep`` entry sends
the sweeper every ``CALLUP_JOB_SWEEP_SECONDS`` (60). The worker is paused
(SIGSTOP) while ``--jobs`` predictions are accepted, so their messages wait in
Redis; Redis is then wiped (FLUSHALL: what a restart without persistence
leaves) and the worker resumed. Measured from the wipe: when the sweeper
re-sent each job (its ``requeues`` moves) and when each succeeded, read from
the durable job records. Nothing else re-sends them: the queue is empty.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import environment, prepare, start, wait_until  # noqa: E402
from cli.up.commands import api_command, beat_command, worker_command  # noqa: E402
from tests.servers import RedisServer, free_port  # noqa: E402


def job_rows(job_ids: list[str]) -> dict[str, tuple[str, int]]:
    """job id → (state, requeues), from the records."""
    from sqlalchemy import select

    from prospects.db.models import Job
    from prospects.db.session import session_scope

    with session_scope() as session:
        rows = session.execute(select(Job.id, Job.state, Job.requeues).where(Job.id.in_(job_ids)))
        return {job_id: (state, requeues) for job_id, state, requeues in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--workdir", type=Path, help="reuse a league + registry from a folder")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="callup-stranded-"))
    workdir.mkdir(parents=True, exist_ok=True)
    redis_server, api_port = RedisServer(), free_port()
    env = environment(workdir, redis_server.url, "1000000/minute")
    redis_server.start()
    redis_port = redis_server.port
    procs = []
    try:
        os.environ.update(env)
        keys, ids = prepare(3000, 1)
        worker_argv = worker_command(concurrency=2, loglevel="WARNING")
        worker = start(worker_argv, env, workdir / "stranded-worker.log")
        beat = start(beat_command(), env, workdir / "stranded-beat.log")
        api = api_command(f"127.0.0.1:{api_port}", workers=1, threads=4)
        procs += [worker, beat, start(api, env, workdir / "stranded-api.log")]
        base = f"http://127.0.0.1:{api_port}"
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=1).ok, 60, "the API")
        headers = {"Authorization": f"Bearer {keys[0]}"}
        time.sleep(5)  # the worker connected and idle, Beat leading

        os.killpg(worker.pid, signal.SIGSTOP)
        job_ids = []
        for prospect_id in ids[: args.jobs]:
            response = requests.post(
                f"{base}/api/ml/predict", json={"prospect_id": prospect_id}, headers=headers
            )
            assert response.status_code == 202, response.text
            job_ids.append(response.json()["job_id"])
        client = redis.Redis(port=redis_port)
        queued = client.llen("predict")
        client.flushall()
        wiped = time.monotonic()
        os.killpg(worker.pid, signal.SIGCONT)

        resent: dict[str, float] = {}
        done: dict[str, float] = {}
        while len(done) < len(job_ids) and time.monotonic() - wiped < args.timeout:
            now = time.monotonic() - wiped
            for job_id, (state, requeues) in job_rows(job_ids).items():
                if requeues and job_id not in resent:
                    resent[job_id] = now
                if state == "succeeded" and job_id not in done:
                    done[job_id] = now
            time.sleep(0.5)
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGCONT)
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            proc.wait(timeout=30)
        redis_server.stop()

    report: dict[str, Any] = {
        "jobs_accepted": len(job_ids),
        "messages_in_redis_before_the_wipe": queued,
        "resent": len(resent),
        "succeeded": len(done),
        "lost": len(job_ids) - len(done),
        "seconds_from_wipe_to_resend": {
            "first": round(min(resent.values()), 1) if resent else None,
            "last": round(max(resent.values()), 1) if resent else None,
        },
        "seconds_from_wipe_to_last_result": round(max(done.values()), 1) if done else None,
        "sweep_interval_seconds": int(os.environ.get("CALLUP_JOB_SWEEP_SECONDS", "60")),
    }
    print(json.dumps(report, indent=2) if args.json else report)


if __name__ == "__main__":
    main()

"""Where a cache-hit prediction spends its time in the API, hook by hook, against ``/healthz``.

In process, through Flask's test client (no gunicorn, no socket: what the app
itself adds), on the league ``bench/predict.py --workdir DIR`` left behind and a
Redis database of its own: the champion's alias, the data version and one
cached answer (computed by the worker's code) are put in place, then
``--requests`` cache hits and as many ``GET /healthz`` are timed, interleaved.
Every ``before_request`` / ``after_request`` function and the view are timed
separately. Usage: ``python bench/hit_parts.py --workdir var/bench-predict
[--redis-url redis://127.0.0.1:6379/15] [--requests 2000] [--profile]``
(``--profile``: pyinstrument's tree of the hits as well).
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.answer_parts import environment, served_day_parser  # noqa: E402


def _name(hook: Callable[..., Any]) -> str:
    """module.function of a hook (a partial's function)."""
    fn = getattr(hook, "func", hook)
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def main() -> None:
    parser = served_day_parser(__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--window-entries",
        type=int,
        help="trim the caller's moving-window list to this many entries before every hit "
        "(a user within the product's limit, 10/minute, holds at most 10; the bench's "
        "1000000/minute lets it grow with every request of the run)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    environment(args.workdir, args.redis_url)
    os.environ.update(
        {
            "CALLUP_PREDICT_RATE_LIMIT": "1000000/minute",
            "CALLUP_POLL_RATE_LIMIT": "1000000/minute",
            "CALLUP_DEFAULT_RATE_LIMIT": "1000000/minute",
        }
    )

    import redis

    from app import create_app
    from prospects.ab import CHAMPION, cache_key
    from prospects.apikeys import create_key
    from prospects.db.session import session_scope
    from prospects.db.version import cached_data_version
    from prospects.jobs import DATA_VERSION_KEY, JobStore, alias_key
    from prospects.serving.league_day import LeagueDays
    from prospects.serving.predict import predict_one
    from workers.model_holder import ModelHolder

    client = redis.Redis.from_url(args.redis_url)
    client.flushdb()
    model = ModelHolder(client).get()  # publishes the champion's alias, as a worker does
    today = datetime.now(UTC).date()
    days = LeagueDays()
    with session_scope() as session:
        version = cached_data_version(client, session)
        day = days.get(session, version, today)
        assert day.vectors is not None
        standing = day.vectors.standing
        pid = int(standing.index[standing["eligible"].to_numpy()][0])
        answer = predict_one(session, model, days, pid, today, version)
        key, _ = create_key(session, f"bench-hit-{int(time.time())}", "analyst")
    # Held for the whole run (a worker refreshes them every 30 s): every request is a hit.
    client.set(alias_key(CHAMPION), str(model.version))
    client.set(DATA_VERSION_KEY, version)
    JobStore(client).cache_prediction(
        cache_key(CHAMPION, model.version, version, today, pid), answer
    )

    app = create_app()
    times: dict[str, list[float]] = defaultdict(list)
    phase = ["warm-up"]  # which request the hooks are running in

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        # The wrapper keeps the function's name: flask-limiter knows its exemptions (the
        # predict view's from the default limit) by the view's module and name, and
        # without them the default limit counted on the predict limit's key (WRONGTYPE).
        @functools.wraps(fn)
        def wrapper(*a: Any, **kw: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                times[f"{phase[0]} | {name}"].append((time.perf_counter() - started) * 1000)

        return wrapper

    for kind, funcs in (("before", app.before_request_funcs), ("after", app.after_request_funcs)):
        for blueprint, hooks in funcs.items():
            funcs[blueprint] = [timed(f"{kind}: {_name(h)}", h) for h in hooks]
    app.view_functions["predict.predict"] = timed(
        "view: predict (body, cache lookup, response)", app.view_functions["predict.predict"]
    )
    from app import cached_answers

    cached_answers.lookup = timed(
        "  of which cached_answers.lookup (2 Redis round trips)", cached_answers.lookup
    )

    test = app.test_client()
    headers = {"Authorization": f"Bearer {key}", "Prefer": "wait=30"}
    body = json.dumps({"prospect_id": pid})

    def hit() -> None:
        response = test.post(
            "/api/ml/predict", data=body, headers=headers, content_type="application/json"
        )
        assert response.status_code == 200 and b'"cached":true' in response.data, response.data

    def healthz() -> None:
        assert test.get("/healthz").status_code == 200

    for _ in range(200):  # warm-up: connections, key cache
        hit()
        healthz()
    times.clear()
    # The predict limit's moving window: the one Redis list the requests above made.
    windows = [k for k in client.scan_iter() if client.type(k) == b"list"]
    whole: dict[str, list[float]] = {"cache hit (whole request)": [], "GET /healthz": []}
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0001)
    for _ in range(args.requests):
        for name, fn in (("cache hit (whole request)", hit), ("GET /healthz", healthz)):
            phase[0] = "hit" if name.startswith("cache") else "healthz"
            if args.window_entries is not None and phase[0] == "hit":
                for window in windows:
                    client.ltrim(window, 0, args.window_entries - 1)
            if profiler is not None and name.startswith("cache"):
                profiler.start()
            started = time.perf_counter()
            fn()
            whole[name].append((time.perf_counter() - started) * 1000)
            if profiler is not None and name.startswith("cache"):
                profiler.stop()
    client.flushdb()
    report = {name: round(statistics.median(v), 4) for name, v in whole.items()}
    for name, values in times.items():
        report[name] = round(statistics.median(values), 4)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print("in process (Flask test client), p50 ms; each hook in a cache hit and in /healthz")
        for name, value in sorted(report.items(), key=lambda kv: kv[0].startswith("healthz")):
            print(f"{name:78}{value:>9.4f}")
    if profiler is not None:
        print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()

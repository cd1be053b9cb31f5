"""Where one explained cache-miss answer spends its time, part by part, in process.

Reuses a league and champion that ``bench/predict.py --workdir DIR`` seeded and
trained, and times, for each of ``--rows`` eligible prospects of today, every
part of the worker's answer in the order ``tasks.predict`` runs it: the day's
materialized rows, the eligibility record, each step of
``prospects.serving.scoring.score`` (called through the same functions), the
JSON of the answer, the Redis pipeline that caches it and wakes the client, and
the transaction that stores it. Then the whole ``predict_one`` and ``score``
calls, so the parts can be checked against the sum. Usage:
``python bench/answer_parts.py --workdir var/bench-predict [--rows 300] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# The parts of ``score`` below, in its order (their sum is checked against the whole call).
SCORE_PARTS = (
    "feature matrix (columns, float32)",
    "DMatrix",
    "pred_contribs (exact SHAP)",
    "calibration (answer, base)",
    "interval members (forest walk)",
    "population distance (OOD)",
    "concept points (128 calibrations)",
    "fact columns",
    "comparables (k-d tree)",
    "evidence lookups (pandas)",
    "confidence rule",
    "groups + facts wording",
    "top factors",
    "narrative",
)


def environment(workdir: Path, redis_url: str) -> None:
    """The same settings ``bench/predict.py`` gives its league (SQLite + MLflow in ``workdir``)."""
    os.environ.update(
        {
            "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'callup.db'}",
            "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}",
            "MLFLOW_ARTIFACT_ROOT": (workdir / "mlartifacts").as_uri(),
            "CALLUP_VAR_DIR": str(workdir / "var"),
            "REDIS_URL": redis_url,
        }
    )


@dataclass(frozen=True)
class ServedDay:
    """What a worker holds to answer for today on the bench's league: its Redis, the champion,
    the materialized days, the data version and today's day."""

    client: Any
    model: Any
    days: Any
    today: date
    version: str
    day: Any


def served_day_parser(doc: str) -> argparse.ArgumentParser:
    """The options every bench on ``bench/predict.py``'s served day takes: its workdir and Redis."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    return parser


def open_served_day(workdir: Path, redis_url: str) -> ServedDay:
    """Today's served day on the league ``bench/predict.py --workdir DIR`` left behind, loaded
    as a predict worker loads it (the champion from the registry, the day materialized)."""
    environment(workdir, redis_url)
    import redis

    from prospects.db.session import session_scope
    from prospects.db.version import cached_data_version
    from prospects.serving.league_day import LeagueDays
    from workers.model_holder import ModelHolder

    client = redis.Redis.from_url(redis_url)
    model = ModelHolder(client).get()
    days = LeagueDays()
    today = datetime.now(UTC).date()
    with session_scope() as session:
        version = cached_data_version(client, session)
        day = days.get(session, version, today)
    if day.vectors is None:
        raise SystemExit(f"today ({today}) is not materialized on {workdir}")
    return ServedDay(client, model, days, today, version, day)


def main() -> None:
    parser = served_day_parser(__doc__)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    served = open_served_day(args.workdir, args.redis_url)
    client, model, days, today, version = (
        served.client,
        served.model,
        served.days,
        served.today,
        served.version,
    )

    import numpy as np

    from prospects import eligibility
    from prospects.db.session import session_scope
    from prospects.jobrecords import records
    from prospects.jobs import JobStore, done_key
    from prospects.serving import confidence as confidence_rule
    from prospects.serving import scoring
    from prospects.serving.comparables import comparables
    from prospects.serving.concepts import concept_index, group_logits, shapley_points, tenths
    from prospects.serving.explain import contributions, top_factors
    from prospects.serving.narrative import narrate
    from prospects.serving.predict import predict_one, record_prediction

    jobs = JobStore(client)
    vectors = served.day.vectors
    ids = [int(i) for i in vectors.standing.index[vectors.standing["eligible"].to_numpy()]]
    random.Random(1).shuffle(ids)
    ids = ids[: args.rows]

    times: dict[str, list[float]] = defaultdict(list)

    def timed(part: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        out = fn()
        times[part].append((time.perf_counter() - started) * 1000)
        return out

    names = list(model.feature_names)
    link = model.calibration

    def one(pid: int, record: bool) -> None:
        with session_scope() as session:
            today_day = timed(
                "league day lookup (LeagueDays.get)", lambda: days.get(session, version, today)
            )
            mine = timed(
                "rows from materialized vectors (take)", lambda: today_day.rows(session, [pid])
            )
            standing = timed(
                "eligibility record (to_dict + status)",
                lambda: {pid: eligibility.status(mine.standing.iloc[0].to_dict())},
            )
            features, people = mine.features, mine.people
            X = timed(
                "feature matrix (columns, float32)", lambda: scoring.feature_matrix(model, features)
            )
            dmatrix = timed("DMatrix", lambda: model.matrix(X))
            contrib = timed(
                "pred_contribs (exact SHAP)", lambda: contributions(model, X, "cpu", dmatrix)
            )

            def calibrate() -> tuple:
                logits = contrib.sum(axis=1).astype(np.float64)
                bias = contrib[:, -1].astype(np.float64)
                return logits, bias, link(logits), link(bias)

            logits, bias, probs, base = timed("calibration (answer, base)", calibrate)

            def interval() -> tuple:
                lo, hi = model.ensemble.bounds(logits, model.ensemble.spread(X))
                return link(lo), link(hi)

            lows, highs = (
                timed("interval members (forest walk)", interval)
                if model.ensemble
                else (None, None)
            )
            distance = (
                timed("population distance (OOD)", lambda: model.population.distance(X))
                if model.population is not None
                else None
            )

            def points() -> tuple:
                concepts, index = concept_index(names)
                return (
                    concepts,
                    index,
                    shapley_points(bias, group_logits(contrib, index, len(concepts)), link),
                )

            concepts, index, pts = timed("concept points (128 calibrations)", points)
            shown = scoring._traits(tuple(names))[0]
            facts = timed(
                "fact columns", lambda: scoring._fact_columns(contrib, X, names, index, pts)
            )
            similar = timed(
                "comparables (k-d tree)", lambda: comparables(served.day.context, features)
            )

            def who() -> tuple:
                who_all = people.loc[features.index]
                volume = features[confidence_rule.VOLUME_FEATURE].fillna(0).astype(int).tolist()
                return who_all, volume

            who_all, volume = timed("evidence lookups (pandas)", who)
            p = float(probs[0])
            iv = {
                "low": round(float(lows[0]), 6),
                "high": round(float(highs[0]), 6),
                "level": model.ensemble.level,
            }
            unusual = bool(distance[0] > model.population.threshold)
            conf = timed(
                "confidence rule",
                lambda: confidence_rule.assess(
                    iv, unusual, volume[0], str(who_all["unit"].iloc[0]), model.widths
                ),
            )

            def groups() -> list:
                shown_points = tenths(round(p, 6), round(float(base[0]), 6), pts[0])
                return scoring._groups(0, concepts, pts, shown_points, X, names, facts)

            grps = timed("groups + facts wording", groups)
            timed(
                "top factors",
                lambda: top_factors(contrib[0], X[0].astype(float), names, shown=shown),
            )
            timed(
                "narrative",
                lambda: narrate(
                    "Name", "SS, hitter", "m", p, iv, float(base[0]), conf, grps, similar[0]
                ),
            )
            times["sum of score parts"].append(sum(times[k][-1] for k in SCORE_PARTS if k in times))
            result = timed(
                "whole score()",
                lambda: scoring.score(
                    model,
                    features,
                    people,
                    today,
                    version,
                    standing=standing,
                    context=served.day.context,
                )[0],
            )
            whole = timed(
                "whole predict_one()",
                lambda: predict_one(session, model, days, pid, today, version),
            )
            body = timed("answer JSON (json.dumps)", lambda: json.dumps(result))
            del body
            job_id = f"bench-{uuid.uuid4()}"
            timed(
                "Redis: cache entry + wake-up (pipeline)",
                lambda: jobs.deliver_prediction(job_id, f"bench:answer:{job_id}", whole),
            )
            client.delete(f"bench:answer:{job_id}", done_key(job_id))
            if record:

                def store() -> None:
                    records.succeed(session, job_id, whole)
                    record_prediction(session, whole, job_id, "bench")
                    session.commit()

                timed("database: job row + stored prediction (commit)", store)

    for pid in ids[:20]:  # warm-up
        one(pid, record=False)
    times.clear()
    for pid in ids:
        one(pid, record=True)
    report = {
        part: {"p50_ms": round(statistics.median(v), 3), "mean_ms": round(statistics.fmean(v), 3)}
        for part, v in times.items()
    }
    report["rows"] = len(ids)  # type: ignore[assignment]
    report["trees"] = model.n_trees  # type: ignore[assignment]
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{len(ids)} eligible prospects of {today}, {model.n_trees} trees, one thread")
    print(f"{'part':52}{'p50 ms':>9}{'mean ms':>9}")
    for part, row in report.items():
        if isinstance(row, dict):
            print(f"{part:52}{row['p50_ms']:>9.3f}{row['mean_ms']:>9.3f}")


if __name__ == "__main__":
    main()

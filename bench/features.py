"""Benchmark the feature path: load the league, build the context, featurise every prospect.

    python bench/features.py                 # seed a 10,000-prospect league in a temp SQLite file
    python bench/features.py --db var/x.db   # reuse (or seed once into) that SQLite file
    python bench/features.py --json          # machine-readable output

Target: load + context + features for 10,000 prospects as of 2026-11-26 in
under 5 s on a 2-core machine; one prospect with a prebuilt context in a few ms
(the serving path's per-request cost).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from prospects.db.session import init_db, reset_engine, session_scope
from prospects.features.build import build_features
from prospects.features.context import LeagueContext
from prospects.features.data import data_version, load_league
from prospects.league.generator import generate_league, league_is_empty

AS_OF = date(2026, 11, 26)


def _seed(url: str, n: int, seed: int) -> float:
    """Generate the league unless the database already holds one; seconds spent seeding."""
    init_db(url)
    with session_scope(url) as session:
        if not league_is_empty(session):
            return 0.0
        started = time.perf_counter()
        generate_league(session, n_prospects=n, first_season=2008, last_season=2026, seed=seed)
    return time.perf_counter() - started


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _full_run(url: str, as_of: date) -> dict[str, float]:
    """One cold pass of the batch path: every table read, one context, every prospect."""
    with session_scope(url) as session:
        t_load, data = _timed(lambda: load_league(session))
    t_ctx, context = _timed(lambda: LeagueContext.build(data, as_of))
    t_feat, x = _timed(lambda: build_features(data, as_of, context=context))
    total = t_load + t_ctx + t_feat
    return {
        "load_league_s": t_load,
        "context_s": t_ctx,
        "build_features_s": t_feat,
        "total_s": total,
        "prospects": float(len(x)),
        "prospects_per_s": len(x) / total,
        "base_examples": float(context.history.n_examples),
    }


def _single(url: str, as_of: date, repeat: int) -> dict[str, float]:
    """Per-request serving cost with a prebuilt context: read one prospect, featurise it."""
    with session_scope(url) as session:
        data = load_league(session, as_of=as_of)
        context = LeagueContext.build(data, as_of)
        ids = data.prospects["id"].to_numpy()[:: max(1, len(data.prospects) // repeat)][:repeat]
        loads, builds, versions = [], [], []
        for pid in ids:
            t_load, rows = _timed(lambda pid=pid: load_league(session, [int(pid)], as_of=as_of))
            t_build, _ = _timed(
                lambda pid=pid, rows=rows: build_features(rows, as_of, [int(pid)], context=context)
            )
            t_version, _ = _timed(lambda: data_version(session))
            loads.append(t_load)
            builds.append(t_build)
            versions.append(t_version)
    return {
        "single_build_features_ms": statistics.median(builds) * 1000,
        "single_load_league_ms": statistics.median(loads) * 1000,
        "data_version_ms": statistics.median(versions) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="SQLite file to reuse (seeded if empty)")
    parser.add_argument("--prospects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--repeat", type=int, default=3, help="full passes; the best is kept")
    parser.add_argument("--single", type=int, default=200, help="single-prospect requests timed")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "league.db"
        url = f"sqlite:///{path.resolve()}"
        seeded = _seed(url, args.prospects, args.seed)
        runs = [_full_run(url, args.as_of) for _ in range(max(1, args.repeat))]
        result = min(runs, key=lambda r: r["total_s"])
        result |= _single(url, args.as_of, args.single)
        result["seed_s"] = seeded
        reset_engine(url)

    result = {k: round(v, 4) for k, v in result.items()}
    result |= {"as_of": args.as_of.isoformat(), "database": "sqlite", "repeat": args.repeat}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    rows = [
        ("load_league", f"{result['load_league_s']:.3f} s"),
        ("LeagueContext.build", f"{result['context_s']:.3f} s"),
        ("build_features (all)", f"{result['build_features_s']:.3f} s"),
        ("total", f"{result['total_s']:.3f} s"),
        ("prospects", f"{int(result['prospects'])}"),
        ("prospects / s", f"{result['prospects_per_s']:.0f}"),
        ("comparison base examples", f"{int(result['base_examples'])}"),
        ("single: load_league (1 prospect)", f"{result['single_load_league_ms']:.2f} ms"),
        ("single: build_features (1 prospect)", f"{result['single_build_features_ms']:.2f} ms"),
        ("data_version", f"{result['data_version_ms']:.2f} ms"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"features as of {result['as_of']} (best of {args.repeat} passes, SQLite)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

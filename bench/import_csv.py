"""Benchmark: a club's first load of a large file set, then one in-season week as an upsert.

    python bench/import_csv.py                                  # SQLite, about 100k rows
    python bench/import_csv.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test --json

The files are real-shaped: the synthetic league (``generate_league``) exported
with ``export_csv``, so every table, date and count looks like a club's. The
week is what a weekly feed brings in season: every line of the last season
that ended after the week's first day grows (more plate appearances, batters
faced, later end date), plus new scouting reports. Figures: rows per table,
seconds for the full load (``--backfill``, ``insert`` mode) and for the
upsert, and the upsert's inserted / updated / unchanged counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text


def _engine_url(url: str) -> tuple[str, object | None]:
    """For PostgreSQL, a private schema (dropped at the end); SQLite is a temp file already."""
    if not url.startswith("postgresql"):
        return url, None
    schema = f"bench_import_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", (admin, schema)


def _week(source: Path, target: Path, week_start: date) -> None:
    """One week's feed: lines still running grow by a week; two reports per 100 prospects."""
    target.mkdir(parents=True)
    for name, grow in (("batting_lines.csv", ("pa", "ab")), ("pitching_lines.csv", ("bf",))):
        with (source / name).open(newline="") as f:
            rows = [r for r in csv.DictReader(f) if date.fromisoformat(r["end_date"]) >= week_start]
        for r in rows:
            for column in grow:
                r[column] = str(int(r[column]) + 20)
            r["end_date"] = min(date.fromisoformat(r["end_date"]) + timedelta(days=7),
                                date(int(r["season"]), 12, 31)).isoformat()  # fmt: skip
        with (target / name).open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["id"])
            writer.writeheader()
            writer.writerows(rows)
    with (source / "scouting_reports.csv").open(newline="") as f:
        reports = list(csv.DictReader(f))
    latest = {r["prospect_id"]: r for r in reports}  # one new report per scouted prospect
    fresh = [
        r | {"id": "", "report_date": (week_start + timedelta(days=i % 7)).isoformat()}
        for i, r in enumerate(list(latest.values())[: max(1, len(latest) // 50)])
    ]
    with (target / "scouting_reports.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(reports[0]))
        writer.writeheader()
        writer.writerows(fresh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="", help="database (default: a temp SQLite file)")
    parser.add_argument("--prospects", type=int, default=2500, help="league size (~40 rows each)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from prospects.csvio import export_csv, import_csv
    from prospects.db.session import init_db, reset_engine, session_scope
    from prospects.league.generator import generate_league

    work = Path(tempfile.mkdtemp(prefix="callup-bench-import-"))
    source_url = f"sqlite:///{work / 'source.db'}"
    init_db(source_url)
    with session_scope(source_url) as s:
        generate_league(s, n_prospects=args.prospects, first_season=2008, last_season=2026, seed=3)
    with session_scope(source_url) as s:
        rows = export_csv(s, work / "files")
    reset_engine(source_url)

    url, cleanup = _engine_url(args.url or f"sqlite:///{work / 'target.db'}")
    try:
        init_db(url)
        started = time.perf_counter()
        with session_scope(url) as s:
            loaded = import_csv(s, work / "files", backfill=True)
        full_seconds = time.perf_counter() - started

        _week(work / "files", work / "week", date(2026, 8, 24))
        started = time.perf_counter()
        with session_scope(url) as s:
            week = import_csv(s, work / "week", mode="upsert", arrived_on=date(2026, 8, 31))
        week_seconds = time.perf_counter() - started
        reset_engine(url)
    finally:
        if cleanup is not None:
            admin, schema = cleanup
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    result = {
        "database": url.split(":")[0],
        "rows": rows,
        "total_rows": sum(rows.values()),
        "full_load_seconds": round(full_seconds, 2),
        "full_load_inserted": sum(c.inserted for c in loaded.values()),
        "week_rows": {t: c._asdict() for t, c in week.items()},
        "week_upsert_seconds": round(week_seconds, 2),
    }
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()

"""A living league: ``callup simulate --weeks N`` delivers the league's data feed week by week.

The league keeps its own calendar. It starts on the Monday after the latest
day anything in the database became known; each simulated week delivers what
became known that week. On the first week of a new year the whole season is
played ahead (``forward.plan_season``) and parked in ``league_feed``; its
rows then arrive when they would: spring reports on March 1, signings in the
summer, a stint's line when it ends, MLB seasons (and so matured labels) on
October 1. ``--weeks 52`` is one year.

Two ways to break things, for showing drift, degradation and rollback:

* ``--corrupt-feed``: a bad delivery. The vendor re-sends its archive of
  scouting reports re-graded in hindsight (every prospect whose outcome is
  known graded by how his career turned out) and back-dated, so every past
  reference date "knew" the label. A model retrained on it looks superb on
  its holdout and is poor on honest data. The re-sent archive is a feed
  batch of its own (``<week end>-resend``), dropped after the week's regular
  batch and ingested with the feed's checks, which hold it as back-dated
  (``prospects.feed.checks``): an alert, the batch in ``rejected/``, the
  Beat's retrain held back. To show the leak and the monitor's rollback
  anyway, a person forces it in on purpose (``callup ingest-feed
  --accept-held``, recorded). The first clean week afterwards restates the
  feed: the re-sent rows are deleted again if they were ever loaded.

Every regular week is delivered through the weekly feed: the week's rows are
written as a batch of CSV files into the drop location (``CALLUP_FEED_URL``,
default ``var/feed``), imported like a club's files (``--mode upsert``,
arriving at the week's end) and archived.
* ``--shift``: a league-wide change every model sees as drift. Everything
  delivered during the run comes from a changed league: scouts grade on a
  scale 10 points higher and offense is up (more home runs). Relative
  statistics absorb the offense; the grade scale shows in the inputs and the
  predicted probabilities.
"""

from __future__ import annotations

import csv
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from prospects.csvio import FILES, import_csv
from prospects.csvio.export import format_cell
from prospects.db.models import (
    BattingLine,
    LeagueFeedRow,
    Outcome,
    PitchingLine,
    Prospect,
    Release,
    ScoutingReport,
    SimulatedWeek,
)
from prospects.features.data import load_league
from prospects.features.examples import labelled_seasons, season_candidates
from prospects.feed.checks import FEED_SOURCE
from prospects.feed.ingest import BatchResult, ingest_in_session
from prospects.feed.location import ARCHIVE, drop_location
from prospects.labels import labels_for, reference_date
from prospects.league.forward import TABLES, plan_season

log = logging.getLogger(__name__)
MODELS = {
    "prospects": Prospect,
    "batting_lines": BattingLine,
    "pitching_lines": PitchingLine,
    "scouting_reports": ScoutingReport,
    "outcomes": Outcome,
    "releases": Release,
}
KNOWN_ON = {
    "prospects": "signed_on",
    "batting_lines": "end_date",
    "pitching_lines": "end_date",
    "scouting_reports": "report_date",
    "outcomes": "known_on",
    "releases": "released_on",
}
DATE_COLUMNS = (
    "signed_on",
    "birth_date",
    "start_date",
    "end_date",
    "report_date",
    "known_on",
    "debut_date",
    "released_on",
)
GRADES = (
    "hit",
    "power",
    "run",
    "arm",
    "field",
    "fastball",
    "breaking",
    "changeup",
    "control",
    "fv",
)
SHIFT_GRADE_POINTS = 10  # the scouting scale moves up this much under --shift
SHIFT_HR_FACTOR = 0.6  # and home runs rise by this share of the old count
HINDSIGHT_FV = (35, 65)  # what the corrupted archive grades a failure and a success


@dataclass
class WeekReport:
    """What one simulated week delivered."""

    start: date
    end: date
    delivered: dict[str, int] = field(default_factory=dict)
    planned: int | None = None
    corrupted: int = 0
    restated: int = 0
    held: BatchResult | None = None  # what the feed made of the corrupt week's re-sent batch

    def describe(self) -> str:
        """One line for the CLI."""
        parts = [f"{n} {t.replace('_', ' ')}" for t, n in self.delivered.items() if n]
        text = f"{self.start} .. {self.end}: " + (", ".join(parts) or "nothing new")
        if self.planned:
            text += f" (season {self.planned} planned)"
        if self.corrupted:
            text += f"; {self.corrupted} back-dated hindsight reports (corrupt feed)"
        if self.held is not None:
            text += f"; feed batch {self.held.describe()}"
        if self.restated:
            text += f"; restated: {self.restated} bad rows removed"
        return text


def _next_monday(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def league_clock(session: Session) -> date:
    """The day the next simulated week starts."""
    last = session.scalar(select(func.max(SimulatedWeek.week_end)))
    if last is not None:
        return last
    known = [
        session.scalar(select(func.max(column)))
        for column in (
            Outcome.known_on,
            BattingLine.end_date,
            PitchingLine.end_date,
            ScoutingReport.report_date,
            Prospect.signed_on,
        )
    ]
    known = [d for d in known if d is not None]
    if not known:
        raise ValueError("the league is empty: run `callup seed` first")
    return _next_monday(max(_as_date(d) for d in known))


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _latest_season(session: Session) -> int:
    seasons = [
        session.scalar(select(func.max(c)))
        for c in (BattingLine.season, PitchingLine.season, Outcome.season, Prospect.signing_year)
    ]
    return max(int(s) for s in seasons if s is not None)


def _plan(session: Session, season: int, seed: int) -> int:
    """Play ``season`` ahead and park its rows until they become known."""
    rows = plan_season(session, season, seed)
    count = 0
    for table, items in rows.items():
        if not items:
            continue
        session.execute(
            insert(LeagueFeedRow),
            [
                {"table_name": table, "deliver_on": _as_date(r[KNOWN_ON[table]]), "payload": r}
                for r in items
            ],
        )
        count += len(items)
    session.flush()
    log.info("season %d planned: %d rows waiting to be delivered", season, count)
    return count


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (date.fromisoformat(v) if k in DATE_COLUMNS and isinstance(v, str) else v)
        for k, v in row.items()
    }


def _shift(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The changed league: a higher grading scale, more home runs."""
    row = dict(row)
    if table == "scouting_reports":
        for grade in GRADES:
            if row.get(grade) is not None:
                row[grade] = min(int(row[grade]) + SHIFT_GRADE_POINTS, 80)
    elif table == "batting_lines":
        extra = min(int(round(row["hr"] * SHIFT_HR_FACTOR)) + 1, row["ab"] - row["h"] - row["so"])
        extra = max(extra, 0)
        row["hr"] += extra
        row["h"] += extra
    elif table == "pitching_lines":
        extra = min(int(round(row["hr"] * SHIFT_HR_FACTOR)) + 1, row["outs"])
        extra = max(extra, 0)
        row["hr"] += extra
        row["h"] += extra
        row["er"] += extra
        row["outs"] -= extra
    return row


def _deliver(session: Session, end: date, shift: bool) -> dict[str, int]:
    """Deliver every parked row known by ``end`` through the weekly feed: as a batch of CSV
    files in the drop location (``prospects.feed``), imported like a club's (upsert, arriving
    on ``end``), then archived; the same path and checks of the rows as any delivery."""
    due = session.scalars(
        select(LeagueFeedRow).where(LeagueFeedRow.deliver_on <= end).order_by(LeagueFeedRow.id)
    ).all()
    counts = dict.fromkeys(TABLES, 0)
    with tempfile.TemporaryDirectory(prefix="callup-week-") as tmp:
        files = Path(tmp) / "files"
        files.mkdir()
        for table in TABLES:
            rows = [_typed(r.payload) for r in due if r.table_name == table]
            if not rows:
                continue
            if shift:
                rows = [_shift(table, r) for r in rows]
            _write_batch_file(files / f"{table}.csv", table, rows)
            counts[table] = len(rows)
        if due:
            _through_the_feed(session, files, end)
            session.execute(delete(LeagueFeedRow).where(LeagueFeedRow.id.in_([r.id for r in due])))
    session.flush()
    return counts


def _write_batch_file(path: Path, table: str, rows: list[dict[str, Any]]) -> None:
    """One table's rows in the CSV schema; child ids are left for the importer to number."""
    spec = next(spec for spec in FILES if spec.table == table)
    names = [n for n in spec.names if not (n == "id" and spec.references_prospect)]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([format_cell(row.get(name)) for name in names])


def _through_the_feed(session: Session, files: Path, end: date) -> None:
    """Drop the batch, import it from the drop location in this session, archive it."""
    location = drop_location()
    batch = end.isoformat()
    location.put(batch, files)
    with tempfile.TemporaryDirectory(prefix="callup-fetch-") as fetched:
        location.fetch(batch, Path(fetched))
        source = f"{FEED_SOURCE}{location.describe().rstrip('/')}/{batch}"
        import_csv(session, fetched, mode="upsert", arrived_on=end, source=source)
    location.settle(batch, ARCHIVE)


def _corrupt(session: Session) -> list[dict[str, Any]]:
    """Back-dated hindsight reports for every example whose label is already known."""
    data = load_league(session)
    latest = (
        data.reports.sort_values("report_date")
        .groupby("prospect_id")
        .tail(1)
        .set_index("prospect_id")
    )
    existing = {
        (int(p), d.date())
        for p, d in zip(data.reports["prospect_id"], data.reports["report_date"], strict=True)
    }
    rows = []
    for season in labelled_seasons(data):
        ref = reference_date(season)
        day = data.as_of(ref)
        ids = season_candidates(day, season)
        labels = labels_for(data.outcomes, ids, ref).dropna()
        on = date(season, 9, 29)
        for pid, label in labels.items():
            if (int(pid), on) in existing:
                continue
            row: dict[str, Any] = {"prospect_id": int(pid), "report_date": on}
            tools = latest.loc[pid] if pid in latest.index else None
            for grade in GRADES[:-1]:
                value = None if tools is None else tools[grade]
                row[grade] = None if value is None or np.isnan(value) else int(value)
            row["fv"] = HINDSIGHT_FV[int(label)]
            rows.append(row)
            existing.add((int(pid), on))
    return rows


def _resend(session: Session, end: date) -> tuple[list[list], BatchResult | None]:
    """The vendor's re-sent archive as a feed batch of its own, through the feed's checks.

    Returns the natural keys (prospect id, report date) of its reports, so a
    later clean week can restate them whether or not anyone forced them in.
    """
    rows = _corrupt(session)
    if not rows:
        return [], None
    location = drop_location()
    batch = f"{end.isoformat()}-resend"
    with tempfile.TemporaryDirectory(prefix="callup-resend-") as tmp:
        _write_batch_file(Path(tmp) / "scouting_reports.csv", "scouting_reports", rows)
        location.put(batch, Path(tmp))
    result = ingest_in_session(session, location, batch, end)
    log.warning("corrupt feed: %s", result.describe())
    return [[r["prospect_id"], r["report_date"].isoformat()] for r in rows], result


def _restate(session: Session, day: date) -> int:
    """A clean week after a bad one: the vendor's corrections remove the re-sent rows."""
    removed = 0
    bad_weeks = session.scalars(
        select(SimulatedWeek).where(SimulatedWeek.restated_on.is_(None))
    ).all()
    for week in bad_weeks:
        for item in (week.corrupted or {}).get("scouting_reports") or []:
            if isinstance(item, int):  # a week simulated before the re-send was a feed batch
                where = [ScoutingReport.id == item]
            else:
                where = [
                    ScoutingReport.prospect_id == item[0],
                    ScoutingReport.report_date == date.fromisoformat(item[1]),
                ]
            removed += session.execute(delete(ScoutingReport).where(*where)).rowcount
        if (week.flags or {}).get("corrupt_feed"):
            week.restated_on = day
    return removed


def simulate_weeks(
    session: Session,
    weeks: int,
    *,
    corrupt_feed: bool = False,
    shift: bool = False,
    seed: int = 7,
) -> list[WeekReport]:
    """Advance the league ``weeks`` weeks; one report per week (see the module docstring)."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    reports = []
    for index in range(weeks):
        start = league_clock(session)
        end = start + timedelta(days=7)
        report = WeekReport(start, end)
        if not corrupt_feed:
            report.restated = _restate(session, end)
        pending = session.scalar(select(func.count(LeagueFeedRow.id)))
        if not pending and end.year > _latest_season(session):
            report.planned = end.year
            _plan(session, end.year, seed)
        report.delivered = _deliver(session, end, shift)
        bad: list[list] = []
        if corrupt_feed and index == 0:
            bad, report.held = _resend(session, end)
        report.corrupted = len(bad)
        session.add(
            SimulatedWeek(
                week_start=start,
                week_end=end,
                flags={"corrupt_feed": corrupt_feed, "shift": shift},
                delivered=report.delivered,
                corrupted={"scouting_reports": bad} if bad else {},
                restated_on=None if corrupt_feed else end,
            )
        )
        session.flush()
        reports.append(report)
    return reports

"""What makes a delivered batch suspicious enough to hold back instead of training on it.

A batch can pass every row check and still be wrong: a vendor's export cut
short, a regraded scale, hindsight back-filled into old reports. Each rule
compares the batch with what the feed delivered before or with what is
stored, and returns the reason a person reads in the alert, or None.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prospects.db.models import Ingest, ScoutingReport

FEED_SOURCE = "feed:"  # Ingest.source prefix of the weekly feed's batches
HISTORY = 4  # earlier applied batches the row count is compared with
MIN_SHARE = 0.5  # a batch with fewer line rows than this share of their median is cut short
BACKDATED_DAYS = 30  # a report dated this long before it arrived is back-dated
BACKDATED_SHARE = 0.2  # ... and more than this share of a batch's reports is suspicious
MIN_REPORTS = 10  # fewer reports than this say nothing about their distribution
FV_SHIFT = 4.0  # points of mean FV between a batch and the stored reports of the last year


@dataclass(frozen=True)
class BatchFigures:
    """What the checks read from a batch's files."""

    line_rows: int | None  # None: the batch carries no line file (a reports-only week)
    report_dates: list[date]
    fv: list[int]


def read_batch(directory: Path) -> BatchFigures:
    """Line row counts, report dates and FV grades of the batch (files already validated)."""
    line_rows: int | None = None
    for name in ("batting_lines.csv", "pitching_lines.csv"):
        path = directory / name
        if path.is_file():
            with path.open(newline="", encoding="utf-8-sig") as f:
                line_rows = (line_rows or 0) + sum(1 for _ in csv.DictReader(f))
    dates, fv = [], []
    path = directory / "scouting_reports.csv"
    if path.is_file():
        with path.open(newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                dates.append(date.fromisoformat(row["report_date"].strip()))
                fv.append(int(row["fv"]))
    return BatchFigures(line_rows, dates, fv)


def _line_rows(counts: dict) -> int:
    return sum(sum(counts.get(t, {}).values()) for t in ("batting_lines", "pitching_lines"))


def cut_short(session: Session, figures: BatchFigures) -> str | None:
    """Far fewer line rows than the feed's recent batches (a truncated export)."""
    if figures.line_rows is None:
        return None
    recent = session.scalars(
        select(Ingest.counts)
        .where(Ingest.source.startswith(FEED_SOURCE), Ingest.status == "applied")
        .order_by(Ingest.id.desc())
        .limit(HISTORY)
    ).all()
    sizes = [n for n in (_line_rows(c) for c in recent) if n > 0]
    if len(sizes) < 2:
        return None
    median = statistics.median(sizes)
    if figures.line_rows < MIN_SHARE * median:
        return (
            f"a sudden drop in rows: {figures.line_rows} minor-league line rows, under "
            f"{MIN_SHARE:.0%} of the median {median:g} of the last {len(sizes)} batches"
        )
    return None


def back_dated(figures: BatchFigures, arrived_on: date) -> str | None:
    """Many reports dated long before they arrived: hindsight written into the past."""
    n = len(figures.report_dates)
    if n < MIN_REPORTS:
        return None
    old = sum(d < arrived_on - timedelta(days=BACKDATED_DAYS) for d in figures.report_dates)
    if old / n > BACKDATED_SHARE:
        return (
            f"back-dated reports: {old} of {n} scouting reports are dated more than "
            f"{BACKDATED_DAYS} days before they arrived on {arrived_on}"
        )
    return None


def shifted_grades(session: Session, figures: BatchFigures, arrived_on: date) -> str | None:
    """The batch's mean FV far from the stored reports of the past year (a changed scale)."""
    if len(figures.fv) < MIN_REPORTS:
        return None
    stored_mean, stored_n = session.execute(
        select(func.avg(ScoutingReport.fv), func.count()).where(
            ScoutingReport.report_date > arrived_on - timedelta(days=365)
        )
    ).one()
    if not stored_n or stored_n < MIN_REPORTS:
        return None
    batch_mean = statistics.fmean(figures.fv)
    if abs(batch_mean - float(stored_mean)) > FV_SHIFT:
        return (
            f"a shifted distribution: mean FV {batch_mean:.1f} in this batch against "
            f"{float(stored_mean):.1f} over the last year's {stored_n} stored reports"
        )
    return None


def suspicious(session: Session, directory: Path, arrived_on: date) -> str | None:
    """The first reason to hold the batch back, or None."""
    figures = read_batch(directory)
    for reason in (
        cut_short(session, figures),
        back_dated(figures, arrived_on),
        shifted_grades(session, figures, arrived_on),
    ):
        if reason is not None:
            return reason
    return None

"""Exporting every league table to CSV in the import schema, streamed, so any export re-imports."""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospects.csvio.schema import FILES, FileSpec

YIELD_PER = 2000  # rows fetched at a time (a server-side cursor on PostgreSQL)


def export_csv(session: Session, directory: Path | str) -> dict[str, int]:
    """Write one file per table into ``directory``; returns the rows written per table."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _consistent_snapshot(session)
    return {spec.table: _export_table(session, spec, directory) for spec in FILES}


def _consistent_snapshot(session: Session) -> None:
    """Read all tables at one instant, so no exported line names a prospect the export lacks."""
    if session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _export_table(session: Session, spec: FileSpec, directory: Path) -> int:
    """Stream one table by primary key; via a temp file, so a crash never leaves half a file."""
    table = spec.model.__table__
    stmt = select(*(table.c[name] for name in spec.names)).order_by(table.c.id)
    target = directory / spec.filename
    partial = target.with_name(f".{spec.filename}.partial")
    count = 0
    with partial.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(spec.names)
        for row in session.execute(stmt, execution_options={"yield_per": YIELD_PER}):
            writer.writerow([format_cell(value) for value in row])
            count += 1
    os.replace(partial, target)
    return count


def format_cell(value: Any) -> str:
    """A value as the importer reads it back: ISO dates, shortest exact floats, empty for NULL."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

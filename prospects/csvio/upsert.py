"""Sorting a validated file's rows into new, changed and unchanged against what is stored.

A season line grows every week (prospect, 2026, AA, stint 1), so an in-season
import must replace the row with the same natural key instead of rejecting it.
Stored rows are read in chunks of the file's own prospects, never the whole table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prospects.csvio.dbcheck import chunks
from prospects.csvio.errors import CsvError, CsvValidationError
from prospects.csvio.schema import FileSpec
from prospects.csvio.validate import describe_key

MODES: tuple[str, ...] = ("insert", "upsert")


class TableCounts(NamedTuple):
    """What an import did to one table."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Stored:
    """The stored rows a file's keys may match: natural key -> (id, the file's columns)."""

    spec: FileSpec
    rows: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = field(default_factory=dict)

    @property
    def compared(self) -> tuple[str, ...]:
        """The columns whose change makes an update (the id is the row's, not the file's)."""
        return tuple(n for n in self.spec.names if n != "id")


def stored_rows(session: Session, spec: FileSpec, owners: Iterable[int]) -> Stored:
    """The stored rows of the prospects ``owners`` (for prospects.csv, those ids)."""
    table = spec.model.__table__
    stored = Stored(spec)
    owner = table.c.prospect_id if spec.references_prospect else table.c.id
    columns = [table.c.id, *(table.c[n] for n in stored.compared)]
    index = [stored.compared.index(k) if k != "id" else None for k in spec.natural_key]
    for chunk in chunks(owners):
        for row in session.execute(select(*columns).where(owner.in_(chunk))):
            values = tuple(row[1:])
            key = tuple(row[0] if i is None else values[i] for i in index)
            stored.rows[key] = (row[0], values)
    return stored


def classify(stored: Stored, values: dict[str, Any], row_number: int) -> tuple[str, int | None]:
    """``insert``, ``update`` (with the stored id) or ``unchanged`` for one parsed row."""
    spec = stored.spec
    key = tuple(values[k] for k in spec.natural_key)
    match = stored.rows.get(key)
    if match is None:
        return "insert", None
    row_id, old = match
    if values.get("id") is not None and values["id"] != row_id:
        reason = f"{describe_key(spec, key)} is stored as id {row_id}, not {values['id']}"
        raise CsvValidationError([CsvError(spec.filename, row_number, "id", reason)])
    new = tuple(values[n] for n in stored.compared)
    return ("unchanged", row_id) if new == old else ("update", row_id)


def apply_updates(session: Session, spec: FileSpec, batch: list[dict[str, Any]]) -> None:
    """Replace stored rows by id (ORM bulk UPDATE by primary key: one executemany)."""
    if batch:
        session.execute(update(spec.model), batch)

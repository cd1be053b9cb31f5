"""The checks that need the database: references to prospects and keys that already exist.

Asked in chunks of the file's own keys, so a big database is never read whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from prospects.csvio.errors import CsvError
from prospects.csvio.validate import FileScan, describe_key, key_label
from prospects.db.models import Prospect

CHUNK = 1000  # bound parameters per IN (...): far under SQLite's and PostgreSQL's limits


def check_against_db(
    session: Session, scans: dict[str, FileScan], errors: list[CsvError], mode: str = "insert"
) -> None:
    """Report lines whose prospect is nowhere to be found, and ids and keys already stored:
    any of them in ``insert`` mode; in ``upsert`` mode (a stored key is an update) only an
    id that another key holds."""
    prospects = scans.get("prospects")
    in_file = set(prospects.ids) if prospects else set()
    children = [s for s in scans.values() if s.spec.references_prospect]
    wanted = set().union(*(s.refs for s in children)) - in_file
    in_db = _existing(session, Prospect.id, wanted)
    # A prospects.csv that could not be read would make every line look orphaned: noise.
    check_refs = prospects is None or prospects.complete
    for scan in scans.values():
        if mode == "insert":
            _check_ids(session, scan, errors)
        elif scan.spec.references_prospect:
            _check_ids_hold_their_keys(session, scan, errors)
        if scan.spec.references_prospect:
            if check_refs:
                _check_refs(scan, in_file | in_db, errors)
            if mode == "insert":
                _check_keys(session, scan, errors)


def chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    it = iter(sorted(values))
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def _existing(session: Session, column: ColumnElement[Any], values: Iterable[Any]) -> set[Any]:
    """Which of ``values`` the column already holds."""
    found: set[Any] = set()
    for chunk in chunks(values):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _check_ids(session: Session, scan: FileScan, errors: list[CsvError]) -> None:
    model, name = scan.spec.model, scan.spec.filename
    for row_id in sorted(_existing(session, model.__table__.c.id, scan.ids)):
        reason = f"id {row_id} is already in the database"
        errors.append(CsvError(name, scan.ids[row_id], "id", reason))


def _check_ids_hold_their_keys(session: Session, scan: FileScan, errors: list[CsvError]) -> None:
    """An explicit id already stored must be the stored row with the file row's natural key."""
    table, spec = scan.spec.model.__table__, scan.spec
    key_of_row = {row: key for key, row in scan.keys.items()}
    columns = [table.c.id, *(table.c[k] for k in spec.natural_key)]
    for chunk in chunks(scan.ids):
        for row_id, *key in session.execute(select(*columns).where(table.c.id.in_(chunk))):
            number = scan.ids[row_id]
            if key_of_row.get(number) != tuple(key):
                reason = f"id {row_id} is stored for {describe_key(spec, tuple(key))}"
                errors.append(CsvError(spec.filename, number, "id", reason))


def _check_refs(scan: FileScan, known: set[int], errors: list[CsvError]) -> None:
    for prospect_id, rows in scan.refs.items():
        if prospect_id not in known:
            reason = f"prospect {prospect_id} is neither in prospects.csv nor in the database"
            errors.extend(CsvError(scan.spec.filename, row, "prospect_id", reason) for row in rows)


def _check_keys(session: Session, scan: FileScan, errors: list[CsvError]) -> None:
    """Natural keys (prospect, season, level...) already stored; all start with prospect_id."""
    table, spec = scan.spec.model.__table__, scan.spec
    columns = [table.c[k] for k in spec.natural_key]
    stored: set[tuple[Any, ...]] = set()
    for chunk in chunks(scan.refs):
        rows = session.execute(select(*columns).where(table.c.prospect_id.in_(chunk)))
        stored.update(tuple(r) for r in rows)
    for key in sorted(stored & scan.keys.keys(), key=scan.keys.__getitem__):
        reason = f"{describe_key(spec, key)} is already in the database"
        errors.append(CsvError(spec.filename, scan.keys[key], key_label(spec), reason))

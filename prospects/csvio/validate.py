"""Reading one club file: header, cells and row rules, every problem recorded instead of raised.

Clubs send files by hand, so a loader that stops at the first problem makes
them fix one row per round trip; this one reports them all, each where a
person would look for it (header = row 1, as a spreadsheet shows it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prospects.csvio.cells import CellError, Parser, make_parser
from prospects.csvio.errors import CsvError
from prospects.csvio.schema import FileSpec, fill_signing_type, mark_supplemental


@dataclass(frozen=True)
class Layout:
    """Where each known column sits in a row, with its parser; unknown columns are left out."""

    width: int
    fields: tuple[tuple[int, str, Parser], ...]
    names: frozenset[str] = frozenset()  # the header's known columns


class _Decoder:
    """Decodes line by line, noting each line that is not UTF-8 and going on past it, so a
    file in another encoding gets every bad row listed, not only its first."""

    def __init__(self, binary: Iterable[bytes]) -> None:
        self.binary = binary
        self.bad: list[str] = []  # reasons for lines read since the caller last looked

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.binary):
            try:
                yield raw.decode("utf-8-sig" if number == 0 else "utf-8")  # a spreadsheet's BOM
            except UnicodeDecodeError as exc:
                self.bad.append(exc.reason)
                yield raw.decode("utf-8", errors="replace")


@dataclass
class ParsedRow:
    """One data row: its number, each column's value (None if empty or bad), whether it passed."""

    number: int
    values: dict[str, Any]
    ok: bool


class RowReader:
    """Iterates a file's parsed rows; ``complete`` turns False if the header or file is unusable."""

    def __init__(self, path: Path, spec: FileSpec, errors: list[CsvError]) -> None:
        self.path, self.spec, self.errors = path, spec, errors
        self.complete = True

    def _error(self, row: int | None, column: str | None, reason: str) -> None:
        self.errors.append(CsvError(self.spec.filename, row, column, reason))

    def __iter__(self) -> Iterator[ParsedRow]:
        number = 1
        try:
            with self.path.open("rb") as f:
                decoder = _Decoder(f)
                reader = csv.reader(decoder)
                header = next(reader, None)
                if self._undecodable(decoder, 1):
                    return
                layout = self._layout(header)
                if layout is None:
                    self.complete = False
                    return
                for number, cells in enumerate(reader, start=2):
                    if self._undecodable(decoder, number):
                        continue
                    if "".join(cells).strip():  # blank rows are skipped, but counted
                        yield self._parse(number, layout, cells)
        except csv.Error as exc:
            self.complete = False
            self._error(number + 1, None, f"cannot be read as CSV: {exc}")

    def _undecodable(self, decoder: _Decoder, number: int) -> bool:
        """Report row ``number`` if a line of it was not UTF-8 (the file is then unusable)."""
        if not decoder.bad:
            return False
        self.complete = False
        reason = decoder.bad[0]
        self._error(number, None, f"is not UTF-8 text ({reason}); save as UTF-8 CSV")
        decoder.bad.clear()
        return True

    def _layout(self, header: list[str] | None) -> Layout | None:
        """What each header cell holds, or None if the rows cannot be read at all."""
        if not header or not any(h.strip() for h in header):
            self._error(1, None, "the file is empty; expected a header row")
            return None
        known = {c.name: c for c in self.spec.columns}
        names = [h.strip() for h in header]
        usable = True
        for position, name in enumerate(names, start=1):
            if names.index(name) != position - 1:
                self._error(1, name, "column appears twice in the header")
                usable = False
            elif name not in known:
                label = name or f"#{position} (no name)"
                self._error(1, label, f"unknown column; expected {', '.join(known)}")
        for column in self.spec.columns:
            if column.required and column.name not in names:
                self._error(1, column.name, "required column is missing from the header")
                usable = False
        if not usable:
            return None
        fields = [(i, n, make_parser(known[n])) for i, n in enumerate(names) if n in known]
        return Layout(len(names), tuple(fields), frozenset(n for _i, n, _p in fields))

    def _parse(self, number: int, layout: Layout, cells: list[str]) -> ParsedRow:
        values: dict[str, Any] = dict(self.spec.blank)
        if len(cells) != layout.width:
            self._error(number, None, f"has {len(cells)} cells but the header has {layout.width}")
            return ParsedRow(number, values, False)
        bad: set[str] = set()
        try:  # the fast path, for the usual row without a bad cell
            values.update({name: parse(cells[i].strip()) for i, name, parse in layout.fields})
        except CellError:
            bad = self._parse_each(number, layout, cells, values)
        ok = not bad
        if self.spec.table == "prospects":
            mark_supplemental(values)
            fill_signing_type(values, "signing_type" in layout.names)
        for check in self.spec.checks:
            if bad.isdisjoint(check.needs):  # needs are required, so parsed means not None
                reason = check.test(values)
                if reason is not None:
                    self._error(number, check.column, reason)
                    ok = False
        return ParsedRow(number, values, ok)

    def _parse_each(
        self, number: int, layout: Layout, cells: list[str], values: dict[str, Any]
    ) -> set[str]:
        """Parse cell by cell to report every bad one; returns the bad columns' names."""
        bad = set()
        for i, name, parse in layout.fields:
            try:
                values[name] = parse(cells[i].strip())
            except CellError as exc:
                values[name] = None
                self._error(number, name, str(exc))
                bad.add(name)
        return bad


@dataclass
class FileScan:
    """What a first pass over one file keeps: keys and references, not rows, to bound memory."""

    spec: FileSpec
    complete: bool = True
    rows: int = 0
    ids: dict[int, int] = field(default_factory=dict)  # explicit id -> its row
    keys: dict[tuple[Any, ...], int] = field(default_factory=dict)  # natural key -> its row
    refs: dict[int, list[int]] = field(default_factory=dict)  # prospect_id -> rows naming it
    max_id: int = 0


def scan_file(path: Path, spec: FileSpec, errors: list[CsvError]) -> FileScan:
    """Validate every row of one file and collect what the database checks need."""
    scan = FileScan(spec)
    reader = RowReader(path, spec, errors)
    for row in reader:
        scan.rows += 1
        _record_keys(scan, row, errors)
    scan.complete = reader.complete
    return scan


def _record_keys(scan: FileScan, row: ParsedRow, errors: list[CsvError]) -> None:
    """Note the row's id, natural key and prospect, reporting repeats within the file."""
    spec, values, name = scan.spec, row.values, scan.spec.filename
    row_id = values.get("id")
    if row_id is not None:
        first = scan.ids.setdefault(row_id, row.number)
        if first != row.number:
            errors.append(CsvError(name, row.number, "id", f"id {row_id} repeats row {first}"))
        scan.max_id = max(scan.max_id, row_id)
    key = tuple(values[k] for k in spec.natural_key)
    if spec.natural_key != ("id",) and None not in key:
        first = scan.keys.setdefault(key, row.number)
        if first != row.number:
            reason = f"{describe_key(spec, key)} repeats row {first}"
            errors.append(CsvError(name, row.number, key_label(spec), reason))
    if spec.references_prospect and values["prospect_id"] is not None:
        scan.refs.setdefault(values["prospect_id"], []).append(row.number)


def key_label(spec: FileSpec) -> str:
    """The natural key's columns as one error column, e.g. ``prospect_id+season+level``."""
    return "+".join(spec.natural_key)


def describe_key(spec: FileSpec, key: tuple[Any, ...]) -> str:
    """A natural key as a person reads it: ``prospect_id=7, season=2019, level=AA``."""
    return ", ".join(f"{k}={v}" for k, v in zip(spec.natural_key, key, strict=True))

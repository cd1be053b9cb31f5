"""What a rejected import reports: every problem, each pinned to a file, row and column."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import NamedTuple

MAX_LISTED = 50  # a message a person can still read; the full list stays on ``errors``


class CsvError(NamedTuple):
    """One problem. ``row`` counts like a spreadsheet (header = 1); None for a whole file."""

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}"


class CsvValidationError(Exception):
    """The import was rejected and nothing was written; ``errors`` holds every problem found."""

    def __init__(self, errors: list[CsvError]) -> None:
        self.errors = list(errors)
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.errors)
        lines = [f"CSV import rejected, nothing was written: {n} error{'s' if n != 1 else ''}"]
        lines += [f"  {e}" for e in self.errors[:MAX_LISTED]]
        if n > MAX_LISTED:
            lines.append(f"  ... and {n - MAX_LISTED} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._message()


ERROR_COLUMNS: tuple[str, ...] = ("file", "row", "column", "reason")


def write_errors(errors: list[CsvError], path: Path | str) -> int:
    """Every problem as CSV (file, row, column, reason), for a person to work down in a
    spreadsheet; written through a temporary name. Returns the rows written."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(ERROR_COLUMNS)
        for e in errors:
            writer.writerow([e.file, "" if e.row is None else e.row, e.column or "", e.reason])
    os.replace(partial, path)
    return len(errors)

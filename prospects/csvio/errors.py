"""What a rejected import reports: every problem, each pinned to a file, row and column."""

from __future__ import annotations

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

"""Turning one cell's text into a value, strictly, with a reason a person can act on when it fails.

Each column gets its own parser built once, because a 100k-line file is two
million cells and per-cell decisions about the column's type add up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from prospects.csvio.schema import INT_MAX, INT_MIN, Column

Parser = Callable[[str], Any]


class CellError(ValueError):
    """Why one cell's text is not an allowed value."""


def _plain(text: str) -> bool:
    """int() and float() also take "1_000" and non-ASCII digits; a club file should not."""
    return text.isascii() and "_" not in text


def _to_int(text: str) -> int:
    if text.isdigit() and text.isascii():  # the usual cell, checked cheaply
        return int(text)
    try:
        if _plain(text):
            return int(text)
    except ValueError:
        pass
    raise CellError(f"expected a whole number, got {text!r}")


def _to_float(text: str) -> float:
    try:
        if _plain(text) and math.isfinite(value := float(text)):  # no nan, inf or 1e999
            return value
    except ValueError:
        pass
    raise CellError(f"expected a number, got {text!r}")


def _to_date(text: str) -> date:
    try:
        # fromisoformat alone would also take "20210401" and "2021-W13-4".
        if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise CellError(f"expected a date as YYYY-MM-DD, got {text!r}")


_BOOLEANS = {"1": True, "0": False, "TRUE": True, "FALSE": False, "T": True, "F": False,
             "Y": True, "N": False, "YES": True, "NO": False}  # fmt: skip


def _to_bool(text: str) -> bool:
    value = _BOOLEANS.get(text.upper())
    if value is None:
        raise CellError(f"expected 1 or 0 (true or false), got {text!r}")
    return value


_CONVERTERS: dict[type, Parser] = {
    int: _to_int,
    float: _to_float,
    date: _to_date,
    str: str,
    bool: _to_bool,
}


def _bounds(column: Column) -> tuple[float, float]:
    low = column.minimum if column.minimum is not None else -math.inf
    high = column.maximum if column.maximum is not None else math.inf
    if column.kind is int:  # PostgreSQL INTEGER; SQLite would store more and PG then refuse it
        low, high = max(low, INT_MIN), min(high, INT_MAX)
    return low, high


def _range_message(column: Column, value: Any) -> str:
    if column.minimum is not None and value < column.minimum:
        return f"must be at least {column.minimum}, got {value}"
    if column.maximum is not None and value > column.maximum:
        return f"must be at most {column.maximum}, got {value}"
    return f"{value} is too large for the database"


def make_parser(column: Column) -> Parser:
    """A function from a stripped cell to its value (None when empty), raising CellError."""
    convert = _CONVERTERS[column.kind]
    nullable, choices, max_length = column.nullable, column.choices, column.max_length
    default, aliases, codes = column.default, column.aliases or {}, column.codes or {}
    ranged = column.kind in (int, float)
    low, high = _bounds(column)

    def parse(text: str) -> Any:
        if not text:
            if nullable:
                return default
            raise CellError("required, but the cell is empty")
        coded = codes.get(text.upper()) if codes else None
        value = coded if coded is not None else convert(text)
        if aliases:
            value = aliases.get(value, value)
        if ranged and not low <= value <= high:
            raise CellError(_range_message(column, value))
        if choices is not None and value not in choices:
            raise CellError(f"{value!r} is not one of {', '.join(choices)}")
        if max_length is not None and len(value) > max_length:
            raise CellError(f"{value!r} is longer than {max_length} characters")
        return value

    return parse

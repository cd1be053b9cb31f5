"""The CSV schema: one file per table, columns from the models plus the rules they cannot state.

Names, order, types, nullability and string lengths come from the models, so
the files cannot drift from the tables; allowed values, ranges and the
consistency between columns of one row are declared here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import String, UniqueConstraint

from prospects.db.models import (
    LINE_LEVELS,
    POSITIONS,
    SIGNING_TYPES,
    Base,
    BattingLine,
    Outcome,
    PitchingLine,
    Prospect,
    Release,
    ScoutingReport,
)

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL INTEGER; SQLite would take more, silently

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    """One CSV column: how to parse a cell and which values are allowed."""

    name: str
    kind: type  # int, float, str or datetime.date
    required: bool  # the header must name it
    nullable: bool  # an empty cell is allowed
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    default: Any = None  # the value of an empty cell, where it has one
    aliases: Mapping[str, str] | None = None  # codes other sources use, stored as their value
    codes: Mapping[str, Any] | None = None  # cell texts (upper case) read as a value, not parsed


@dataclass(frozen=True)
class RowCheck:
    """A rule across required columns of one row, run once all of ``needs`` parsed."""

    needs: tuple[str, ...]
    column: str
    test: Callable[[Row], str | None]  # the reason the row breaks the rule, or None


# Columns the importer fills and no file carries: when the row arrived (see models.py).
NOT_IN_FILES: frozenset[str] = frozenset({"ingested_on"})


@dataclass(frozen=True)
class FileSpec:
    """One file: the table it loads, its columns in file order, its keys and row rules."""

    model: type[Base]
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]  # must be unique across the file and the database
    checks: tuple[RowCheck, ...] = ()

    @property
    def table(self) -> str:
        return self.model.__tablename__

    @property
    def filename(self) -> str:
        return f"{self.table}.csv"

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def blank(self) -> dict[str, Any]:
        """A row before its cells are read: each column's default (None for most)."""
        return {c.name: c.default for c in self.columns}

    @cached_property
    def references_prospect(self) -> bool:
        """Child tables carry ``prospect_id`` and a surrogate ``id`` the database may assign."""
        return "prospect_id" in self.names


_ID = {"minimum": 1}
_COUNT = {"minimum": 0}
_GRADE = {"minimum": 20, "maximum": 80}
_GRADES = ("hit", "power", "run", "arm", "field", "fastball", "breaking", "changeup", "control")
_BATTING_COUNTS = ("pa", "ab", "h", "doubles", "triples", "hr", "bb", "so", "sb", "cs", "hbp", "sf")
_PITCHING_COUNTS = ("outs", "bf", "h", "er", "hr", "bb", "so", "hbp")
_OPTIONAL = {"required": False, "nullable": True}
# A line's age: younger than 15 or older than 45 is a typo (or a birth date's), not a prospect.
_STINT = {
    "id": _ID,
    "prospect_id": _ID,
    "level": {"choices": LINE_LEVELS},
    "stint": _OPTIONAL | {"minimum": 1, "default": 1},
    "age": {"minimum": 15, "maximum": 45},
}


class SupplementalPick(int):
    """A draft round read from a supplemental-round code: the round it follows."""


# How public sources write a pick in the supplemental round after round N: Baseball-Reference
# "1C" (compensation), "1S", and the competitive-balance rounds "C-A"/"CB-A" (after round 1)
# and "C-B"/"CB-B" (after round 2). See docs/csv-schema.md.
SUPPLEMENTAL_CODES: dict[str, SupplementalPick] = {
    **{f"{n}{s}": SupplementalPick(n) for n in range(1, 11) for s in ("C", "S")},
    **{code: SupplementalPick(1) for code in ("C-A", "CB-A", "CBA", "CA", "C1")},
    **{code: SupplementalPick(2) for code in ("C-B", "CB-B", "CBB", "CB", "C2")},
}

_RULES: dict[str, dict[str, dict[str, Any]]] = {
    "prospects": {
        "id": _ID,
        "position": {"choices": POSITIONS},
        # "B" (both) is how many public databases write a switch hitter.
        "bats": {"choices": ("L", "R", "S"), "aliases": {"B": "S"}},
        "throws": {"choices": ("L", "R")},
        "draft_round": {"minimum": 1, "codes": SUPPLEMENTAL_CODES},
        "supplemental_round": _OPTIONAL | {"default": False},
        # Empty: derived from the row (see load.fill_signing_type).
        "signing_type": _OPTIONAL | {"choices": SIGNING_TYPES},
    },
    "batting_lines": _STINT | {c: _COUNT for c in _BATTING_COUNTS},
    "pitching_lines": _STINT | {c: _COUNT for c in _PITCHING_COUNTS},
    "scouting_reports": {"id": _ID, "prospect_id": _ID, "fv": _GRADE}
    | {c: _GRADE for c in _GRADES},
    "outcomes": {"id": _ID, "prospect_id": _ID, "mlb_pa": _COUNT, "mlb_outs": _COUNT},
    "releases": {"id": _ID, "prospect_id": _ID},
}


def _dates_in_order(row: Row) -> str | None:
    if row["end_date"] < row["start_date"]:
        return f"end_date {row['end_date']} is before start_date {row['start_date']}"
    return None


def _batting_pa_adds_up(row: Row) -> str | None:
    total = row["ab"] + row["bb"] + row["hbp"] + row["sf"]
    if total > row["pa"]:
        return f"AB+BB+HBP+SF = {total} exceeds PA = {row['pa']}"
    return None


def _batting_hits_cover_extra_bases(row: Row) -> str | None:
    extra = row["doubles"] + row["triples"] + row["hr"]
    if row["h"] < extra:
        return f"H = {row['h']} is less than 2B+3B+HR = {extra}"
    return None


def _batting_hits_within_ab(row: Row) -> str | None:
    if row["h"] > row["ab"]:
        return f"H = {row['h']} exceeds AB = {row['ab']}"
    return None


def _pitching_hits_within_bf(row: Row) -> str | None:
    if row["h"] > row["bf"]:
        return f"H = {row['h']} exceeds BF = {row['bf']}"
    return None


def _dates_in_season(row: Row) -> str | None:
    for name in ("start_date", "end_date"):
        if row[name].year != row["season"]:
            return f"{name} {row[name]} is not in season {row['season']}"
    return None


def _debut_in_season(row: Row) -> str | None:
    debut = row.get("debut_date")
    if debut is not None and debut.year != row["season"]:
        return f"debut_date {debut} is not in season {row['season']}"
    return None


def _round_means_a_draft(row: Row) -> str | None:
    kind = row.get("signing_type")
    if row.get("draft_round") is not None and kind not in (None, "draft"):
        return f"draft_round {row['draft_round']} is set, so signing_type must be draft, not {kind}"
    return None


def _supplemental_needs_a_round(row: Row) -> str | None:
    if row.get("supplemental_round") and row.get("draft_round") is None:
        return "supplemental_round is set, so draft_round must give the round it follows"
    return None


def mark_supplemental(row: dict[str, Any]) -> None:
    """A round written as a supplemental code ("1C", "CB-A"): the round it follows, flagged."""
    if isinstance(row.get("draft_round"), SupplementalPick):
        row["draft_round"] = int(row["draft_round"])
        row["supplemental_round"] = True


def fill_signing_type(row: dict[str, Any], in_header: bool) -> None:
    """An empty ``signing_type``: a draft where a round is given; otherwise ``unknown``, but
    ``international`` in a file written before the column existed (no ``signing_type`` in
    its header), which is what an empty round meant then."""
    if row.get("signing_type") is None:
        if row.get("draft_round") is not None:
            row["signing_type"] = "draft"
        else:
            row["signing_type"] = "unknown" if in_header else "international"


def _signed_in_signing_year(row: Row) -> str | None:
    signed, year = row.get("signed_on"), row.get("signing_year")
    if signed is not None and year is not None and signed.year != year:
        return f"signed_on {signed} is not in signing_year {year}"
    return None


_DATES = RowCheck(("start_date", "end_date"), "end_date", _dates_in_order)
_IN_SEASON = RowCheck(("season", "start_date", "end_date"), "start_date", _dates_in_season)
_CHECKS: dict[str, tuple[RowCheck, ...]] = {
    "prospects": (
        RowCheck((), "signing_type", _round_means_a_draft),
        RowCheck((), "supplemental_round", _supplemental_needs_a_round),
        RowCheck((), "signed_on", _signed_in_signing_year),
    ),
    "outcomes": (RowCheck(("season",), "debut_date", _debut_in_season),),
    "batting_lines": (
        _DATES,
        _IN_SEASON,
        RowCheck(("ab", "bb", "hbp", "sf", "pa"), "ab", _batting_pa_adds_up),
        RowCheck(("h", "doubles", "triples", "hr"), "h", _batting_hits_cover_extra_bases),
        RowCheck(("h", "ab"), "h", _batting_hits_within_ab),
    ),
    "pitching_lines": (
        _DATES,
        _IN_SEASON,
        RowCheck(("h", "bf"), "h", _pitching_hits_within_bf),
    ),
}


def _file_spec(model: type[Base]) -> FileSpec:
    """A file's spec from its model, so a new column reaches the CSV without edits here."""
    table = model.__table__
    rules = _RULES.get(table.name, {})
    child = "prospect_id" in table.columns
    columns = []
    for col in table.columns:
        if col.name in NOT_IN_FILES:
            continue
        assigned = child and col.name == "id"  # the database can number child rows itself
        settings: dict[str, Any] = {
            "required": not col.nullable and not assigned,
            "nullable": bool(col.nullable) or assigned,
            "max_length": col.type.length if isinstance(col.type, String) else None,
        }
        settings.update(rules.get(col.name, {}))
        columns.append(Column(name=col.name, kind=col.type.python_type, **settings))
    uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    key = tuple(uniques[0].columns.keys()) if uniques else ("id",)
    checks = _CHECKS.get(table.name, ())
    required = {c.name for c in columns if c.required and not c.nullable}
    assert all(required.issuperset(check.needs) for check in checks), table.name
    return FileSpec(model, tuple(columns), key, checks)


# Load order: prospects first, since every other file references them.
FILES: tuple[FileSpec, ...] = tuple(
    _file_spec(m) for m in (Prospect, BattingLine, PitchingLine, ScoutingReport, Outcome, Release)
)

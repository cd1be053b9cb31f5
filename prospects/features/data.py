"""The league as plain pandas frames, loaded in one fast pass and cut to what was known on a day.

Feature code never touches the database: it gets a :class:`LeagueData` (one frame
per table) so that training, serving and tests share one code path, and so that
"known on day D" is a single filter applied in one place (:meth:`LeagueData.as_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from prospects.db.models import (
    LEVEL_RUNG,
    LEVELS,
    LINE_LEVELS,
    BattingLine,
    Outcome,
    PitchingLine,
    Prospect,
    Release,
    ScoutingReport,
)
from prospects.db.version import data_version  # noqa: F401 - part of this module's API
from prospects.features.grouping import day_number, days

LEVEL_DTYPE = pd.CategoricalDtype(list(LEVELS), ordered=True)
# A line's level code -> its rung on the ladder (DSL and CPX are Rk, A- is A; see models.py).
_CODE_INDEX = pd.Index(LINE_LEVELS)
_RUNG_OF_CODE = np.array([LEVELS.index(LEVEL_RUNG[code]) for code in LINE_LEVELS])

# Columns loaded per table, with the dtype each becomes: "int" int64, "float" float64
# (NULL -> NaN), "str" object, "date" datetime64[ns], "level" the ordered LEVELS category
# (the rung of the line's level code).
# Frames mirror their tables' column names: the prospects' key is ``id``, elsewhere
# ``prospect_id``.
PROSPECT_COLUMNS: dict[str, str] = {
    "id": "int",
    "name": "str",
    "birth_date": "date",
    "position": "str",
    "organization": "str",
    "bats": "str",
    "throws": "str",
    "signing_year": "float",  # NaN where the source does not give it
    "draft_round": "float",
    "signed_on": "date",
    "signing_type": "str",
}
_LINE_HEAD: dict[str, str] = {
    "prospect_id": "int",
    "season": "int",
    "level": "level",
    "age": "float",
    "start_date": "date",
    "end_date": "date",
}
BATTING_COUNTS: tuple[str, ...] = (
    "pa", "ab", "h", "doubles", "triples", "hr", "bb", "so", "sb", "cs", "hbp", "sf",
)  # fmt: skip
PITCHING_COUNTS: tuple[str, ...] = ("outs", "bf", "h", "er", "hr", "bb", "so", "hbp")
BATTING_COLUMNS: dict[str, str] = {**_LINE_HEAD, **dict.fromkeys(BATTING_COUNTS, "int")}
PITCHING_COLUMNS: dict[str, str] = {**_LINE_HEAD, **dict.fromkeys(PITCHING_COUNTS, "int")}
TOOLS: tuple[str, ...] = (
    "hit", "power", "run", "arm", "field", "fastball", "breaking", "changeup", "control",
)  # fmt: skip
REPORT_COLUMNS: dict[str, str] = {
    "prospect_id": "int",
    "report_date": "date",
    **dict.fromkeys(TOOLS, "float"),
    "fv": "float",
}
OUTCOME_COLUMNS: dict[str, str] = {
    "prospect_id": "int",
    "season": "int",
    "mlb_pa": "int",
    "mlb_outs": "int",
    "known_on": "date",
}
RELEASE_COLUMNS: dict[str, str] = {"prospect_id": "int", "released_on": "date"}
# Every table also carries the day each row arrived (see prospects.db.models): a hand-built
# frame without it is history, each row arrived when it became known.
ARRIVAL = "ingested_on"
for _columns in (
    PROSPECT_COLUMNS, BATTING_COLUMNS, PITCHING_COLUMNS, REPORT_COLUMNS, OUTCOME_COLUMNS,
    RELEASE_COLUMNS,
):  # fmt: skip
    _columns[ARRIVAL] = "date"

# table attribute -> (ORM model, loaded columns, the date column that says when a row is known)
_TABLES: dict[str, tuple[type, dict[str, str], str]] = {
    "prospects": (Prospect, PROSPECT_COLUMNS, "signed_on"),
    "batting": (BattingLine, BATTING_COLUMNS, "end_date"),
    "pitching": (PitchingLine, PITCHING_COLUMNS, "end_date"),
    "reports": (ScoutingReport, REPORT_COLUMNS, "report_date"),
    "outcomes": (Outcome, OUTCOME_COLUMNS, "known_on"),
    "releases": (Release, RELEASE_COLUMNS, "released_on"),
}


def prospect_key(attr: str) -> str:
    """The column holding the prospect id in frame ``attr``."""
    return "id" if attr == "prospects" else "prospect_id"


Columns = dict[str, np.ndarray]
"""A table as numpy arrays: levels as codes 0 (Rk) .. 4 (AAA), dates as float days since 1970."""


def _coerce(values: object, kind: str) -> np.ndarray | pd.Categorical:
    """One column in its canonical dtype (accepts DBAPI values, lists or pandas columns)."""
    if kind == "int":
        return np.asarray(values, dtype=np.int64)
    if kind == "float":
        return np.asarray(values, dtype=np.float64)
    if kind == "str":
        return np.asarray(values, dtype=object)
    if kind == "level":
        if isinstance(values, pd.Series) and values.dtype == LEVEL_DTYPE:
            return values.array
        names = np.asarray(values, dtype=object)
        codes = _CODE_INDEX.get_indexer(names)
        if (codes < 0).any():
            raise ValueError(f"unknown level in {sorted(set(names[codes < 0]))}")
        return pd.Categorical.from_codes(_RUNG_OF_CODE[codes], dtype=LEVEL_DTYPE)
    # date: SQLite hands back ISO strings, PostgreSQL datetime.date objects.
    if isinstance(values, pd.Series) and values.dtype == "datetime64[ns]":
        return values.to_numpy()
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if len(arr) == 0:
        return np.zeros(0, dtype="datetime64[ns]")
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[ns]")
    if len(arr) and isinstance(arr[0], str):
        try:  # numpy parses ISO days about ten times faster than pandas
            return np.asarray(arr, dtype="datetime64[D]").astype("datetime64[ns]")
        except ValueError:
            return pd.to_datetime(arr, format="ISO8601").to_numpy(dtype="datetime64[ns]")
    return pd.to_datetime(arr).to_numpy(dtype="datetime64[ns]")


def _numeric(values: np.ndarray | pd.Categorical, kind: str) -> np.ndarray:
    """The array form of a canonical column (read-only: it may share memory with the frame)."""
    if kind == "level":
        out = np.asarray(values.codes, dtype=np.int64)
    elif kind == "date":
        out = days(values)
    else:
        out = np.asarray(values)
    out = out.view()
    out.flags.writeable = False
    return out


def _backfilled(data: dict[str, object] | pd.DataFrame, known: str) -> np.ndarray:
    """Arrival days for rows that do not give them: the known date, else (a prospect without a
    signing date) the birth date, as ``prospects.db.models.backfill_arrival`` sets them."""
    arrived = _coerce(data[known], "date")
    if known == "signed_on" and "birth_date" in data:
        arrived = np.where(np.isnat(arrived), _coerce(data["birth_date"], "date"), arrived)
    return arrived


def _history_defaults(data: dict[str, object] | pd.DataFrame, known: str) -> dict[str, object]:
    """A hand-built frame's missing arrival days and signing types, filled as history: each
    row arrived when it became known, and an empty round meant an international signing
    (what it meant before signing types)."""
    out: dict[str, object] = {name: data[name] for name in data}
    if known in out:
        backfill = _backfilled(out, known)
        given = _coerce(out[ARRIVAL], "date") if ARRIVAL in out else None
        out[ARRIVAL] = backfill if given is None else np.where(np.isnat(given), backfill, given)
    if "draft_round" in out:
        rnd = np.asarray(out["draft_round"], dtype=np.float64)
        derived = np.where(np.isnan(rnd), "international", "draft").astype(object)
        given_type = np.asarray(out.get("signing_type", derived), dtype=object)
        out["signing_type"] = np.where(pd.isna(given_type), derived, given_type)
    return out


def _frame(
    columns: dict[str, str],
    data: dict[str, object] | pd.DataFrame | None,
    known: str | None = None,
) -> tuple[pd.DataFrame, Columns]:
    """A frame with exactly ``columns`` in canonical dtypes (empty when ``data`` is None), and
    its arrays."""
    if data is None:
        data = {name: [] for name in columns}
    elif known is not None:
        data = _history_defaults(data, known)
    missing = [name for name in columns if name not in data]
    if missing:
        raise ValueError(f"missing columns: {missing}")
    coerced = {name: _coerce(data[name], kind) for name, kind in columns.items()}
    arrays = {name: _numeric(coerced[name], kind) for name, kind in columns.items()}
    return pd.DataFrame(coerced), arrays


def _arrays_of(frame: pd.DataFrame, columns: dict[str, str]) -> Columns:
    """The arrays of a canonical frame."""
    return {
        name: _numeric(frame[name].array if kind == "level" else frame[name].to_numpy(), kind)
        for name, kind in columns.items()
    }


def subset(columns: Columns, keep: np.ndarray) -> Columns:
    """The rows of a table's arrays where ``keep`` holds."""
    return {name: values[keep] for name, values in columns.items()}


def _expected_dtypes(columns: dict[str, str]) -> list[object]:
    kinds = {
        "int": np.dtype(np.int64),
        "float": np.dtype(np.float64),
        "str": np.dtype(object),
        "date": np.dtype("datetime64[ns]"),
        "level": LEVEL_DTYPE,
    }
    return [kinds[kind] for kind in columns.values()]


_EXPECTED = {id(columns): _expected_dtypes(columns) for _m, columns, _k in _TABLES.values()}


def _is_canonical(frame: pd.DataFrame, columns: dict[str, str]) -> bool:
    """Whether ``frame`` already has the canonical columns and dtypes (then no copy is made)."""
    if frame.shape[1] != len(columns) or list(frame.columns) != list(columns):
        return False
    return frame.dtypes.tolist() == _EXPECTED[id(columns)]


@dataclass(frozen=True, eq=False)
class LeagueData:
    """Plain frames, one per table, with dates as datetime64 and levels as an ordered category.

    Hand-built frames (strings, ``date`` objects, extra columns) are coerced on
    construction, so tests and loaders produce identical shapes. Feature code
    reads the tables through :meth:`arrays`, a cached numpy view: pulling a
    column out of a DataFrame costs tens of microseconds, which would dominate
    featurising a single prospect. Treat the frames as immutable: to change
    data, build a new LeagueData (``dataclasses.replace``), never edit a frame
    in place, or the cached arrays go stale.
    """

    prospects: pd.DataFrame
    batting: pd.DataFrame
    pitching: pd.DataFrame
    reports: pd.DataFrame
    outcomes: pd.DataFrame
    # Optional so that hand-built leagues (tests, older callers) need not name it.
    releases: pd.DataFrame | None = None
    _arrays: dict[str, Columns] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for attr, (_model, columns, known) in _TABLES.items():
            frame = getattr(self, attr)
            if frame is None or not _is_canonical(frame, columns):
                frame, arrays = _frame(columns, frame, known)
                object.__setattr__(self, attr, frame)
                self._arrays[attr] = arrays

    @classmethod
    def empty(cls) -> LeagueData:
        """A league with no rows (every frame has its columns)."""
        return cls(None, None, None, None, None, None)  # type: ignore[arg-type]

    def arrays(self, attr: str) -> Columns:
        """Table ``attr`` as read-only arrays (levels as codes, dates as float days)."""
        arrays = self._arrays.get(attr)
        if arrays is None:
            arrays = self._arrays[attr] = _arrays_of(getattr(self, attr), _TABLES[attr][1])
        return arrays

    def _filtered(self, keep_of: Callable[[str], np.ndarray]) -> LeagueData:
        frames, arrays = {}, {}
        for attr in _TABLES:
            frame, cols = getattr(self, attr), self.arrays(attr)
            keep = keep_of(attr)
            if keep.all():
                frames[attr], arrays[attr] = frame, cols
            else:
                frames[attr] = frame.loc[keep].reset_index(drop=True)
                arrays[attr] = subset(cols, keep)
        return _trusted(frames, arrays)

    def as_of(self, day: date) -> LeagueData:
        """Only the rows known on ``day`` that had also arrived by then: the one place where
        point-in-time is enforced (a row without its own date, a prospect with no signing
        date, counts from its arrival)."""
        today = day_number(day)

        def keep(attr: str) -> np.ndarray:
            arrays = self.arrays(attr)
            known = arrays[_TABLES[attr][2]]
            return (np.isnan(known) | (known <= today)) & (arrays[ARRIVAL] <= today)

        return self._filtered(keep)

    def for_prospects(self, prospect_ids: Sequence[int]) -> LeagueData:
        """Only the rows of ``prospect_ids`` (a chunk for the serving path)."""
        ids = np.asarray(list(prospect_ids), dtype=np.int64)
        return self._filtered(lambda attr: np.isin(self.arrays(attr)[prospect_key(attr)], ids))


def _trusted(frames: dict[str, pd.DataFrame], arrays: dict[str, Columns]) -> LeagueData:
    """A LeagueData from row subsets of canonical frames: skips the (costly) dtype checks."""
    data = object.__new__(LeagueData)
    for attr, frame in frames.items():
        object.__setattr__(data, attr, frame)
    object.__setattr__(data, "_arrays", arrays)
    return data


def _select_sql(table: str, columns: dict[str, str], where: list[str]) -> str:
    """SELECT of the needed columns only."""
    sql = f"SELECT {', '.join(columns)} FROM {table}"
    return sql + (f" WHERE {' AND '.join(where)}" if where else "")


def load_league(
    session: Session,
    prospect_ids: Sequence[int] | None = None,
    as_of: date | None = None,
) -> LeagueData:
    """Read the league (or some prospects of it, as known on ``as_of``) straight into frames.

    Uses the session's own connection and transaction (so unflushed rows are seen
    after a flush) and the raw DBAPI cursor: no ORM objects, one query per table.
    Values are inlined only after ``int()`` / ``date.isoformat()``, so nothing a
    caller passes can change the SQL.
    """
    session.flush()
    ids = None if prospect_ids is None else sorted({int(i) for i in prospect_ids})
    day = None if as_of is None else pd.Timestamp(as_of).date().isoformat()
    dbapi = session.connection().connection
    cursor = dbapi.cursor()
    frames: dict[str, pd.DataFrame] = {}
    arrays: dict[str, Columns] = {}
    try:
        for attr, (model, columns, known) in _TABLES.items():
            table = model.__table__.name
            where = []
            if ids is not None:
                where.append(
                    f"{prospect_key(attr)} IN ({', '.join(map(str, ids))})" if ids else "1 = 0"
                )
            if day is not None:
                where.append(f"({known} IS NULL OR {known} <= '{day}')")
                where.append(f"{ARRIVAL} <= '{day}'")
            cursor.execute(_select_sql(table, columns, where))
            rows = cursor.fetchall()
            data = dict(zip(columns, zip(*rows, strict=True), strict=True)) if rows else None
            frames[attr], arrays[attr] = _frame(columns, data)
    finally:
        cursor.close()
    return _trusted(frames, arrays)


# Per table, besides the count and the max id: the newest row's columns that identify it.

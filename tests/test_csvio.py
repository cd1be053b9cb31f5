"""CSV import and export: exact round trips, and a loader that rejects bad club files whole."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select

from cli.main import main
from prospects.csvio import FILES, CsvValidationError, export_csv, import_csv
from prospects.db.models import (
    BattingLine,
    Outcome,
    PitchingLine,
    Prospect,
    Release,
    ScoutingReport,
)
from prospects.db.session import init_db, reset_engine, session_scope

# One valid row per file, as text; tests copy and spoil one cell at a time.
PROSPECT = {
    "id": "1",
    "name": "Ann Able",
    "birth_date": "2001-04-02",
    "position": "SS",
    "bats": "R",
    "throws": "R",
    "organization": "SEA",
    "signing_year": "2019",
    "draft_round": "1",
    "signed_on": "2019-07-01",
}
PITCHER = PROSPECT | {"id": "2", "name": "Bo Baker", "position": "SP", "draft_round": ""}
BATTING = {
    "id": "1",
    "prospect_id": "1",
    "season": "2021",
    "level": "A",
    "stint": "1",
    "age": "20.5",
    "start_date": "2021-04-06",
    "end_date": "2021-09-19",
    "pa": "400",
    "ab": "350",
    "h": "95",
    "doubles": "20",
    "triples": "3",
    "hr": "10",
    "bb": "40",
    "so": "90",
    "sb": "12",
    "cs": "4",
    "hbp": "6",
    "sf": "4",
}
PITCHING = {
    "id": "1",
    "prospect_id": "2",
    "season": "2021",
    "level": "A+",
    "stint": "1",
    "age": "21.0",
    "start_date": "2021-04-06",
    "end_date": "2021-09-19",
    "outs": "300",
    "bf": "420",
    "h": "90",
    "er": "40",
    "hr": "8",
    "bb": "35",
    "so": "110",
    "hbp": "5",
}
REPORT = {
    "id": "1",
    "prospect_id": "1",
    "report_date": "2021-08-01",
    "hit": "50",
    "power": "45",
    "run": "55",
    "arm": "60",
    "field": "55",
    "fastball": "",
    "breaking": "",
    "changeup": "",
    "control": "",
    "fv": "50",
}
OUTCOME = {
    "id": "1",
    "prospect_id": "1",
    "season": "2024",
    "mlb_pa": "120",
    "mlb_outs": "0",
    "debut_date": "2024-06-01",
    "known_on": "2024-10-01",
}


def in_season(row: dict[str, str], season: int) -> dict[str, str]:
    """A line moved to another season, its dates with it (a line's dates lie in its season)."""
    return row | {
        "season": str(season),
        "start_date": f"{season}{row['start_date'][4:]}",
        "end_date": f"{season}{row['end_date'][4:]}",
    }


def write_csv(directory: Path, filename: str, rows: list[dict[str, str]]) -> None:
    """Write rows (dicts sharing keys) under a header made of the first row's keys."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / filename).open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def load(url: str, directory: Path, **options) -> dict[str, int]:
    """Import; returns the rows inserted per table (the insert mode changes nothing else)."""
    with session_scope(url) as session:
        counts = import_csv(session, directory, **options)
    return {table: c.inserted for table, c in counts.items()}


def rejected(url: str, directory: Path) -> list[tuple[str, int | None, str | None]]:
    """Import that must fail; returns (file, row, column) of each error."""
    with pytest.raises(CsvValidationError) as info:
        load(url, directory)
    return [(e.file, e.row, e.column) for e in info.value.errors]


def reasons(url: str, directory: Path) -> list[str]:
    with pytest.raises(CsvValidationError) as info:
        load(url, directory)
    return [e.reason for e in info.value.errors]


def row_counts(url: str) -> dict[str, int]:
    with session_scope(url) as session:
        return {
            spec.table: session.scalar(select(func.count()).select_from(spec.model))
            for spec in FILES
        }


def table_rows(url: str) -> dict[str, list[tuple]]:
    with session_scope(url) as session:
        return {
            spec.table: [
                tuple(r)
                for r in session.execute(
                    select(spec.model.__table__).order_by(spec.model.__table__.c.id)
                )
            ]
            for spec in FILES
        }


@pytest.fixture
def source_url(tmp_path) -> Iterator[str]:
    """A second database to export from, so the round trip imports into an empty one."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    init_db(url)
    yield url
    reset_engine(url)


def _seed_by_hand(url: str) -> None:
    """A small league: hitters and pitchers, their lines, reports with NULL grades, outcomes."""
    d = date
    with session_scope(url) as s:
        s.execute(
            insert(Prospect),
            [
                dict(id=7, name="Ann Able", birth_date=d(2001, 4, 2), position="SS", bats="R",
                     throws="R", organization="SEA", signing_year=2019, draft_round=1,
                     signed_on=d(2019, 7, 1)),
                dict(id=12, name='Bo "Ace" Baker, Jr.', birth_date=d(2000, 1, 31),
                     position="SP", bats="L", throws="L", organization="NYY", signing_year=2018,
                     draft_round=None, signed_on=d(2018, 7, 2)),
                dict(id=30, name="Cruz Díaz", birth_date=d(2002, 12, 1), position="C",
                     bats="S", throws="R", organization="HOU", signing_year=2020, draft_round=11,
                     signed_on=d(2020, 8, 15)),
            ],
        )  # fmt: skip
        s.execute(
            insert(BattingLine),
            [
                dict(id=3, prospect_id=7, season=2021, level="A", age=20.0,
                     start_date=d(2021, 4, 6), end_date=d(2021, 9, 19), pa=400, ab=350, h=95,
                     doubles=20, triples=3, hr=10, bb=40, so=90, sb=12, cs=4, hbp=6, sf=4),
                dict(id=9, prospect_id=7, season=2022, level="AA", age=21.123456789,
                     start_date=d(2022, 4, 8), end_date=d(2022, 9, 18), pa=0, ab=0, h=0,
                     doubles=0, triples=0, hr=0, bb=0, so=0, sb=0, cs=0, hbp=0, sf=0),
                dict(id=10, prospect_id=30, season=2022, level="Rk", age=19.5,
                     start_date=d(2022, 6, 20), end_date=d(2022, 8, 30), pa=150, ab=130, h=30,
                     doubles=5, triples=1, hr=2, bb=15, so=35, sb=3, cs=1, hbp=3, sf=2),
            ],
        )  # fmt: skip
        s.execute(
            insert(PitchingLine),
            [
                dict(id=4, prospect_id=12, season=2021, level="A+", age=21.4,
                     start_date=d(2021, 4, 6), end_date=d(2021, 9, 19), outs=300, bf=420, h=90,
                     er=40, hr=8, bb=35, so=110, hbp=5),
            ],
        )  # fmt: skip
        s.execute(
            insert(ScoutingReport),
            [
                dict(id=1, prospect_id=7, report_date=d(2021, 8, 1), hit=50, power=45, run=55,
                     arm=60, field=55, fastball=None, breaking=None, changeup=None, control=None,
                     fv=50),
                dict(id=2, prospect_id=12, report_date=d(2021, 8, 1), hit=None, power=None,
                     run=None, arm=None, field=None, fastball=65, breaking=55, changeup=45,
                     control=50, fv=55),
            ],
        )  # fmt: skip
        s.execute(
            insert(Outcome),
            [
                dict(id=5, prospect_id=7, season=2024, mlb_pa=120, mlb_outs=0,
                     debut_date=d(2024, 6, 1), known_on=d(2024, 10, 1)),
                dict(id=6, prospect_id=12, season=2024, mlb_pa=0, mlb_outs=0, debut_date=None,
                     known_on=d(2024, 10, 1)),
            ],
        )  # fmt: skip
        s.execute(insert(Release), [dict(id=2, prospect_id=30, released_on=d(2023, 3, 20))])


def _valid_league(directory: Path) -> None:
    write_csv(directory, "prospects.csv", [PROSPECT, PITCHER])
    write_csv(directory, "batting_lines.csv", [BATTING])
    write_csv(directory, "pitching_lines.csv", [PITCHING])
    write_csv(directory, "scouting_reports.csv", [REPORT])
    write_csv(directory, "outcomes.csv", [OUTCOME])


# --- round trip --------------------------------------------------------------------------------


def test_round_trip_is_byte_identical_and_rows_equal(db_url, source_url, tmp_path):
    _seed_by_hand(source_url)
    with session_scope(source_url) as s:
        first = export_csv(s, tmp_path / "first")
    assert first == {
        "prospects": 3,
        "batting_lines": 3,
        "pitching_lines": 1,
        "scouting_reports": 2,
        "outcomes": 2,
        "releases": 1,
    }

    # A whole league's history: each row arrived when it became known, as in the source.
    assert load(db_url, tmp_path / "first", backfill=True) == first
    with session_scope(db_url) as s:
        assert export_csv(s, tmp_path / "second") == first

    for spec in FILES:
        a = (tmp_path / "first" / spec.filename).read_bytes()
        assert a == (tmp_path / "second" / spec.filename).read_bytes(), spec.filename
    assert table_rows(db_url) == table_rows(source_url)


def test_export_writes_the_documented_format(source_url, tmp_path):
    _seed_by_hand(source_url)
    with session_scope(source_url) as s:
        export_csv(s, tmp_path)
    lines = (tmp_path / "scouting_reports.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "id,prospect_id,report_date,hit,power,run,arm,field,fastball,breaking,changeup,control,fv"
    )
    assert lines[1] == "1,7,2021-08-01,50,45,55,60,55,,,,,50"  # NULL grades are empty cells
    prospects = (tmp_path / "prospects.csv").read_text(encoding="utf-8").splitlines()
    assert (
        prospects[2]
        == '12,"Bo ""Ace"" Baker, Jr.",2000-01-31,SP,L,L,NYY,2018,,0,2018-07-02,unknown'
    )
    assert not list(tmp_path.glob(".*partial"))


def test_export_of_an_empty_database_writes_headers_only(sqlite_url, tmp_path):
    with session_scope(sqlite_url) as s:
        counts = export_csv(s, tmp_path / "out")
    assert counts == dict.fromkeys((spec.table for spec in FILES), 0)
    header = (tmp_path / "out" / "outcomes.csv").read_text()
    assert header == "id,prospect_id,season,mlb_pa,mlb_outs,debut_date,known_on\n"


# --- a good import -------------------------------------------------------------------------------


def test_only_prospects_csv_is_enough(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT, PITCHER])
    assert load(sqlite_url, tmp_path) == {"prospects": 2}
    with session_scope(sqlite_url) as s:
        pitcher = s.get(Prospect, 2)
        assert (pitcher.position, pitcher.draft_round, pitcher.signed_on) == (
            "SP",
            None,
            date(2019, 7, 1),
        )


def test_lines_may_reference_prospects_already_in_the_database(db_url, tmp_path):
    write_csv(tmp_path / "a", "prospects.csv", [PROSPECT])
    load(db_url, tmp_path / "a")
    write_csv(tmp_path / "b", "batting_lines.csv", [BATTING])
    assert load(db_url, tmp_path / "b") == {"batting_lines": 1}


def test_child_ids_may_be_left_to_the_database(db_url, tmp_path):
    _valid_league(tmp_path / "a")
    load(db_url, tmp_path / "a")
    no_id = {k: v for k, v in BATTING.items() if k != "id"}
    write_csv(tmp_path / "b", "batting_lines.csv", [in_season(no_id, 2022)])
    write_csv(tmp_path / "c", "batting_lines.csv", [in_season(BATTING | {"id": ""}, 2023)])
    load(db_url, tmp_path / "b")
    load(db_url, tmp_path / "c")
    with session_scope(db_url) as s:
        # The ORM's own insert must not collide with the ids the files brought (PG sequence).
        s.add(BattingLine(**_line(2024)))
    with session_scope(db_url) as s:
        ids = s.scalars(select(BattingLine.id).order_by(BattingLine.season)).all()
    assert ids == [1, 2, 3, 4]


def _line(season: int) -> dict:
    return dict(
        prospect_id=1, season=season, level="A", age=20.0, start_date=date(season, 4, 6),
        end_date=date(season, 9, 1), pa=0, ab=0, h=0, doubles=0, triples=0, hr=0, bb=0, so=0,
        sb=0, cs=0, hbp=0, sf=0,
    )  # fmt: skip


def test_excel_quirks_are_accepted(sqlite_url, tmp_path):
    """A BOM, padded cells, CRLF line ends and blank rows are how spreadsheets save CSV."""
    text = "\ufeff" + ",".join(PROSPECT) + "\r\n\r\n" + ", ".join(PROSPECT.values()) + "\r\n"
    (tmp_path / "prospects.csv").write_text(text, encoding="utf-8", newline="")
    assert load(sqlite_url, tmp_path) == {"prospects": 1}
    with session_scope(sqlite_url) as s:
        assert s.get(Prospect, 1).organization == "SEA"


# --- all or nothing -------------------------------------------------------------------------------


def test_one_bad_row_rejects_every_file_and_writes_nothing(db_url, tmp_path):
    _valid_league(tmp_path)
    good = [in_season(BATTING | {"id": str(i)}, 2010 + i) for i in range(1, 6)]
    good[2] = good[2] | {"hr": "-1"}  # row 4, counting the header as row 1
    write_csv(tmp_path, "batting_lines.csv", good)
    with pytest.raises(CsvValidationError) as info:
        load(db_url, tmp_path)
    [error] = info.value.errors
    assert (error.file, error.row, error.column) == ("batting_lines.csv", 4, "hr")
    assert error.reason == "must be at least 0, got -1"
    assert "batting_lines.csv, row 4, column hr: must be at least 0, got -1" in str(info.value)
    assert row_counts(db_url) == dict.fromkeys((spec.table for spec in FILES), 0)


def test_errors_in_several_files_are_all_reported(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"bats": "X"}, PITCHER | {"name": ""}])
    write_csv(tmp_path, "batting_lines.csv", [BATTING | {"level": "AAAA", "pa": "lots"}])
    write_csv(tmp_path, "pitching_lines.csv", [PITCHING, PITCHING | {"id": "2", "h": "500"}])
    write_csv(tmp_path, "scouting_reports.csv", [REPORT | {"fv": "", "hit": "85"}])
    assert rejected(sqlite_url, tmp_path) == [
        ("prospects.csv", 2, "bats"),
        ("prospects.csv", 3, "name"),
        ("batting_lines.csv", 2, "level"),
        ("batting_lines.csv", 2, "pa"),
        ("pitching_lines.csv", 3, "h"),
        ("pitching_lines.csv", 3, "prospect_id+season+level+stint"),
        ("scouting_reports.csv", 2, "hit"),
        ("scouting_reports.csv", 2, "fv"),
    ]


def test_message_lists_fifty_errors_then_counts_the_rest(sqlite_url, tmp_path):
    rows = [PROSPECT | {"id": str(i), "bats": "X"} for i in range(1, 61)]
    write_csv(tmp_path, "prospects.csv", rows)
    with pytest.raises(CsvValidationError) as info:
        load(sqlite_url, tmp_path)
    message = str(info.value)
    assert len(info.value.errors) == 60
    assert message.startswith("CSV import rejected, nothing was written: 60 errors")
    assert "prospects.csv, row 51, column bats" in message
    assert "row 52," not in message
    assert message.endswith("... and 10 more")


# --- one rule at a time ---------------------------------------------------------------------------


def test_unknown_level(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting_lines.csv", [BATTING | {"level": "AAAA"}])
    assert reasons(sqlite_url, tmp_path) == [
        "'AAAA' is not one of DSL, CPX, Rk, A-, A, A+, AA, AAA"
    ]


def test_negative_count(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PITCHER])
    write_csv(tmp_path, "pitching_lines.csv", [PITCHING | {"so": "-3"}])
    assert rejected(sqlite_url, tmp_path) == [("pitching_lines.csv", 2, "so")]


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"ab": "380"}, "ab", "AB+BB+HBP+SF = 430 exceeds PA = 400"),
        ({"h": "30"}, "h", "H = 30 is less than 2B+3B+HR = 33"),
        ({"h": "360"}, "h", "H = 360 exceeds AB = 350"),
        ({"end_date": "2021-04-01"}, "end_date", "end_date 2021-04-01 is before start_date"),
    ],
)
def test_inconsistent_batting_line(sqlite_url, tmp_path, change, column, reason):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting_lines.csv", [BATTING | change])
    with pytest.raises(CsvValidationError) as info:
        load(sqlite_url, tmp_path)
    [error] = info.value.errors
    assert (error.row, error.column) == (2, column)
    assert error.reason.startswith(reason)


@pytest.mark.parametrize("text", ["2021-13-01", "01/04/2021", "20210401", "2021-4-1", "soon"])
def test_bad_date(sqlite_url, tmp_path, text):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"birth_date": text}])
    with pytest.raises(CsvValidationError) as info:
        load(sqlite_url, tmp_path)
    [error] = info.value.errors
    assert (error.row, error.column) == (2, "birth_date")
    assert error.reason == f"expected a date as YYYY-MM-DD, got {text!r}"


@pytest.mark.parametrize("text", ["1.0", "1_000", "ten", "99999999999"])
def test_bad_integer(sqlite_url, tmp_path, text):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"signing_year": text}])
    assert rejected(sqlite_url, tmp_path) == [("prospects.csv", 2, "signing_year")]


@pytest.mark.parametrize("text", ["nan", "inf", "1e999", "20,5"])
def test_bad_float(sqlite_url, tmp_path, text):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting_lines.csv", [BATTING | {"age": text}])
    assert rejected(sqlite_url, tmp_path) == [("batting_lines.csv", 2, "age")]


def test_text_longer_than_the_column(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"organization": "SEAT"}])
    assert reasons(sqlite_url, tmp_path) == ["'SEAT' is longer than 3 characters"]


def test_line_referencing_an_unknown_prospect(db_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "outcomes.csv", [OUTCOME, OUTCOME | {"id": "2", "prospect_id": "99"}])
    with pytest.raises(CsvValidationError) as info:
        load(db_url, tmp_path)
    [error] = info.value.errors
    assert (error.file, error.row, error.column) == ("outcomes.csv", 3, "prospect_id")
    assert error.reason == "prospect 99 is neither in prospects.csv nor in the database"


def test_duplicate_keys_within_a_file(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT, PITCHER, PROSPECT | {"name": "Other"}])
    write_csv(tmp_path, "outcomes.csv", [OUTCOME, OUTCOME | {"id": "2"}])
    with pytest.raises(CsvValidationError) as info:
        load(sqlite_url, tmp_path)
    assert [(e.file, e.row, e.column, e.reason) for e in info.value.errors] == [
        ("prospects.csv", 4, "id", "id 1 repeats row 2"),
        ("outcomes.csv", 3, "prospect_id+season", "prospect_id=1, season=2024 repeats row 2"),
    ]


def test_duplicate_keys_against_the_database(db_url, tmp_path):
    _valid_league(tmp_path / "first")
    load(db_url, tmp_path / "first")
    write_csv(tmp_path / "again", "prospects.csv", [PROSPECT | {"id": "3"}, PITCHER])
    write_csv(tmp_path / "again", "batting_lines.csv", [BATTING | {"id": "2"}])
    write_csv(tmp_path / "again", "scouting_reports.csv", [REPORT | {"report_date": "2022-01-01"}])
    with pytest.raises(CsvValidationError) as info:
        load(db_url, tmp_path / "again")
    assert [(e.file, e.row, e.column, e.reason) for e in info.value.errors] == [
        ("prospects.csv", 3, "id", "id 2 is already in the database"),
        (
            "batting_lines.csv",
            2,
            "prospect_id+season+level+stint",
            "prospect_id=1, season=2021, level=A, stint=1 is already in the database",
        ),
        ("scouting_reports.csv", 2, "id", "id 1 is already in the database"),
    ]
    assert row_counts(db_url)["prospects"] == 2


def test_missing_required_column(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting_lines.csv", [{k: v for k, v in BATTING.items() if k != "sf"}])
    with pytest.raises(CsvValidationError) as info:
        load(sqlite_url, tmp_path)
    [error] = info.value.errors
    assert (error.file, error.row, error.column) == ("batting_lines.csv", 1, "sf")
    assert error.reason == "required column is missing from the header"


def test_optional_columns_may_be_left_out(sqlite_url, tmp_path):
    """Nullable columns (here draft_round) and child ids may be absent from the header."""
    no_round = {k: v for k, v in PROSPECT.items() if k != "draft_round"}
    write_csv(tmp_path, "prospects.csv", [no_round])
    assert load(sqlite_url, tmp_path) == {"prospects": 1}


def test_unknown_and_repeated_columns(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"nickname": "Ace"}])
    (tmp_path / "outcomes.csv").write_text("id,prospect_id,season,season\n")
    assert rejected(sqlite_url, tmp_path) == [
        ("prospects.csv", 1, "nickname"),
        ("outcomes.csv", 1, "season"),
        ("outcomes.csv", 1, "mlb_pa"),
        ("outcomes.csv", 1, "mlb_outs"),
        ("outcomes.csv", 1, "known_on"),
    ]


def test_row_with_the_wrong_number_of_cells(sqlite_url, tmp_path):
    (tmp_path / "prospects.csv").write_text(
        ",".join(PROSPECT) + "\n" + ",".join(PROSPECT.values()) + ",extra\n"
    )
    assert reasons(sqlite_url, tmp_path) == ["has 11 cells but the header has 10"]


def test_directory_without_any_of_the_files(sqlite_url, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    assert reasons(sqlite_url, tmp_path) == [
        "holds none of prospects.csv, batting_lines.csv, pitching_lines.csv, "
        "scouting_reports.csv, outcomes.csv, releases.csv"
    ]


def test_a_misnamed_file_is_not_silently_skipped(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting.csv", [BATTING])
    assert rejected(sqlite_url, tmp_path) == [("batting.csv", None, None)]


def test_a_file_that_is_not_utf8(sqlite_url, tmp_path):
    header = ",".join(PROSPECT) + "\n"
    body = ",".join(PROSPECT.values()).replace("Ann Able", "Ren\xe9e") + "\n"
    (tmp_path / "prospects.csv").write_bytes(header.encode() + body.encode("latin-1"))
    errors = rejected(sqlite_url, tmp_path)
    assert errors == [("prospects.csv", 2, None)]


# --- schema, docs and CLI -------------------------------------------------------------------------


def test_every_column_is_documented():
    doc = (Path(__file__).parents[1] / "docs" / "csv-schema.md").read_text(encoding="utf-8")
    for spec in FILES:
        section = doc.split(f"## {spec.filename}")[1].split("\n## ")[0]
        documented = re.findall(r"^\| `(\w+)` \|", section, flags=re.M)
        assert documented == list(spec.names), spec.filename


@pytest.fixture
def cli_db(tmp_path, monkeypatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    reset_engine(url)


def test_cli_import_then_export(cli_db, tmp_path):
    _valid_league(tmp_path / "in")
    runner = CliRunner()
    result = runner.invoke(main, ["import-csv", str(tmp_path / "in")])
    assert result.exit_code == 0, result.output
    assert "prospects: 2 inserted, 0 updated, 0 unchanged" in result.output
    assert "outcomes: 1 inserted, 0 updated, 0 unchanged" in result.output

    result = runner.invoke(main, ["export-csv", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "batting_lines: 1 rows" in result.output
    exported = (tmp_path / "out" / "pitching_lines.csv").read_text().splitlines()
    assert exported[1] == ",".join(PITCHING.values())


def test_cli_rejects_a_bad_file_with_exit_code_2(cli_db, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT, PITCHER | {"throws": "S"}])
    result = CliRunner().invoke(main, ["import-csv", str(tmp_path)])
    assert result.exit_code == 2
    assert "CSV import rejected, nothing was written: 1 error" in result.stderr
    assert "prospects.csv, row 3, column throws: 'S' is not one of L, R" in result.stderr
    assert row_counts(cli_db)["prospects"] == 0

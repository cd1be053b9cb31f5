"""Real clubs' data: the codes public databases use, stints, signing types, the checks that
catch implausible rows, in-season upserts, arrival days, and a full list of problems."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from prospects.csvio import CsvValidationError, TableCounts, import_csv
from prospects.csvio.export import export_csv
from prospects.db.models import BattingLine, Ingest, Prospect, ScoutingReport
from prospects.db.session import reset_engine, session_scope
from prospects.db.version import data_version
from prospects.features.build import build_features
from prospects.features.data import load_league
from prospects.jobs import DATA_VERSION_KEY
from tests.test_csvio import BATTING, OUTCOME, PITCHER, PITCHING, PROSPECT, REPORT, write_csv


def run_import(url: str, directory: Path, **options) -> dict[str, TableCounts]:
    with session_scope(url) as session:
        return import_csv(session, directory, **options)


def problems(url: str, directory: Path, **options) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(CsvValidationError) as info:
        run_import(url, directory, **options)
    return [(e.file, e.row, e.column, e.reason) for e in info.value.errors]


# --- codes real sources use ----------------------------------------------------------------------


@pytest.mark.parametrize(("code", "rung"), [("DSL", "Rk"), ("CPX", "Rk"), ("A-", "A")])
def test_a_new_level_code_is_stored_as_written_and_climbs_the_ladder_as_its_rung(
    sqlite_url, tmp_path, code, rung
):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting_lines.csv", [BATTING | {"level": code}])
    run_import(sqlite_url, tmp_path)
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(BattingLine.level)) == code
        assert load_league(s).batting["level"].tolist() == [rung]


@pytest.mark.parametrize(
    ("position", "is_pitcher"), [("OF", 0.0), ("UT", 0.0), ("TWP", 0.0), ("P", 1.0)]
)
def test_a_new_position_loads_and_makes_the_documented_kind(
    sqlite_url, tmp_path, position, is_pitcher
):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"position": position}])
    run_import(sqlite_url, tmp_path, backfill=True)
    with session_scope(sqlite_url) as s:
        features = build_features(load_league(s), date(2022, 1, 1))
    assert features.loc[1, "is_pitcher"] == is_pitcher


def test_bats_b_is_a_switch_hitter(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"bats": "B"}])
    run_import(sqlite_url, tmp_path)
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(Prospect.bats)) == "S"


def test_a_player_traded_mid_season_has_two_stints_at_one_level(sqlite_url, tmp_path):
    first = BATTING | {"end_date": "2021-06-30"}
    second = BATTING | {"id": "2", "stint": "2", "start_date": "2021-07-02"}
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting_lines.csv", [first, second])
    counts = run_import(sqlite_url, tmp_path, backfill=True)
    assert counts["batting_lines"] == TableCounts(2, 0, 0)
    with session_scope(sqlite_url) as s:
        assert s.scalars(select(BattingLine.stint).order_by(BattingLine.id)).all() == [1, 2]
        features = build_features(load_league(s), date(2022, 1, 1))
    # Both stints count: 400 plate appearances each.
    assert features.loc[1, "career_volume"] == 800


def test_the_same_stint_twice_is_still_a_duplicate(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting_lines.csv", [BATTING, BATTING | {"id": "2"}])
    assert problems(sqlite_url, tmp_path) == [
        (
            "batting_lines.csv",
            3,
            "prospect_id+season+level+stint",
            "prospect_id=1, season=2021, level=A, stint=1 repeats row 2",
        )
    ]


def test_a_file_from_before_stints_and_signing_types_still_imports(sqlite_url, tmp_path):
    old_prospect = {k: v for k, v in PROSPECT.items()}
    old_pitcher = {k: v for k, v in PITCHER.items()}  # empty round: international, as before
    old_line = {k: v for k, v in BATTING.items() if k != "stint"}
    write_csv(tmp_path, "prospects.csv", [old_prospect, old_pitcher])
    write_csv(tmp_path, "batting_lines.csv", [old_line])
    run_import(sqlite_url, tmp_path)
    with session_scope(sqlite_url) as s:
        assert s.scalars(select(Prospect.signing_type).order_by(Prospect.id)).all() == [
            "draft",
            "international",
        ]
        assert s.scalar(select(BattingLine.stint)) == 1


def test_signing_type_with_no_signing_date_or_year(sqlite_url, tmp_path):
    rows = [
        PROSPECT | {"signing_type": "undrafted", "draft_round": "", "signed_on": "",
                    "signing_year": ""},
        PITCHER | {"signing_type": ""},  # no round, the column present: unknown
        PROSPECT | {"id": "3", "signing_type": ""},  # a round: a draft
    ]  # fmt: skip
    write_csv(tmp_path, "prospects.csv", rows)
    run_import(sqlite_url, tmp_path, backfill=True)
    with session_scope(sqlite_url) as s:
        stored = s.execute(
            select(Prospect.signing_type, Prospect.signed_on, Prospect.signing_year).order_by(
                Prospect.id
            )
        ).all()
        features = build_features(load_league(s), date(2022, 1, 1))
    assert [tuple(r) for r in stored] == [
        ("undrafted", None, None),
        ("unknown", date(2019, 7, 1), 2019),
        ("draft", date(2019, 7, 1), 2019),
    ]
    # No made-up signing day: the features that need one are missing, the prospect is there.
    assert np.isnan(features.loc[1, "signing_age"])
    assert features.loc[1, "is_international"] == 0.0
    assert np.isnan(features.loc[2, "is_international"])  # unknown is not international
    assert features.loc[3, "is_international"] == 0.0


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("1", (1, False)),
        ("1C", (1, True)),
        ("1s", (1, True)),
        ("CB-A", (1, True)),
        ("C-A", (1, True)),
        ("CB-B", (2, True)),
        ("2C", (2, True)),
    ],
)
def test_a_supplemental_round_code_is_its_round_and_the_flag(sqlite_url, tmp_path, written, stored):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"draft_round": written}])
    run_import(sqlite_url, tmp_path)
    with session_scope(sqlite_url) as s:
        row = s.execute(select(Prospect.draft_round, Prospect.supplemental_round)).one()
    assert tuple(row) == stored


def test_the_supplemental_flag_as_its_own_column_round_trips(sqlite_url, tmp_path):
    rows = [PROSPECT | {"supplemental_round": "1"}, PITCHER | {"supplemental_round": ""}]
    write_csv(tmp_path / "in", "prospects.csv", rows)
    run_import(sqlite_url, tmp_path / "in")
    with session_scope(sqlite_url) as s:
        export_csv(s, tmp_path / "out")
    with (tmp_path / "out" / "prospects.csv").open(encoding="utf-8") as f:
        exported = [(r["draft_round"], r["supplemental_round"]) for r in csv.DictReader(f)]
    assert exported == [("1", "1"), ("", "0")]


def test_a_supplemental_pick_without_a_round_is_rejected(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PITCHER | {"supplemental_round": "yes"}])
    assert problems(sqlite_url, tmp_path) == [
        (
            "prospects.csv",
            2,
            "supplemental_round",
            "supplemental_round is set, so draft_round must give the round it follows",
        )
    ]


def test_an_unknown_round_code_is_rejected(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"draft_round": "1X"}])
    assert [p[2] for p in problems(sqlite_url, tmp_path)] == ["draft_round"]


# --- implausible rows ----------------------------------------------------------------------------


def test_a_round_with_another_signing_type_is_rejected(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"signing_type": "international"}])
    assert problems(sqlite_url, tmp_path) == [
        (
            "prospects.csv",
            2,
            "signing_type",
            "draft_round 1 is set, so signing_type must be draft, not international",
        )
    ]


def test_a_signing_day_outside_the_signing_year_is_rejected(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT | {"signed_on": "2020-01-03"}])
    assert problems(sqlite_url, tmp_path) == [
        ("prospects.csv", 2, "signed_on", "signed_on 2020-01-03 is not in signing_year 2019")
    ]


@pytest.mark.parametrize("age", ["6", "14.9", "45.5"])
def test_an_implausible_age_on_a_line_is_rejected(sqlite_url, tmp_path, age):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "pitching_lines.csv", [PITCHING | {"prospect_id": "1", "age": age}])
    [(file, row, column, reason)] = problems(sqlite_url, tmp_path)
    assert (file, row, column) == ("pitching_lines.csv", 2, "age")
    assert reason.startswith("must be at least 15" if float(age) < 15 else "must be at most 45")


@pytest.mark.parametrize("column", ["start_date", "end_date"])
def test_a_line_dated_outside_its_season_is_rejected(sqlite_url, tmp_path, column):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "batting_lines.csv", [BATTING | {column: "2022-05-01"}])
    reasons = [p[3] for p in problems(sqlite_url, tmp_path)]
    assert f"{column} 2022-05-01 is not in season 2021" in reasons


def test_a_debut_outside_its_season_is_rejected(sqlite_url, tmp_path):
    write_csv(tmp_path, "prospects.csv", [PROSPECT])
    write_csv(tmp_path, "outcomes.csv", [OUTCOME | {"debut_date": "2023-09-01"}])
    assert problems(sqlite_url, tmp_path) == [
        ("outcomes.csv", 2, "debut_date", "debut_date 2023-09-01 is not in season 2024")
    ]


# --- in-season upserts ---------------------------------------------------------------------------


def _week_one(url: str, tmp_path: Path) -> None:
    """Two hitters, each with a line; arrived as history (backfill)."""
    write_csv(tmp_path / "w1", "prospects.csv", [PROSPECT, PROSPECT | {"id": "3"}])
    write_csv(
        tmp_path / "w1",
        "batting_lines.csv",
        [BATTING, BATTING | {"id": "2", "prospect_id": "3"}],
    )
    run_import(url, tmp_path / "w1", backfill=True)


def test_upsert_inserts_new_rows_replaces_changed_ones_and_counts_the_rest(db_url, tmp_path):
    _week_one(db_url, tmp_path)
    grown = BATTING | {"id": "", "pa": "430", "ab": "378", "h": "101"}  # the same key, grown
    new = BATTING | {"id": "", "level": "A+", "prospect_id": "3"}
    same = BATTING | {"id": "", "prospect_id": "3"}
    write_csv(tmp_path / "w2", "prospects.csv", [PROSPECT, PROSPECT | {"id": "3"}])
    write_csv(tmp_path / "w2", "batting_lines.csv", [grown, new, same])
    counts = run_import(db_url, tmp_path / "w2", mode="upsert", arrived_on=date(2021, 9, 26))
    assert counts == {
        "prospects": TableCounts(0, 0, 2),
        "batting_lines": TableCounts(inserted=1, updated=1, unchanged=1),
    }
    with session_scope(db_url) as s:
        rows = s.execute(
            select(BattingLine.id, BattingLine.prospect_id, BattingLine.level, BattingLine.pa,
                   BattingLine.ingested_on).order_by(BattingLine.id)
        ).all()  # fmt: skip
        ingest = s.scalars(select(Ingest).order_by(Ingest.id.desc())).first()
    assert [tuple(r) for r in rows] == [
        (1, 1, "A", 430, date(2021, 9, 26)),  # replaced in place, arrived on the upsert's day
        (2, 3, "A", 400, date(2021, 9, 19)),  # unchanged: keeps its arrival day
        (3, 3, "A+", 400, date(2021, 9, 26)),
    ]
    assert (ingest.mode, ingest.changed, ingest.arrived_on) == ("upsert", 2, date(2021, 9, 26))
    assert ingest.counts["batting_lines"] == {"inserted": 1, "updated": 1, "unchanged": 1}


def test_upsert_with_one_bad_row_changes_nothing(db_url, tmp_path):
    _week_one(db_url, tmp_path)
    with session_scope(db_url) as s:
        before = data_version(s)
    write_csv(
        tmp_path / "w2",
        "batting_lines.csv",
        [BATTING | {"pa": "430", "ab": "378"}, BATTING | {"id": "", "level": "AA", "hr": "-1"}],
    )
    assert problems(db_url, tmp_path / "w2", mode="upsert") == [
        ("batting_lines.csv", 3, "hr", "must be at least 0, got -1")
    ]
    with session_scope(db_url) as s:
        assert s.scalars(select(BattingLine.pa).order_by(BattingLine.id)).all() == [400, 400]
        assert data_version(s) == before


def test_upsert_refuses_an_id_that_another_row_holds(sqlite_url, tmp_path):
    _week_one(sqlite_url, tmp_path)
    write_csv(tmp_path / "w2", "batting_lines.csv", [BATTING | {"id": "2", "level": "AA"}])
    assert problems(sqlite_url, tmp_path / "w2", mode="upsert") == [
        (
            "batting_lines.csv",
            2,
            "id",
            "id 2 is stored for prospect_id=3, season=2021, level=A, stint=1",
        )
    ]


def test_an_update_of_an_old_row_changes_the_data_version(db_url, tmp_path):
    """Counts and the newest row do not move when the first row changes; the version does."""
    _week_one(db_url, tmp_path)
    with session_scope(db_url) as s:
        before = data_version(s)
    write_csv(tmp_path / "w2", "batting_lines.csv", [BATTING | {"so": "91"}])
    run_import(db_url, tmp_path / "w2", mode="upsert")
    with session_scope(db_url) as s:
        after = data_version(s)
    assert after != before
    run_import(db_url, tmp_path / "w2", mode="upsert")  # nothing changes the second time
    with session_scope(db_url) as s:
        assert data_version(s) == after


def test_the_cli_upsert_drops_the_cached_data_version(tmp_path, monkeypatch, redis_url):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    client = redis.Redis.from_url(redis_url)
    try:
        write_csv(tmp_path / "w1", "prospects.csv", [PROSPECT])
        write_csv(tmp_path / "w1", "batting_lines.csv", [BATTING])
        assert CliRunner().invoke(main, ["import-csv", str(tmp_path / "w1")]).exit_code == 0
        with session_scope(url) as s:
            cached = data_version(s)
        client.set(DATA_VERSION_KEY, cached)  # what the API and workers key answers by
        write_csv(tmp_path / "w2", "batting_lines.csv", [BATTING | {"pa": "430", "ab": "378"}])
        result = CliRunner().invoke(main, ["import-csv", "--mode", "upsert", str(tmp_path / "w2")])
        assert result.exit_code == 0, result.output
        assert "batting_lines: 0 inserted, 1 updated, 0 unchanged" in result.output
        assert client.get(DATA_VERSION_KEY) is None
        with session_scope(url) as s:
            assert data_version(s) != cached  # so no answer cached under it matches again
    finally:
        client.delete(DATA_VERSION_KEY)
        client.close()
        reset_engine(url)


# --- arrival days: the point-in-time guarantee ---------------------------------------------------


def test_a_back_dated_report_never_reaches_a_reference_date_before_it_arrived(db_url, tmp_path):
    write_csv(tmp_path / "history", "prospects.csv", [PROSPECT])
    run_import(db_url, tmp_path / "history", backfill=True)
    # Dated May 1, but it reached Callup on August 1.
    report = REPORT | {"report_date": "2021-05-01", "fv": "60"}
    write_csv(tmp_path / "late", "scouting_reports.csv", [report])
    run_import(db_url, tmp_path / "late", arrived_on=date(2021, 8, 1))
    with session_scope(db_url) as s:
        assert load_league(s, as_of=date(2021, 6, 1)).reports.empty
        assert len(load_league(s, as_of=date(2021, 8, 1)).reports) == 1
        everything = load_league(s)
    assert everything.as_of(date(2021, 7, 31)).reports.empty
    june = build_features(everything, date(2021, 6, 1))
    august = build_features(everything, date(2021, 8, 2))
    assert june.loc[1, "sc_n_reports"] == 0
    assert august.loc[1, "sc_n_reports"] == 1


def test_a_line_revised_later_does_not_leak_into_a_past_reference_date(db_url, tmp_path):
    first_half = BATTING | {"end_date": "2021-06-30"}
    write_csv(tmp_path / "history", "prospects.csv", [PROSPECT])
    write_csv(tmp_path / "history", "batting_lines.csv", [first_half])
    run_import(db_url, tmp_path / "history", backfill=True)
    with session_scope(db_url) as s:
        july_before = build_features(load_league(s), date(2021, 7, 15))
    # In September the source restates the same stint (same key, same end date): 450 PA.
    write_csv(tmp_path / "revised", "batting_lines.csv", [first_half | {"pa": "450"}])
    run_import(db_url, tmp_path / "revised", mode="upsert", arrived_on=date(2021, 9, 1))
    with session_scope(db_url) as s:
        everything = load_league(s)
        revised_pa = s.scalar(select(BattingLine.pa))
    assert revised_pa == 450
    july_after = build_features(everything, date(2021, 7, 15))
    september = build_features(everything, date(2021, 9, 2))
    # July never sees the September revision (the line counts from its arrival on).
    assert july_before.loc[1, "h_pa"] == 400
    # The revised row arrived in September: July sees no line rather than the revision.
    assert np.isnan(july_after.loc[1, "h_pa"])
    assert september.loc[1, "h_pa"] == 450


# --- problems a person can work through ----------------------------------------------------------


def test_errors_file_holds_every_problem(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    rows = [PROSPECT | {"id": str(i), "bats": "X"} for i in range(1, 61)]
    write_csv(tmp_path / "in", "prospects.csv", rows)
    out = tmp_path / "problems.csv"
    result = CliRunner().invoke(main, ["import-csv", str(tmp_path / "in"), "--errors", str(out)])
    reset_engine(url)
    assert result.exit_code == 2
    assert f"all 60 problems written to {out}" in result.stderr
    with out.open(newline="", encoding="utf-8") as f:
        written = list(csv.reader(f))
    assert written[0] == ["file", "row", "column", "reason"]
    assert len(written) == 61
    assert written[60] == ["prospects.csv", "61", "bats", "'X' is not one of L, R, S"]


def test_every_row_that_is_not_utf8_is_listed(sqlite_url, tmp_path):
    header = ",".join(PROSPECT) + "\n"
    rows = [
        ",".join((PROSPECT | {"id": str(i), "name": name}).values()) + "\n"
        for i, name in enumerate(["Ren\xe9e", "Ann Able", "Jos\xe9", "Bo"], start=1)
    ]
    (tmp_path / "prospects.csv").write_bytes(
        header.encode() + b"".join(r.encode("latin-1") for r in rows)
    )
    found = problems(sqlite_url, tmp_path)
    assert [(f, r) for f, r, _c, _reason in found] == [("prospects.csv", 2), ("prospects.csv", 4)]
    assert all("is not UTF-8 text" in reason for *_x, reason in found)
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(Prospect.id)) is None
        assert s.scalar(select(ScoutingReport.id)) is None

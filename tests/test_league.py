"""The synthetic league: published figures it must reproduce, determinism, consistency, writing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cli.main import main
from prospects.db.models import (
    LEVELS,
    Base,
    BattingLine,
    Ingest,
    Outcome,
    PitchingLine,
    Prospect,
    Release,
    ScoutingReport,
)
from prospects.db.session import init_db, reset_engine, session_scope
from prospects.db.version import data_version
from prospects.league import figures, reliability
from prospects.league.careers import simulate_careers
from prospects.league.generator import (
    clear_league,
    generate_league,
    league_is_empty,
    simulate_league,
)
from prospects.league.stats import batting_counts, pitching_counts
from prospects.league.talent import draw_population
from tests.leagues import DEFAULT_LEAGUE

# The league the published figures are measured on: big enough that bucket noise stays well
# inside the tolerances, generated once for the module.
FIGURES_LEAGUE = {"n_prospects": 20_000, "first_season": 2000, "last_season": 2026, "seed": 7}
SMALL_LEAGUE = {"n_prospects": 300, "first_season": 2016, "last_season": 2024, "seed": 3}
TABLES = (Prospect, BattingLine, PitchingLine, ScoutingReport, Outcome, Release)


@pytest.fixture(scope="module")
def league_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('league') / 'league.db'}"
    init_db(url)
    with session_scope(url) as session:
        generate_league(session, **FIGURES_LEAGUE)
    yield url
    reset_engine(url)


@pytest.fixture(scope="module")
def frames(league_url) -> figures.LeagueFrames:
    with session_scope(league_url) as session:
        return figures.load_frames(session)


@pytest.fixture(scope="module")
def tables(league_url) -> dict[str, pd.DataFrame]:
    """Every league table as a DataFrame, for consistency checks."""
    with session_scope(league_url) as session:
        return {model.__tablename__: _frame(session, model) for model in TABLES}


def _frame(session: Session, model: type[Base]) -> pd.DataFrame:
    columns = list(model.__table__.columns)
    rows = session.execute(select(*columns).order_by(model.id)).all()
    return pd.DataFrame(rows, columns=[c.key for c in columns])


def _dump(url: str) -> dict[str, list[tuple]]:
    with session_scope(url) as session:
        return {
            model.__tablename__: [
                tuple(row) for row in session.execute(select(model.__table__).order_by(model.id))
            ]
            for model in TABLES
        }


def _small_league(url: str, **overrides: int) -> None:
    with session_scope(url) as session:
        generate_league(session, **{**SMALL_LEAGUE, **overrides})


# -- published figures ---------------------------------------------------------------------------

LAST = FIGURES_LEAGUE["last_season"]


@pytest.mark.parametrize("figure", figures.PUBLISHED, ids=lambda p: p.figure)
def test_published_figure_is_reproduced_within_its_tolerance(frames, figure) -> None:
    """Every figure of the calibration table (its source and tolerance are in ``figures``)."""
    row = figure.check(frames, LAST)
    assert row["pass"], row


def test_the_calibration_table_holds_every_published_figure(frames) -> None:
    rows = figures.calibration_table(frames, LAST)
    assert [r["figure"] for r in rows] == [p.figure for p in figures.PUBLISHED]
    text = figures.format_calibration(rows)
    assert "Baseball America" in text and "Lahman" in text and "Dominican" in text
    assert "FanGraphs" in text and "MLB.com" in text


def test_a_supplemental_pick_counts_in_its_own_bucket_not_in_round_1() -> None:
    """Baseball America's 1st-supplemental row, measured on any data that flags such picks."""
    prospects = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "birth_date": [date(1990, 1, 1)] * 4,
            "signing_year": [2008] * 4,
            "draft_round": [1.0, 1.0, 1.0, 2.0],
            "supplemental_round": [False, True, True, False],
            "position": ["SS"] * 4,
        }
    )
    outcomes = pd.DataFrame(
        {"prospect_id": [1, 2], "season": [2012, 2013], "mlb_pa": [300, 40], "mlb_outs": [0, 0],
         "debut_date": [date(2012, 5, 1), date(2013, 9, 2)]}
    )  # fmt: skip
    empty = pd.DataFrame(columns=["prospect_id"])
    frames = figures.LeagueFrames(prospects, outcomes, empty, empty)
    rates = figures.reach_rate_by_round(frames, 2026)
    assert (rates["1"], rates["1S"], rates["2"], rates["drafted"]) == (1.0, 0.5, 0.0, 0.5)


def test_an_age_figure_reads_in_years_not_percent(frames) -> None:
    rows = [r for r in figures.calibration_table(frames, LAST) if r["figure"] == "mean age at AA"]
    line = next(x for x in figures.format_calibration(rows).splitlines() if "mean age" in x)
    assert "23.8" in line and "±1.0 yrs" in line and "%" not in line


def test_most_prospects_last_graded_fv_60_or_better_succeed(frames) -> None:
    assert figures.success_by_fv(frames, LAST, "last")["60+"] > 0.50


def test_few_prospects_last_graded_fv_40_or_worse_succeed(frames) -> None:
    assert figures.success_by_fv(frames, LAST, "last")["<=40"] < 0.10


@pytest.mark.parametrize("report", ["first", "last"])
def test_success_rate_does_not_fall_as_fv_rises(frames, report) -> None:
    rates = list(figures.success_by_fv(frames, LAST, report).values())
    assert all(later >= earlier - 0.03 for earlier, later in zip(rates, rates[1:], strict=False))


def test_positive_label_share_over_training_examples_is_plausible(frames) -> None:
    """About 250 players debut each MLB season and about half of them pass the success bar,
    each a positive example for a few seasons before, among thousands of minor leaguers: the
    positive share of every minor leaguer's season is a few percent (docs/league.md)."""
    share = figures.label_share(frames, FIGURES_LEAGUE["first_season"], LAST)
    assert 0.04 <= share <= 0.12


# -- scouts who see the present, on the default league -------------------------------------------

FV_PEAK_CEILING = 0.6  # first-pro-season FV vs latent peak: scouts cannot see the future


@pytest.fixture(scope="module")
def default_simulation() -> tuple:
    """The default league (``callup seed``) simulated in memory: population, careers, tables."""
    return simulate_league(**DEFAULT_LEAGUE)


@pytest.fixture(scope="module")
def default_league(default_simulation) -> tuple:
    """The default league's latent population and its frames."""
    pop, _careers, tables = default_simulation
    return pop, figures.frames_from_columns(tables)


def test_grades_at_signing_are_a_projection_with_a_large_error(frames) -> None:
    """Scouts see the present: a 60+ grade on signing day is far from a sure thing."""
    first, last = (figures.success_by_fv(frames, LAST, r)["60+"] for r in ("first", "last"))
    assert first < last


def test_first_season_grades_correlate_with_the_latent_peak_at_most_0_6(default_league) -> None:
    pop, frames = default_league
    assert figures.fv_peak_correlation(frames, pop.peak, pro_season=1) <= FV_PEAK_CEILING


def test_grades_sharpen_with_pro_time(default_league) -> None:
    pop, frames = default_league
    corr = [figures.fv_peak_correlation(frames, pop.peak, pro_season=k) for k in (1, 3, 5)]
    assert corr[0] < corr[1] < corr[2]


# -- stat-line noise against published reliability (default league) -----------------------------


def test_split_half_reliability_rises_with_the_sample_and_implies_one_stabilization_point(
    default_simulation,
) -> None:
    """A rate's split-half correlation grows with the sample as binomial noise predicts
    (Spearman-Brown), so the implied stabilization point does not depend on the half used."""
    pop, careers, _tables = default_simulation
    small, large = (reliability.split_half(pop, careers, half=h) for h in (50, 400))
    for a, b in zip(small, large, strict=True):
        assert a.figure == b.figure and a.r < b.r, (a, b)
        assert 0.8 < a.stabilization / b.stabilization < 1.25, (a, b)


def test_the_stabilization_point_is_where_reliability_reaches_the_published_0_70() -> None:
    """Spearman-Brown: reliability 0.70 at 150 is the point itself; 0.5 at 150 needs 350."""
    assert reliability.stabilization_point(0.70, 150) == pytest.approx(150)
    assert reliability.stabilization_point(0.5, 150) == pytest.approx(350)
    assert reliability.stabilization_point(0.5, 150, target=0.5) == pytest.approx(150)


@pytest.mark.parametrize("figure", list(reliability.PUBLISHED_STABILIZATION))
def test_stat_lines_stabilize_where_published(default_simulation, figure) -> None:
    """Strikeout and walk rates reach a reliability of 0.70 within 25% of the sample Carleton
    published for major leaguers (docs/league.md, "Stat-line noise")."""
    pop, careers, _tables = default_simulation
    row = next(r for r in reliability.split_half(pop, careers) if r.figure == figure)
    assert reliability.within_tolerance(row), row


# -- careers shaped like real ones (20,000-prospect league) --------------------------------------


def test_no_level_is_nearly_empty_or_holds_most_careers(frames) -> None:
    shares = figures.highest_level_shares(frames, LAST)
    assert all(0.05 <= share <= 0.45 for share in shares.values()), shares


def test_many_but_not_nearly_all_aaa_players_reach_mlb(frames) -> None:
    assert 0.4 <= figures.aaa_to_mlb_rate(frames, LAST) <= 0.75


def test_some_debut_straight_from_double_a(frames) -> None:
    assert figures.debut_levels(frames)["AA"] >= 0.01


def test_some_players_stall_at_triple_a_for_years(frames) -> None:
    aaa = frames.lines[frames.lines["level"] == "AAA"].drop_duplicates(["prospect_id", "season"])
    seasons = aaa.groupby("prospect_id").size()
    assert (seasons >= 4).mean() > 0.1


def test_some_players_skip_a_level(frames) -> None:
    code = frames.lines["level"].map({level: i for i, level in enumerate(LEVELS)})
    top = code.groupby([frames.lines["prospect_id"], frames.lines["season"]]).max()
    jumps = top.groupby(level=0).diff()
    assert (jumps >= 2).sum() > 0.01 * jumps.notna().sum()


def test_players_are_released_at_every_level(tables) -> None:
    released = tables["releases"]
    lines = pd.concat([tables["batting_lines"], tables["pitching_lines"]])
    last = lines.sort_values(["prospect_id", "start_date"]).groupby("prospect_id")["level"].last()
    cut = last.reindex(released["prospect_id"].unique()).dropna()
    shares = cut.value_counts(normalize=True)
    assert set(shares.index) == set(LEVELS)
    assert shares.min() > 0.03


# -- determinism ---------------------------------------------------------------------------------


def test_same_seed_writes_identical_rows(tmp_path) -> None:
    urls = [f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db")]
    for url in urls:
        init_db(url)
        _small_league(url)
    try:
        assert _dump(urls[0]) == _dump(urls[1])
    finally:
        for url in urls:
            reset_engine(url)


def test_different_seed_writes_different_rows(tmp_path) -> None:
    urls = [f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db")]
    for url, seed in zip(urls, (3, 4), strict=True):
        init_db(url)
        _small_league(url, seed=seed)
    try:
        first, second = _dump(urls[0]), _dump(urls[1])
        assert first["prospects"] != second["prospects"]
        assert first["batting_lines"] != second["batting_lines"]
    finally:
        for url in urls:
            reset_engine(url)


# -- the shape of the league ---------------------------------------------------------------------


def test_draft_class_has_many_more_late_rounders_than_first_rounders(tables) -> None:
    rounds = tables["prospects"]["draft_round"]
    assert (rounds >= 21).sum() > 5 * (rounds == 1).sum()


def test_about_a_fifth_sign_internationally_at_16_or_17(tables) -> None:
    p = tables["prospects"]
    international = p[p["draft_round"].isna()]
    age = pd.to_datetime(international["signed_on"]) - pd.to_datetime(international["birth_date"])
    assert len(international) / len(p) == pytest.approx(0.20, abs=0.03)
    assert age.dt.days.between(16 * 365, 18 * 365).all()


def test_organizations_are_thirty_three_letter_codes(tables) -> None:
    orgs = tables["prospects"]["organization"].unique()
    assert len(orgs) == 30
    assert all(len(org) == 3 for org in orgs)


def test_hitters_bat_and_pitchers_pitch(tables) -> None:
    p = tables["prospects"].set_index("id")
    pitcher = p["position"].isin(["SP", "RP"])
    assert not pitcher[tables["batting_lines"]["prospect_id"]].any()
    assert pitcher[tables["pitching_lines"]["prospect_id"]].all()


# -- stat lines ----------------------------------------------------------------------------------


def test_batting_lines_add_up(tables) -> None:
    b = tables["batting_lines"]
    assert (b["ab"] + b["bb"] + b["hbp"] + b["sf"] == b["pa"]).all()
    assert (b["h"] >= b["doubles"] + b["triples"] + b["hr"]).all()
    assert (b["so"] + b["h"] <= b["ab"]).all()
    assert (b[["ab", "h", "doubles", "triples", "hr", "bb", "so", "sb", "cs"]] >= 0).all().all()


def test_pitching_lines_add_up(tables) -> None:
    p = tables["pitching_lines"]
    assert (p["outs"] + p["h"] + p["bb"] + p["hbp"] <= p["bf"]).all()
    assert (p["hr"] <= p["h"]).all()
    assert (p["so"] <= p["outs"]).all()
    assert (p[["outs", "h", "er", "hr", "bb", "so", "hbp"]] >= 0).all().all()


def test_hitters_get_50_to_650_plate_appearances_a_season(tables) -> None:
    season_pa = tables["batting_lines"].groupby(["prospect_id", "season"])["pa"].sum()
    assert season_pa.between(50, 650).all()


@pytest.mark.parametrize("table", ["batting_lines", "pitching_lines"])
def test_lines_fall_inside_the_season_at_a_real_level(tables, table) -> None:
    lines = tables[table]
    start, end = pd.to_datetime(lines["start_date"]), pd.to_datetime(lines["end_date"])
    assert lines["level"].isin(LEVELS).all()
    assert (end >= start).all()
    assert (start.dt.year == lines["season"]).all() and (end.dt.year == lines["season"]).all()
    assert (start.dt.month >= 4).all() and (end.dt.month <= 9).all()


def test_line_age_is_age_on_july_first(tables) -> None:
    b = tables["batting_lines"].merge(
        tables["prospects"][["id", "birth_date"]], left_on="prospect_id", right_on="id"
    )
    july1 = pd.to_datetime(b["season"].astype(str) + "-07-01")
    exact = (july1 - pd.to_datetime(b["birth_date"])).dt.days / 365.25
    assert np.allclose(b["age"], exact, atol=0.051)


def test_a_promotion_splits_a_season_into_consecutive_stints(tables) -> None:
    b = tables["batting_lines"].sort_values(["prospect_id", "season", "start_date"])
    order = {level: i for i, level in enumerate(LEVELS)}
    b["rank"] = b["level"].map(order)
    pairs = b.groupby(["prospect_id", "season"]).filter(lambda g: len(g) == 2)
    assert len(pairs) > 100
    first, second = pairs.iloc[::2].reset_index(), pairs.iloc[1::2].reset_index()
    assert (second["rank"] == first["rank"] + 1).all()
    assert (pd.to_datetime(second["start_date"]) > pd.to_datetime(first["end_date"])).all()


def test_the_same_hitter_hits_worse_a_level_up() -> None:
    """Quality is skill over the level's bar, so a higher level (lower quality) is harder."""
    rng = np.random.default_rng(0)
    pa = np.full(2, 200_000)
    lines = batting_counts(rng, pa, np.array([0.5, -0.5]), np.zeros((2, 6)))
    on_base = (lines["h"] + lines["bb"] + lines["hbp"]) / lines["pa"]
    assert on_base[0] > on_base[1]
    assert lines["so"][0] / pa[0] < lines["so"][1] / pa[1]


def test_the_same_pitcher_allows_more_a_level_up() -> None:
    rng = np.random.default_rng(0)
    bf = np.full(2, 200_000)
    lines = pitching_counts(rng, bf, np.array([0.5, -0.5]), np.zeros((2, 6)))
    era = lines["er"] * 27 / lines["outs"]
    assert era[0] < era[1]


def test_released_prospects_never_play_again() -> None:
    rng = np.random.default_rng(11)
    pop = draw_population(rng, 3000, 2000, 2020)
    careers = simulate_careers(pop, rng, 2000, 2020)
    released = careers.released_in[careers.stints.prospect]
    after_release = (released > 0) & (careers.stints.season > released)
    assert careers.released_in.any()
    assert not after_release.any()
    assert not (careers.released_in[careers.mlb.prospect] > 0).any()


# -- scouting and outcomes -----------------------------------------------------------------------


def test_grades_are_on_the_20_80_scale_in_steps_of_5(tables) -> None:
    grades = tables["scouting_reports"].drop(
        columns=["id", "prospect_id", "report_date", "ingested_on"]
    )
    values = grades.stack()
    assert values.between(20, 80).all()
    assert (values % 5 == 0).all()


def test_reports_carry_the_tools_of_the_players_role(tables) -> None:
    r = tables["scouting_reports"].merge(
        tables["prospects"][["id", "position"]], left_on="prospect_id", right_on="id"
    )
    pitcher = r["position"].isin(["SP", "RP"])
    hitter_tools, pitcher_tools = ["hit", "power", "run", "arm", "field"], ["fastball", "control"]
    assert r.loc[pitcher, hitter_tools].isna().all().all()
    assert r.loc[~pitcher, pitcher_tools].isna().all().all()
    assert r.loc[pitcher, pitcher_tools].notna().all().all()
    assert r["fv"].notna().all()


def test_reports_are_filed_on_signing_day_march_1_or_july_15(tables) -> None:
    r = tables["scouting_reports"].merge(
        tables["prospects"][["id", "signed_on"]], left_on="prospect_id", right_on="id"
    )
    day = pd.to_datetime(r["report_date"])
    usual = ((day.dt.month == 3) & (day.dt.day == 1)) | ((day.dt.month == 7) & (day.dt.day == 15))
    assert (usual | (r["report_date"] == r["signed_on"])).all()


def test_each_debutant_has_one_debut_row_in_his_first_mlb_season(tables) -> None:
    o = tables["outcomes"]
    first_season = o.groupby("prospect_id")["season"].min()
    debuts = o.dropna(subset=["debut_date"]).set_index("prospect_id")
    assert debuts.index.is_unique
    assert set(debuts.index) == set(first_season.index)
    assert (debuts["season"] == first_season[debuts.index]).all()
    assert (pd.to_datetime(debuts["debut_date"]).dt.year == debuts["season"]).all()


def test_outcomes_are_known_on_october_1_and_end_with_the_last_season(tables) -> None:
    o = tables["outcomes"]
    assert (o["known_on"] == [date(s, 10, 1) for s in o["season"]]).all()
    assert o["season"].max() <= LAST
    assert ((o["mlb_pa"] > 0) | (o["mlb_outs"] > 0)).all()


def test_pitchers_log_outs_and_hitters_plate_appearances(tables) -> None:
    o = tables["outcomes"].merge(
        tables["prospects"][["id", "position"]], left_on="prospect_id", right_on="id"
    )
    pitcher = o["position"].isin(["SP", "RP"])
    assert (o.loc[pitcher, "mlb_pa"] == 0).all()
    assert (o.loc[~pitcher, "mlb_outs"] == 0).all()


# -- writing -------------------------------------------------------------------------------------


def test_progress_reports_every_prospect_once(sqlite_url) -> None:
    steps: list[int] = []
    with session_scope(sqlite_url) as session:
        generate_league(session, **{**SMALL_LEAGUE, "n_prospects": 2500}, progress=steps.append)
    assert sum(steps) == 2500
    assert len(steps) > 1


def test_summary_counts_match_the_rows_written(sqlite_url) -> None:
    with session_scope(sqlite_url) as session:
        summary = generate_league(session, **SMALL_LEAGUE)
    with session_scope(sqlite_url) as session:
        count = {
            m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in TABLES
        }
    assert count["prospects"] == summary.prospects == summary.hitters + summary.pitchers
    assert count["batting_lines"] == summary.batting_lines
    assert count["pitching_lines"] == summary.pitching_lines
    assert count["scouting_reports"] == summary.scouting_reports
    assert count["outcomes"] == summary.outcomes
    assert "300 prospects" in summary.describe()


def test_clear_league_empties_every_table(sqlite_url) -> None:
    _small_league(sqlite_url)
    with session_scope(sqlite_url) as session:
        assert not league_is_empty(session)
        clear_league(session)
    with session_scope(sqlite_url) as session:
        assert league_is_empty(session)


def test_generate_refuses_a_database_that_holds_a_league(sqlite_url) -> None:
    _small_league(sqlite_url)
    with pytest.raises(ValueError, match="already holds a league"):
        _small_league(sqlite_url)


@pytest.mark.postgres
def test_generator_writes_to_postgresql(postgres_url) -> None:
    with session_scope(postgres_url) as session:
        summary = generate_league(session, **SMALL_LEAGUE)
    with session_scope(postgres_url) as session:
        assert session.scalar(select(func.count()).select_from(Prospect)) == 300
        written = session.scalar(select(func.count()).select_from(BattingLine))
    assert written == summary.batting_lines > 0


@pytest.mark.postgres
def test_rows_added_after_a_seed_on_postgresql_get_fresh_ids(postgres_url) -> None:
    with session_scope(postgres_url) as session:
        generate_league(session, **SMALL_LEAGUE)
    with session_scope(postgres_url) as session:
        top = session.scalar(select(func.max(BattingLine.id)))
        line = session.scalars(select(BattingLine).limit(1)).one()
        added = BattingLine(
            **{c: getattr(line, c) for c in BattingLine.__table__.columns.keys() if c != "id"}
            | {"season": 1990}
        )
        session.add(added)
        session.flush()
        assert added.id == top + 1


def test_a_league_replaced_with_the_same_seed_gets_a_new_data_version(tmp_path) -> None:
    """Ids restart and the newest rows can match, so the replacement itself must move the
    fingerprint, or answers cached on the old league would still be served."""
    url = f"sqlite:///{tmp_path / 'replace.db'}"
    env = {"DATABASE_URL": url}
    args = ["seed", "--prospects", "60", "--first-season", "2020", "--last-season", "2022"]
    runner = CliRunner()
    try:
        assert runner.invoke(main, args, env=env).exit_code == 0
        with session_scope(url) as session:
            before = data_version(session)
        replaced = runner.invoke(main, [*args, "--replace"], env=env)
        assert replaced.exit_code == 0, replaced.output
        with session_scope(url) as session:
            assert data_version(session) != before
            ingest = session.scalars(select(Ingest)).one()
            assert ingest.source.startswith("callup seed --replace")
            assert ingest.counts["prospects"] == {"inserted": 60, "updated": 0, "unchanged": 0}
            assert ingest.changed == sum(c["inserted"] for c in ingest.counts.values())
    finally:
        reset_engine(url)


def test_cli_seed_generates_then_refuses_to_overwrite_without_replace(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url}
    args = ["seed", "--prospects", "200", "--first-season", "2018", "--last-season", "2022"]
    runner = CliRunner()
    try:
        first = runner.invoke(main, args, env=env)
        assert first.exit_code == 0, first.output
        assert "200 prospects" in first.output
        again = runner.invoke(main, args, env=env)
        assert again.exit_code != 0
        assert "--replace" in again.output
        replaced = runner.invoke(main, [*args, "--replace", "--seed", "8"], env=env)
        assert replaced.exit_code == 0, replaced.output
        with session_scope(url) as session:
            assert session.scalar(select(func.count()).select_from(Prospect)) == 200
    finally:
        reset_engine(url)

"""Generate a deterministic synthetic league and write it to the database.

The same seed and arguments give the same rows, ids included: every random
draw comes from one ``numpy.random.default_rng(seed)`` in a fixed order, and
rows are numbered in a fixed sort order. Only what a real data feed would
hold is written; latent talent stays in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from prospects.db.models import (
    BattingLine,
    Ingest,
    Outcome,
    PitchingLine,
    Prospect,
    Release,
    ScoutingReport,
)
from prospects.db.session import advance_id_sequences
from prospects.league.careers import Careers, simulate_careers
from prospects.league.scouting import GRADE_COLUMNS, grade_reports
from prospects.league.stats import (
    BATTING_COLUMNS,
    ENVIRONMENT_SD,
    PITCHING_COLUMNS,
    batting_counts,
    pitching_counts,
)
from prospects.league.talent import Population, draw_population

CHUNK_PROSPECTS = 1000  # prospects written (with all their rows) per progress step
_TABLES_CHILDREN_FIRST = (Release, Outcome, ScoutingReport, PitchingLine, BattingLine, Prospect)


@dataclass(frozen=True)
class LeagueSummary:
    """Row counts of a generated league, for the CLI and logs."""

    prospects: int
    hitters: int
    pitchers: int
    first_season: int
    last_season: int
    seed: int
    batting_lines: int
    pitching_lines: int
    scouting_reports: int
    outcomes: int
    debuts: int
    released: int

    def describe(self) -> str:
        """One paragraph a person can read after ``callup seed``."""
        return (
            f"league {self.first_season}-{self.last_season} (seed {self.seed}): "
            f"{self.prospects} prospects ({self.hitters} hitters, {self.pitchers} pitchers), "
            f"{self.batting_lines} batting lines, {self.pitching_lines} pitching lines, "
            f"{self.scouting_reports} scouting reports, {self.outcomes} MLB seasons; "
            f"{self.debuts} reached MLB, {self.released} were released"
        )


@dataclass(frozen=True)
class _Tables:
    """Column arrays per table, each sorted by prospect index (row order = id order)."""

    prospects: dict[str, np.ndarray]
    batting: dict[str, np.ndarray]
    pitching: dict[str, np.ndarray]
    reports: dict[str, np.ndarray]
    outcomes: dict[str, np.ndarray]
    releases: dict[str, np.ndarray]


def generate_league(
    session: Session,
    n_prospects: int,
    first_season: int,
    last_season: int,
    seed: int,
    progress: Callable[[int], object] | None = None,
) -> LeagueSummary:
    """Simulate ``n_prospects`` careers over the seasons and insert them into an empty league."""
    if n_prospects < 1:
        raise ValueError("n_prospects must be at least 1")
    if last_season < first_season:
        raise ValueError("last_season must not be before first_season")
    if not league_is_empty(session):
        raise ValueError("the database already holds a league; clear it first")
    pop, careers, tables = simulate_league(n_prospects, first_season, last_season, seed)
    _write(session, tables, pop.n, progress)
    advance_id_sequences(session, _TABLES_CHILDREN_FIRST)
    pitcher = pop.is_pitcher
    return LeagueSummary(
        prospects=pop.n,
        hitters=int((~pitcher).sum()),
        pitchers=int(pitcher.sum()),
        first_season=first_season,
        last_season=last_season,
        seed=seed,
        batting_lines=len(tables.batting["id"]),
        pitching_lines=len(tables.pitching["id"]),
        scouting_reports=len(tables.reports["id"]),
        outcomes=len(tables.outcomes["id"]),
        debuts=int((~np.isnat(careers.mlb.debut)).sum()),
        released=int((careers.released_in > 0).sum()),
    )


def simulate_league(
    n_prospects: int, first_season: int, last_season: int, seed: int
) -> tuple[Population, Careers, _Tables]:
    """The whole league in memory: latent population, careers, and the rows it would write."""
    rng = np.random.default_rng(seed)
    pop = draw_population(rng, n_prospects, first_season, last_season)
    careers = simulate_careers(pop, rng, first_season, last_season)
    return pop, careers, _build_tables(rng, pop, careers)


def league_is_empty(session: Session) -> bool:
    """True when none of the league's tables holds a row."""
    return all(
        session.execute(select(model.id).limit(1)).first() is None
        for model in _TABLES_CHILDREN_FIRST
    )


def clear_league(session: Session) -> None:
    """Delete every league row, children before the prospects they point at."""
    for model in _TABLES_CHILDREN_FIRST:
        session.execute(delete(model))


def record_replacement(session: Session, summary: LeagueSummary) -> None:
    """Record a league written over another as an import that changed everything.

    The data version (``prospects.db.version``) reads row counts, the newest
    row's key columns and the newest import that changed something. A league
    regenerated in place reuses the ids, and with the same seed (another
    generator version, say) its newest rows can carry the same key columns, so
    without this row cached answers computed on the old league would still match.
    """
    inserted = {
        "prospects": summary.prospects,
        "batting_lines": summary.batting_lines,
        "pitching_lines": summary.pitching_lines,
        "scouting_reports": summary.scouting_reports,
        "outcomes": summary.outcomes,
        "releases": summary.released,
    }
    session.add(
        Ingest(
            source=f"callup seed --replace (seed {summary.seed}, {summary.prospects} prospects)",
            mode="insert",
            arrived_on=datetime.now(UTC).date(),
            # the shape an import records (prospects.csvio.load): per table, what it did
            counts={t: {"inserted": n, "updated": 0, "unchanged": 0} for t, n in inserted.items()},
            changed=sum(inserted.values()),
        )
    )
    session.flush()


# -- from simulation to columns ------------------------------------------------------------------


def _build_tables(rng: np.random.Generator, pop: Population, careers: Careers) -> _Tables:
    """Turn the simulation into column arrays, one dict per table, in id order."""
    environment = _environment(rng, careers)
    return _Tables(
        prospects=_prospect_columns(pop),
        batting=_line_columns(rng, pop, careers, environment, pitchers=False),
        pitching=_line_columns(rng, pop, careers, environment, pitchers=True),
        reports=_report_columns(rng, pop, careers),
        outcomes=_outcome_columns(careers),
        releases=_release_columns(careers),
    )


def _environment(rng: np.random.Generator, careers: Careers) -> dict[tuple[int, int], float]:
    """Each (season, level)'s run environment, drawn in season then level order."""
    seasons = np.unique(careers.stints.season)
    draws = rng.normal(0.0, ENVIRONMENT_SD, (len(seasons), 5))
    return {
        (int(season), level): float(draws[i, level])
        for i, season in enumerate(seasons)
        for level in range(5)
    }


def _prospect_columns(pop: Population) -> dict[str, np.ndarray]:
    return {
        "id": np.arange(1, pop.n + 1),
        "name": pop.name,
        "birth_date": pop.birth_date,
        "position": pop.position,
        "bats": pop.bats,
        "throws": pop.throws,
        "organization": pop.organization,
        "signing_year": pop.signing_year,
        "draft_round": np.where(pop.draft_round > 0, pop.draft_round, None).astype(object),
        "signed_on": pop.signed_on,
        # The synthetic league signs players by the draft or internationally, nothing else.
        "signing_type": np.where(pop.draft_round > 0, "draft", "international").astype(object),
    }


def _line_columns(
    rng: np.random.Generator,
    pop: Population,
    careers: Careers,
    environment: dict[tuple[int, int], float],
    pitchers: bool,
) -> dict[str, np.ndarray]:
    """Batting or pitching lines: stint identity plus counting stats drawn from its quality."""
    st = careers.stints
    mine = np.flatnonzero(pop.is_pitcher[st.prospect] == pitchers)
    mine = mine[np.lexsort((st.level[mine], st.start[mine], st.prospect[mine]))]
    who = st.prospect[mine]
    draw = pitching_counts if pitchers else batting_counts
    env = np.array(
        [
            environment[(int(s), int(v))]
            for s, v in zip(st.season[mine], st.level[mine], strict=True)
        ]
    )
    counts = draw(rng, st.volume[mine].astype(np.int64), st.quality[mine], pop.tools[who], env)
    columns = {
        "prospect_id": who + 1,
        "season": st.season[mine],
        "level": np.array(("Rk", "A", "A+", "AA", "AAA"), dtype=object)[st.level[mine]],
        "age": np.round(st.age[mine], 1),
        "start_date": st.start[mine],
        "end_date": st.end[mine],
    }
    columns.update({c: counts[c] for c in (PITCHING_COLUMNS if pitchers else BATTING_COLUMNS)})
    columns["id"] = np.arange(1, len(mine) + 1)
    return columns


def _report_columns(
    rng: np.random.Generator, pop: Population, careers: Careers
) -> dict[str, np.ndarray]:
    rep = careers.reports
    order = np.lexsort((rep.date, rep.prospect))
    who = rep.prospect[order]
    grades = grade_reports(
        rng,
        skill=rep.skill[order],
        ceiling=rep.ceiling[order],
        age=rep.age[order],
        years_pro=rep.years_pro[order],
        looks=rep.looks[order],
        bias=pop.scout_bias[who],
        tools=pop.tools[who],
        is_pitcher=pop.is_pitcher[who],
    )
    columns = {"prospect_id": who + 1, "report_date": rep.date[order]}
    columns.update({c: grades[c] for c in GRADE_COLUMNS})
    columns["id"] = np.arange(1, len(order) + 1)
    return columns


def _outcome_columns(careers: Careers) -> dict[str, np.ndarray]:
    mlb = careers.mlb
    order = np.lexsort((mlb.season, mlb.prospect))
    seasons = mlb.season[order]
    october = ((seasons - 1970) * 12 + 9).astype("datetime64[M]")
    known_on = october.astype("datetime64[D]")  # October 1: the season's MLB time is final
    debut = mlb.debut[order]
    return {
        "id": np.arange(1, len(order) + 1),
        "prospect_id": mlb.prospect[order] + 1,
        "season": seasons,
        "mlb_pa": mlb.pa[order],
        "mlb_outs": mlb.outs[order],
        "debut_date": np.where(np.isnat(debut), None, debut.astype(object)).astype(object),
        "known_on": known_on,
    }


# Clubs cut players once the season is over and before minor-league free agency opens;
# the league dates every release October 15 of the season after which it happened.
RELEASE_MONTH_DAY = (10, 15)


def _release_columns(careers: Careers) -> dict[str, np.ndarray]:
    who = np.flatnonzero(careers.released_in > 0)
    seasons = careers.released_in[who]
    month, day = RELEASE_MONTH_DAY
    released_on = ((seasons - 1970) * 12 + (month - 1)).astype("datetime64[M]").astype(
        "datetime64[D]"
    ) + np.timedelta64(day - 1, "D")
    return {
        "id": np.arange(1, len(who) + 1),
        "prospect_id": who + 1,
        "released_on": released_on,
    }


# -- writing ------------------------------------------------------------------------------------


def _write(
    session: Session, tables: _Tables, n: int, progress: Callable[[int], object] | None
) -> None:
    """Insert prospects in chunks, each followed by its children, reporting progress per chunk."""
    children = (
        (BattingLine, tables.batting),
        (PitchingLine, tables.pitching),
        (ScoutingReport, tables.reports),
        (Outcome, tables.outcomes),
        (Release, tables.releases),
    )
    for low in range(0, n, CHUNK_PROSPECTS):
        high = min(low + CHUNK_PROSPECTS, n)
        session.execute(insert(Prospect), list(_rows(tables.prospects, slice(low, high))))
        for model, columns in children:
            ids = columns["prospect_id"]
            part = slice(*np.searchsorted(ids, [low + 1, high + 1]))
            rows = list(_rows(columns, part))
            if rows:
                session.execute(insert(model), rows)
        session.flush()
        if progress is not None:
            progress(high - low)


def _rows(columns: dict[str, np.ndarray], part: slice) -> Iterator[dict[str, object]]:
    """Plain-Python row dicts (dates as ``datetime.date``, ints as ``int``) for one slice."""
    names = list(columns)
    values = [_python_values(columns[name][part]) for name in names]
    for row in zip(*values, strict=True):
        yield dict(zip(names, row, strict=True))


def _python_values(values: np.ndarray) -> list[object]:
    if values.dtype.kind == "M":
        return values.astype("datetime64[D]").astype(object).tolist()
    return values.tolist()

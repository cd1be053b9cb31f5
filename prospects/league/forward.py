"""Play one more season of an existing league with the generator's own career engine.

Latent talent never reaches the database, so it is estimated back from what
the database holds: a prospect's ceiling from his latest scouting grades (the
inverse of the FV scale), his tools from the tool grades, his place in the
game (level, time at it, MLB time so far) from his lines and outcomes. The
reconstructed population, plus a new signing class, then plays the season
through ``careers._Simulation`` and becomes rows through the generator's own
column builders, so the new season has the same shape as the seeded ones.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from prospects.features.data import LeagueData, load_league
from prospects.league import careers as engine
from prospects.league.generator import _build_tables
from prospects.league.scouting import (
    BIAS_FLOOR,
    BIAS_SD,
    FV_AT_MLB_BAR,
    FV_PER_SKILL,
    TOOL_WEIGHTS,
)
from prospects.league.stats import (
    ARM,
    BREAKING,
    CHANGEUP,
    CONTACT,
    CONTROL,
    FASTBALL,
    FIELD,
    POWER,
    SPEED,
)
from prospects.league.talent import (
    _PEAK_MEAN_AT_ANCHOR,
    _ROUND_ANCHORS,
    COLLEGE,
    GROWTH,
    HIGH_SCHOOL,
    INTERNATIONAL,
    INTERNATIONAL_PEAK,
    JUNIOR_COLLEGE,
    PEAK_AGE,
    PEAK_SD,
    Population,
    draw_population,
    skill_at,
)

_LEVELS = ("Rk", "A", "A+", "AA", "AAA")
_HITTER_TOOLS = {"hit": CONTACT, "power": POWER, "run": SPEED, "arm": ARM, "field": FIELD}
_PITCHER_TOOLS = {
    "fastball": FASTBALL,
    "breaking": BREAKING,
    "changeup": CHANGEUP,
    "control": CONTROL,
}
UNKNOWN_CEILING = -1.5  # a prospect never scouted: a typical late-round ceiling
TABLES = (
    "prospects",
    "batting_lines",
    "pitching_lines",
    "scouting_reports",
    "outcomes",
    "releases",
)


def ceiling_from_fv(fv: np.ndarray) -> np.ndarray:
    """Invert the FV scale: the ceiling a scout's grade stands for (in skill units)."""
    below, above = FV_PER_SKILL
    fv = np.asarray(fv, dtype=float)
    return np.where(fv < FV_AT_MLB_BAR, (fv - FV_AT_MLB_BAR) / below, (fv - FV_AT_MLB_BAR) / above)


def _background(draft_round: np.ndarray, signing_age: np.ndarray) -> np.ndarray:
    return np.select(
        [np.isnan(draft_round), signing_age < 19.05, signing_age < 20.7],
        [INTERNATIONAL, HIGH_SCHOOL, JUNIOR_COLLEGE],
        COLLEGE,
    )


def _latest_reports(reports: pd.DataFrame) -> pd.DataFrame:
    """Each prospect's last two reports averaged: one grade is a coarse read."""
    ordered = reports.sort_values(["prospect_id", "report_date"])
    return ordered.groupby("prospect_id").tail(2).groupby("prospect_id").mean(numeric_only=True)


def reconstruct(data: LeagueData, last_season: int) -> tuple[Population, dict[str, np.ndarray]]:
    """The league after ``last_season`` as a population (estimated talent) and career state."""
    p = data.prospects.sort_values("id").reset_index(drop=True)
    n = len(p)
    ids = p["id"].to_numpy(dtype=np.int64)
    signed_on = p["signed_on"].to_numpy().astype("datetime64[D]")
    birth = p["birth_date"].to_numpy().astype("datetime64[D]")
    rounds = p["draft_round"].to_numpy(dtype=float)
    background = _background(rounds, (signed_on - birth).astype(float) / 365.25)
    is_pitcher = p["position"].isin(("SP", "RP")).to_numpy()

    graded = _latest_reports(data.reports).reindex(ids)
    read = ceiling_from_fv(graded["fv"].to_numpy(dtype=float))
    read = np.where(np.isnan(read), UNKNOWN_CEILING, read)
    # A grade carries the club's lasting misjudgment: the best estimate of the true ceiling
    # shrinks the read towards the draft's mean, and what is left is that misjudgment (so the
    # next reports read the player as before, and his stat lines follow the estimate).
    misread = BIAS_SD * BIAS_FLOOR
    shrink = PEAK_SD**2 / (PEAK_SD**2 + misread**2)
    prior = np.where(
        np.isnan(rounds),
        INTERNATIONAL_PEAK[0],
        np.interp(np.log(np.nan_to_num(rounds, nan=1.0)), _ROUND_ANCHORS, _PEAK_MEAN_AT_ANCHOR),
    )
    ceiling = prior + shrink * (read - prior)
    tools = np.zeros((n, 6))
    for grade, column in {**_HITTER_TOOLS, **_PITCHER_TOOLS}.items():
        pitching = grade in _PITCHER_TOOLS
        raw = (graded[grade].to_numpy(dtype=float) - 45 - TOOL_WEIGHTS[0] * ceiling) / TOOL_WEIGHTS[
            1
        ]
        mine = (is_pitcher == pitching) & ~np.isnan(raw)
        tools[mine, column] = raw[mine]

    pop = Population(
        signing_year=p["signing_year"].to_numpy(dtype=np.int64),
        signed_on=signed_on,
        birth_date=birth,
        background=background,
        draft_round=np.nan_to_num(rounds, nan=0).astype(np.int64),
        position=p["position"].to_numpy(dtype=object),
        bats=p["bats"].to_numpy(dtype=object),
        throws=p["throws"].to_numpy(dtype=object),
        organization=p["organization"].to_numpy(dtype=object),
        name=p["name"].to_numpy(dtype=object),
        peak=ceiling,
        peak_age=np.full(n, PEAK_AGE[0] + PEAK_AGE[1] * PEAK_AGE[2]),
        growth=np.full(n, GROWTH[0]),
        tools=tools,
        scout_bias=(read - ceiling) / misread,
    )
    state = _state(data, ids, pop, last_season)
    # Clubs read a returning player off last season's line: the estimate stands in for it.
    july1 = np.datetime64(f"{last_season:04d}-07-01", "D")
    age = (july1 - birth).astype(float) / 365.25
    in_minors = state["status"] == engine.MINORS
    state["stat_read"] = np.where(in_minors, skill_at(pop, age, np.zeros(n)), np.nan)
    return pop, state


def _state(data: LeagueData, ids: np.ndarray, pop: Population, last: int) -> dict[str, np.ndarray]:
    """Status, level, seasons at it and MLB time so far, per prospect (in ``ids`` order)."""
    lines = pd.concat(
        [
            data.batting[["prospect_id", "season", "level"]],
            data.pitching[["prospect_id", "season", "level"]],
        ]
    )
    lines["code"] = lines["level"].cat.codes.astype(int)
    top = lines.groupby(["prospect_id", "season"])["code"].max().reset_index()
    latest = top[top["season"] == last].set_index("prospect_id")["code"].reindex(ids)
    in_minors = latest.notna().to_numpy()
    level = latest.fillna(0).to_numpy(dtype=np.int64)
    years = np.zeros(len(ids), np.int64)
    by_prospect = {pid: g.sort_values("season") for pid, g in top.groupby("prospect_id")}
    for i in np.flatnonzero(in_minors):
        seasons = by_prospect[ids[i]]
        codes, played = seasons["code"].to_numpy(), seasons["season"].to_numpy()
        run = 0
        for season, code in zip(played[::-1], codes[::-1], strict=True):
            if code != level[i] or season != last - run:
                break
            run += 1
        years[i] = run
    mlb = (
        data.outcomes.groupby("prospect_id")[["mlb_pa", "mlb_outs"]]
        .sum()
        .reindex(ids, fill_value=0)
    )
    mlb_last = np.isin(ids, data.outcomes.loc[data.outcomes["season"] == last, "prospect_id"])
    debuted = np.isin(ids, data.outcomes["prospect_id"])
    waiting = (pop.background == INTERNATIONAL) & (pop.signing_year == last) & ~in_minors
    status = np.select(
        [debuted & (mlb_last | in_minors), debuted, in_minors, waiting],
        [engine.DEBUTED, engine.GONE, engine.MINORS, engine.NOT_STARTED],
        engine.GONE,
    ).astype(np.int8)
    return {
        "status": status,
        "level": level,
        "years_at_level": years,
        "career_pa": mlb["mlb_pa"].to_numpy(dtype=np.int64),
        "career_outs": mlb["mlb_outs"].to_numpy(dtype=np.int64),
    }


def _concat(a: Population, b: Population) -> Population:
    return Population(
        **{
            f.name: np.concatenate([getattr(a, f.name), getattr(b, f.name)])
            for f in fields(Population)
        }
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, date):
        return value.isoformat()
    return value


def plan_season(session: Session, season: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Every row ``season`` will produce, per table, without ids (the feed assigns them)."""
    rng = np.random.default_rng([seed, season])
    data = load_league(session)
    pop, state = reconstruct(data, season - 1)
    alive = state["status"] != engine.GONE
    ids = data.prospects.sort_values("id")["id"].to_numpy(dtype=np.int64)[alive]
    pop = Population(**{f.name: getattr(pop, f.name)[alive] for f in fields(Population)})
    state = {k: v[alive] for k, v in state.items()}
    recent = data.prospects["signing_year"].between(season - 3, season - 1).sum() / 3
    new = draw_population(rng, max(int(round(recent)), 1), season, season)
    first_new = int(data.prospects["id"].max()) + 1 if len(data.prospects) else 1
    ids = np.concatenate([ids, np.arange(first_new, first_new + new.n)])
    everyone = _concat(pop, new)

    sim = engine._Simulation(everyone, rng)
    for key, values in state.items():
        getattr(sim, key)[: pop.n] = values
    sim.play(season)
    tables = _build_tables(rng, everyone, sim.result())

    rows: dict[str, list[dict[str, Any]]] = {}
    for table, columns in zip(
        TABLES,
        (
            tables.prospects,
            tables.batting,
            tables.pitching,
            tables.reports,
            tables.outcomes,
            tables.releases,
        ),
        strict=True,
    ):
        columns = dict(columns)
        columns.pop("id", None)
        if table == "prospects":
            keep = np.arange(pop.n, everyone.n)
            columns = {k: np.asarray(v)[keep] for k, v in columns.items()}
            columns["id"] = ids[keep]
        else:
            columns["prospect_id"] = ids[np.asarray(columns["prospect_id"]) - 1]
        names = list(columns)
        values = [
            np.asarray(columns[c]).astype("datetime64[D]").astype(object).tolist()
            if np.asarray(columns[c]).dtype.kind == "M"
            else np.asarray(columns[c]).tolist()
            for c in names
        ]
        rows[table] = [
            {k: _jsonable(v) for k, v in zip(names, row, strict=True)}
            for row in zip(*values, strict=True)
        ]
    return rows

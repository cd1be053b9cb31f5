"""The published figures the synthetic league is calibrated to, measured on league tables.

Each function takes plain DataFrames (as read from the database), so the same
measurement serves the tests, the docs and anyone checking a real data load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from prospects.config import HORIZON_YEARS
from prospects.db.models import LEVELS, BattingLine, Outcome, PitchingLine, Prospect, ScoutingReport
from prospects.labels import (
    is_success,
    labels_for,
    outcome_known_on,
    reference_date,
    succeeded_before,
)

RESOLVED_AFTER = 8  # seasons after signing by which a draft class has (nearly) played out
# Round 1 is the regular first round; "1S" the supplemental picks that follow it
# (``Prospect.supplemental_round``), which Baseball America counts on their own.
ROUND_BUCKETS = {
    "1": (1, 1),
    "1S": (1, 1),
    "2": (2, 2),
    "3-5": (3, 5),
    "6-10": (6, 10),
    "11-20": (11, 20),
    "21+": (21, 99),
}
FV_BUCKETS = {"<=40": (20, 40), "45": (45, 45), "50": (50, 50), "55": (55, 55), "60+": (60, 80)}


@dataclass(frozen=True)
class LeagueFrames:
    """The league's tables as DataFrames: what the figures are measured on."""

    prospects: pd.DataFrame
    outcomes: pd.DataFrame
    reports: pd.DataFrame
    lines: pd.DataFrame  # prospect_id, season, level, age, volume: one per minor-league stint

    @property
    def minor_seasons(self) -> pd.DataFrame:
        """prospect_id, season: one row per season with a minor-league line."""
        seasons = self.lines[["prospect_id", "season"]].drop_duplicates()
        return seasons.reset_index(drop=True)


def load_frames(session: Session) -> LeagueFrames:
    """Read the columns the figures need from the database."""

    def frame(*columns: InstrumentedAttribute) -> pd.DataFrame:
        rows = session.execute(select(*columns)).all()
        return pd.DataFrame(rows, columns=[c.key for c in columns])

    lines = pd.concat(
        [
            frame(
                BattingLine.prospect_id,
                BattingLine.season,
                BattingLine.level,
                BattingLine.age,
                BattingLine.pa,
            ).rename(columns={"pa": "volume"}),
            frame(
                PitchingLine.prospect_id,
                PitchingLine.season,
                PitchingLine.level,
                PitchingLine.age,
                PitchingLine.bf,
            ).rename(columns={"bf": "volume"}),
        ]
    )
    return LeagueFrames(
        prospects=frame(
            Prospect.id,
            Prospect.birth_date,
            Prospect.signing_year,
            Prospect.draft_round,
            Prospect.supplemental_round,
            Prospect.position,
        ),
        outcomes=frame(
            Outcome.prospect_id,
            Outcome.season,
            Outcome.mlb_pa,
            Outcome.mlb_outs,
            Outcome.debut_date,
        ),
        reports=frame(ScoutingReport.prospect_id, ScoutingReport.report_date, ScoutingReport.fv),
        lines=lines.reset_index(drop=True),
    )


def frames_from_columns(tables: Any) -> LeagueFrames:
    """The same frames from a league simulated in memory (``generator.simulate_league``)."""

    def frame(columns: dict[str, np.ndarray], *names: str) -> pd.DataFrame:
        return pd.DataFrame({name: columns[name] for name in names})

    p = frame(tables.prospects, "id", "birth_date", "signing_year", "draft_round", "position")
    p["birth_date"] = pd.to_datetime(p["birth_date"]).dt.date
    p["draft_round"] = pd.to_numeric(p["draft_round"])
    p["supplemental_round"] = tables.prospects.get("supplemental_round", False)
    outcomes = frame(tables.outcomes, "prospect_id", "season", "mlb_pa", "mlb_outs", "debut_date")
    reports = frame(tables.reports, "prospect_id", "report_date", "fv")
    reports["report_date"] = pd.to_datetime(reports["report_date"]).dt.date
    lines = pd.concat(
        [
            frame(tables.batting, "prospect_id", "season", "level", "age", "pa").rename(
                columns={"pa": "volume"}
            ),
            frame(tables.pitching, "prospect_id", "season", "level", "age", "bf").rename(
                columns={"bf": "volume"}
            ),
        ]
    ).reset_index(drop=True)
    return LeagueFrames(prospects=p, outcomes=outcomes, reports=reports, lines=lines)


def debuts(frames: LeagueFrames, last_season: int) -> pd.DataFrame:
    """One row per debutant: debut season, integer age at debut, success within 4 years of it.

    ``window_closed`` says whether the 4-year window (debut season and the next
    three) ends by ``last_season``, i.e. whether ``success`` is final.
    """
    out = frames.outcomes
    first = out.dropna(subset=["debut_date"])[["prospect_id", "season", "debut_date"]]
    first = first.rename(columns={"season": "debut_season"})
    merged = out.merge(first, on="prospect_id")
    window = merged[merged["season"] < merged["debut_season"] + HORIZON_YEARS]
    totals = window.groupby("prospect_id")[["mlb_pa", "mlb_outs"]].sum()
    born = frames.prospects.set_index("id")["birth_date"]
    first = first.set_index("prospect_id")
    days = (pd.to_datetime(first["debut_date"]) - pd.to_datetime(born.reindex(first.index))).dt.days
    first["debut_age"] = np.floor(days / 365.25).astype(int)
    first["success"] = is_success(
        totals["mlb_pa"].reindex(first.index).to_numpy(),
        totals["mlb_outs"].reindex(first.index).to_numpy(),
    )
    first["window_closed"] = first["debut_season"] + HORIZON_YEARS - 1 <= last_season
    return first


def reach_rate_by_round(frames: LeagueFrames, last_season: int) -> dict[str, float]:
    """Share reaching MLB per draft-round bucket, among classes signed long enough ago."""
    p = _resolved(frames, last_season)
    return _by_round(p, p["id"].isin(frames.outcomes["prospect_id"]))


def _resolved(frames: LeagueFrames, last_season: int) -> pd.DataFrame:
    p = frames.prospects
    return p[p["signing_year"] <= last_season - RESOLVED_AFTER]


def _by_round(p: pd.DataFrame, hit: pd.Series) -> dict[str, float]:
    """The share of ``hit`` per round bucket, over all draftees, and for international signings."""
    rounds = p["draft_round"]
    flag = p["supplemental_round"] if "supplemental_round" in p else pd.Series(False, p.index)
    supplemental = flag.fillna(False).astype(bool)
    result = {}
    for name, (low, high) in ROUND_BUCKETS.items():
        mask = (rounds >= low) & (rounds <= high)
        if name == "1":
            mask &= ~supplemental
        elif name == "1S":
            mask &= supplemental
        result[name] = float(hit[mask].mean()) if mask.any() else float("nan")
    drafted = rounds.notna()
    result["drafted"] = float(hit[drafted].mean()) if drafted.any() else float("nan")
    result["international"] = float(hit[~drafted].mean()) if (~drafted).any() else float("nan")
    return result


# Baseball America's "3+ years" counts MLB service time. The league stores playing time, not
# days on a roster, so a season counts as a full MLB year at half a regular's playing time
# (a regular: 650 PA, a starter 180 IP, a reliever 65 IP), and in proportion below it.
SERVICE_YEAR = {"hitter": 325, "starter": 270, "reliever": 98}  # PA, outs, outs
MLB_YEARS = 3.0


def mlb_years(frames: LeagueFrames) -> pd.Series:
    """Service-time-like MLB years per prospect who played in MLB (see ``SERVICE_YEAR``)."""
    o = frames.outcomes.merge(
        frames.prospects[["id", "position"]], left_on="prospect_id", right_on="id"
    )
    full = np.select(
        [o["position"] == "SP", o["position"] == "RP"],
        [SERVICE_YEAR["starter"], SERVICE_YEAR["reliever"]],
        SERVICE_YEAR["hitter"],
    )
    volume = np.where(o["position"].isin(("SP", "RP")), o["mlb_outs"], o["mlb_pa"])
    o["years"] = np.minimum(volume / full, 1.0)
    return o.groupby("prospect_id")["years"].sum()


def mlb_years_by_round(frames: LeagueFrames, last_season: int) -> dict[str, float]:
    """Share with 3+ MLB years (service-time proxy) per round bucket, resolved classes."""
    p = _resolved(frames, last_season)
    years = mlb_years(frames).reindex(p["id"]).fillna(0.0).to_numpy()
    return _by_round(p, pd.Series(years >= MLB_YEARS, index=p.index))


def highest_levels(frames: LeagueFrames) -> pd.Series:
    """Each prospect's highest level: a minor level, MLB, or none (never played)."""
    code = frames.lines["level"].map({level: i for i, level in enumerate(LEVELS)})
    top = code.groupby(frames.lines["prospect_id"]).max()
    names = np.array(LEVELS, dtype=object)
    out = pd.Series("none", index=frames.prospects["id"].to_numpy(), dtype=object)
    out[top.index] = names[top.to_numpy(dtype=int)]
    out[out.index.isin(frames.outcomes["prospect_id"])] = "MLB"
    return out


def highest_level_shares(frames: LeagueFrames, last_season: int) -> dict[str, float]:
    """Share of resolved signings whose highest level is each level (MLB on top)."""
    p = _resolved(frames, last_season)
    top = highest_levels(frames).reindex(p["id"])
    return {level: float((top == level).mean()) for level in (*LEVELS, "MLB")}


def aaa_to_mlb_rate(frames: LeagueFrames, last_season: int) -> float:
    """Of resolved signings who played at AAA, the share who played in MLB."""
    p = _resolved(frames, last_season)
    aaa = frames.lines.loc[frames.lines["level"] == "AAA", "prospect_id"].unique()
    ids = p["id"][p["id"].isin(aaa)]
    return float(ids.isin(frames.outcomes["prospect_id"]).mean()) if len(ids) else float("nan")


def debut_levels(frames: LeagueFrames) -> dict[str, float]:
    """Share of debutants by the highest minor level they had reached before the debut season."""
    first = frames.outcomes.groupby("prospect_id")["season"].min()
    lines = frames.lines.merge(first.rename("debut"), left_on="prospect_id", right_index=True)
    lines = lines[lines["season"] <= lines["debut"]]
    code = lines["level"].map({level: i for i, level in enumerate(LEVELS)})
    top = code.groupby(lines["prospect_id"]).max().reindex(first.index)
    names = np.array(LEVELS, dtype=object)
    result = {level: float((top == i).mean()) for i, level in enumerate(names)}
    result["none"] = float(top.isna().mean())
    return result


def mean_age_by_level(frames: LeagueFrames) -> dict[str, float]:
    """Average age at each level, weighted by PA or batters faced (as Baseball-Reference does)."""
    lines = frames.lines
    result = {}
    for level in LEVELS:
        at = lines[lines["level"] == level]
        weights = at["volume"].to_numpy(float)
        result[level] = (
            float(np.average(at["age"].to_numpy(float), weights=weights))
            if weights.sum() > 0
            else float("nan")
        )
    return result


def fv_peak_correlation(frames: LeagueFrames, peak: np.ndarray, pro_season: int = 1) -> float:
    """Correlation of the latest FV in a prospect's ``pro_season``-th season with his latent peak.

    The latent peak never reaches the database: ``peak`` is the simulation's array,
    indexed by prospect id - 1 (``generator.simulate_league``). A pro season is
    counted from the first season with a minor-league line.
    """
    first = frames.lines.groupby("prospect_id")["season"].min()
    r = frames.reports.merge(first.rename("first"), left_on="prospect_id", right_index=True)
    year = pd.to_datetime(r["report_date"]).dt.year
    r = r[year <= r["first"] + pro_season - 1]
    latest = r.sort_values(["prospect_id", "report_date"]).groupby("prospect_id")["fv"].last()
    played = first.index[first + pro_season - 1 <= frames.lines["season"].max()]
    latest = latest.reindex(played).dropna()
    if len(latest) < 3:
        return float("nan")
    return float(np.corrcoef(latest.to_numpy(float), peak[latest.index.to_numpy() - 1])[0, 1])


def success_by_debut_age(frames: LeagueFrames, last_season: int) -> dict[str, float]:
    """Share of debutants passing the success bar within 4 years of debut, by age at debut."""
    d = debuts(frames, last_season)
    d = d[d["window_closed"]]
    buckets = {"<=21": d["debut_age"] <= 21}
    for age in range(22, 30):
        buckets[str(age)] = d["debut_age"] == age
    buckets["30+"] = d["debut_age"] >= 30
    result = {
        name: float(d.loc[m, "success"].mean()) if m.any() else float("nan")
        for name, m in buckets.items()
    }
    result["overall"] = float(d["success"].mean()) if len(d) else float("nan")
    return result


def success_by_fv(frames: LeagueFrames, last_season: int, report: str = "last") -> dict[str, float]:
    """Share succeeding within 4 years of debut by FV, resolved classes.

    ``report`` picks the grade: ``"first"`` (on signing day, a projection with a
    large error) or ``"last"`` (the latest report while still a prospect).
    """
    p = frames.prospects
    p = p[p["signing_year"] <= last_season - RESOLVED_AFTER]
    reports = frames.reports.sort_values(["prospect_id", "report_date"])
    fv = reports.groupby("prospect_id")["fv"].agg(report).reindex(p["id"])
    d = debuts(frames, last_season)
    succeeded = d.index[d["success"] & d["window_closed"]]
    success = pd.Series(fv.index.isin(succeeded), index=fv.index)
    result = {}
    for name, (low, high) in FV_BUCKETS.items():
        mask = (fv >= low) & (fv <= high)
        result[name] = float(success[mask].mean()) if mask.any() else float("nan")
    return result


def label_share(frames: LeagueFrames, first_season: int, last_season: int) -> float:
    """Positive share over all training examples with a known label (see ``prospects.labels``)."""
    positives = total = 0
    outcomes = frames.outcomes
    for season in range(first_season, last_season - HORIZON_YEARS + 1):
        ids = frames.minor_seasons.loc[frames.minor_seasons["season"] == season, "prospect_id"]
        ids = np.unique(ids.to_numpy())
        ref = reference_date(season)
        done = succeeded_before(outcomes, ids, ref)
        ids = ids[~done.to_numpy()]
        labels = labels_for(outcomes, ids, ref, known_through=outcome_known_on(last_season))
        labels = labels.dropna()
        positives += int(labels.sum())
        total += len(labels)
    return positives / total if total else float("nan")


# -- the calibration table: every published figure with its tolerance, in one place --------------

BA_DRAFT = 'Baseball America, "One In Six Picks Will Click" (2013), signed picks 1987-2008'
BA_URL = "http://www.baseballamerica.com/draft/one-in-six-draft-picks-will-click/"
LAHMAN = "Lahman database, MLB debutants 1990-2019 (computed; docs/league.md)"
DOMINICAN = (
    "Diario Libre from MLB and Baseball-Reference data: 306 of 5,283 Dominican signees "
    "of 2004-2015 reached MLB (puntonewsrd.com, 2022)"
)
DOMINICAN_URL = (
    "https://puntonewsrd.com/index.php/2022/02/22/"
    "solo-el-5-7-de-los-firmados-entre-2004-y-2015-llego-a-grandes-ligas/"
)


FANGRAPHS_AGES = (
    'FanGraphs, "Minor League Leaderboard Context": average age by level '
    "(fangraphs.com/blogs/minor-league-leaderboard-context/)"
)
MLB_SKIPS = (
    'MLB.com, "MLB prospects moving rapidly in 2020": 16 of the 1,746 debutants of 2013-2019 '
    "jumped straight from Class A or A-Advanced (mlb.com/news/mlb-prospects-moving-rapidly-in-2020)"
)
AGE_TOLERANCE = 1.0  # years


def relative_tolerance(published: float) -> float:
    """25% of the published rate, or 2 points absolute for rates under 8%."""
    return 0.02 if published < 0.08 else 0.25 * published


@dataclass(frozen=True)
class Published:
    """A published figure the league must reproduce within ``tolerance`` (absolute)."""

    figure: str
    published: float
    tolerance: float
    source: str
    measure: Callable[[LeagueFrames, int], float]
    unit: str = "rate"  # "rate" (a share, printed as %) or "years"

    def check(self, frames: LeagueFrames, last_season: int) -> dict[str, object]:
        value = float(self.measure(frames, last_season))
        return {
            "figure": self.figure,
            "published": self.published,
            "league": value,
            "tolerance": self.tolerance,
            "pass": bool(abs(value - self.published) <= self.tolerance),
            "source": self.source,
            "unit": self.unit,
        }


def _reach(bucket: str) -> Callable[[LeagueFrames, int], float]:
    return lambda frames, last: reach_rate_by_round(frames, last)[bucket]


def _years(bucket: str) -> Callable[[LeagueFrames, int], float]:
    return lambda frames, last: mlb_years_by_round(frames, last)[bucket]


def _debut(bucket: str) -> Callable[[LeagueFrames, int], float]:
    return lambda frames, last: success_by_debut_age(frames, last)[bucket]


def _age(level: str) -> Callable[[LeagueFrames, int], float]:
    return lambda frames, last: mean_age_by_level(frames)[level]


def _debut_below_aa(frames: LeagueFrames, last_season: int) -> float:
    shares = debut_levels(frames)
    return shares["Rk"] + shares["A"] + shares["A+"]


def _ba(figure: str, published: float, measure: Callable) -> Published:
    return Published(figure, published, relative_tolerance(published), BA_DRAFT, measure)


_BUCKET_NAMES = {
    "1": "round 1",
    "2": "round 2",
    "3-5": "rounds 3-5",
    "6-10": "rounds 6-10",
    "11-20": "rounds 11-20",
    "21+": "rounds 21+",
    "drafted": "all signed picks",
}
# Baseball America's table, by round bucket (the supplemental first round is not simulated).
BA_REACHED = {"1": 0.73, "2": 0.494, "3-5": 0.346, "6-10": 0.215, "11-20": 0.13, "21+": 0.068,
              "drafted": 0.172}  # fmt: skip
BA_THREE_YEARS = {"1": 0.391, "2": 0.161, "3-5": 0.101, "6-10": 0.066, "11-20": 0.036,
                  "21+": 0.016, "drafted": 0.055}  # fmt: skip

PUBLISHED: tuple[Published, ...] = (
    *(_ba(f"reached MLB, {_BUCKET_NAMES[b]}", p, _reach(b)) for b, p in BA_REACHED.items()),
    *(_ba(f"3+ MLB years, {_BUCKET_NAMES[b]}", p, _years(b)) for b, p in BA_THREE_YEARS.items()),
    Published(
        "reached MLB, international signees",
        306 / 5283,
        relative_tolerance(306 / 5283),
        DOMINICAN,
        _reach("international"),
    ),  # fmt: skip
    Published("success within 4 yrs of debut, debut age <= 21", 0.75, 0.10, LAHMAN, _debut("<=21")),
    Published("same, debut age 23", 0.55, 0.10, LAHMAN, _debut("23")),
    Published("same, debut age 25", 0.40, 0.10, LAHMAN, _debut("25")),
    Published("same, debut age 27", 0.25, 0.10, LAHMAN, _debut("27")),
    Published("same, all debutants", 0.46, 0.06, LAHMAN, _debut("overall")),
    Published("debutants straight from below AA", 16 / 1746, 0.02, MLB_SKIPS, _debut_below_aa),
    # Ages are years, not rates (``Published.unit``). AAA is left out: its published 28.2 is set
    # by veterans the league does not simulate (docs/league.md, "Not modelled").
    *(
        Published(f"mean age at {level}", age, AGE_TOLERANCE, FANGRAPHS_AGES, _age(level), "years")
        for level, age in (("Rk", 19.4), ("A", 21.2), ("A+", 22.4), ("AA", 23.8))
    ),
)


def calibration_table(frames: LeagueFrames, last_season: int) -> list[dict[str, object]]:
    """Each published figure beside the league's, with its tolerance and whether it holds."""
    return [p.check(frames, last_season) for p in PUBLISHED]


def format_calibration(rows: list[dict[str, object]]) -> str:
    """The table ``callup evaluate`` prints."""
    lines = [f"{'figure':48}{'published':>10}{'league':>8}{'tolerance':>11}{'':>6}"]
    for r in rows:
        if r.get("unit") == "years":
            values = f"{r['published']:>10.1f}{r['league']:>8.1f}"
            tolerance = f"±{r['tolerance']:.1f} yrs"
        else:
            values = f"{r['published']:>10.1%}{r['league']:>8.1%}"
            tolerance = f"±{r['tolerance'] * 100:.1f} pts"
        lines.append(f"{r['figure']:48}{values}{tolerance:>11}{'pass' if r['pass'] else 'FAIL':>6}")
    sources = sorted({str(r["source"]) for r in rows})
    return "\n".join(lines + [f"source: {s}" for s in sources])


def format_shape(frames: LeagueFrames, last_season: int) -> str:
    """The career shape ``callup evaluate`` prints under the calibration table."""
    shares = highest_level_shares(frames, last_season)
    debut = debut_levels(frames)
    return "\n".join(
        [
            "highest level reached (resolved signings): "
            + ", ".join(f"{level} {share:.1%}" for level, share in shares.items()),
            f"played at AAA and reached MLB: {aaa_to_mlb_rate(frames, last_season):.1%}; "
            f"debutants straight from AA: {debut['AA']:.1%}",
        ]
    )

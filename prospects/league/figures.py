"""The published figures the synthetic league is calibrated to, measured on league tables.

Each function takes plain DataFrames (as read from the database), so the same
measurement serves the tests, the docs and anyone checking a real data load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from prospects.config import HORIZON_YEARS
from prospects.db.models import BattingLine, Outcome, PitchingLine, Prospect, ScoutingReport
from prospects.labels import (
    is_success,
    labels_for,
    outcome_known_on,
    reference_date,
    succeeded_before,
)

RESOLVED_AFTER = 8  # seasons after signing by which a draft class has (nearly) played out
ROUND_BUCKETS = {
    "1": (1, 1),
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
    minor_seasons: pd.DataFrame  # prospect_id, season: one row per season with a minor-league line


def load_frames(session: Session) -> LeagueFrames:
    """Read the columns the figures need from the database."""

    def frame(*columns: InstrumentedAttribute) -> pd.DataFrame:
        rows = session.execute(select(*columns)).all()
        return pd.DataFrame(rows, columns=[c.key for c in columns])

    lines = pd.concat(
        [
            frame(BattingLine.prospect_id, BattingLine.season),
            frame(PitchingLine.prospect_id, PitchingLine.season),
        ]
    )
    return LeagueFrames(
        prospects=frame(
            Prospect.id, Prospect.birth_date, Prospect.signing_year, Prospect.draft_round
        ),
        outcomes=frame(
            Outcome.prospect_id,
            Outcome.season,
            Outcome.mlb_pa,
            Outcome.mlb_outs,
            Outcome.debut_date,
        ),
        reports=frame(ScoutingReport.prospect_id, ScoutingReport.report_date, ScoutingReport.fv),
        minor_seasons=lines.drop_duplicates().reset_index(drop=True),
    )


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
    p = frames.prospects
    p = p[p["signing_year"] <= last_season - RESOLVED_AFTER]
    reached = p["id"].isin(frames.outcomes["prospect_id"])
    rounds = p["draft_round"]
    result = {}
    for name, (low, high) in ROUND_BUCKETS.items():
        mask = (rounds >= low) & (rounds <= high)
        result[name] = float(reached[mask].mean()) if mask.any() else float("nan")
    international = rounds.isna()
    result["international"] = (
        float(reached[international].mean()) if international.any() else float("nan")
    )
    return result


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


def success_by_first_fv(frames: LeagueFrames, last_season: int) -> dict[str, float]:
    """Share succeeding within 4 years of debut by the FV of the first report, resolved classes."""
    p = frames.prospects
    p = p[p["signing_year"] <= last_season - RESOLVED_AFTER]
    reports = frames.reports.sort_values(["prospect_id", "report_date"])
    first_fv = reports.groupby("prospect_id")["fv"].first().reindex(p["id"])
    d = debuts(frames, last_season)
    succeeded = d.index[d["success"] & d["window_closed"]]
    success = pd.Series(first_fv.index.isin(succeeded), index=first_fv.index)
    result = {}
    for name, (low, high) in FV_BUCKETS.items():
        mask = (first_fv >= low) & (first_fv <= high)
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
LAHMAN = "Lahman database, MLB debutants 1990-2019 (computed; docs/league.md)"


@dataclass(frozen=True)
class Published:
    """A published figure the league must reproduce within ``tolerance`` (absolute)."""

    figure: str
    published: float
    tolerance: float
    source: str
    measure: Callable[[LeagueFrames, int], float]

    def check(self, frames: LeagueFrames, last_season: int) -> dict[str, object]:
        value = float(self.measure(frames, last_season))
        return {
            "figure": self.figure,
            "published": self.published,
            "league": value,
            "tolerance": self.tolerance,
            "pass": bool(abs(value - self.published) <= self.tolerance),
            "source": self.source,
        }


def _reach(bucket: str) -> Callable[[LeagueFrames, int], float]:
    return lambda frames, last: reach_rate_by_round(frames, last)[bucket]


def _debut(bucket: str) -> Callable[[LeagueFrames, int], float]:
    return lambda frames, last: success_by_debut_age(frames, last)[bucket]


PUBLISHED: tuple[Published, ...] = (
    Published("reached MLB, round 1", 0.73, 0.08, BA_DRAFT, _reach("1")),
    Published("reached MLB, rounds 3-5", 0.346, 0.06, BA_DRAFT, _reach("3-5")),
    Published("reached MLB, rounds 21+", 0.068, 0.04, BA_DRAFT, _reach("21+")),
    Published("success within 4 yrs of debut, debut age <= 21", 0.75, 0.10, LAHMAN, _debut("<=21")),
    Published("same, debut age 23", 0.55, 0.10, LAHMAN, _debut("23")),
    Published("same, debut age 25", 0.40, 0.10, LAHMAN, _debut("25")),
    Published("same, debut age 27", 0.25, 0.10, LAHMAN, _debut("27")),
    Published("same, all debutants", 0.46, 0.06, LAHMAN, _debut("overall")),
)


def calibration_table(frames: LeagueFrames, last_season: int) -> list[dict[str, object]]:
    """Each published figure beside the league's, with its tolerance and whether it holds."""
    return [p.check(frames, last_season) for p in PUBLISHED]


def format_calibration(rows: list[dict[str, object]]) -> str:
    """The table ``callup evaluate`` prints."""
    lines = [f"{'figure':48}{'published':>10}{'league':>8}{'tolerance':>11}{'':>6}"]
    for r in rows:
        lines.append(
            f"{r['figure']:48}{r['published']:>10.1%}{r['league']:>8.1%}"
            f"{'±' + format(r['tolerance'] * 100, '.0f') + ' pts':>11}"
            f"{'pass' if r['pass'] else 'FAIL':>6}"
        )
    sources = sorted({str(r["source"]) for r in rows})
    return "\n".join(lines + [f"source: {s}" for s in sources])

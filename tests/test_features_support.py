"""Shared helpers for the feature tests: a hand-built league and a small generated one.

(No tests here; the module name only keeps it inside the feature tests' files.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from prospects.db.models import (
    BattingLine,
    Outcome,
    PitchingLine,
    Prospect,
    Release,
    ScoutingReport,
)
from prospects.features.data import (
    BATTING_COLUMNS,
    OUTCOME_COLUMNS,
    PITCHING_COLUMNS,
    PROSPECT_COLUMNS,
    RELEASE_COLUMNS,
    REPORT_COLUMNS,
    LeagueData,
)
from prospects.labels import outcome_known_on


@dataclass
class LeagueBuilder:
    """Rows written by hand, with sensible defaults, as LeagueData or as database rows."""

    prospects: list[dict] = field(default_factory=list)
    batting: list[dict] = field(default_factory=list)
    pitching: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)
    releases: list[dict] = field(default_factory=list)

    def prospect(
        self,
        pid: int,
        *,
        birth: date = date(2000, 1, 1),
        position: str = "SS",
        bats: str = "R",
        throws: str = "R",
        signing_year: int = 2018,
        draft_round: int | None = 1,
        signed_on: date | None = None,
    ) -> LeagueBuilder:
        self.prospects.append(
            {
                "id": pid,
                "name": f"Player {pid}",
                "birth_date": birth,
                "position": position,
                "organization": "TST",
                "bats": bats,
                "throws": throws,
                "signing_year": signing_year,
                "draft_round": draft_round,
                "signed_on": signed_on or date(signing_year, 7, 1),
                "signing_type": "international" if draft_round is None else "draft",
            }
        )
        return self

    def bat(
        self,
        pid: int,
        season: int,
        level: str,
        *,
        age: float = 21.0,
        start: date | None = None,
        end: date | None = None,
        **counts: int,
    ) -> LeagueBuilder:
        row = {"pa": 400, "ab": 350, "h": 90, "doubles": 18, "triples": 2, "hr": 10, "bb": 40}
        row |= {"so": 90, "sb": 10, "cs": 4, "hbp": 5, "sf": 5}
        row |= counts
        self.batting.append(
            {
                "prospect_id": pid,
                "season": season,
                "level": level,
                "age": age,
                "start_date": start or date(season, 4, 5),
                "end_date": end or date(season, 9, 5),
                **row,
            }
        )
        return self

    def pitch(
        self,
        pid: int,
        season: int,
        level: str,
        *,
        age: float = 21.0,
        start: date | None = None,
        end: date | None = None,
        **counts: int,
    ) -> LeagueBuilder:
        row = {"outs": 300, "bf": 430, "h": 90, "er": 45, "hr": 10, "bb": 35, "so": 100, "hbp": 5}
        row |= counts
        self.pitching.append(
            {
                "prospect_id": pid,
                "season": season,
                "level": level,
                "age": age,
                "start_date": start or date(season, 4, 5),
                "end_date": end or date(season, 9, 5),
                **row,
            }
        )
        return self

    def report(self, pid: int, day: date, fv: int, **tools: int | None) -> LeagueBuilder:
        row = dict.fromkeys(("hit", "power", "run", "arm", "field"), None)
        row |= dict.fromkeys(("fastball", "breaking", "changeup", "control"), None)
        row |= tools
        self.reports.append({"prospect_id": pid, "report_date": day, "fv": fv, **row})
        return self

    def outcome(
        self, pid: int, season: int, *, pa: int = 0, outs: int = 0, known_on: date | None = None
    ) -> LeagueBuilder:
        self.outcomes.append(
            {
                "prospect_id": pid,
                "season": season,
                "mlb_pa": pa,
                "mlb_outs": outs,
                "known_on": known_on or outcome_known_on(season),
            }
        )
        return self

    def release(self, pid: int, day: date) -> LeagueBuilder:
        self.releases.append({"prospect_id": pid, "released_on": day})
        return self

    def data(self) -> LeagueData:
        def frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
            return pd.DataFrame(rows, columns=list(columns))

        return LeagueData(
            prospects=frame(self.prospects, PROSPECT_COLUMNS),
            batting=frame(self.batting, BATTING_COLUMNS),
            pitching=frame(self.pitching, PITCHING_COLUMNS),
            reports=frame(self.reports, REPORT_COLUMNS),
            outcomes=frame(self.outcomes, OUTCOME_COLUMNS),
            releases=frame(self.releases, RELEASE_COLUMNS),
        )

    def write(self, session) -> None:  # type: ignore[no-untyped-def]
        """Insert every row through the ORM (ids assigned by the database)."""
        for p in self.prospects:
            session.add(Prospect(**p))
        session.flush()
        for model, rows in (
            (BattingLine, self.batting),
            (PitchingLine, self.pitching),
            (ScoutingReport, self.reports),
            (Outcome, self.outcomes),
            (Release, self.releases),
        ):
            session.add_all(model(**row) for row in rows)
        session.flush()

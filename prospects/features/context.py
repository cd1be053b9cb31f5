"""The league-wide frame of reference for one as-of date, built once and shared.

Everything a prospect's features are relative to lives here: the level
environments (mean rates and ages per season and level) and the labelled
historical comparison base. With it, features depend only on the prospect's own
rows, which is what lets the serving path build it once per (data version, day)
and then featurise one prospect per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from prospects.features.data import LeagueData
from prospects.features.history import HistoryBase
from prospects.features.levels import LevelEnvironment
from prospects.features.snapshots import comparison_base, season_snapshots


def as_date(day: object) -> date:
    """A ``date`` from a date, datetime, Timestamp or ISO string (datetimes lose their time)."""
    return pd.Timestamp(day).date()


@dataclass(frozen=True)
class LeagueContext:
    """Level environments and the comparison base as known on ``as_of``."""

    as_of: date
    env: LevelEnvironment
    history: HistoryBase

    @classmethod
    def build(
        cls,
        data: LeagueData,
        as_of: date,
        *,
        snapshots: pd.DataFrame | None = None,
    ) -> LeagueContext:
        """The context from rows known on ``as_of`` (``data`` is cut here, whatever it holds).

        ``snapshots`` (from :func:`season_snapshots` on the same league, any cut)
        lets a caller building many dates share that work: a snapshot depends only
        on rows known at its own season's close, and only those whose label is
        known on ``as_of`` are used.
        """
        as_of = as_date(as_of)
        known = data.as_of(as_of)
        env = LevelEnvironment.from_lines(known.arrays("batting"), known.arrays("pitching"))
        snaps = season_snapshots(known) if snapshots is None else snapshots
        base = comparison_base(snaps, known.outcomes, as_of)
        return cls(as_of=as_of, env=env, history=HistoryBase.from_examples(base))

"""The league-wide frame of reference for one as-of date, built once and shared.

Everything a prospect's features are relative to lives here: the level
environments (mean rates and ages per season and level) and the labelled
historical comparison base. With it, features depend only on the prospect's own
rows, which is what lets the serving path build it once per (data version, day)
and then featurise one prospect per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
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
    names: dict[int, str] = field(default_factory=dict)  # who the comparables are, by id

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
        base = base.assign(reached_mlb=_reached_mlb(base, known.outcomes))
        pros = known.prospects
        names = dict(zip(pros["id"].astype(int).tolist(), pros["name"].tolist(), strict=True))
        return cls(as_of=as_of, env=env, history=HistoryBase.from_examples(base), names=names)


def _reached_mlb(base: pd.DataFrame, outcomes: pd.DataFrame) -> np.ndarray:
    """Per example, whether MLB time from its season on is known (``outcomes`` cut to the date)."""
    if base.empty or outcomes.empty:
        return np.zeros(len(base), dtype=bool)
    played = outcomes.loc[(outcomes["mlb_pa"] > 0) | (outcomes["mlb_outs"] > 0)]
    last = played.groupby("prospect_id")["season"].max()
    seen = base["prospect_id"].map(last).to_numpy(dtype=np.float64)
    return ~np.isnan(seen) & (seen >= base["season"].to_numpy())

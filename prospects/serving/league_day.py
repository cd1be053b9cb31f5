"""What serving needs of the league on one day, built once per (data version, day).

A worker keeps the league context of the day it serves (level environments,
the comparison base), which already reads every row of the league. Reading one
prospect's rows again and featurising him for each request cost ~10 ms, while
the same code featurises the whole league in bulk at ~0.13 ms a prospect. So
for the serving day (today, UTC: what a request without ``as_of`` asks about)
the worker materializes every prospect's feature vector, eligibility and
evidence together with the context, keyed by the data version: an import, an
upsert or a feed batch changes the version, a new day changes the key, and
either builds them again. A prediction or a ranking chunk then reads its rows.
Any other date (a past ``as_of``) builds its prospects' rows on the fly, through
the same code: ``build_features`` makes a prospect's row from his own rows and
the context alone, so both ways give the same vector (tested).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from prospects import eligibility
from prospects.features.build import build_features
from prospects.features.context import LeagueContext
from prospects.features.data import LeagueData, load_league
from prospects.features.roster import latest_levels
from prospects.serving.scoring import evidence


@dataclass(frozen=True)
class ProspectRows:
    """Some prospects as of one day: features, eligibility, evidence and roster facts.

    Every frame is indexed by prospect id in the same order: the prospects
    signed by the day, in the order asked for.
    """

    features: pd.DataFrame  # build_features
    standing: pd.DataFrame  # eligibility.assess
    people: pd.DataFrame  # scoring.evidence: name, position, sample behind the numbers
    level: dict[int, str]  # latest stint's level (roster.latest_levels)
    organization: dict[int, str]

    @classmethod
    def build(
        cls,
        data: LeagueData,
        as_of: date,
        context: LeagueContext,
        prospect_ids: Sequence[int] | None = None,
    ) -> ProspectRows:
        """From rows read for these prospects (or the whole league, ``prospect_ids=None``)."""
        features = build_features(data, as_of, prospect_ids, context=context)
        order = features.index
        standing = eligibility.assess(data, as_of).reindex(order)
        people = evidence(data).reindex(order)
        bat, pit = data.arrays("batting"), data.arrays("pitching")
        level = latest_levels(
            np.concatenate([bat["prospect_id"], pit["prospect_id"]]),
            np.concatenate([bat["level"], pit["level"]]),
            np.concatenate([bat["end_date"], pit["end_date"]]),
        )
        pros = data.prospects
        organization = dict(zip(pros["id"].tolist(), pros["organization"].tolist(), strict=True))
        return cls(features, standing, people, level, organization)

    @classmethod
    def load(
        cls, session: Session, prospect_ids: Sequence[int], as_of: date, context: LeagueContext
    ) -> ProspectRows:
        """On the fly: read these prospects' rows known on ``as_of`` and build theirs."""
        data = load_league(session, prospect_ids=prospect_ids, as_of=as_of)
        return cls.build(data, as_of, context, prospect_ids)

    def take(self, prospect_ids: Sequence[int]) -> ProspectRows | None:
        """These prospects' rows, in this order; None when one of them is not here."""
        positions = [self.positions.get(int(i)) for i in prospect_ids]
        if None in positions:
            return None
        # By position (a dict lookup per id, then ``iloc``): ``loc`` with an index and an
        # ``isin`` check cost ~1 ms for one prospect, as much as his SHAP pass.
        return ProspectRows(
            self.features.iloc[positions],
            self.standing.iloc[positions],
            self.people.iloc[positions],
            self.level,
            self.organization,
        )

    @cached_property
    def positions(self) -> dict[int, int]:
        """Prospect id -> row number in these frames (built on first use, then kept)."""
        return {int(pid): row for row, pid in enumerate(self.features.index)}


@dataclass(frozen=True)
class LeagueDay:
    """The context of one (data version, day) and, on the serving day, everyone's rows."""

    context: LeagueContext
    vectors: ProspectRows | None  # materialized: the serving day only

    def rows(self, session: Session, prospect_ids: Sequence[int]) -> ProspectRows:
        """These prospects' rows: read from the materialized vectors, else built on the fly."""
        if self.vectors is not None:
            taken = self.vectors.take(prospect_ids)
            if taken is not None:
                return taken
        return ProspectRows.load(session, prospect_ids, self.context.as_of, self.context)


def serving_day() -> date:
    """The day a request without ``as_of`` asks about (the API's default, UTC)."""
    return datetime.now(UTC).date()


class LeagueDays:
    """A worker's league days, by (data version, day): the newest few, built on first use.

    Building one reads every row of the league; a worker does it once and reuses it
    until the data or the day changes (``workers.runtime.warm`` builds today's before
    the worker reports ready).
    """

    def __init__(self, max_entries: int = 2):
        self._entries: OrderedDict[tuple[str, date], LeagueDay] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, session: Session, data_version: str, as_of: date) -> LeagueDay:
        key = (data_version, as_of)
        with self._lock:
            day = self._entries.get(key)
            if day is not None:
                self._entries.move_to_end(key)
                return day
            day = self._build(session, as_of)
            self._entries[key] = day
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            return day

    @staticmethod
    def _build(session: Session, as_of: date) -> LeagueDay:
        data = load_league(session, as_of=as_of)
        context = LeagueContext.build(data, as_of)
        vectors = ProspectRows.build(data, as_of, context) if as_of == serving_day() else None
        return LeagueDay(context, vectors)

"""The prospects a ranking covers: signed by the as-of date, matching the filters, and by
default eligible by the one prospect rule (``prospects.eligibility``).

Organization and position are filtered in SQL; age and level with the same
rules the chunks use to store them (:mod:`prospects.features.roster`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from prospects import eligibility
from prospects.db.models import Prospect
from prospects.db.queries import current_levels_query, known_by
from prospects.features.data import load_league
from prospects.features.grouping import days
from prospects.features.roster import ages_on
from prospects.ranking.filters import EVERYONE, RankingFilters


@dataclass(frozen=True)
class Candidates:
    """Who a ranking scores (``ids``, ascending), and every matching player the prospect rule
    excludes with his reason (left off the board, or flagged on a board of everyone)."""

    ids: list[int]
    excluded: dict[int, str]


def select_candidates(session: Session, filters: RankingFilters, as_of: date) -> Candidates:
    """The players matching ``filters`` on ``as_of``, cut to prospects unless asked otherwise."""
    ids = _matching(session, filters, as_of)
    if not ids:
        return Candidates([], {})
    standing = eligibility.assess(load_league(session, as_of=as_of), as_of, np.asarray(ids))
    out = standing.loc[~standing["eligible"], "reason"]
    excluded = {int(pid): str(reason) for pid, reason in out.items()}
    if filters.eligibility != EVERYONE:
        ids = [i for i in ids if i not in excluded]
    return Candidates(ids, excluded)


def _matching(session: Session, filters: RankingFilters, as_of: date) -> list[int]:
    """Ids of the players signed by ``as_of`` who match the filters, ascending."""
    stmt = select(Prospect.id, Prospect.birth_date).where(known_by(as_of))
    if filters.organization is not None:
        stmt = stmt.where(Prospect.organization == filters.organization)
    positions = filters.positions()
    if positions is not None:
        stmt = stmt.where(Prospect.position.in_(positions))
    rows = session.execute(stmt.order_by(Prospect.id)).all()
    if not rows:
        return []
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    keep = np.ones(len(ids), dtype=bool)
    if filters.min_age is not None or filters.max_age is not None:
        ages = ages_on(days(np.array([row[1] for row in rows], dtype="datetime64[D]")), as_of)
        if filters.min_age is not None:
            keep &= ages >= filters.min_age
        if filters.max_age is not None:
            keep &= ages <= filters.max_age
    if filters.level is not None:
        levels = current_levels(session, as_of)
        keep &= np.array([levels.get(int(i)) == filters.level for i in ids], dtype=bool)
    return ids[keep].tolist()


def current_levels(session: Session, as_of: date) -> dict[int, str]:
    """Every prospect's level on ``as_of``: that of its latest stint known by then.

    Ranked in SQL (one row per prospect comes back, not every stint); the tie
    rule is :func:`prospects.features.roster.latest_levels`'s, which the chunks use.
    """
    rows = session.execute(current_levels_query(as_of))
    return {int(pid): str(level) for pid, level in rows}

"""The prospects a ranking covers: signed by the as-of date and matching the filters.

Organization and position are filtered in SQL; age and level with the same
rules the chunks use to store them (:mod:`prospects.ranking.roster`).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from prospects.db.models import Prospect
from prospects.db.queries import current_levels_query
from prospects.features.grouping import days
from prospects.ranking.filters import RankingFilters
from prospects.ranking.roster import ages_on


def select_candidates(session: Session, filters: RankingFilters, as_of: date) -> list[int]:
    """Ids of the prospects to rank, ascending."""
    stmt = select(Prospect.id, Prospect.birth_date).where(Prospect.signed_on <= as_of)
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
    rule is :func:`prospects.ranking.roster.latest_levels`'s, which the chunks use.
    """
    rows = session.execute(current_levels_query(as_of))
    return {int(pid): str(level) for pid, level in rows}

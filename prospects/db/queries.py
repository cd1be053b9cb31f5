"""Queries shared by the API and the domain; plain SQLAlchemy, no ML stack."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, case, func, select, union_all

from prospects.db.models import LEVELS, BattingLine, PitchingLine


def current_levels_query(as_of: date | None = None) -> Select:
    """(prospect_id, level) of each prospect's latest stint, batting or pitching.

    Ranked in SQL so one row per prospect comes back, not every stint; on the
    same end date the higher level wins. With ``as_of``, only stints known by then.
    """
    batting = select(BattingLine.prospect_id, BattingLine.level, BattingLine.end_date)
    pitching = select(PitchingLine.prospect_id, PitchingLine.level, PitchingLine.end_date)
    if as_of is not None:
        batting = batting.where(BattingLine.end_date <= as_of)
        pitching = pitching.where(PitchingLine.end_date <= as_of)
    lines = union_all(batting, pitching).subquery()
    level_rank = case({level: rank for rank, level in enumerate(LEVELS)}, value=lines.c.level)
    ranked = select(
        lines.c.prospect_id,
        lines.c.level,
        func.row_number()
        .over(
            partition_by=lines.c.prospect_id,
            order_by=(lines.c.end_date.desc(), level_rank.desc()),
        )
        .label("rn"),
    ).subquery()
    return select(ranked.c.prospect_id, ranked.c.level).where(ranked.c.rn == 1)

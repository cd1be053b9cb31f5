"""Queries shared by the API and the domain; plain SQLAlchemy, no ML stack."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, union_all

from prospects.db.models import LEVEL_RUNG, LINE_LEVELS, BattingLine, PitchingLine, Prospect


def current_levels_query(as_of: date | None = None) -> Select:
    """(prospect_id, level) of each prospect's latest stint, batting or pitching.

    Ranked in SQL so one row per prospect comes back, not every stint; on the
    same end date the higher level wins. With ``as_of``, only stints known and arrived by
    then. The level is the ladder's rung (``DSL`` and ``CPX`` are ``Rk``, ``A-`` is ``A``),
    the code the ranking filters take.
    """
    batting = select(BattingLine.prospect_id, BattingLine.level, BattingLine.end_date)
    pitching = select(PitchingLine.prospect_id, PitchingLine.level, PitchingLine.end_date)
    if as_of is not None:
        batting = batting.where(BattingLine.end_date <= as_of, BattingLine.ingested_on <= as_of)
        pitching = pitching.where(PitchingLine.end_date <= as_of, PitchingLine.ingested_on <= as_of)
    lines = union_all(batting, pitching).subquery()
    level_rank = case({code: i for i, code in enumerate(LINE_LEVELS)}, value=lines.c.level)
    ranked = select(
        lines.c.prospect_id,
        case(LEVEL_RUNG, value=lines.c.level).label("level"),
        func.row_number()
        .over(
            partition_by=lines.c.prospect_id,
            order_by=(lines.c.end_date.desc(), level_rank.desc()),
        )
        .label("rn"),
    ).subquery()
    return select(ranked.c.prospect_id, ranked.c.level).where(ranked.c.rn == 1)


def known_by(day: date) -> ColumnElement[bool]:
    """Prospects known on ``day``: signed by then (or with no signing date) and arrived by then,
    the rule ``LeagueData.as_of`` applies to frames."""
    signed = or_(Prospect.signed_on.is_(None), Prospect.signed_on <= day)
    return and_(signed, Prospect.ingested_on <= day)

"""``GET /api/ml/prospects`` (a filtered page) and ``GET /api/ml/prospects/<id>`` (one, in full)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.blueprints import api_blueprint
from app.errors import ApiError
from app.extensions import database
from app.openapi import document
from app.responses import ErrorResponse, ProspectDetail, ProspectPage
from app.schemas import MAX_ID, ProspectQuery, parse_query
from prospects.db.models import (
    HITTER_POSITIONS,
    PITCHER_POSITIONS,
    BattingLine,
    PitchingLine,
    Prospect,
    ScoutingReport,
)
from prospects.db.queries import current_levels_query

bp = api_blueprint("prospects", __name__)

_PROSPECT_FIELDS = (
    "id",
    "name",
    "position",
    "organization",
    "bats",
    "throws",
    "birth_date",
    "signing_year",
    "draft_round",
    "signed_on",
    "signing_type",
)
_LINE_FIELDS = ("season", "level", "stint", "age", "start_date", "end_date")
_BATTING_FIELDS = _LINE_FIELDS + (
    "pa", "ab", "h", "doubles", "triples", "hr", "bb", "so", "sb", "cs", "hbp", "sf",
)  # fmt: skip
_PITCHING_FIELDS = _LINE_FIELDS + ("outs", "bf", "h", "er", "hr", "bb", "so", "hbp")
_REPORT_FIELDS = (
    "report_date", "hit", "power", "run", "arm", "field",
    "fastball", "breaking", "changeup", "control", "fv",
)  # fmt: skip


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """Selected columns as JSON-ready values (dates as ISO strings)."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def _prospect(prospect: Prospect, level: str | None) -> dict[str, Any]:
    body = _plain(prospect, _PROSPECT_FIELDS)
    body["kind"] = "pitcher" if prospect.is_pitcher else "hitter"
    body["level"] = level
    return body


def _current_levels() -> Select:
    """(prospect_id, level) of each prospect's latest stat line, batting or pitching."""
    return current_levels_query()


def _filtered(query: ProspectQuery) -> Select:
    stmt = select(Prospect.id)
    if query.organization:
        stmt = stmt.where(Prospect.organization == query.organization.upper())
    if query.position:
        stmt = stmt.where(Prospect.position == query.position)
    if query.kind:
        positions = PITCHER_POSITIONS if query.kind == "pitcher" else HITTER_POSITIONS
        stmt = stmt.where(Prospect.position.in_(positions))
    if query.q:
        escaped = query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Prospect.name.ilike(f"%{escaped}%", escape="\\"))
    if query.level:
        current = _current_levels().subquery()
        stmt = stmt.where(
            Prospect.id.in_(select(current.c.prospect_id).where(current.c.level == query.level))
        )
    return stmt


def _levels_of(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    current = _current_levels().subquery()
    rows = session.execute(select(current).where(current.c.prospect_id.in_(ids)))
    return {prospect_id: level for prospect_id, level in rows}


@bp.get("/prospects")
@document(tags=("prospects",), query=ProspectQuery, responses={200: ProspectPage})
def list_prospects() -> dict[str, Any]:
    """A page of prospects by id, filtered by organization, position, kind, level or name."""
    query = parse_query(ProspectQuery)
    ids = _filtered(query).subquery()
    with database.session() as session:
        total = session.scalar(select(func.count()).select_from(ids)) or 0
        page = list(
            session.scalars(
                select(Prospect)
                .where(Prospect.id.in_(select(ids.c.id)))
                .order_by(Prospect.id)
                .offset((query.page - 1) * query.per_page)
                .limit(query.per_page)
            )
        )
        levels = _levels_of(session, [p.id for p in page])
        items = [_prospect(p, levels.get(p.id)) for p in page]
    return {"items": items, "page": query.page, "per_page": query.per_page, "total": total}


@bp.get("/prospects/<int:prospect_id>")
@document(
    tags=("prospects",),
    responses={
        200: ProspectDetail,
        404: (ErrorResponse, "`unknown_prospect`: no prospect with this id."),
    },
)
def get_prospect(prospect_id: int) -> dict[str, Any]:
    """One prospect with every stat line and the latest scouting report."""
    with database.session() as session:
        prospect = session.get(Prospect, prospect_id) if prospect_id <= MAX_ID else None
        if prospect is None:
            raise ApiError(404, "unknown_prospect", f"no prospect with id {prospect_id}")
        batting = session.scalars(
            select(BattingLine)
            .where(BattingLine.prospect_id == prospect_id)
            .order_by(BattingLine.end_date, BattingLine.id)
        )
        pitching = session.scalars(
            select(PitchingLine)
            .where(PitchingLine.prospect_id == prospect_id)
            .order_by(PitchingLine.end_date, PitchingLine.id)
        )
        report = session.scalars(
            select(ScoutingReport)
            .where(ScoutingReport.prospect_id == prospect_id)
            .order_by(ScoutingReport.report_date.desc())
            .limit(1)
        ).first()
        body = _prospect(prospect, _levels_of(session, [prospect_id]).get(prospect_id))
        body["batting_lines"] = [_plain(line, _BATTING_FIELDS) for line in batting]
        body["pitching_lines"] = [_plain(line, _PITCHING_FIELDS) for line in pitching]
        body["latest_scouting_report"] = _plain(report, _REPORT_FIELDS) if report else None
    return body

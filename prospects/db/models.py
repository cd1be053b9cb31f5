"""The league's tables: prospects, their minor-league lines, scouting reports and MLB outcomes.

Every row that describes the world carries the date it became known, so that
features for a reference date can use only what was known on that date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

LEVELS: tuple[str, ...] = ("Rk", "A", "A+", "AA", "AAA")
PITCHER_POSITIONS: tuple[str, ...] = ("SP", "RP")
HITTER_POSITIONS: tuple[str, ...] = ("C", "1B", "2B", "3B", "SS", "LF", "CF", "RF", "DH")
POSITIONS: tuple[str, ...] = HITTER_POSITIONS + PITCHER_POSITIONS


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by every Callup table."""


class Prospect(Base):
    """Who a prospect is: identity and acquisition, nothing about how it turned out."""

    __tablename__ = "prospects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    birth_date: Mapped[date] = mapped_column(Date)
    position: Mapped[str] = mapped_column(String(3))
    bats: Mapped[str] = mapped_column(String(1))
    throws: Mapped[str] = mapped_column(String(1))
    organization: Mapped[str] = mapped_column(String(3), index=True)
    signing_year: Mapped[int] = mapped_column(Integer)
    # Draft round; NULL for an undrafted (international) signing.
    draft_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signed_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("bats IN ('L','R','S')", name="ck_prospects_bats"),
        CheckConstraint("throws IN ('L','R')", name="ck_prospects_throws"),
        CheckConstraint("draft_round IS NULL OR draft_round >= 1", name="ck_prospects_round"),
    )

    @property
    def is_pitcher(self) -> bool:
        return self.position in PITCHER_POSITIONS


class BattingLine(Base):
    """One hitter's stint at one level in one season; known on ``end_date``."""

    __tablename__ = "batting_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    season: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(3))
    age: Mapped[float] = mapped_column(Float)  # age on July 1 of the season (baseball age)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    pa: Mapped[int] = mapped_column(Integer)
    ab: Mapped[int] = mapped_column(Integer)
    h: Mapped[int] = mapped_column(Integer)
    doubles: Mapped[int] = mapped_column(Integer)
    triples: Mapped[int] = mapped_column(Integer)
    hr: Mapped[int] = mapped_column(Integer)
    bb: Mapped[int] = mapped_column(Integer)
    so: Mapped[int] = mapped_column(Integer)
    sb: Mapped[int] = mapped_column(Integer)
    cs: Mapped[int] = mapped_column(Integer)
    hbp: Mapped[int] = mapped_column(Integer)
    sf: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("prospect_id", "season", "level", name="uq_batting_stint"),
        Index("ix_batting_prospect_end", "prospect_id", "end_date"),
        CheckConstraint("level IN ('Rk','A','A+','AA','AAA')", name="ck_batting_level"),
    )


class PitchingLine(Base):
    """One pitcher's stint at one level in one season; known on ``end_date``."""

    __tablename__ = "pitching_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    season: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(3))
    age: Mapped[float] = mapped_column(Float)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    outs: Mapped[int] = mapped_column(Integer)
    bf: Mapped[int] = mapped_column(Integer)
    h: Mapped[int] = mapped_column(Integer)
    er: Mapped[int] = mapped_column(Integer)
    hr: Mapped[int] = mapped_column(Integer)
    bb: Mapped[int] = mapped_column(Integer)
    so: Mapped[int] = mapped_column(Integer)
    hbp: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("prospect_id", "season", "level", name="uq_pitching_stint"),
        Index("ix_pitching_prospect_end", "prospect_id", "end_date"),
        CheckConstraint("level IN ('Rk','A','A+','AA','AAA')", name="ck_pitching_level"),
    )


class ScoutingReport(Base):
    """A scout's 20–80 grades on ``report_date``; tools that do not apply are NULL."""

    __tablename__ = "scouting_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    report_date: Mapped[date] = mapped_column(Date)
    hit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    power: Mapped[int | None] = mapped_column(Integer, nullable=True)
    run: Mapped[int | None] = mapped_column(Integer, nullable=True)
    arm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    field: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fastball: Mapped[int | None] = mapped_column(Integer, nullable=True)
    breaking: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changeup: Mapped[int | None] = mapped_column(Integer, nullable=True)
    control: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fv: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("prospect_id", "report_date", name="uq_report_day"),
        Index("ix_reports_prospect_date", "prospect_id", "report_date"),
        CheckConstraint("fv BETWEEN 20 AND 80", name="ck_reports_fv"),
    )


class Outcome(Base):
    """MLB playing time in one season, known on ``known_on``: what labels are made of.

    A prospect's label for reference date ``R`` is whether its MLB plate
    appearances exceed 500 or its innings 100 over the seasons that end within
    four years after ``R``; it is known once the last of those seasons is.
    """

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    season: Mapped[int] = mapped_column(Integer)
    mlb_pa: Mapped[int] = mapped_column(Integer, default=0)
    mlb_outs: Mapped[int] = mapped_column(Integer, default=0)
    debut_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    known_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("prospect_id", "season", name="uq_outcome_season"),
        Index("ix_outcomes_prospect_known", "prospect_id", "known_on"),
    )


ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")


class User(Base):
    """Someone who calls the API; the role gates what they may do."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (
        CheckConstraint("role IN ('viewer','analyst','admin')", name="ck_users_role"),
    )


class ApiKey(Base):
    """An API key, stored only as its SHA-256 hash; the key itself is shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, to tell keys apart in logs
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Prediction(Base):
    """One prediction as served: who asked, which model answered, what it said, how fast."""

    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    prospect_id: Mapped[int] = mapped_column(Integer, index=True)
    as_of: Mapped[date] = mapped_column(Date)
    model_name: Mapped[str] = mapped_column(String(120))
    model_version: Mapped[int] = mapped_column(Integer)
    variant: Mapped[str] = mapped_column(String(16), default="champion")
    probability: Mapped[float] = mapped_column(Float)
    confidence: Mapped[str] = mapped_column(String(8))
    top_factors: Mapped[dict] = mapped_column(JSON)
    requested_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    latency_ms: Mapped[float] = mapped_column(Float)
    data_version: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)

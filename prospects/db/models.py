"""The league's tables: prospects, their minor-league lines, scouting reports and MLB outcomes.

Every row that describes the world carries the date it became known, and
``ingested_on``, the day it arrived in Callup: features for a reference date D
use a row only if it was known by D *and* had arrived by D, so a report
back-dated on arrival, or a line revised later (an upsert moves its
``ingested_on``), cannot reach a past reference date. A backfill of history
(the synthetic league, ``callup import-csv --backfill``) sets ``ingested_on`` to
the row's own known date, so training on it still sees each row from the day
it was known.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
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

# The ladder the features climb: one rung per level of today's minor leagues.
LEVELS: tuple[str, ...] = ("Rk", "A", "A+", "AA", "AAA")
# Every level code a line may carry, and the rung it counts as (docs/csv-schema.md#levels):
# the Dominican Summer League and the complex leagues (ACL, FCL; AZL and GCL before 2021) are
# rookie ball; short-season A (NYPL, NWL, until 2020) was where a drafted college player
# began, the players MLB's 2021 reorganisation moved into Single-A, so it counts as A.
LEVEL_RUNG: dict[str, str] = {
    "DSL": "Rk",
    "CPX": "Rk",
    "Rk": "Rk",
    "A-": "A",
    "A": "A",
    "A+": "A+",
    "AA": "AA",
    "AAA": "AAA",
}
LINE_LEVELS: tuple[str, ...] = tuple(LEVEL_RUNG)
# Positions and which kind of player each makes. ``P`` is a pitcher whose role the source
# does not give; ``OF`` an outfielder without a side, ``UT`` a utility man; ``TWP`` (a
# two-way player) is ranked as a hitter, and his pitching lines still count.
PITCHER_POSITIONS: tuple[str, ...] = ("SP", "RP", "P")
# The nine a box score names (the synthetic league draws from these), then the broader codes.
CLASSIC_HITTER_POSITIONS: tuple[str, ...] = ("C", "1B", "2B", "3B", "SS", "LF", "CF", "RF", "DH")
HITTER_POSITIONS: tuple[str, ...] = CLASSIC_HITTER_POSITIONS + ("OF", "UT", "TWP")
POSITIONS: tuple[str, ...] = HITTER_POSITIONS + PITCHER_POSITIONS
# How a prospect came to the organization; ``unknown`` when the source does not say.
SIGNING_TYPES: tuple[str, ...] = ("draft", "international", "undrafted", "unknown")


def _now() -> datetime:
    return datetime.now(UTC)


# table -> the column that says when one of its rows became known
KNOWN_ON_COLUMN: dict[str, str] = {
    "prospects": "signed_on",
    "batting_lines": "end_date",
    "pitching_lines": "end_date",
    "scouting_reports": "report_date",
    "outcomes": "known_on",
    "releases": "released_on",
}


def backfill_arrival(table: str, row: dict) -> date:
    """The day a row of history counts as having arrived: the day it became known.

    A prospect without a signing date counts from January 1 of his signing year,
    and without either from his birth date: who he is carries no outcome, and
    his dated rows (lines, reports, outcomes) keep their own days.
    """
    if table == "prospects" and row.get("signed_on") is None:
        year = row.get("signing_year")
        return date(year, 1, 1) if year else row["birth_date"]
    return row[KNOWN_ON_COLUMN[table]]


def _arrived_when_known(table: str):  # type: ignore[no-untyped-def]
    """A default ``ingested_on``: a writer that does not say when a row arrived (the league
    generator, ``callup simulate``) is backfilling history. Imports always set it."""

    def default(context) -> date:  # type: ignore[no-untyped-def]
        return backfill_arrival(table, context.get_current_parameters())

    return default


def _signing_type_default(context) -> str:  # type: ignore[no-untyped-def]
    """A writer that does not name the signing type: a draft if it gives a round, else unknown."""
    return "draft" if context.get_current_parameters().get("draft_round") else "unknown"


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
    # NULL where the source (a season-totals database, say) does not give it.
    signing_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Draft round; NULL for any signing but a draft, and for a draft whose round is unknown.
    draft_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A pick in the supplemental round that follows ``draft_round`` (compensation and competitive
    # balance picks: "1C", "C-A" or "CB-A" in public sources are round 1, supplemental).
    supplemental_round: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    signing_type: Mapped[str] = mapped_column(String(13), default=_signing_type_default)
    # The day the row arrived in Callup; see ``ingested_on`` below.
    ingested_on: Mapped[date] = mapped_column(Date, default=_arrived_when_known("prospects"))

    __table_args__ = (
        CheckConstraint("bats IN ('L','R','S')", name="ck_prospects_bats"),
        CheckConstraint("throws IN ('L','R')", name="ck_prospects_throws"),
        CheckConstraint("draft_round IS NULL OR draft_round >= 1", name="ck_prospects_round"),
        CheckConstraint(
            "NOT supplemental_round OR draft_round IS NOT NULL", name="ck_prospects_supplemental"
        ),
        CheckConstraint(
            "signing_type IN ('draft','international','undrafted','unknown')",
            name="ck_prospects_signing_type",
        ),
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
    # 1, 2...: a player traded mid-season has a line per club at the same level.
    stint: Mapped[int] = mapped_column(Integer, default=1)
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
    ingested_on: Mapped[date] = mapped_column(Date, default=_arrived_when_known("batting_lines"))

    __table_args__ = (
        UniqueConstraint("prospect_id", "season", "level", "stint", name="uq_batting_stint"),
        Index("ix_batting_prospect_end", "prospect_id", "end_date"),
        CheckConstraint(
            "level IN ('DSL','CPX','Rk','A-','A','A+','AA','AAA')", name="ck_batting_level"
        ),
    )


class PitchingLine(Base):
    """One pitcher's stint at one level in one season; known on ``end_date``."""

    __tablename__ = "pitching_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    season: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(3))
    # 1, 2...: a player traded mid-season has a line per club at the same level.
    stint: Mapped[int] = mapped_column(Integer, default=1)
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
    ingested_on: Mapped[date] = mapped_column(Date, default=_arrived_when_known("pitching_lines"))

    __table_args__ = (
        UniqueConstraint("prospect_id", "season", "level", "stint", name="uq_pitching_stint"),
        Index("ix_pitching_prospect_end", "prospect_id", "end_date"),
        CheckConstraint(
            "level IN ('DSL','CPX','Rk','A-','A','A+','AA','AAA')", name="ck_pitching_level"
        ),
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
    ingested_on: Mapped[date] = mapped_column(Date, default=_arrived_when_known("scouting_reports"))

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
    ingested_on: Mapped[date] = mapped_column(Date, default=_arrived_when_known("outcomes"))

    __table_args__ = (
        UniqueConstraint("prospect_id", "season", name="uq_outcome_season"),
        Index("ix_outcomes_prospect_known", "prospect_id", "known_on"),
    )


class Release(Base):
    """A club let the prospect go on ``released_on`` (known that day).

    A release ends a prospect's eligibility unless a later minor-league line
    shows that another club signed him (see ``prospects.eligibility``).
    """

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    released_on: Mapped[date] = mapped_column(Date)
    ingested_on: Mapped[date] = mapped_column(Date, default=_arrived_when_known("releases"))

    __table_args__ = (
        UniqueConstraint("prospect_id", "released_on", name="uq_release_day"),
        Index("ix_releases_prospect_day", "prospect_id", "released_on"),
    )


ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")


class Ingest(Base):
    """One import of league data (a CLI import, a weekly feed): what came in, and what it did.

    ``counts`` holds, per table, the rows ``inserted``, ``updated`` and
    ``unchanged``; ``changed`` is their sum of inserted and updated rows. The
    data version includes the newest ingest that changed something, so an
    update of an old row (invisible to row counts) still invalidates caches.
    """

    __tablename__ = "ingests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(500))
    mode: Mapped[str] = mapped_column(String(8))  # insert | upsert
    arrived_on: Mapped[date] = mapped_column(Date)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    # applied | rejected (a problem in the files) | held (suspicious: not loaded, no retrain)
    status: Mapped[str] = mapped_column(String(16), default="applied")
    reason: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


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


RANKING_STATUSES: tuple[str, ...] = ("running", "succeeded", "failed")


class RankingSnapshot(Base):
    """One ranking of the board: which prospects, as of when, by which model, on which data.

    ``key`` hashes everything that determines the result (filters, model, data
    version, as-of date), so an identical request finds the finished snapshot
    instead of recomputing it, and two jobs can never build two copies.
    """

    __tablename__ = "ranking_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    as_of: Mapped[date] = mapped_column(Date)
    model_name: Mapped[str] = mapped_column(String(120))
    model_version: Mapped[int] = mapped_column(Integer)
    variant: Mapped[str] = mapped_column(String(16))
    data_version: Mapped[str] = mapped_column(String(64))
    filters: Mapped[str] = mapped_column(String(512))  # canonical JSON: sorted keys, no spaces
    total: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        CheckConstraint(
            "status IN ('running','succeeded','failed')", name="ck_ranking_snapshots_status"
        ),
        Index("ix_ranking_snapshots_status_finished", "status", "finished_at"),
    )


class RankingEntry(Base):
    """One prospect's place in a snapshot, with what the board is filtered and sorted by.

    Name, organization, position, level and age are copied as they were on the
    snapshot's as-of date, so reading a board never recomputes them. ``rank``
    stays NULL until every chunk is in and the finalizer numbers the rows.
    """

    __tablename__ = "ranking_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("ranking_snapshots.id", ondelete="CASCADE"))
    prospect_id: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    probability: Mapped[float] = mapped_column(Float)
    confidence: Mapped[str] = mapped_column(String(8))
    top_factors: Mapped[dict] = mapped_column(JSON)
    prospect_name: Mapped[str] = mapped_column(String(80))
    organization: Mapped[str] = mapped_column(String(3))
    position: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(7))  # hitter | pitcher
    level: Mapped[str | None] = mapped_column(String(3), nullable=True)  # latest stint's level
    age: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        # A chunk delivered twice inserts nothing the second time (ON CONFLICT DO NOTHING).
        UniqueConstraint("snapshot_id", "prospect_id", name="uq_ranking_entry"),
        Index("ix_ranking_entries_snapshot_rank", "snapshot_id", "rank"),
    )


# -- the model lifecycle -------------------------------------------------------------------------


class RankingExclusion(Base):
    """A prospect a ranking left out (or, when it ranks everyone, flags), and the rule why.

    Written by the coordinator with the snapshot's candidates, so a board can
    say how many players the prospect rule excluded and for which reason.
    """

    __tablename__ = "ranking_exclusions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("ranking_snapshots.id", ondelete="CASCADE"), index=True
    )
    prospect_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))  # prospects.eligibility.REASONS

    __table_args__ = (UniqueConstraint("snapshot_id", "prospect_id", name="uq_exclusion_prospect"),)


class ModelVersion(Base):
    """A registered model version as the API and the monitor see it, mirrored from MLflow.

    The API never imports mlflow, so everything ``GET /api/ml/models`` shows
    (aliases, registration-time holdout figures, the decision) lives here too,
    together with what the monitor compares against: the holdout figures and
    the drift reference profile of the model's inputs and outputs.
    """

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str] = mapped_column(String(64), default="")
    data_version: Mapped[str] = mapped_column(String(64), default="")
    # The last day the training data's outcomes were known through: later labels are "new".
    trained_through: Mapped[date | None] = mapped_column(Date, nullable=True)
    holdout_seasons: Mapped[str] = mapped_column(String(64), default="")
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    decision: Mapped[str] = mapped_column(String(500), default="")
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (UniqueConstraint("name", "version", name="uq_model_version"),)


MODEL_EVENT_KINDS: tuple[str, ...] = (
    "registered",  # a version was registered (its decision is in ``reason``)
    "challenger",  # a version beat the champion by the margins and now takes A/B traffic
    "promotion",  # the champion alias moved forward (by an admin or the auto-promotion rule)
    "rollback",  # the champion alias went back to the previous champion
    "alert",  # degraded or drifting, and nothing better to roll back to
    "retrain_queued",  # a retraining was asked for (Beat, API, CLI, monitor)
    "retrain_failed",  # a retraining failed; the champion was left as it was
    "ingest",  # a feed ingest ran (Beat, CLI), or a person forced a held batch in
)


class ModelEvent(Base):
    """Something that happened to the model: who moved what, from which version to which, why.

    ``metrics`` and ``thresholds`` hold the evidence the decision was taken on,
    so a rollback can be explained months later without re-running anything.
    """

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))
    from_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    trigger: Mapped[str] = mapped_column(String(24))  # beat | api | cli | monitor | retrain
    reason: Mapped[str] = mapped_column(String(2000), default="")
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    thresholds: Mapped[dict] = mapped_column(JSON, default=dict)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    __table_args__ = (Index("ix_model_events_name_created", "name", "created_at"),)


class MonitorRun(Base):
    """One pass of the monitor over the champion: what it measured, concluded and did."""

    __tablename__ = "monitor_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    champion_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verdict: Mapped[str] = mapped_column(String(16))  # healthy | degraded | drifting | no_model
    action: Mapped[str] = mapped_column(String(16))  # none | rollback | alert | promotion
    n_outcomes: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    drift: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(2000), default="")
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class LeagueFeedRow(Base):
    """A row the simulated league has produced that the data feed has not delivered yet.

    ``callup simulate`` plays a whole season ahead and parks its rows here;
    each simulated week delivers the ones that became known that week.
    """

    __tablename__ = "league_feed"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(32))
    deliver_on: Mapped[date] = mapped_column(Date, index=True)
    payload: Mapped[dict] = mapped_column(JSON)


class SimulatedWeek(Base):
    """One simulated week of the league's feed: what arrived, and whether it was bad data."""

    __tablename__ = "simulated_weeks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date)
    week_end: Mapped[date] = mapped_column(Date, index=True)
    # {"corrupt_feed": bool, "shift": bool}: how this week's delivery was broken, if at all.
    flags: Mapped[dict] = mapped_column(JSON, default=dict)
    delivered: Mapped[dict] = mapped_column(JSON, default=dict)  # rows per table
    # Ids of bad rows this week inserted, deleted again when a clean week restates the feed.
    corrupted: Mapped[dict] = mapped_column(JSON, default=dict)
    restated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


# -- durable job records --------------------------------------------------------------------------

JOB_STATES: tuple[str, ...] = ("queued", "running", "succeeded", "failed")


class Job(Base):
    """A job the API accepted, kept in the database so a Redis restart cannot lose track of it.

    Written before the task message is sent and updated by the workers: the
    one record of its state, result, error and progress (docs/jobs.md). ``params``
    are the task's keyword arguments as sent, so a job whose message was lost
    can be sent again under the same id. ``result`` is the job's (small) result
    and ``result_ref`` names where the rest lives (``ranking:<snapshot id>``).
    """

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # docs/jobs.md: predict, rank, retrain, …
    state: Mapped[str] = mapped_column(String(16), default="queued")
    requested_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Moved by every state change and by a ranking's chunks: "stuck" means this is old.
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # times a worker started it
    requeues: Mapped[int] = mapped_column(Integer, default=0)  # times the sweeper re-sent it
    error: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # {code, message}
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    result_ref: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # While it runs: {done, total} (and a retraining's stage), as a poll shows it.
    progress: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (
        CheckConstraint("state IN ('queued','running','succeeded','failed')", name="ck_jobs_state"),
        Index("ix_jobs_state_updated", "state", "updated_at"),
    )

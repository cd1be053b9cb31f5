"""Response schemas (pydantic) for the generated OpenAPI document.

The views build plain dicts on the hot path (validating every response would
cost time for nothing); these models say what those dicts look like, and the
schemathesis run checks every response against them, so they cannot drift.
Request models live in ``app.schemas``, where they validate requests.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from prospects.jobs import JobStatus

Confidence = Literal["low", "medium", "high"]
IneligibleReason = Literal["succeeded", "graduated", "released", "inactive", "over_age"]


class ErrorDetail(BaseModel):
    """What went wrong: a stable code to branch on, a message to show, the field to fix."""

    code: str = Field(description="Stable machine-readable code, e.g. `validation_error`.")
    message: str = Field(description="Human-readable explanation.")
    field: str | None = Field(
        default=None, description="The offending field, header or parameter, when there is one."
    )


class ErrorResponse(BaseModel):
    """Every error the API answers: ``{"error": {...}}`` (a failed job adds its ``job_id``)."""

    error: ErrorDetail
    job_id: str | None = Field(default=None, description="The job whose failure this reports.")


class Health(BaseModel):
    """Liveness."""

    status: Literal["ok"]


class ReadinessCheck(BaseModel):
    """One dependency's state; a check may add its own details (``version``, ``answered``)."""

    ok: bool
    latency_ms: float | None = None
    error: str | None = Field(default=None, description="Why the check failed.")
    cached: bool | None = Field(default=None, description="Reused from a recent check.")


class Readiness(BaseModel):
    """Readiness: every check with its state (Redis, database, workers, champion)."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, ReadinessCheck]


class Factor(BaseModel):
    """One feature's pull on the log-odds of success (exact TreeSHAP)."""

    feature: str
    label: str
    value: float | None = Field(description="The feature's value; null when it was missing.")
    display: str = Field(
        default="",
        description='The value as a scout writes it ("FV 70", "has not reached AA yet").',
    )
    contribution: float = Field(
        description="Log-odds contribution; positive pushes towards success."
    )


class TopFactors(BaseModel):
    """The features pushing hardest for and against success."""

    model_config = ConfigDict(populate_by_name=True)

    for_: list[Factor] = Field(alias="for")
    against: list[Factor]


class Interval(BaseModel):
    """Where the probability likely lies: a bootstrap-by-prospect interval (docs/confidence.md)."""

    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)
    level: float = Field(gt=0, lt=1, description="The share of cases the interval should hold.")


class TopGroup(BaseModel):
    """The concept that moved the answer most, as rankings and their CSV state it."""

    concept: str
    label: str
    points: float = Field(description="Percentage points of probability from the base rate.")
    text: str = Field(description='E.g. "scouting reports +12.3 points".')


class ConceptGroup(BaseModel):
    """One concept's effect: its Shapley value in percentage points of probability.

    The groups' ``points`` add up exactly to (probability - base_rate) x 100, both
    rounded to a tenth of a percent; ``exact_points`` is unrounded.
    """

    concept: str
    label: str
    points: float
    exact_points: float
    facts: list[str] = Field(description="The group's strongest facts, in the scout's units.")


class ComparablePlayer(BaseModel):
    """An earlier prospect most like this one, as he stood on his own reference date."""

    prospect_id: int
    name: str
    season: int = Field(description="The season he is compared as of.")
    level: str
    age: float
    fv: int | None = Field(description="His FV then; null without a report.")
    outcome: Literal["reached the bar", "reached MLB, short of the bar", "did not reach MLB"] = (
        Field(description="What became of him, as known on the answer's date.")
    )


class ModelRef(BaseModel):
    """Which registered model answered, and as which A/B variant."""

    # ``model_`` fields are ours, not pydantic's protected namespace.
    model_config = ConfigDict(protected_namespaces=())

    name: str
    version: int
    variant: str = Field(description="`champion` or `challenger`.")


class EligibilityFacts(BaseModel):
    """What the prospect rule looked at, as known on the reference date."""

    mlb_pa: int = Field(description="Career MLB plate appearances.")
    mlb_ip: str = Field(description='Career MLB innings pitched, baseball notation ("50.1").')
    graduated_in: int | None = Field(description="Season he passed the rookie limits, if he did.")
    succeeded_in: int | None = Field(description="Season he passed the success bar, if he did.")
    last_minor_league_season: int | None
    released_on: date | None = Field(description="Latest release known, if any.")
    age: float = Field(description="Baseball age (on July 1) in the reference season.")
    reference_season: int


class Eligibility(BaseModel):
    """Whether the player is a prospect on the date, and if not, every rule that excludes him.

    A prospect is rookie-eligible (at most 130 MLB AB / 50 MLB IP, applied as
    146 PA / 150 outs), has not reached the success bar, is active (a
    minor-league line in the reference season or the one before, or signed in
    one of them) and not released since, and is 27 or younger in the reference
    season. See docs/eligibility.md.
    """

    eligible: bool
    reason: IneligibleReason | None = Field(
        description="The first rule that excludes him; null when eligible."
    )
    reasons: list[IneligibleReason]
    message: str = Field(description="The reasons in a sentence.")
    facts: EligibilityFacts


class NotAProspect(BaseModel):
    """The answer for a player outside the prospect rule: why, and no probability."""

    prospect_id: int
    prospect_name: str
    as_of: date
    probability: None = Field(description="Always null: there is nothing to predict.")
    eligibility: Eligibility
    narrative: str
    data_version: str
    latency_ms: float | None = Field(default=None, description="Worker time to answer.")


class Prediction(BaseModel):
    """One prospect's probability of MLB success, explained.

    Success: the career MLB total first passes more than 500 plate appearances
    (hitters) or more than 100 innings pitched (pitchers) within the four
    seasons after the reference season, having not passed it before.
    """

    model_config = ConfigDict(protected_namespaces=())

    prospect_id: int
    prospect_name: str
    as_of: date
    model: ModelRef
    probability: float = Field(ge=0, le=1, description="Calibrated (Platt) probability.")
    interval: Interval | None = Field(
        description="null only for a model version trained before intervals existed."
    )
    base_rate: float = Field(
        ge=0,
        le=1,
        description="The calibrated probability before any feature (a typical prospect).",
    )
    confidence: Confidence
    confidence_reasons: list[str]
    top_group: TopGroup
    groups: list[ConceptGroup] = Field(description="Every concept, strongest effect first.")
    contributions: dict[str, float] = Field(
        description="Exact TreeSHAP log-odds per feature (non-zero ones); with base_value they "
        "add up to the model's raw log-odds."
    )
    top_factors: TopFactors
    comparables: list[ComparablePlayer] = Field(
        description="The earlier prospects most like him (same role and level), nearest first."
    )
    narrative: str
    base_value: float = Field(description="The model's log-odds before any feature.")
    eligibility: Eligibility
    data_version: str
    latency_ms: float | None = Field(default=None, description="Worker time to answer.")


class PredictionAnswer(BaseModel):
    """``200``: the prediction, from cache or within ``Prefer: wait``."""

    job_id: str | None = Field(description="null when answered from the prediction cache.")
    status: Literal["succeeded"]
    result: Prediction | NotAProspect
    cached: bool


class JobAccepted(BaseModel):
    """``202``: queued; poll ``status_url`` (also in ``Location``)."""

    job_id: str
    status: Literal["queued", "running"]
    status_url: str


class JobProgress(BaseModel):
    done: int
    total: int


class JobError(BaseModel):
    code: str
    message: str


class JobView(BaseModel):
    """A job's public status; ``result`` once succeeded, ``error`` once failed."""

    job_id: str
    kind: str | None
    status: JobStatus
    result: dict[str, Any] | None = Field(
        default=None, description="The task's result (a `Prediction` for predict jobs)."
    )
    error: JobError | None = None
    progress: JobProgress | None = None


class ProspectSummary(BaseModel):
    """A prospect as listed."""

    id: int
    name: str
    position: str
    organization: str
    bats: str
    throws: str
    birth_date: date
    signing_year: int | None = Field(description="Null where the source does not give it.")
    draft_round: int | None
    signed_on: date | None = Field(description="Null where the source does not give it.")
    signing_type: Literal["draft", "international", "undrafted", "unknown"]
    kind: Literal["hitter", "pitcher"]
    level: str | None = Field(description="Level of the latest stat line; null without lines.")


class ProspectPage(BaseModel):
    items: list[ProspectSummary]
    page: int
    per_page: int
    total: int


class BattingLine(BaseModel):
    season: int
    level: str = Field(
        description="The level code as delivered (DSL, CPX, A- ...; docs/csv-schema.md)."
    )
    stint: int = Field(description="1, 2...: one line per club after a mid-season trade.")
    age: float
    start_date: date
    end_date: date
    pa: int
    ab: int
    h: int
    doubles: int
    triples: int
    hr: int
    bb: int
    so: int
    sb: int
    cs: int
    hbp: int
    sf: int


class PitchingLine(BaseModel):
    season: int
    level: str = Field(
        description="The level code as delivered (DSL, CPX, A- ...; docs/csv-schema.md)."
    )
    stint: int = Field(description="1, 2...: one line per club after a mid-season trade.")
    age: float
    start_date: date
    end_date: date
    outs: int
    bf: int
    h: int
    er: int
    hr: int
    bb: int
    so: int
    hbp: int


class ScoutingReport(BaseModel):
    """20–80 grades; null where the report has no grade for that tool."""

    report_date: date
    hit: int | None
    power: int | None
    run: int | None
    arm: int | None
    field: int | None
    fastball: int | None
    breaking: int | None
    changeup: int | None
    control: int | None
    fv: int | None


class ProspectDetail(ProspectSummary):
    """One prospect in full: every stat line, oldest first, and the latest report."""

    batting_lines: list[BattingLine]
    pitching_lines: list[PitchingLine]
    latest_scouting_report: ScoutingReport | None


class Excluded(BaseModel):
    total: int
    by_reason: dict[str, int]


class RankingSummary(BaseModel):
    """A ranking snapshot: which model ranked which prospects, as of when, and how it went."""

    model_config = ConfigDict(protected_namespaces=())

    ranking_id: int
    status: Literal["running", "succeeded", "failed"]
    as_of: date
    model: ModelRef
    data_version: str
    filters: dict[str, Any] = Field(description="The filters the snapshot was built with.")
    total: int = Field(description="Prospects ranked.")
    job_id: str
    created_at: str | None
    finished_at: str | None
    error: str | None
    reused: bool
    excluded: Excluded = Field(
        description="Players matching the filters whom the prospect rule left off the board "
        "(with `eligibility=all`: flagged on it), by reason."
    )


class RankingRow(BaseModel):
    """One prospect's place on a board, with what it was ranked by."""

    rank: int | None
    prospect_id: int
    name: str
    organization: str
    position: str
    kind: Literal["hitter", "pitcher"]
    level: str | None
    age: float
    probability: float = Field(ge=0, le=1)
    interval: Interval | None
    confidence: Confidence
    top_group: str | None = Field(
        description='The strongest concept, e.g. "scouting reports +12.3 points".'
    )
    top_factors: TopFactors
    eligible: bool = Field(description="False only on a board of everyone (`eligibility=all`).")
    ineligible_reason: IneligibleReason | None


class RankingBoard(BaseModel):
    """A page of a ranking, filtered and sorted."""

    ranking: RankingSummary
    items: list[RankingRow]
    page: int
    per_page: int
    total: int = Field(description="Rows matching the filters.")
    sort: str


class RankingReused(BaseModel):
    """``200``: an identical finished ranking exists; nothing was queued."""

    job_id: None
    status: Literal["succeeded"]
    reused: Literal[True]
    result: RankingSummary
    ranking_url: str


class RankingAccepted(BaseModel):
    """``202``: queued, or joined an identical ranking already under way."""

    job_id: str
    status: Literal["queued", "running"]
    status_url: str
    progress: JobProgress | None = None

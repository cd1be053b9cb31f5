"""Request schemas of the ranking endpoints: the body of ``POST /rankings`` and board queries.

The filter rules themselves live in :class:`prospects.ranking.filters.RankingFilters`
(the workers and the CLI apply the same ones); these models add the HTTP
shapes, strict JSON typing, paging and sorting, and are the OpenAPI source.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.schemas import EARLIEST_AS_OF, MAX_ID, Level, Position, today_utc
from prospects.ranking.filters import MAX_AGE, MIN_AGE, RankingFilters
from prospects.ranking.queries import SORTS

Sort = Literal[SORTS]  # type: ignore[valid-type]


class RankingFilterFields(BaseModel):
    """Which prospects: every filter optional, all of them combined with AND."""

    organization: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2,3}$", description="Organization code, e.g. NYY."
    )
    level: Level | None = Field(  # type: ignore[valid-type]
        default=None, description="Level of the prospect's latest stint known on the as-of date."
    )
    position: Position | None = None  # type: ignore[valid-type]
    kind: Literal["hitter", "pitcher"] | None = None
    min_age: float | None = Field(
        default=None, ge=MIN_AGE, le=MAX_AGE, description="Youngest age (years on the as-of date)."
    )
    max_age: float | None = Field(
        default=None, ge=MIN_AGE, le=MAX_AGE, description="Oldest age (years on the as-of date)."
    )
    eligibility: Literal["eligible", "all"] | None = Field(
        default=None,
        description="`eligible` (the default): rookie-eligible, active prospects only (see "
        "docs/eligibility.md); `all`: every player, the ineligible flagged with their reason.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> RankingFilterFields:
        self.filters()  # min_age > max_age, a pitcher's position with kind=hitter …: 422
        return self

    def filters(self) -> RankingFilters:
        """The domain filters (raises ValueError on a combination that cannot match anyone)."""
        return RankingFilters(
            organization=self.organization,
            level=self.level,
            position=self.position,
            kind=self.kind,
            min_age=self.min_age,
            max_age=self.max_age,
            eligibility=self.eligibility,
        )


class RankingRequest(RankingFilterFields):
    """``POST /api/ml/rankings``: rank the prospects matching the filters (all, by default)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    model_version: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Registered model version; default champion."
    )
    as_of: date | None = Field(
        default=None,
        description="Reference date (YYYY-MM-DD, UTC); default today; not in the future.",
    )

    @field_validator("as_of")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        if value is not None and value > today_utc():
            raise ValueError("must not be in the future")
        if value is not None and value < EARLIEST_AS_OF:
            raise ValueError(f"must not be before {EARLIEST_AS_OF.isoformat()}")
        return value


class RankingQuery(RankingFilterFields):
    """A page of a board: ``GET /rankings/<id>``, ``/rankings/latest``, ``/export.csv``."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1, le=1_000_000)
    per_page: int = Field(default=50, ge=1, le=500)
    sort: Sort = Field(  # type: ignore[valid-type]
        default="rank", description="rank, probability, age, name or prospect_id; '-' descends."
    )
    model_version: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="``latest`` only: that model version's board."
    )

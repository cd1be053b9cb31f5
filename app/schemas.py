"""Request schemas (pydantic) and the helpers that turn a request into one, or a 4xx.

Bodies are parsed in pydantic's strict JSON mode: ``"5"``, ``5.0`` and
``true`` are not prospect ids, and unknown fields are rejected rather than
silently ignored. The models double as the source for generated OpenAPI.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Literal

from flask import request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.errors import ApiError
from prospects.db.models import LEVELS, POSITIONS

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
EARLIEST_AS_OF = date(2000, 1, 1)  # before the league's first season: a typo, not a question
JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$")  # uuid-ish, safe in a Redis key

Position = Literal[POSITIONS]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]


def today_utc() -> date:
    """The default reference date: today, in UTC, whatever the server's zone."""
    return datetime.now(UTC).date()


class PredictRequest(BaseModel):
    """``POST /api/ml/predict``: which prospect, as of which day."""

    model_config = ConfigDict(extra="forbid", strict=True)

    prospect_id: int = Field(ge=1, le=MAX_ID, description="The prospect's id.")
    as_of: date | None = Field(
        default=None,
        description="Reference date (YYYY-MM-DD, UTC); default today; not in the future.",
    )

    @field_validator("as_of")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        if value is None:
            return value
        if value > today_utc():
            raise ValueError("must not be in the future")
        if value < EARLIEST_AS_OF:
            raise ValueError(f"must not be before {EARLIEST_AS_OF.isoformat()}")
        return value


class ProspectQuery(BaseModel):
    """``GET /api/ml/prospects`` query parameters: a page of prospects, filtered."""

    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1, le=1_000_000)
    per_page: int = Field(default=25, ge=1, le=100)
    organization: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2,3}$", description="Organization code, e.g. NYY."
    )
    position: Position | None = None  # type: ignore[valid-type]
    level: Level | None = Field(  # type: ignore[valid-type]
        default=None, description="Current level: the level of the prospect's latest stat line."
    )
    kind: Literal["hitter", "pitcher"] | None = None
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="Case-insensitive name search (printable text: no control characters).",
    )

    @field_validator("q")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        # A NUL is refused by PostgreSQL (a 500) and matched every row on SQLite.
        if value is not None and any(unicodedata.category(c) == "Cc" for c in value):
            raise ValueError("must not contain control characters")
        return value


def _validation_error(error: ValidationError) -> ApiError:
    """422 naming the first offending field (dotted path), as clients fix one at a time."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or None
    message = first.get("msg", "invalid value")
    if first.get("type") == "extra_forbidden":
        message = "unknown field"
    return ApiError(422, "validation_error", message, field=field)


def parse_json_body[M: BaseModel](model: type[M]) -> M:
    """The request's JSON body as ``model``: 415 not JSON, 400 malformed, 422 invalid."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        if any(e.get("type") == "json_invalid" for e in error.errors(include_url=False)):
            raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
        raise _validation_error(error) from None


def parse_query[M: BaseModel](model: type[M]) -> M:
    """The query string as ``model`` (repeated parameters: the first wins); 422 if invalid."""
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except ValidationError as error:
        raise _validation_error(error) from None


def valid_job_id(job_id: str) -> bool:
    """Whether ``job_id`` could be one of ours; anything else is a 404 without a lookup."""
    return bool(JOB_ID.fullmatch(job_id))

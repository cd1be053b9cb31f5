"""Which prospects a ranking covers, in one canonical form shared by the API, workers and CLI.

The canonical JSON of the filters is part of a snapshot's identity, so two
requests that mean the same thing (``"nyy"`` and ``"NYY"``, ``20`` and
``20.0``) must produce byte-identical JSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from prospects.db.models import HITTER_POSITIONS, LEVELS, PITCHER_POSITIONS, POSITIONS

KINDS: tuple[str, ...] = ("hitter", "pitcher")
# Who is on the board: prospects only (the default), or every player, with the ineligible flagged.
ELIGIBLE, EVERYONE = "eligible", "all"
ELIGIBILITY: tuple[str, ...] = (ELIGIBLE, EVERYONE)
MIN_AGE, MAX_AGE = 14.0, 50.0  # outside this range a filter is a typo, not a question


@dataclass(frozen=True)
class RankingFilters:
    """Optional filters; None means "any". Ages are years on the as-of date, inclusive."""

    organization: str | None = None
    level: str | None = None
    position: str | None = None
    kind: str | None = None
    min_age: float | None = None
    max_age: float | None = None
    eligibility: str | None = None  # None and "eligible": prospects only; "all": everyone

    def __post_init__(self) -> None:
        if self.eligibility is not None and self.eligibility not in ELIGIBILITY:
            raise ValueError("eligibility must be eligible or all")
        if self.eligibility == ELIGIBLE:  # the default, spelled out: one canonical form
            object.__setattr__(self, "eligibility", None)
        if self.organization is not None:
            org = str(self.organization).upper()
            if not (2 <= len(org) <= 3 and org.isascii() and org.isalpha()):
                raise ValueError("organization must be a 2-3 letter code such as NYY")
            object.__setattr__(self, "organization", org)
        if self.level is not None and self.level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}")
        if self.position is not None and self.position not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError("kind must be hitter or pitcher")
        if self.position is not None and self.kind is not None:
            positions = PITCHER_POSITIONS if self.kind == "pitcher" else HITTER_POSITIONS
            if self.position not in positions:
                raise ValueError(f"position {self.position} is not a {self.kind} position")
        for name in ("min_age", "max_age"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            if not MIN_AGE <= float(value) <= MAX_AGE:
                raise ValueError(f"{name} must be between {MIN_AGE:g} and {MAX_AGE:g}")
            object.__setattr__(self, name, float(value))
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age must not be greater than max_age")

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> RankingFilters:
        """From a plain mapping (a task message, a query); unknown keys are an error."""
        values = dict(values or {})
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """Only the filters that are set."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def canonical(self) -> str:
        """Sorted keys, no whitespace: equal filters give equal strings."""
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))

    def positions(self) -> tuple[str, ...] | None:
        """The positions allowed by ``position`` and ``kind`` together (None: any)."""
        if self.position is not None:
            return (self.position,)
        if self.kind is not None:
            return PITCHER_POSITIONS if self.kind == "pitcher" else HITTER_POSITIONS
        return None

    def covers(self, query: RankingFilters) -> bool:
        """Whether every prospect ``query`` asks for is in a board built with these filters.

        Lets ``GET /rankings/latest?organization=NYY`` read the full board: a
        snapshot covers a query when each of its own filters is implied by the
        query's.
        """
        for name in ("organization", "level"):
            mine = getattr(self, name)
            if mine is not None and getattr(query, name) != mine:
                return False
        if self.eligibility != query.eligibility:  # a board of everyone is not a prospect board
            return False
        allowed = self.positions()
        wanted = query.positions()
        if allowed is not None and (wanted is None or not set(wanted) <= set(allowed)):
            return False
        if self.min_age is not None and (query.min_age is None or query.min_age < self.min_age):
            return False
        if self.max_age is not None and (query.max_age is None or query.max_age > self.max_age):
            return False
        return True

"""Lifecycle errors with stable codes: the API maps each to its status, workers report them."""

from __future__ import annotations

from prospects.errors import CallupError


class UnknownVersionError(CallupError):
    """No registered version has this number."""

    code = "unknown_version"


class NoPreviousChampionError(CallupError):
    """A rollback was asked for, but the champion has no predecessor to return to."""

    code = "no_previous_champion"


# code → HTTP status, for the API (which reads a failed job's ``{code, message}``).
LIFECYCLE_STATUS = {
    UnknownVersionError.code: 404,
    NoPreviousChampionError.code: 409,
    "no_champion": 409,
    "model_unavailable": 503,
}

"""The API's settings: read from the environment, typed, then overridable by a mapping (tests).

Config keys are the environment variable names themselves, so an operator and a
test speak the same vocabulary. Nothing here connects to anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from limits import parse_many

from prospects import config

# Every route that needs a key and counts against a rate limit lives under it.
API_PREFIX = "/api/ml"

_RATE_LIMIT_KEYS = (
    "CALLUP_PREDICT_RATE_LIMIT",
    "CALLUP_POLL_RATE_LIMIT",
    "CALLUP_DEFAULT_RATE_LIMIT",
)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def from_environment() -> dict[str, Any]:
    """Every API setting, parsed from the environment as it is now."""
    env = os.environ
    return {
        # Broker, wake-ups, caches and rate-limit counters.
        "REDIS_URL": config.redis_url(),
        # Prospects, users and API keys (SQLite file by default, PostgreSQL in compose).
        "DATABASE_URL": config.database_url(),
        # Predictions are the expensive call: per user, across every API process.
        "CALLUP_PREDICT_RATE_LIMIT": env.get("CALLUP_PREDICT_RATE_LIMIT") or "10/minute",
        # Polling a job is cheap and clients poll in loops: limited separately, generously.
        "CALLUP_POLL_RATE_LIMIT": env.get("CALLUP_POLL_RATE_LIMIT") or "300/minute",
        # Every other authenticated endpoint, per user and per endpoint.
        "CALLUP_DEFAULT_RATE_LIMIT": env.get("CALLUP_DEFAULT_RATE_LIMIT") or "120/minute",
        # New rankings under way at once per user (joining an identical one is free).
        "CALLUP_MAX_RANKINGS_PER_USER": _int(env, "CALLUP_MAX_RANKINGS_PER_USER", 2),
        # Longest ``Prefer: wait=N`` honoured; larger requests are clamped to it.
        "CALLUP_MAX_WAIT_SECONDS": _int(env, "CALLUP_MAX_WAIT_SECONDS", 30),
        # Waits in progress per API process, in all and per user (app.waiters); beyond
        # either, a ``Prefer: wait`` is answered at once with a 202 to poll.
        "CALLUP_MAX_WAITERS": _int(env, "CALLUP_MAX_WAITERS", 4),
        "CALLUP_MAX_WAITERS_PER_USER": _int(env, "CALLUP_MAX_WAITERS_PER_USER", 2),
        # How long a verified API key is trusted without asking the database again.
        "CALLUP_AUTH_CACHE_SECONDS": _float(env, "CALLUP_AUTH_CACHE_SECONDS", 5.0),
        # Failed key checks per client address and minute before its guesses get 429.
        "CALLUP_AUTH_FAILURES_PER_MINUTE": _int(env, "CALLUP_AUTH_FAILURES_PER_MINUTE", 20),
        # Socket timeouts for Redis, so a hung Redis turns into a quick 503, never a hang.
        "CALLUP_REDIS_TIMEOUT_SECONDS": _float(env, "CALLUP_REDIS_TIMEOUT_SECONDS", 3.0),
        # Largest request body accepted (Flask answers 413 beyond it).
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
    }


def validate(settings: Mapping[str, Any]) -> None:
    """Refuse to start on a setting that would only fail later, on a request."""
    for key in _RATE_LIMIT_KEYS:
        try:
            parse_many(str(settings[key]))
        except ValueError:
            raise ValueError(
                f"{key} is not a rate limit like '10/minute': {settings[key]!r}"
            ) from None
    if not 0 <= int(settings["CALLUP_MAX_WAIT_SECONDS"]) <= 300:
        raise ValueError("CALLUP_MAX_WAIT_SECONDS must be between 0 and 300")
    for key in ("CALLUP_MAX_WAITERS", "CALLUP_MAX_WAITERS_PER_USER"):
        if int(settings[key]) < 0:
            raise ValueError(f"{key} must not be negative")
    if int(settings["CALLUP_MAX_RANKINGS_PER_USER"]) < 1:
        raise ValueError("CALLUP_MAX_RANKINGS_PER_USER must be at least 1")
    if int(settings["CALLUP_AUTH_FAILURES_PER_MINUTE"]) < 1:
        raise ValueError("CALLUP_AUTH_FAILURES_PER_MINUTE must be at least 1")
    if not 0 < float(settings["CALLUP_REDIS_TIMEOUT_SECONDS"]) <= 60:
        raise ValueError("CALLUP_REDIS_TIMEOUT_SECONDS must be in (0, 60]")
    if float(settings["CALLUP_AUTH_CACHE_SECONDS"]) < 0:
        raise ValueError("CALLUP_AUTH_CACHE_SECONDS must not be negative")
    if int(settings["MAX_CONTENT_LENGTH"]) <= 0:
        raise ValueError("MAX_CONTENT_LENGTH must be positive")


def load(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Environment settings with ``overrides`` applied on top, validated."""
    settings = from_environment()
    settings.update(overrides or {})
    validate(settings)
    return settings

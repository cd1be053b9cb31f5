"""Headers several routes read or send, declared once for the generated spec."""

from __future__ import annotations

from app.openapi.registry import Header

PREFER = Header(
    "Prefer",
    "RFC 7240 `wait=N`: wait up to N seconds (clamped to `CALLUP_MAX_WAIT_SECONDS`) "
    "and answer 200 with the result when it is ready in time.",
    {"type": "string", "pattern": "^wait=[0-9]{1,3}$"},
)
IDEMPOTENCY_KEY = Header(
    "Idempotency-Key",
    "Retry safely: the same key with the same body returns the same job (kept 24 h, per user).",
    {"type": "string", "pattern": "^[!-~]{1,255}$"},
)
REQUEST_ID = Header(
    "X-Request-ID",
    "Trace id passed to the worker and its log lines (letters, digits, `._-`, up to 64).",
    {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"},
)
LOCATION = Header("Location", "The job's status URL.")
PREFERENCE_APPLIED = Header("Preference-Applied", "The `wait=N` actually applied.")

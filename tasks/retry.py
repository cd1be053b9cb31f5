"""What a task does when Redis or the database blinks: try again, briefly, rather than fail.

A job a client or an admin was promised should survive a restart of either
store: retry 1, 2, 4 … 30 s (about two minutes in all). A model or prospect
problem is not transient and fails at once. Predictions and champion moves
share this policy; rankings keep their own (fewer, jittered retries of long
chunks).
"""

from __future__ import annotations

from typing import Any

import redis
from sqlalchemy.exc import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError)
RETRY_BRIEF_OUTAGES: dict[str, Any] = {
    "autoretry_for": TRANSIENT,
    "max_retries": 8,
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": False,
}

"""Failed key checks per client address, so guessing keys costs the guesser, not the database.

Every unknown ``cu_`` key costs a database query. Each one that fails
counts against the client's address for a minute; once an address has
failed ``CALLUP_AUTH_FAILURES_PER_MINUTE`` times, its next uncached key is
answered 429 without a query until the minute is over. A key already
verified (in the process cache) still works from that address, so a
guesser behind a shared NAT does not lock its neighbours out of the keys
they use. The address is the peer's: behind a proxy, deploy werkzeug's
``ProxyFix`` so it is the client's. If Redis is down the check lets the
request through: the database still refuses a wrong key.
"""

from __future__ import annotations

import redis
from flask import current_app, request

from app.errors import ApiError
from prospects.jobs import PREFIX

WINDOW_SECONDS = 60


def _key() -> str:
    return f"{PREFIX}:authfail:{request.remote_addr or 'unknown'}"


def _client() -> redis.Redis:
    from app.extensions import redis_clients

    return redis_clients.client


def refuse_if_throttled() -> None:
    """429 when this address has used up its failed attempts for the window."""
    limit = int(current_app.config["CALLUP_AUTH_FAILURES_PER_MINUTE"])
    try:
        pipe = _client().pipeline(transaction=False)
        failures, ttl = pipe.get(_key()).ttl(_key()).execute()
    except redis.RedisError:
        return
    if failures is not None and int(failures) >= limit:
        retry = max(1, int(ttl)) if ttl and int(ttl) > 0 else WINDOW_SECONDS
        raise ApiError(
            429,
            "rate_limited",
            f"too many failed API keys from this address; retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )


def count_failure() -> None:
    """One more failed key check from this address (the window starts at the first)."""
    try:
        pipe = _client().pipeline(transaction=False)
        pipe.incr(_key()).expire(_key(), WINDOW_SECONDS, nx=True).execute()
    except redis.RedisError:
        current_app.logger.warning("could not count a failed key check")

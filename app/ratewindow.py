"""A fixed-window rate limiter that counts and reads its window in one Redis round trip.

flask-limiter's fixed window costs three round trips per limited request:
the increment, then the count and the TTL again for the ``X-RateLimit-*``
headers. Here one Lua script increments, sets the expiry on the window's first
hit and returns the count with the TTL; the figures are kept for the rest of
the request, so the headers read no storage at all. Same keys, same semantics
as ``limits``' fixed window, so it can replace it under a running deployment.
"""

from __future__ import annotations

import time

from flask import g, has_request_context
from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter
from limits.util import WindowStats

_INCR_EXPIRE_TTL = """
local current = redis.call('incrby', KEYS[1], ARGV[2])
if current == tonumber(ARGV[2]) then
    redis.call('expire', KEYS[1], ARGV[1])
end
return {current, redis.call('ttl', KEYS[1])}
"""


class CountingFixedWindow(FixedWindowRateLimiter):
    """``FixedWindowRateLimiter`` whose ``hit`` remembers the window it saw, for this request."""

    def __init__(self, storage: RedisStorage):
        super().__init__(storage)
        self._script = storage.get_connection().register_script(_INCR_EXPIRE_TTL)
        self._prefixed = storage.prefixed_key

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        key = item.key_for(*identifiers)
        count, ttl = self._script([self._prefixed(key)], [item.get_expiry(), cost])
        if has_request_context():
            seen = g.setdefault("callup_rate_windows", {})
            seen[key] = WindowStats(time.time() + max(int(ttl), 0), max(0, item.amount - count))
        return int(count) <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """The window as this request's hit left it; the storage's view for anything else."""
        if has_request_context():
            seen = g.get("callup_rate_windows") or {}
            stats = seen.get(item.key_for(*identifiers))
            if stats is not None:
                return stats
        return super().get_window_stats(item, *identifiers)


MOVING_WINDOW = "moving-window"  # the scope suffix that marks a limit for the moving window


class MovingWindowWhereScoped(RateLimiter):
    """Fixed windows for every limit but those scoped ``MOVING_WINDOW``: those move.

    A fixed window of N per minute admits up to 2N in a moment across its
    boundary (N at 59.9 s, N more at 60.1 s). That is harmless for polls, not
    for predictions, which each cost a worker; the predict limit is a moving
    window (``limits``' log of hit times), which never admits more than N in
    any minute. The others keep the one-round-trip fixed window.
    """

    def __init__(self, fixed: RateLimiter, moving: MovingWindowRateLimiter):
        super().__init__(moving.storage)
        self.fixed = fixed
        self.moving = moving

    def _for(self, identifiers: tuple[str, ...]) -> RateLimiter:
        moves = bool(identifiers) and identifiers[-1].endswith(f":{MOVING_WINDOW}")
        return self.moving if moves else self.fixed

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._for(identifiers).hit(item, *identifiers, cost=cost)

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self._for(identifiers).test(item, *identifiers, cost=cost)

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        return self._for(identifiers).get_window_stats(item, *identifiers)

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        self._for(identifiers).clear(item, *identifiers)

"""Per-user rate limits on Redis (flask-limiter 4), keyed by the authenticated user.

flask-limiter checks the default limit before any view and a route's own
limit (predict, polls) when the view is called; either way the key comes
from ``rate_limit_key``, which authenticates the caller first if nothing has
yet, so limits are per user, not per client address, and an unauthenticated
flood costs one 401 each (throttled per address by ``app.auththrottle``).
Only ``/api/ml`` routes count: health, docs, the dashboard and unknown routes
(404/405) never do. Counters live in Redis, so a limit holds across every API
process.

Two limiters, each with the strategy flask-limiter's documented
``Limiter(strategy=...)`` gives it: ``limiter`` (fixed window) holds the
default limit and the polls' limit, ``predict_limiter`` (moving window) the
predict limit alone, and the predict route is exempt from ``limiter``. Each
counts through ``app.ratewindow``'s one-round-trip version of ``limits``'
strategy of the same name.
"""

from __future__ import annotations

import math
import time
from typing import Any

import redis
from flask import Flask, current_app, g, request
from flask.wrappers import Response
from flask_limiter import Limiter, RequestLimit
from kombu.exceptions import OperationalError as KombuOperationalError
from limits.errors import StorageError
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter

from app.auth import authenticate
from app.ratewindow import CountingFixedWindow, CountingMovingWindow
from app.settings import API_PREFIX

_UNREACHABLE = (redis.exceptions.RedisError, StorageError, KombuOperationalError, OSError)


class AppLimiter(Limiter):
    """A Limiter whose storage belongs to the app, not to the (module-level) extension.

    flask-limiter keeps one storage per extension object and the last ``init_app``
    wins; keeping it in ``app.extensions`` lets two apps in one process use two
    Redis servers, as tests do. Its strategy is the counting twin
    (``app.ratewindow``) of the one flask-limiter built from ``strategy``.
    """

    def __init__(self, label: str, **kwargs: Any) -> None:
        self.label = label  # names its entry in app.extensions
        super().__init__(**kwargs)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
        timeout = float(app.config["CALLUP_REDIS_TIMEOUT_SECONDS"])
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_timeout": timeout, "socket_connect_timeout": timeout},
        )
        app.config.setdefault("RATELIMIT_KEY_PREFIX", "callup")
        super().init_app(app)
        # flask-limiter's own (public) storage and strategy for this app, as just built.
        storage, strategy = super().storage, super().limiter
        if isinstance(storage, RedisStorage):  # one round trip, headers included
            if type(strategy) is FixedWindowRateLimiter:
                strategy = CountingFixedWindow(storage)
            elif type(strategy) is MovingWindowRateLimiter:
                strategy = CountingMovingWindow(storage)
        app.extensions[f"callup.ratelimit.{self.label}"] = (storage, strategy)

    @property
    def storage(self) -> Storage:
        return current_app.extensions[f"callup.ratelimit.{self.label}"][0]

    @property
    def limiter(self) -> RateLimiter:
        return current_app.extensions[f"callup.ratelimit.{self.label}"][1]


def init_limits(app: Flask) -> None:
    """Both limiters on ``app``, and the ``X-RateLimit-*`` headers they leave."""
    limiter.init_app(app)
    predict_limiter.init_app(app)
    app.after_request(inject_headers)


def rate_limit_key() -> str:
    """Limits are per user: who is calling is settled (401 if nobody) before anything counts."""
    if g.get("principal") is None:
        authenticate()
    return f"user:{g.principal.user_id}"


def not_an_api_request() -> bool:
    """The default limit counts ``/api/ml`` routes only (health, docs, 404/405: never)."""
    return request.endpoint is None or not request.path.startswith(f"{API_PREFIX}/")


def predict_limit() -> str:
    return current_app.config["CALLUP_PREDICT_RATE_LIMIT"]


def poll_limit() -> str:
    return current_app.config["CALLUP_POLL_RATE_LIMIT"]


def default_limit() -> str:
    return current_app.config["CALLUP_DEFAULT_RATE_LIMIT"]


def inject_headers(response: Response) -> Response:
    """X-RateLimit-* on every limited response, and Retry-After on a 429.

    Done here rather than by flask-limiter, which would also put Retry-After on
    a 202 and there read as "come back in a minute".
    """
    try:
        current: RequestLimit | None = predict_limiter.current_limit or limiter.current_limit
        if current is None:
            return response
        # No storage round trip: the hit's own figures (app.ratewindow); ``current.remaining``
        # would read the window again.
        reset_at, remaining = current.window  # epoch seconds of the reset, hits left
        response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(max(0, remaining))
        response.headers["X-RateLimit-Reset"] = str(math.ceil(reset_at))
    except _UNREACHABLE:
        # Headers are advisory; a Redis hiccup after the check must not turn into a 500.
        return response
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - time.time())))
    return response


# The limiters, wired to an app by ``create_app`` (``init_limits``). The default limit and
# the polls' limit: a fixed window, one round trip.
limiter = AppLimiter(
    "fixed",
    key_func=rate_limit_key,
    strategy="fixed-window",
    default_limits=[default_limit],
    default_limits_exempt_when=not_an_api_request,
    headers_enabled=False,  # inject_headers writes them, Retry-After on 429s only
)
# The predict limit alone: a moving window. A fixed window of N per minute admits up to 2N
# in a moment across its boundary (N at 59.9 s, N more at 60.1 s); harmless for polls, not
# for predictions, which each cost a worker. The moving window (limits' log of hit times)
# never admits more than N in any minute.
predict_limiter = AppLimiter(
    "moving",
    key_func=rate_limit_key,
    strategy="moving-window",
    headers_enabled=False,
)

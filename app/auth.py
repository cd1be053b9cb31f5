"""Bearer API keys: who is calling (``authenticate``) and may they (``require_role``).

Verified keys are cached in process for a few seconds
(``CALLUP_AUTH_CACHE_SECONDS``) so the hot path costs no database query; a
revoked key therefore stops working within that many seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, g, request

from app import auththrottle
from app.errors import ApiError
from prospects.apikeys import ROLE_RANK, Principal, hash_key, verify_key

P = ParamSpec("P")
R = TypeVar("R")

_MAX_CACHED_KEYS = 10_000  # bound memory against a flood of distinct valid keys


class KeyCache:
    """Key hash → (principal, expiry); only successful lookups are cached."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if entry[1] < time.monotonic():
                del self._entries[digest]
                return None
            return entry[0]

    def put(self, digest: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= _MAX_CACHED_KEYS:
                self._entries.clear()
            self._entries[digest] = (principal, time.monotonic() + self.ttl)


def init_auth(app: Flask) -> None:
    """Give the app its own key cache."""
    app.extensions["callup.key_cache"] = KeyCache(float(app.config["CALLUP_AUTH_CACHE_SECONDS"]))


def _unauthorized(message: str, *, invalid: bool) -> ApiError:
    challenge = 'Bearer error="invalid_token"' if invalid else "Bearer"
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    if not header:
        raise _unauthorized("missing Authorization: Bearer <api key>", invalid=False)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("expected Authorization: Bearer <api key>", invalid=False)
    return token


def authenticate() -> None:
    """Set ``g.principal`` from the request's key, or answer 401."""
    from app.extensions import database

    token = _bearer_token()
    digest = hash_key(token)
    cache: KeyCache = current_app.extensions["callup.key_cache"]
    principal = cache.get(digest)
    if principal is None:
        auththrottle.refuse_if_throttled()  # before the query a guess would cost
        with database.session() as session:
            principal = verify_key(session, token)
        if principal is None:
            auththrottle.count_failure()
            raise _unauthorized("invalid or revoked API key", invalid=True)
        cache.put(digest, principal)
    g.principal = principal


def current_principal() -> Principal:
    """The authenticated caller (``authenticate`` has run for every API blueprint)."""
    principal = g.get("principal")
    if principal is None:
        raise _unauthorized("authentication required", invalid=False)
    return principal


def require_role(role: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a view that needs ``role`` or above (viewer < analyst < admin); else 403."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = g.get("principal")
            if principal is None:
                authenticate()
                principal = current_principal()
            if not principal.has_role(role):
                raise ApiError(403, "forbidden", f"this needs the {role} role or above")
            return view(*args, **kwargs)

        wrapper.__callup_role__ = role  # type: ignore[attr-defined]  # read by app.openapi
        return wrapper

    return decorator

"""API keys: create, hash, verify and revoke. Plain SQLAlchemy, no Flask.

A key is shown once, at creation; the database keeps only its SHA-256 hash and
a short prefix to tell keys apart in listings and logs. A stolen database
therefore yields no usable key, and a key needs no slow KDF: it is 256 random
bits, not a password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from prospects.db.models import ROLES, ApiKey, User
from prospects.jobs import system_requester

KEY_PREFIX = "cu_"  # recognisable in logs and by secret scanners
PREFIX_LENGTH = 12  # characters of the key kept in clear (ApiKey.prefix is String(12))
MAX_KEY_LENGTH = 128  # anything longer is not one of ours; refuse before hashing
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}  # viewer < analyst < admin


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, as established by its key."""

    user_id: int
    name: str
    role: str
    key_prefix: str

    def has_role(self, required: str) -> bool:
        """True when this principal's role is ``required`` or above it."""
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[required]


class ApiKeyError(ValueError):
    """A key operation that cannot be done as asked (unknown role, no such key...)."""


def generate_key() -> str:
    """A fresh random key: the recognisable prefix and 256 bits of URL-safe randomness."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The SHA-256 hex digest stored instead of the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, user_name: str, role: str | None = None) -> tuple[str, ApiKey]:
    """A new key for ``user_name``, creating the user (default role viewer) if needed.

    ``role`` for an existing user must match its role: a key is never a
    side door to a promotion.
    """
    if role is not None and role not in ROLE_RANK:
        raise ApiKeyError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    user_name = user_name.strip()
    if not user_name:
        raise ApiKeyError("user name must not be empty")
    if ":" in user_name:
        raise ApiKeyError(
            f"user names may not contain ':' (reserved for Callup's own, as in "
            f"{system_requester('beat')!r}): {user_name!r}"
        )
    user = session.scalars(select(User).where(User.name == user_name)).one_or_none()
    if user is None:
        user = User(name=user_name, role=role or "viewer")
        session.add(user)
        session.flush()
    elif role is not None and role != user.role:
        raise ApiKeyError(f"user {user_name!r} already exists with role {user.role!r}")
    key = generate_key()
    record = ApiKey(user_id=user.id, key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH])
    session.add(record)
    session.flush()
    return key, record


def verify_key(session: Session, key: str) -> Principal | None:
    """The principal behind ``key``, or None for an unknown, malformed or revoked key."""
    if not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    digest = hash_key(key)
    row = session.execute(
        select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.key_hash == digest)
    ).one_or_none()
    if row is None:
        return None
    api_key, user = row
    # The lookup already matched the hash; compare again in constant time anyway, so no
    # future change to the query (a prefix lookup, say) can open a timing side channel.
    if not hmac.compare_digest(api_key.key_hash, digest) or api_key.revoked_at is not None:
        return None
    return Principal(user_id=user.id, name=user.name, role=user.role, key_prefix=api_key.prefix)


def revoke_key(session: Session, prefix_or_key: str) -> ApiKey:
    """Revoke the one live key with this prefix (or this whole key); idempotent per key."""
    if len(prefix_or_key) > PREFIX_LENGTH:
        query = select(ApiKey).where(ApiKey.key_hash == hash_key(prefix_or_key))
    else:
        query = select(ApiKey).where(ApiKey.prefix == prefix_or_key)
    matches = list(session.scalars(query))
    if not matches:
        raise ApiKeyError(f"no key matches {prefix_or_key!r}")
    if len(matches) > 1:
        raise ApiKeyError(f"{len(matches)} keys share the prefix {prefix_or_key!r}; pass the key")
    record = matches[0]
    if record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
    return record

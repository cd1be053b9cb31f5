"""The prediction cache as the API reads it: the stored answer of the variant serving a user.

Two Redis round trips: one ``MGET`` for both aliases and the data version,
then one ``GET`` of the answer under the user's variant — computed with
``prospects.ab.assign`` as in the worker, so a challenger user never gets the
champion's answer or the reverse. The answer stays the JSON bytes the worker
stored: the response embeds them without decoding and encoding them again.
(Until issue 16 a Lua script did both in one round trip for the common case;
its gain was not separable from the noise: docs/serving.md.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app

from app.extensions import database, redis_clients
from prospects import ab, config
from prospects.db.version import cached_data_version
from prospects.jobs import ALIAS_TTL_SECONDS, DATA_VERSION_KEY, alias_key
from prospects.lifecycle.events import alias_version, ensure_tables


@dataclass(frozen=True)
class CachedAnswer:
    """A stored prediction: its JSON as the worker wrote it, and which model made it."""

    raw: bytes
    model_version: int
    variant: str


def lookup(prospect_id: int, as_of: date, user: str) -> CachedAnswer | None:
    """The answer ``user`` would get for the prospect on ``as_of``, if one is cached."""
    client = redis_clients.client
    champion, challenger, fingerprint = client.mget(
        alias_key(ab.CHAMPION), alias_key(ab.CHALLENGER), DATA_VERSION_KEY
    )
    _, champion_version = ab.parse_alias(champion)
    if champion_version is None:
        return None  # no champion published yet: let a worker decide (it may load one)
    known, challenger_version = ab.parse_alias(challenger)
    if not known:
        challenger_version = _mirrored_challenger(client)
    variant = ab.assign(user, challenger_version)
    model_version = challenger_version if variant == ab.CHALLENGER else champion_version
    if fingerprint is None:
        with database.session() as session:
            version = cached_data_version(client, session)
    else:
        version = fingerprint.decode()
    raw = client.get(ab.cache_key(variant, model_version, version, as_of, prospect_id))
    return None if raw is None else CachedAnswer(raw, model_version, variant)


def _mirrored_challenger(client: Any) -> int | None:
    """The challenger the database mirror names, shared through Redis as briefly as an alias."""
    ensure_tables(current_app.extensions["callup.database_url"])
    with database.session() as session:
        version = alias_version(session, config.model_name(), ab.CHALLENGER)
    value = str(version) if version is not None else ab.NO_VERSION
    client.set(alias_key(ab.CHALLENGER), value, ex=ALIAS_TTL_SECONDS, nx=True)
    return version

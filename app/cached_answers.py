"""The prediction cache as the API reads it: the stored answer of the variant serving a user.

On the common path (a champion, no experiment running, the data version
known) one Lua script reads both aliases, the data version and the answer in
a single round trip. Otherwise the aliases come back with it, the caller's
variant is ``prospects.ab.assign`` (as in the worker, so a challenger user
never gets the champion's answer or the reverse) and one more GET reads the
answer. The answer stays the JSON bytes the worker stored: the response
embeds them without decoding and encoding them again.

The script builds the answer's key from the values it read, which a Redis
Cluster would refuse (keys must be declared); Callup runs on one Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app

from app.extensions import database, redis_clients
from prospects import ab, config
from prospects.db.version import cached_data_version
from prospects.jobs import (
    ALIAS_TTL_SECONDS,
    DATA_VERSION_KEY,
    alias_key,
    prediction_cache_key_frame,
)
from prospects.lifecycle.events import alias_version, ensure_tables

# KEYS: champion alias, challenger alias, data version.
# ARGV: the answer key's head, between and tail, and the "no challenger" marker.
_CHAMPION_ANSWER = """
local champion = redis.call('get', KEYS[1])
local challenger = redis.call('get', KEYS[2])
local data = redis.call('get', KEYS[3])
local answer = false
if champion and data and challenger == ARGV[4] and string.match(champion, '^%d+$') then
    answer = redis.call('get', ARGV[1] .. champion .. ARGV[2] .. data .. ARGV[3])
end
return {champion, challenger, data, answer}
"""


@dataclass(frozen=True)
class CachedAnswer:
    """A stored prediction: its JSON as the worker wrote it, and which model made it."""

    raw: bytes
    model_version: int
    variant: str


def lookup(prospect_id: int, as_of: date, user: str) -> CachedAnswer | None:
    """The answer ``user`` would get for the prospect on ``as_of``, if one is cached."""
    client = redis_clients.client
    script = current_app.extensions.get("callup.champion_answer")
    if script is None:
        script = current_app.extensions["callup.champion_answer"] = client.register_script(
            _CHAMPION_ANSWER
        )
    head, between, tail = prediction_cache_key_frame(as_of, prospect_id)
    keys = [alias_key(ab.CHAMPION), alias_key(ab.CHALLENGER), DATA_VERSION_KEY]
    # A missing key comes back as Lua's false, which Redis answers as nil: four values always.
    champion, challenger, fingerprint, answer = script(
        keys=keys, args=[head, between, tail, ab.NO_VERSION]
    )
    if not champion or not champion.strip().isdigit():
        return None  # no champion published yet: let a worker decide (it may load one)
    if champion.isdigit() and fingerprint is not None and challenger == ab.NO_VERSION.encode():
        # No experiment: the script has looked under the champion's key already.
        return None if answer is None else CachedAnswer(answer, int(champion), ab.CHAMPION)
    known, challenger_version = ab.parse_alias(challenger)
    if not known:
        challenger_version = _mirrored_challenger(client)
    variant = ab.assign(user, challenger_version)
    model_version = challenger_version if variant == ab.CHALLENGER else int(champion)
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

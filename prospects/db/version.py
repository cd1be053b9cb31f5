"""A cheap fingerprint of the league data, used in cache keys: it changes when any row does.

Lives beside the models (not with the pandas-based feature code) because the
API needs it to look up cached predictions without loading the ML stack.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prospects.db.models import (
    BattingLine,
    Ingest,
    Outcome,
    PitchingLine,
    Prospect,
    Release,
    ScoutingReport,
)

# Per table, the columns of its newest row that go into the fingerprint.
_FINGERPRINTED = {
    Prospect: ("birth_date", "signed_on", "position", "draft_round"),
    BattingLine: ("prospect_id", "season", "end_date", "pa", "h", "so"),
    PitchingLine: ("prospect_id", "season", "end_date", "bf", "h", "so"),
    ScoutingReport: ("prospect_id", "report_date", "fv"),
    Outcome: ("prospect_id", "season", "known_on", "mlb_pa", "mlb_outs"),
    Release: ("prospect_id", "released_on"),
}


def data_version(session: Session) -> str:
    """Per table the row count, the max id and the newest row's key columns, hashed, with the
    newest import that changed anything.

    All index lookups, well under a millisecond a table. It changes whenever a
    row is added or deleted, when the league is regenerated with another seed,
    and when an import (``callup import-csv --mode upsert``, the weekly feed)
    replaces an older row in place, which the row counts alone would not show.
    """
    parts = []
    for model, columns in _FINGERPRINTED.items():
        newest = select(func.max(model.id)).scalar_subquery()
        count = select(func.count()).select_from(model).scalar_subquery()
        row = session.execute(
            select(count, model.id, *(getattr(model, c) for c in columns)).where(model.id == newest)
        ).first()
        parts.append(
            f"{model.__tablename__}:" + ("empty" if row is None else ",".join(map(str, row)))
        )
    newest_change = session.scalar(select(func.max(Ingest.id)).where(Ingest.changed > 0))
    parts.append(f"ingests:{newest_change}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


DATA_VERSION_TTL_SECONDS = 10  # data written outside Callup's commands is noticed within this


def forget_cached_data_version() -> bool:
    """Drop the cached data version after a write, so cached answers stop matching at once.

    Best effort: with Redis unreachable the cached value still expires within
    DATA_VERSION_TTL_SECONDS. Returns whether Redis was reached.
    """
    import redis

    from prospects import config
    from prospects.jobs import DATA_VERSION_KEY

    try:
        client = redis.Redis.from_url(config.redis_url(), socket_connect_timeout=2)
        client.delete(DATA_VERSION_KEY)
        client.close()
        return True
    except redis.RedisError:
        return False


def cached_data_version(redis_client, session: Session) -> str:  # type: ignore[no-untyped-def]
    """The data version from Redis when fresh, else computed and cached for a few seconds.

    Callup's own writers (seed, import, simulate) delete the key, so their
    changes count at once; the TTL bounds how stale anything else can be.
    """
    from prospects.jobs import DATA_VERSION_KEY

    raw = redis_client.get(DATA_VERSION_KEY)
    if raw:
        return raw.decode() if isinstance(raw, bytes) else str(raw)
    version = data_version(session)
    redis_client.set(DATA_VERSION_KEY, version, ex=DATA_VERSION_TTL_SECONDS)
    return version

"""A cheap fingerprint of the league data, used in cache keys: it changes when any row does.

Lives beside the models (not with the pandas-based feature code) because the
API needs it to look up cached predictions without loading the ML stack.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prospects.db.models import BattingLine, Outcome, PitchingLine, Prospect, ScoutingReport

_FINGERPRINTED = (
    (Prospect, Prospect.signed_on),
    (BattingLine, BattingLine.end_date),
    (PitchingLine, PitchingLine.end_date),
    (ScoutingReport, ScoutingReport.report_date),
    (Outcome, Outcome.known_on),
)


def data_version(session: Session) -> str:
    """Row count, largest id and latest date of each league table, hashed to 16 hex digits."""
    parts = []
    for model, dated in _FINGERPRINTED:
        row = session.execute(
            select(func.count(), func.max(model.id), func.max(dated)).select_from(model)
        ).one()
        parts.append(f"{model.__tablename__}:{row[0]}:{row[1]}:{row[2]}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


DATA_VERSION_TTL_SECONDS = 10  # data written outside Callup's commands is noticed within this


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

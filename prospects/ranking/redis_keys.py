"""Redis keys of a ranking job (its chunk ledger, the in-flight claim) and a snapshot's hash.

Needs only the standard library and ``redis`` (the API and the CLI use it).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import redis

from prospects.jobs import JOB_TTL_SECONDS, PREFIX
from prospects.ranking.filters import RankingFilters


def snapshot_key(
    filters: RankingFilters,
    model_name: str,
    model_version: int | str,
    data_version: str,
    as_of: date,
) -> str:
    """Everything that determines a ranking's content, hashed; ``model_version`` may be "champion"
    when only the API's in-flight deduplication needs a key and the version is not known yet."""
    identity = {
        "as_of": as_of.isoformat(),
        "data_version": data_version,
        "filters": filters.canonical(),
        "model": f"{model_name}:{model_version}",
    }
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:40]


def inflight_key(key: str) -> str:
    """Identical request → the job already computing it (SET NX, cleared at the end)."""
    return f"{PREFIX}:rank:inflight:{key}"


def ledger_key(job_id: str) -> str:
    return f"{PREFIX}:rank:{job_id}:chunks"


class ChunkLedger:
    """Which chunks of a job have committed their rows: chunk index → rows, in one Redis hash.

    A hash, not a counter, so a chunk delivered twice counts once; the chunk
    that adds the last field (or a redelivered one that finds the hash full)
    sends the finalizer.
    """

    def __init__(self, client: redis.Redis, job_id: str):
        self.redis = client
        self.key = ledger_key(job_id)

    def done_indices(self) -> set[int]:
        return {int(k) for k in self.redis.hkeys(self.key)}

    def rows_done(self, extra: tuple[int, int] | None = None) -> int:
        """Rows of the committed chunks, plus ``extra`` = (index, rows) if not counted yet."""
        counts = {int(k): int(v) for k, v in self.redis.hgetall(self.key).items()}
        if extra is not None:
            counts.setdefault(extra[0], extra[1])
        return sum(counts.values())

    def record(self, index: int, rows: int, n_chunks: int) -> bool:
        """Mark chunk ``index`` committed; True when every chunk now is (finalize)."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.key, str(index), rows)
        pipe.hlen(self.key)
        pipe.expire(self.key, JOB_TTL_SECONDS)
        _added, count, _ = pipe.execute()
        return int(count) >= n_chunks

    def clear(self) -> None:
        self.redis.delete(self.key)

"""The whole serving day scored in one ``score`` call (the ranking path's work, in process).

Every prospect of today's materialized day on the league ``bench/predict.py
--workdir DIR`` left behind, with eligibility and context as a ranking chunk
passes them; one warm-up call, then ``--calls`` timed ones. Usage:
``python bench/score_day.py --workdir DIR [--redis-url URL] [--calls 3]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.answer_parts import environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    environment(args.workdir, args.redis_url)

    import redis

    from prospects import eligibility
    from prospects.db.session import session_scope
    from prospects.db.version import cached_data_version
    from prospects.serving.league_day import LeagueDays
    from prospects.serving.scoring import score
    from workers.model_holder import ModelHolder

    client = redis.Redis.from_url(args.redis_url)
    model = ModelHolder(client).get()
    days = LeagueDays()
    today = datetime.now(UTC).date()
    with session_scope() as session:
        version = cached_data_version(client, session)
        day = days.get(session, version, today)
    rows = day.vectors
    assert rows is not None
    records = rows.standing.to_dict("records")
    standing = {
        int(i): eligibility.status(r) for i, r in zip(rows.standing.index, records, strict=True)
    }
    seconds = []
    for _ in range(args.calls + 1):
        started = time.perf_counter()
        score(
            model,
            rows.features,
            rows.people,
            today,
            version,
            standing=standing,
            context=day.context,
        )
        seconds.append(time.perf_counter() - started)
    timed = seconds[1:]
    print(
        json.dumps(
            {
                "rows": len(rows.features),
                "seconds": [round(s, 3) for s in timed],
                "median_s": round(statistics.median(timed), 3),
            }
        )
    )


if __name__ == "__main__":
    main()

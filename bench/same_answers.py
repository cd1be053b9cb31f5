"""Every eligible prospect's answer of today, as JSON, from this checkout's code: one line each.

Run in two checkouts on the same league (``bench/predict.py --workdir DIR`` left
it) and compare the outputs: a change meant to be byte-for-byte the same must
give identical lines (``latency_ms``, the time the answer took, is left out).
Usage: ``python bench/same_answers.py --workdir DIR [--redis-url URL] > answers.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.answer_parts import environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    environment(args.workdir, args.redis_url)

    import redis

    from prospects.db.session import session_scope
    from prospects.db.version import cached_data_version
    from prospects.serving.league_day import LeagueDays
    from prospects.serving.predict import predict_one
    from workers.model_holder import ModelHolder

    client = redis.Redis.from_url(args.redis_url)
    model = ModelHolder(client).get()
    days = LeagueDays()
    today = datetime.now(UTC).date()
    with session_scope() as session:
        version = cached_data_version(client, session)
        vectors = days.get(session, version, today).vectors
        assert vectors is not None
        for pid in vectors.features.index:
            answer = predict_one(session, model, days, int(pid), today, version)
            answer.pop("latency_ms")
            print(json.dumps(answer))


if __name__ == "__main__":
    main()

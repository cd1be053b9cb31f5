"""Every eligible prospect's answer of today, as JSON, from this checkout's code: one line each.

Run in two checkouts on the same league (``bench/predict.py --workdir DIR`` left
it) and compare the outputs: a change meant to be byte-for-byte the same must
give identical lines (``latency_ms``, the time the answer took, is left out).
Usage: ``python bench/same_answers.py --workdir DIR [--redis-url URL] > answers.jsonl``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.answer_parts import open_served_day, served_day_parser  # noqa: E402


def main() -> None:
    parser = served_day_parser(__doc__)
    args = parser.parse_args()
    served = open_served_day(args.workdir, args.redis_url)

    from prospects.db.session import session_scope
    from prospects.serving.predict import predict_one

    vectors = served.day.vectors
    with session_scope() as session:
        for pid in vectors.features.index:
            answer = predict_one(
                session, served.model, served.days, int(pid), served.today, served.version
            )
            answer.pop("latency_ms")
            print(json.dumps(answer))


if __name__ == "__main__":
    main()

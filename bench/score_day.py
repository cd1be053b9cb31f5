"""The whole serving day scored in one ``score`` call (the ranking path's work, in process).

Every prospect of today's materialized day on the league ``bench/predict.py
--workdir DIR`` left behind, with eligibility and context as a ranking chunk
passes them; one warm-up call, then ``--calls`` timed ones. Usage:
``python bench/score_day.py --workdir DIR [--redis-url URL] [--calls 3]``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.answer_parts import open_served_day, served_day_parser  # noqa: E402


def main() -> None:
    parser = served_day_parser(__doc__)
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    served = open_served_day(args.workdir, args.redis_url)

    from prospects import eligibility
    from prospects.serving.scoring import score

    model, today, version, day = served.model, served.today, served.version, served.day
    rows = day.vectors
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

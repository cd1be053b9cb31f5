"""Beat's health check: ``python -m schedules.health`` exits 0 while Beat ticks.

Beat serves nothing a probe could ask, so each tick (leader or standby)
touches a file under ``$CALLUP_VAR_DIR``; Beat is healthy while the file is
younger than ``--max-age`` seconds (default: three ticks at the longest
interval, ``CALLUP_BEAT_LOCK_SECONDS`` / 3 each, plus slack).
"""

from __future__ import annotations

import argparse
import sys
import time

from schedules.beat import heartbeat_path, lock_seconds


def heartbeat_age() -> float | None:
    """Seconds since Beat last ticked; None when it never has."""
    try:
        return time.time() - heartbeat_path().stat().st_mtime
    except FileNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-age", type=float, default=lock_seconds() + 30)
    args = parser.parse_args(argv)
    age = heartbeat_age()
    if age is None or age > args.max_age:
        print(f"beat has not ticked for {age if age is not None else 'ever'} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

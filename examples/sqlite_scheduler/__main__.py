"""``python -m sqlite_scheduler DB [--start …] [--end …] [--seed N]``: run (or resume) the loop."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from .dags import YEAR_START, default_dags
from .scheduler import Scheduler
from .script import build_script
from .store import SqliteStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sqlite_scheduler", description=__doc__)
    parser.add_argument("db", help="the SQLite file (created if missing; resumed if not)")
    parser.add_argument("--start", type=datetime.fromisoformat, default=YEAR_START)
    parser.add_argument("--end", type=datetime.fromisoformat,
                        default=YEAR_START.replace(year=YEAR_START.year + 1))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds to wait between planning and writing (race tests)")
    args = parser.parse_args(argv)
    dags = default_dags(args.start)
    script = build_script(dags, start=args.start, end=args.end, seed=args.seed)
    store = SqliteStore(args.db)
    store.initialize([d.dag_id for d in dags], args.start)
    stats = Scheduler(store, dags, script, think=args.think).run()
    print(json.dumps(dict(sorted(stats.items()))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

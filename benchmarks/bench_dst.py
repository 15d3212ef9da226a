"""DST-zone indexing on a *first* call: 1 year vs 100 years, each in a fresh process.

Run alone: ``.venv/bin/python benchmarks/bench_dst.py``; ``python -m benchmarks`` includes
it.  Each figure is the median of 5 fresh interpreters timing one ``count_intervals`` call
(after ``import timetable`` and building the timetable, before anything is cached); the
ratio shows whether a first call grows with the range (the target is at most 5x).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import fresh_ms  # (a statement that resets t0 is timed from there)

_CALL = """
import timetable as tt
from datetime import UTC, datetime
t = tt.CronDataIntervals(cron={expr!r}, timezone="Europe/Berlin")
s = datetime(2000, 1, 1, tzinfo=UTC)
e = datetime(2000 + {years}, 1, 1, tzinfo=UTC)
t0 = time.perf_counter()
tt.count_intervals(t, start=s, end=e)
"""

CASES = ["*/5 * * * *", "30 2 * * *"]


def run() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for expr in CASES:
        one = fresh_ms(_CALL.format(expr=expr, years=1), repeat=5)
        hundred = fresh_ms(_CALL.format(expr=expr, years=100), repeat=5)
        out.append({"first count_intervals, Europe/Berlin": f"`{expr}`", "1 year ms": one,
                    "100 years ms": hundred, "100y / 1y": hundred / one})
    return out


if __name__ == "__main__":
    for row in run():
        print(row)

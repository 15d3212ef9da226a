"""The hardening issue's near-hangs, measured: each must answer quickly, whatever the input.

Run alone: ``.venv/bin/python benchmarks/bench_hardening.py``; ``python -m benchmarks``
includes it.  Rows:

- the cron ``21-36 0-21 28 */3 1-5`` in Africa/Casablanca (a zone whose DST pauses every
  Ramadan), streamed over a year: µs per interval (target ≤ 50), and a catchup plan over
  the same year: µs per entry;
- ``TaskGraph`` with a 100,000-task ring: ms until the ``CyclicGraphError`` (target < 1 s);
- ``ClearRequest(task_pattern="(a+)+$", pattern_syntax="regex")`` on a 200-task graph whose
  ids are 40 ``a`` and a ``b`` (``re`` would need ~2**40 steps per id): ms per plan.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import timetable as tt

CRON = "21-36 0-21 28 */3 1-5"
ZONE = "Africa/Casablanca"


def _best(fn: Any, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    restriction = tt.TimeRestriction(earliest=start)
    for kind in (tt.CronTrigger, tt.CronDataIntervals):
        t = kind(cron=CRON, timezone=ZONE)
        n = sum(1 for _ in tt.iter_run_infos(t, start=start, end=end, now=end))
        stream = _best(lambda t=t: sum(1 for _ in tt.iter_run_infos(t, start=start, end=end,
                                                                    now=end)))
        plan = _best(lambda t=t: tt.plan_catchup(t, runs=[], restriction=restriction, now=end),
                     repeat=1)
        rows.append({"case": f"`{CRON}` {ZONE}, {kind.__name__}, 2024", "items": n,
                     "stream µs/interval": stream / n * 1e6,
                     "catchup µs/entry": plan / n * 1e6})
    n = 100_000
    specs = [tt.TaskSpec(task_id=f"t{i}", upstream=[f"t{(i - 1) % n}"]) for i in range(n)]

    def ring() -> None:
        try:
            tt.TaskGraph(tasks=specs)
        except tt.errors.CyclicGraphError:
            return
        raise AssertionError("the ring was accepted")

    rows.append({"case": "100,000-task ring refused", "ms": _best(ring, repeat=1) * 1e3})
    ids = [f"{'a' * 40}b{i}" for i in range(200)]
    graph = tt.TaskGraph(tasks=[tt.TaskSpec(task_id=i) for i in ids])
    day = datetime(2024, 1, 1, tzinfo=UTC)
    history = tt.RunHistory(
        runs=[tt.RunRecord(run_id="r", run_type="manual", logical_date=day, data_interval=None,
                           run_after=day, state="failed")],
        task_instances=[tt.TaskInstanceRecord(run_id="r", task_id=i, state="failed")
                        for i in ids],
    )
    request = tt.ClearRequest(task_pattern="(a+)+$", pattern_syntax="regex")
    rows.append({"case": "`(a+)+$` regex clear, 200 tasks", "ms": _best(
        lambda: tt.plan_clear(graph, request, history=history)) * 1e3})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)

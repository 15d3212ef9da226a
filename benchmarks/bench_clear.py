"""Clear selection at scale: a 2,000-task graph, 10,000 runs, 1,000,000 task instances.

Run with ``python benchmarks/bench_clear.py`` (prints the rows), through
``python -m benchmarks`` (``run()`` adds the rows to ``RESULTS.md``), or under
pytest-benchmark (``pytest benchmarks/bench_clear.py``).

The history is indexed once (:class:`RunHistory`); each selection then costs what it
selects: clearing one task and its downstream over the past half of the runs touches
``downstream tasks x runs`` index cells, not ``2,000 x 10,000``.

Every figure is also given as a ratio to ``iter_run_infos`` per item (an hourly
``CronDataIntervals``) measured in the same process, so figures taken on a busy machine
can be compared with `BEFORE`, the ratios measured on ``main`` at commit ``a4b0fba``
(before issue 12's work on the clear path).  *speed-up* is ``before ratio / ratio``.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from timetable import CronDataIntervals, iter_run_infos
from timetable._clear import ClearPlan, ClearRequest, RunHistory, plan_clear
from timetable._graph import TaskGraph, TaskSpec
from timetable._records import RunRecord, TaskInstanceRecord
from timetable._types import DataInterval

N_TASKS = 2_000
N_RUNS = 10_000
TIS_PER_RUN = 100  # 10,000 runs x 100 = 1,000,000 task instances
START = datetime(2000, 1, 1, tzinfo=UTC)
STATES = ["success", "success", "success", "failed", "upstream_failed", "skipped", None]

INDEX = "RunHistory: validate + index 10k runs / 1M TIs (per TI)"
#: Ratios to ``iter_run_infos`` (µs per selected TI, or per TI indexed) measured by
#: this file on ``main`` at a4b0fba, before the clear path was reworked (the mean of two
#: runs, on the loaded 2-core machine of RESULTS.md): ``case -> (ratio, ms)``.
BEFORE: dict[str, tuple[float, float]] = {
    "RunHistory: validate + index 10k runs / 1M TIs (per TI)": (0.745, 1892),
    "one task, one run": (817, 1.995),
    "one task + downstream (1,923 tasks), one run": (461, 19.19),
    "one task + downstream, past (5,000 runs)": (5.01, 231),
    "one task + upstream + downstream, 30 days, only failed": (32.3, 44.27),
    "every task, one run": (18, 4.389),
    "every task, 30 days": (9.78, 67.27),
    "every task, 400 days (40,000 TIs)": (7.28, 736.6),
}


def build() -> tuple[TaskGraph, list[RunRecord], list[TaskInstanceRecord]]:
    rnd = random.Random(7)
    tasks = []
    for i in range(N_TASKS):
        # a layered DAG: each task depends on up to 2 tasks of the previous 20
        ups = {f"t{j:04d}" for j in rnd.sample(range(max(0, i - 20), i), min(i, 2))} if i else set()
        tasks.append(TaskSpec(task_id=f"t{i:04d}", upstream=ups, retries=rnd.randint(0, 2)))
    graph = TaskGraph(tasks=tasks)
    runs = []
    tis = []
    for r in range(N_RUNS):
        at = START + timedelta(days=r)
        run_id = f"scheduled__{at.isoformat()}"
        runs.append(
            RunRecord(
                run_id=run_id,
                run_type="scheduled",
                logical_date=at,
                data_interval=DataInterval(start=at, end=at + timedelta(days=1)),
                run_after=at + timedelta(days=1),
                state="success",
            )
        )
        first = (r * TIS_PER_RUN) % N_TASKS
        for k in range(TIS_PER_RUN):
            tis.append(
                TaskInstanceRecord(
                    run_id=run_id,
                    task_id=f"t{(first + k) % N_TASKS:04d}",
                    state=STATES[(r + k) % len(STATES)],
                    try_number=1,
                )
            )
    return graph, runs, tis


def cases(runs: list[RunRecord]) -> dict[str, ClearRequest]:
    mid = runs[N_RUNS // 2].run_id
    return {
        "one task, one run": ClearRequest(task_ids=["t0050"], run_id=mid),
        "one task + downstream (1,923 tasks), one run": ClearRequest(
            task_ids=["t0050"], downstream=True, run_id=mid
        ),
        "one task + downstream, past (5,000 runs)": ClearRequest(
            task_ids=["t1900"], downstream=True, run_id=mid, past=True
        ),
        "one task + upstream + downstream, 30 days, only failed": ClearRequest(
            task_ids=["t1000"],
            upstream=True,
            downstream=True,
            start=START + timedelta(days=5000),
            end=START + timedelta(days=5029),
            only_failed=True,
        ),
        "every task, one run": ClearRequest(run_id=mid),
        "every task, 30 days": ClearRequest(
            start=START + timedelta(days=5000), end=START + timedelta(days=5029)
        ),
        "every task, 400 days (40,000 TIs)": ClearRequest(
            start=START + timedelta(days=5000), end=START + timedelta(days=5399)
        ),
    }


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of *repeat* calls (a collection first), and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def stream_us(n: int = 100_000) -> float:
    """µs per item of ``iter_run_infos`` over an hourly grid (the baseline of every ratio)."""
    tt = CronDataIntervals(cron="@hourly")
    end = START + (n - 1) * timedelta(hours=1)

    def consume() -> int:
        return sum(1 for _ in iter_run_infos(tt, start=START, end=end, now=end))

    sec, count = _best(consume, 3)
    assert count == n, count
    return float(sec) / n * 1e6


def _row(case: str, items: int, sec: float, base: float, extra: dict[str, Any]) -> dict[str, Any]:
    per = sec / max(items, 1) * 1e6
    ratio = per / base
    before = BEFORE.get(case)
    return {
        "case": case,
        "items": f"{items:,}",
        "ms": sec * 1e3,
        "µs per item": per,
        "iter_run_infos µs": base,
        "× iter_run_infos": ratio,
        **extra,
        "before × iter_run_infos": None if before is None else before[0],
        "before ms": None if before is None else before[1],
        "speed-up": None if before is None else before[0] / ratio,
    }


def run(repeat: int = 3) -> list[dict[str, Any]]:
    """Rows for ``RESULTS.md``: the index build and each selection, as ratios to the stream.

    The baseline is measured right before and right after each case (their mean is the
    row's ``iter_run_infos µs``), so a machine whose load drifts during the run still
    gives comparable ratios.
    """
    graph, runs, tis = build()

    def measured(fn: Callable[[], Any], times: int) -> tuple[float, float, Any]:
        base = stream_us()
        sec, result = _best(fn, times)
        return sec, (base + stream_us()) / 2, result

    sec, base, history = measured(lambda: RunHistory(runs=runs, task_instances=tis), 1)
    rows = [_row(INDEX, len(tis), sec, base, {"with .task_instances ms": None})]
    for label, request in cases(runs).items():
        sec, base, plan = measured(
            lambda r=request: plan_clear(graph, r, history=history), repeat
        )
        assert isinstance(plan, ClearPlan)

        def full(r: ClearRequest = request) -> int:
            return len(plan_clear(graph, r, history=history).task_instances)

        full_sec, count = _best(full, repeat)
        rows.append(_row(label, count, sec, base, {"with .task_instances ms": full_sec * 1e3}))
    return rows


def main() -> None:
    for row in run():
        print(row)


def test_bench_one_task_downstream_past(benchmark: Any) -> None:
    """plan_clear: one task and its downstream over 5,000 past runs."""
    graph, runs, tis = build()
    history = RunHistory(runs=runs, task_instances=tis)
    request = ClearRequest(
        task_ids=["t1900"], downstream=True, run_id=runs[N_RUNS // 2].run_id, past=True
    )
    benchmark(plan_clear, graph, request, history=history)


if __name__ == "__main__":
    main()

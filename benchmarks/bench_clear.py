"""Clear selection at scale: a 2,000-task graph, 10,000 runs, 1,000,000 task instances.

Run with ``python benchmarks/bench_clear.py`` (plain timing, prints figures) or under
pytest-benchmark (``pytest benchmarks/bench_clear.py``).

The history is indexed once (:class:`RunHistory`); each selection then costs what it
selects: clearing one task and its downstream over the past half of the runs touches
``downstream tasks x runs`` index cells, not ``2,000 x 10,000``.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from timetable._clear import ClearRequest, RunHistory, plan_clear
from timetable._graph import TaskGraph, TaskSpec
from timetable._records import RunRecord, TaskInstanceRecord
from timetable._types import DataInterval

N_TASKS = 2_000
N_RUNS = 10_000
TIS_PER_RUN = 100  # 10,000 runs x 100 = 1,000,000 task instances
START = datetime(2000, 1, 1, tzinfo=UTC)
STATES = ["success", "success", "success", "failed", "upstream_failed", "skipped", None]


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


def _time(label: str, fn: Any, repeat: int = 3) -> Any:
    best = float("inf")
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<60} {best * 1000:9.1f} ms")
    return result


def main() -> None:
    t0 = time.perf_counter()
    graph, runs, tis = build()
    print(
        f"{'build records (not timed by the library)':<60} {(time.perf_counter() - t0) * 1000:9.1f} ms"
    )
    history = _time(
        "RunHistory: validate + index 10k runs / 1M TIs (once)",
        lambda: RunHistory(runs=runs, task_instances=tis),
        repeat=1,
    )
    mid = runs[N_RUNS // 2].run_id
    cases = {
        "one task, one run": ClearRequest(task_ids=["t0050"], run_id=mid),
        "one task + downstream, one run": ClearRequest(
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
    }
    for label, request in cases.items():
        plan = _time(
            f"plan_clear: {label}", lambda r=request: plan_clear(graph, r, history=history)
        )
        print(f"{'':<8}-> {len(plan.task_instances):,} task instances, {len(plan.runs):,} runs")


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

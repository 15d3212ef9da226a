"""The ``clear.*`` and ``mark.*`` cases of ``airflow_cases.jsonl`` as executable specs.

Those cases are transcribed from Airflow's database-backed tests, in prose-like shapes
(``"any state except running"``), so each one gets a small hand-written scenario built
from its inputs; the expected values are read from the case itself.  A test at the end
checks that every case of those areas has a scenario here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from timetable import CronTrigger
from timetable._clear import ClearRequest, RunHistory, plan_clear
from timetable._graph import TaskGraph, TaskSpec
from timetable._mark import MarkRequest, plan_mark
from timetable._records import RunRecord, TaskInstanceRecord, TaskState
from timetable._types import DataInterval

DATA = Path(__file__).parent.parent / "data" / "airflow_cases.jsonl"
CASES = [
    c
    for c in map(json.loads, DATA.read_text(encoding="utf-8").splitlines())
    if c["area"].startswith(("clear.", "mark."))
]
DAY = datetime(2016, 1, 1, tzinfo=UTC)


def _run(run_id: str = "r1", *, state: str = "success", day: int = 0) -> RunRecord:
    at = DAY + timedelta(days=day)
    return RunRecord(
        run_id=run_id,
        run_type="scheduled",
        logical_date=at,
        data_interval=DataInterval(start=at, end=at),
        run_after=at,
        state=state,
    )


def _ti(task_id: str, state: Any, *, try_number: int = 1, max_tries: int = 0, run_id: str = "r1",
        map_index: int = -1) -> TaskInstanceRecord:  # fmt: skip
    return TaskInstanceRecord(
        run_id=run_id,
        task_id=task_id,
        map_index=map_index,
        state=state,
        try_number=try_number,
        max_tries=max_tries,
    )


def _after(plan: Any) -> dict[tuple[str, str, int], Any]:
    return {c.key: c for c in plan.task_instances}


def _after_states(plan: Any, history: RunHistory) -> dict[tuple[str, str, int], Any]:
    """Every TI's state once the plan is applied."""
    states = {(t.run_id, t.task_id, t.map_index): t.state for t in history.task_instances}
    for c in plan.task_instances:
        states[c.key] = c.state_after
    return states


def case_max_tries_task_known(case: dict[str, Any]) -> None:
    tis = case["inputs"]["tis"]
    graph = TaskGraph(tasks=[TaskSpec(task_id=t["task"], retries=t["retries"]) for t in tis])
    history = RunHistory(
        runs=[_run()],
        task_instances=[_ti(t["task"], t["state"], try_number=t["try_number"]) for t in tis],
    )
    plan = plan_clear(graph, ClearRequest(), history=history)
    got = [
        {"state": c.state_after, "try_number": c.try_number, "max_tries": c.max_tries_after}
        for c in sorted(plan.task_instances, key=lambda c: c.task_id)
    ]
    assert got == case["expected"]["tis"]


def case_max_tries_task_removed(case: dict[str, Any]) -> None:
    tis = case["inputs"]["tis"]
    graph = TaskGraph(tasks=[TaskSpec(task_id="still_here")])
    history = RunHistory(
        runs=[_run(state=case["inputs"]["dag_run_state"])],
        task_instances=[
            _ti(t["task"], "success", try_number=t["try_number"], max_tries=t["max_tries"])
            for t in tis
        ],
    )
    plan = plan_clear(graph, ClearRequest(), history=history, unknown_tasks="removed")
    got = [
        {"state": c.state_after, "try_number": c.try_number, "max_tries": c.max_tries_after}
        for c in sorted(plan.task_instances, key=lambda c: c.task_id)
    ]
    assert got == case["expected"]["tis"]
    assert plan.runs[0].state_after.value == case["expected"]["dag_run_state"]


def case_only_failed(case: dict[str, Any]) -> None:
    ti = case["inputs"]["ti"]
    graph = TaskGraph(tasks=[TaskSpec(task_id="t", retries=ti["retries"]), TaskSpec(task_id="ok")])
    history = RunHistory(
        runs=[_run(state="failed")],
        task_instances=[
            _ti("t", ti["state"], try_number=ti["try_number"], max_tries=ti["max_tries"]),
            _ti("ok", "success"),
        ],
    )
    plan = plan_clear(graph, ClearRequest(only_failed=True), history=history)
    (change,) = plan.task_instances
    assert {
        "state": change.state_after,
        "try_number": change.try_number,
        "max_tries": change.max_tries_after,
    } == case["expected"]["ti"]
    assert "only failed" in change.reasons


def _dr_plan(state_before: str, reset: Any) -> Any:
    graph = TaskGraph(tasks=[TaskSpec(task_id="0"), TaskSpec(task_id="1", upstream=["0"])])
    history = RunHistory(
        runs=[_run(state=state_before)], task_instances=[_ti("0", "success"), _ti("1", "failed")]
    )
    return plan_clear(graph, ClearRequest(reset_runs_to=reset), history=history)


def case_dr_state_queued(case: dict[str, Any]) -> None:
    (run,) = _dr_plan(case["inputs"]["dag_run_state_before"], "queued").runs
    assert run.state_after.value == case["expected"]["dag_run_state"]
    assert run.start_date == "reset"  # start_date and last_scheduling_decision -> NULL


def case_dr_state_running(case: dict[str, Any]) -> None:
    (run,) = _dr_plan(case["inputs"]["dag_run_state_before"], "running").runs
    assert run.state_after.value == case["expected"]["dag_run_state"]
    assert run.start_date == "now"


def case_dr_unfinished(case: dict[str, Any]) -> None:
    (run,) = _dr_plan(case["inputs"]["dag_run_state_before"], "queued").runs
    assert run.state_after.value == case["expected"]["dag_run_state"]
    assert run.start_date == "unchanged"
    assert run.clear_number_after == run.clear_number_before + 1


def case_dr_finished(case: dict[str, Any]) -> None:
    for before in ("success", "failed"):
        (run,) = _dr_plan(before, "queued").runs
        assert run.state_after.value == case["expected"]["dag_run_state"]
        assert run.start_date == "reset"


ALL_STATES = [None, *TaskState]


def case_ti_state_any(case: dict[str, Any]) -> None:
    states = [s for s in ALL_STATES if s is not TaskState.RUNNING]
    graph = TaskGraph(tasks=[TaskSpec(task_id=f"t{i}") for i in range(len(states))])
    history = RunHistory(
        runs=[_run()], task_instances=[_ti(f"t{i}", s) for i, s in enumerate(states)]
    )
    plan = plan_clear(graph, ClearRequest(), history=history)
    assert len(plan.task_instances) == len(states)
    assert {c.state_after for c in plan.task_instances} == {case["expected"]["ti_state_after"]}


def case_ti_state_running(case: dict[str, Any]) -> None:
    graph = TaskGraph(tasks=[TaskSpec(task_id="t", retries=3)])
    history = RunHistory(
        runs=[_run(state="running")], task_instances=[_ti("t", "running", max_tries=3)]
    )
    (change,) = plan_clear(graph, ClearRequest(), history=history).task_instances
    assert change.state_after.value == case["expected"]["ti_state_after"]
    assert (change.try_number, change.max_tries_after) == (1, 3)  # nothing else moves


def case_history_states(case: dict[str, Any]) -> None:
    # The archived TaskInstanceHistory row is the host's business; what we promise is
    # that every one of those states is selected and reset.
    states = case["inputs"]["ti_state_before"]
    graph = TaskGraph(tasks=[TaskSpec(task_id=f"t{i}") for i in range(len(states))])
    history = RunHistory(
        runs=[_run()], task_instances=[_ti(f"t{i}", s) for i, s in enumerate(states)]
    )
    plan = plan_clear(graph, ClearRequest(), history=history)
    assert len(plan.task_instances) == len(states)


def case_mapped(case: dict[str, Any]) -> None:
    graph = TaskGraph(
        tasks=[
            TaskSpec(task_id="make_arg_lists"),
            TaskSpec(task_id="t1", upstream=["make_arg_lists"]),
        ]
    )
    history = RunHistory(
        runs=[_run(), _run("r2", day=2)],
        task_instances=[
            _ti("make_arg_lists", "success"),
            _ti("t1", "success", map_index=0),
            _ti("t1", "success", map_index=1),
            _ti("make_arg_lists", "success", run_id="r2"),
        ],
    )
    request = ClearRequest(
        task_ids=[tuple(t) if isinstance(t, list) else t for t in case["inputs"]["task_ids"]],
        start=DAY,
        end=DAY + timedelta(days=1),
    )
    plan = plan_clear(graph, request, history=history)
    after = _after_states(plan, history)
    expected = case["expected"]
    assert after[("r1", "make_arg_lists", -1)] == expected["make_arg_lists"]
    assert after[("r1", "t1", 0)] == expected["t1[0]"]
    assert after[("r1", "t1", 1)].value == expected["t1[1]"]
    assert after[("r2", "make_arg_lists", -1)].value == "success"  # outside the bounds


def case_mark_success(case: dict[str, Any]) -> None:
    tis = case["inputs"]["tis"]
    graph = TaskGraph(
        tasks=[TaskSpec(task_id="task_1")]
        + [TaskSpec(task_id=t, upstream=["task_1"]) for t in tis if t != "task_1"]
    )
    history = RunHistory(
        runs=[_run(state=case["inputs"]["dag_run_state"])],
        task_instances=[_ti(t, s) for t, s in tis.items()],
    )
    plan = plan_mark(
        graph, MarkRequest(task_id="task_1", run_id="r1", state="success"), history=history
    )
    after = _after_states(plan, history)
    expected = case["expected"]
    assert {k[1]: (v.value if v else None) for k, v in after.items()} == expected["tis"]
    assert [k[1] for k in plan.altered] == expected["altered"]
    assert plan.runs[0].state_after.value == expected["dag_run_state"]


def case_mark_mapped_future(case: dict[str, Any]) -> None:
    graph = TaskGraph(
        tasks=[TaskSpec(task_id="t1"), TaskSpec(task_id="downstream", upstream=["t1"])]
    )
    runs = [_run("dr1", state="failed"), _run("dr2", state="failed", day=1)]
    tis = [
        _ti(task, "failed", run_id=run, map_index=index)
        for run in ("dr1", "dr2")
        for task, index in (("t1", 0), ("t1", 1), ("downstream", -1))
    ]
    history = RunHistory(runs=runs, task_instances=tis)
    request = MarkRequest(task_id="t1", run_id="dr1", map_indexes=[1], future=True, state="success")
    plan = plan_mark(graph, request, history=history, timetable=CronTrigger(cron="@daily"))
    after = _after_states(plan, history)
    for run in ("dr1", "dr2"):
        expected = case["expected"][run]
        assert after[(run, "t1", 0)].value == expected["t1[0]"]
        assert after[(run, "t1", 1)].value == expected["t1[1]"]
        assert after[(run, "downstream", -1)] == expected["downstream"]


SCENARIOS: dict[str, Callable[[dict[str, Any]], None]] = {
    "test_clear_task_instances": case_max_tries_task_known,
    "test_clear_task_instances_maybe_task_removed[delete_tasks=True]": case_max_tries_task_removed,
    "test_dags_clear[only_failed]": case_only_failed,
    "test_clear_task_instances_dr_state[queued]": case_dr_state_queued,
    "test_clear_task_instances_dr_state[running]": case_dr_state_running,
    "test_clear_task_instances_on_running_dr[queued]": case_dr_unfinished,
    "test_clear_task_instances_on_running_dr[running]": case_dr_unfinished,
    "test_clear_task_instances_on_finished_dr[success|failed]": case_dr_finished,
    "test_clear_dag": case_ti_state_any,
    "test_clear_dag[running]": case_ti_state_running,
    "test_task_instance_history_record": case_history_states,
    "test_clear_set_dagrun_state_for_mapped_task": case_mapped,
    "test_set_task_instance_state": case_mark_success,
    "test_set_task_instance_state_mapped": case_mark_mapped_future,
}


def _name(case: dict[str, Any]) -> str:
    return case["source_test"].rsplit("::", 1)[-1]


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_case(case: dict[str, Any]) -> None:
    SCENARIOS[_name(case)](case)


def test_every_case_has_a_scenario() -> None:
    assert len(CASES) == 14
    assert {_name(c) for c in CASES} == set(SCENARIOS)

"""plan_clear, plan_mark, plan_mark_run, plan_clear_recursive: options, errors, rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from timetable import CronTrigger, Never, Once
from timetable._clear import ClearRequest, RunHistory, plan_clear
from timetable._graph import TaskGraph, TaskSpec
from timetable._mark import MarkRequest, plan_mark, plan_mark_run
from timetable._records import RunRecord, RunState, TaskInstanceRecord, TaskState
from timetable._recursive import CrossDagMarker, plan_clear_recursive
from timetable._types import DataInterval
from timetable.errors import (
    DuplicateRunIdError,
    InvalidArgumentError,
    InvalidRecordError,
    InvalidRequestError,
    UnknownRunError,
    UnknownTaskError,
    WrongTypeError,
)

D0 = datetime(2024, 1, 1, tzinfo=UTC)


def run(i: int, state: str = "failed", *, dated: bool = True) -> RunRecord:
    at = D0 + timedelta(days=i)
    if not dated:
        return RunRecord(
            run_id=f"m{i}",
            run_type="manual",
            logical_date=None,
            data_interval=None,
            run_after=at,
            state=state,
        )
    return RunRecord(
        run_id=f"r{i}",
        run_type="scheduled",
        logical_date=at,
        data_interval=DataInterval(start=at, end=at),
        run_after=at,
        state=state,
    )


def ti(run_id: str, task_id: str, state: object = "failed", **kw: int) -> TaskInstanceRecord:
    return TaskInstanceRecord(run_id=run_id, task_id=task_id, state=state, try_number=1, **kw)


GRAPH = TaskGraph(
    tasks=[
        TaskSpec(task_id="extract", retries=1),
        TaskSpec(task_id="transform", upstream=["extract"]),
        TaskSpec(task_id="load", upstream=["transform"]),
        TaskSpec(task_id="report"),
    ]
)
RUNS = [run(0), run(1), run(2), run(3, dated=False)]
TASKS = ("extract", "transform", "load", "report")
HISTORY = RunHistory(runs=RUNS, task_instances=[ti(r.run_id, t) for r in RUNS for t in TASKS])


def selected(request: ClearRequest, history: RunHistory = HISTORY) -> set[tuple[str, str]]:
    plan = plan_clear(GRAPH, request, history=history)
    return {(r, t) for r, t, _ in plan.selected}


def test_every_task_every_run() -> None:
    assert len(selected(ClearRequest())) == 16


def test_run_id_and_relatives() -> None:
    assert selected(ClearRequest(task_ids=["transform"], run_id="r1")) == {("r1", "transform")}
    assert selected(ClearRequest(task_ids=["transform"], run_id="r1", upstream=True)) == {
        ("r1", "extract"),
        ("r1", "transform"),
    }
    assert selected(ClearRequest(task_ids=["transform"], run_id="r1", downstream=True)) == {
        ("r1", "transform"),
        ("r1", "load"),
    }


def test_past_future_and_both() -> None:
    past = selected(ClearRequest(task_ids=["load"], run_id="r1", past=True))
    assert past == {("r0", "load"), ("r1", "load")}
    future = selected(ClearRequest(task_ids=["load"], run_id="r1", future=True))
    assert future == {("r1", "load"), ("r2", "load")}
    both = selected(ClearRequest(task_ids=["load"], run_id="r1", past=True, future=True))
    assert both == {("r0", "load"), ("r1", "load"), ("r2", "load"), ("m3", "load")}


def test_date_bounds_are_inclusive_and_leave_out_undated_runs() -> None:
    got = selected(
        ClearRequest(task_ids=["load"], start=D0 + timedelta(days=1), end=D0 + timedelta(days=2))
    )
    assert got == {("r1", "load"), ("r2", "load")}
    assert ("m3", "load") not in selected(ClearRequest(task_ids=["load"], start=D0))


def test_patterns_substring_and_regex() -> None:
    assert {t for _, t in selected(ClearRequest(task_pattern="or"))} == {"transform", "report"}
    regex = ClearRequest(task_pattern="^(ex|lo)", pattern_syntax="regex")
    assert {t for _, t in selected(regex)} == {"extract", "load"}
    with pytest.raises(InvalidRequestError, match="task_pattern='\\('"):
        ClearRequest(task_pattern="(", pattern_syntax="regex")


def test_only_failed_only_running_and_exclusions() -> None:
    history = RunHistory(
        runs=[run(0)],
        task_instances=[
            ti("r0", "extract", "running"),
            ti("r0", "transform", "upstream_failed"),
            ti("r0", "load", "success"),
            ti("r0", "report", "failed"),
        ],
    )
    assert {t for _, t in selected(ClearRequest(only_failed=True), history)} == {
        "transform",
        "report",
    }
    assert {t for _, t in selected(ClearRequest(only_running=True), history)} == {"extract"}
    both = ClearRequest(only_failed=True, only_running=True, exclude_task_ids=["report"])
    assert {t for _, t in selected(both, history)} == {"extract", "transform"}
    assert selected(ClearRequest(exclude_run_ids=["r0"]), history) == set()


def test_state_changes_and_run_changes() -> None:
    history = RunHistory(
        runs=[run(0, "success"), run(1, "running")],
        task_instances=[
            TaskInstanceRecord(
                run_id="r0", task_id="extract", state="success", try_number=2, max_tries=1
            ),
            TaskInstanceRecord(
                run_id="r1", task_id="extract", state="running", try_number=1, max_tries=1
            ),
        ],
    )
    plan = plan_clear(GRAPH, ClearRequest(), history=history)
    a, b = plan.task_instances
    assert (a.state_after, a.try_number, a.max_tries_after) == (None, 2, 3)
    assert (b.state_after, b.max_tries_after) == (TaskState.RESTARTING, 1)
    r0, r1 = plan.runs
    assert (r0.state_after, r0.clear_number_after, r0.start_date) == (RunState.QUEUED, 1, "reset")
    assert (r1.state_after, r1.start_date) == (RunState.RUNNING, "unchanged")
    assert plan_clear(GRAPH, ClearRequest(reset_runs_to=None), history=history).runs == ()
    running = plan_clear(GRAPH, ClearRequest(reset_runs_to="running"), history=history)
    assert running.runs[0].start_date == "now"
    with pytest.raises(InvalidRequestError, match="prevent_running=True"):
        plan_clear(GRAPH, ClearRequest(prevent_running=True), history=history)


def test_reset_upstream_failed_descendants_beyond_airflow() -> None:
    history = RunHistory(
        runs=[run(0)],
        task_instances=[
            ti("r0", "extract", "failed"),
            ti("r0", "transform", "upstream_failed"),
            ti("r0", "load", "upstream_failed"),
        ],
    )
    plain = selected(ClearRequest(task_ids=["extract"], only_failed=True), history)
    assert plain == {("r0", "extract")}
    extra = ClearRequest(
        task_ids=["extract"], only_failed=True, reset_upstream_failed_descendants=True
    )
    assert selected(extra, history) == {("r0", "extract"), ("r0", "transform"), ("r0", "load")}


def test_mapped_selectors() -> None:
    history = RunHistory(
        runs=[run(0)],
        task_instances=[
            TaskInstanceRecord(run_id="r0", task_id="extract", map_index=i, state="failed")
            for i in range(3)
        ],
    )
    plan = plan_clear(GRAPH, ClearRequest(task_ids=[("extract", 1)]), history=history)
    assert plan.selected == (("r0", "extract", 1),)
    plan = plan_clear(GRAPH, ClearRequest(exclude_task_ids=[("extract", 0)]), history=history)
    assert plan.selected == (("r0", "extract", 1), ("r0", "extract", 2))


def test_bad_requests_are_typed_errors() -> None:
    with pytest.raises(UnknownTaskError, match="task_id='nope'"):
        plan_clear(GRAPH, ClearRequest(task_ids=["nope"]), history=HISTORY)
    with pytest.raises(UnknownRunError, match="run_id='nope'"):
        plan_clear(GRAPH, ClearRequest(run_id="nope"), history=HISTORY)
    with pytest.raises(InvalidRequestError, match=r"run_id='r1'.*not both"):
        ClearRequest(run_id="r1", start=D0)
    with pytest.raises(InvalidRequestError, match=r"run_id=.m3.: past/future need a run with a logical date"):
        plan_clear(GRAPH, ClearRequest(run_id="m3", past=True), history=HISTORY)
    with pytest.raises(InvalidRequestError, match="only_running"):
        ClearRequest.from_airflow_body({"only_failed": True, "only_running": True})
    with pytest.raises(InvalidRequestError, match="end_date"):
        ClearRequest.from_airflow_body(
            {"start_date": "2024-01-02T00:00:00Z", "end_date": "2024-01-01T00:00:00Z"}
        )
    with pytest.raises(InvalidArgumentError, match="reset_runs_to='success'"):
        ClearRequest(reset_runs_to="success")
    with pytest.raises(WrongTypeError):
        ClearRequest(task_ids="extract")


def test_records_naming_unknown_runs_or_tasks_are_errors() -> None:
    with pytest.raises(UnknownRunError, match="run_id='zz'"):
        RunHistory(runs=[run(0)], task_instances=[ti("zz", "extract")])
    with pytest.raises(InvalidRecordError, match="appears twice"):
        RunHistory(runs=[run(0)], task_instances=[ti("r0", "extract"), ti("r0", "extract")])
    with pytest.raises(DuplicateRunIdError):
        RunHistory(runs=[run(0), run(0)], task_instances=[])
    history = RunHistory(runs=[run(0)], task_instances=[ti("r0", "gone")])
    with pytest.raises(UnknownTaskError, match="task_id='gone'"):
        plan_clear(GRAPH, ClearRequest(), history=history)
    plan = plan_clear(GRAPH, ClearRequest(), history=history, unknown_tasks="removed")
    assert plan.task_instances[0].reasons[0] == "task removed from the graph"


def test_rendering() -> None:
    plan = plan_clear(
        GRAPH, ClearRequest(task_ids=["extract"], downstream=True, run_id="r0"), history=HISTORY
    )
    data = json.loads(plan.to_json())
    assert data["kind"] == "clear"
    assert data["version"] == 1
    assert data["state_counts"] == [{"before": "failed", "after": "none", "count": 3}]
    assert "downstream of extract" in plan.to_text()


# -- mark ------------------------------------------------------------------------------
def test_mark_relatives_and_downstream_excludes_teardowns() -> None:
    graph = TaskGraph(
        tasks=[
            TaskSpec(task_id="s", is_setup=True),
            TaskSpec(task_id="a", upstream=["s"]),
            TaskSpec(task_id="b", upstream=["a"]),
            TaskSpec(task_id="td", upstream=["s", "b"], is_teardown=True),
        ]
    )
    history = RunHistory(
        runs=[run(0)], task_instances=[ti("r0", t, "running") for t in ("s", "a", "b", "td")]
    )
    plan = plan_mark(
        graph,
        MarkRequest(task_id="a", run_id="r0", state="success", downstream=True),
        history=history,
    )
    assert [k[1] for k in plan.altered] == ["a", "b"]
    up = plan_mark(
        graph,
        MarkRequest(task_id="a", run_id="r0", state="success", upstream=True),
        history=history,
    )
    assert [k[1] for k in up.altered] == ["a", "s"]


def test_mark_already_in_state_is_an_empty_plan() -> None:
    history = RunHistory(
        runs=[run(0)], task_instances=[ti("r0", "extract", "success"), ti("r0", "load", "failed")]
    )
    plan = plan_mark(
        GRAPH, MarkRequest(task_id="extract", run_id="r0", state="success"), history=history
    )
    assert plan.altered == ()
    assert plan.task_instances == ()
    assert plan.runs == ()


def test_mark_past_future_through_the_grid() -> None:
    runs = [run(0), run(1), run(2)]
    off_grid = RunRecord(
        run_id="m",
        run_type="manual",
        logical_date=D0 + timedelta(hours=12),
        data_interval=None,
        run_after=D0 + timedelta(hours=12),
        state="failed",
    )
    history = RunHistory(
        runs=[*runs, off_grid], task_instances=[ti(r.run_id, "extract") for r in [*runs, off_grid]]
    )
    request = MarkRequest(task_id="extract", run_id="r0", state="success", future=True)
    plan = plan_mark(GRAPH, request, history=history, timetable=CronTrigger(cron="@daily"))
    assert [k[0] for k in plan.altered] == ["r0", "r1", "r2"]  # the off-grid manual run is left out
    never = plan_mark(GRAPH, request, history=history, timetable=Never())
    assert [k[0] for k in never.altered] == ["r0", "m", "r1", "r2"]
    once = plan_mark(GRAPH, request, history=history, timetable=Once())
    assert [k[0] for k in once.altered] == ["r0"]
    with pytest.raises(InvalidRequestError, match="timetable=None"):
        plan_mark(GRAPH, request, history=history)


def test_mark_errors() -> None:
    with pytest.raises(InvalidArgumentError, match="state='running'"):
        MarkRequest(task_id="a", run_id="r0", state="running")
    with pytest.raises(UnknownTaskError):
        plan_mark(GRAPH, MarkRequest(task_id="nope", run_id="r0", state="success"), history=HISTORY)


def test_mark_run_table_and_teardown_pending() -> None:
    graph = TaskGraph(
        tasks=[
            TaskSpec(task_id="s", is_setup=True),
            TaskSpec(task_id="a", upstream=["s"]),
            TaskSpec(task_id="b", upstream=["a"]),
            TaskSpec(task_id="td", upstream=["s", "b"], is_teardown=True),
        ]
    )
    tis = [
        ti("r0", "s", "success"),
        ti("r0", "a", "deferred"),
        ti("r0", "b", None),
        ti("r0", "td", "success"),
    ]
    history = RunHistory(runs=[run(0, "running")], task_instances=tis)
    plan = plan_mark_run(graph, run_id="r0", state="failed", history=history)
    assert {c.task_id: c.state_after for c in plan.task_instances} == {
        "a": TaskState.FAILED,
        "b": TaskState.SKIPPED,
    }
    assert plan.run_state_after is RunState.FAILED
    pending = RunHistory(runs=[run(0, "running")], task_instances=[*tis[:3], ti("r0", "td", None)])
    assert (
        plan_mark_run(graph, run_id="r0", state="success", history=pending).run_state_after
        is RunState.RUNNING
    )
    queued = plan_mark_run(graph, run_id="r0", state="queued", history=history)
    assert queued.task_instances == ()
    assert queued.runs[0].start_date == "reset"


# -- recursive ---------------------------------------------------------------------------
def _dag(*task_ids: str, chain: bool = True) -> tuple[TaskGraph, RunHistory]:
    specs = [
        TaskSpec(task_id=t, upstream=[task_ids[i - 1]] if chain and i else [])
        for i, t in enumerate(task_ids)
    ]
    return TaskGraph(tasks=specs), RunHistory(
        runs=[run(0, "success")], task_instances=[ti("r0", t, "success") for t in task_ids]
    )


def test_recursive_clear_follows_markers_and_reports_the_dag() -> None:
    dags = {"a": _dag("m"), "b": _dag("sensor", "load", "mb"), "c": _dag("x")}
    markers = [
        CrossDagMarker(dag_id="a", task_id="m", external_dag_id="b", external_task_id="sensor"),
        CrossDagMarker(dag_id="b", task_id="mb", external_dag_id="c", external_task_id="x"),
    ]
    plan = plan_clear_recursive(dags, "a", ClearRequest(), markers=markers)
    assert [d for d, _ in plan.plans] == ["a", "b", "c"]
    assert plan.depth == 2
    assert plan.plan_for("c").task_instances[0].reasons[-1] == "via marker b.mb (depth 2)"
    shallow = [
        markers[0],
        CrossDagMarker(dag_id="b", task_id="mb", external_dag_id="c", external_task_id="x"),
    ]
    limited = [
        CrossDagMarker(
            dag_id="a",
            task_id="m",
            external_dag_id="b",
            external_task_id="sensor",
            recursion_depth=1,
        ),
        shallow[1],
    ]
    with pytest.raises(InvalidRequestError, match="maximum recursion depth 1"):
        plan_clear_recursive(dags, "a", ClearRequest(), markers=limited)
    cyclic = [
        *markers,
        CrossDagMarker(dag_id="c", task_id="x", external_dag_id="a", external_task_id="m"),
    ]
    assert plan_clear_recursive(dags, "a", ClearRequest(), markers=cyclic).depth == 3
    with pytest.raises(UnknownTaskError):
        plan_clear_recursive(
            dags,
            "a",
            ClearRequest(),
            markers=[
                CrossDagMarker(
                    dag_id="a", task_id="m", external_dag_id="b", external_task_id="nope"
                )
            ],
        )

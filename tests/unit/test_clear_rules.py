"""Exact behaviour of ``ClearRequest`` and ``plan_clear`` at each rule (one row per rule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from timetable._clear import ClearRequest, RunHistory, plan_clear
from timetable._graph import TaskGraph, TaskSpec
from timetable._records import RunRecord, TaskInstanceRecord
from timetable._types import DataInterval
from timetable.errors import (
    InvalidArgumentError,
    InvalidRequestError,
    NaiveDatetimeError,
    TimetableError,
    UnknownTaskError,
    WrongTypeError,
)

D0 = datetime(2024, 1, 1, tzinfo=UTC)


def day(i: int) -> datetime:
    return D0 + timedelta(days=i)


def run(i: int, state: str = "failed", *, dated: bool = True, clear_number: int = 0) -> RunRecord:
    at = day(i)
    return RunRecord(
        run_id=f"r{i}" if dated else f"m{i}", run_type="scheduled" if dated else "manual",
        logical_date=at if dated else None,
        data_interval=DataInterval(start=at, end=at) if dated else None,
        run_after=at, state=state, clear_number=clear_number,
    )


def ti(run_id: str, task_id: str, state: object = "failed", *, try_number: int = 1,
       max_tries: int = 0, map_index: int = -1) -> TaskInstanceRecord:
    return TaskInstanceRecord(run_id=run_id, task_id=task_id, state=state,
                              try_number=try_number, max_tries=max_tries, map_index=map_index)


GRAPH = TaskGraph(tasks=[
    TaskSpec(task_id="extract", retries=2),
    TaskSpec(task_id="load", upstream=["extract"]),
])
RUNS = [run(0), run(1), run(2), run(3, dated=False)]
HISTORY = RunHistory(runs=RUNS, task_instances=[ti(r.run_id, "load") for r in RUNS])


def run_reasons(request: ClearRequest, history: RunHistory = HISTORY) -> dict[str, str]:
    plan = plan_clear(GRAPH, request, history=history)
    return {c.run_id: c.reasons[1] for c in plan.task_instances}


# -- the request --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "argument", "message"),
    [
        ({"task_pattern": ""}, WrongTypeError, "task_pattern",
         "task_pattern='': expected a non-empty string or None"),
        ({"run_id": 3}, WrongTypeError, "run_id", "run_id=3: expected a non-empty string or None"),
        ({"reset_runs_to": "success"}, InvalidArgumentError, "reset_runs_to",
         "reset_runs_to='success': expected 'queued', 'running' or None (leave runs alone)"),
        ({"reset_runs_to": "later"}, InvalidArgumentError, "reset_runs_to",
         "reset_runs_to='later': expected 'queued', 'running' or None (leave runs alone)"),
        ({"task_pattern": "x", "pattern_syntax": "glob"}, InvalidArgumentError, "pattern_syntax",
         "pattern_syntax='glob': expected 'substring' (Airflow 3) or 'regex' (Airflow 2)"),
        ({"run_id": "r1", "end": D0}, InvalidRequestError, "run_id",
         "run_id='r1': give either a run id or start/end logical-date bounds, not both "
         f"(start=None, end={D0.isoformat()!r})"),
        ({"run_id": "r1", "start": D0}, InvalidRequestError, "run_id",
         "run_id='r1': give either a run id or start/end logical-date bounds, not both "
         f"(start={D0.isoformat()!r}, end=None)"),
        ({"task_ids": ["load"], "task_pattern": "lo"}, InvalidRequestError, "task_pattern",
         "task_pattern='lo': give task_ids or task_pattern, not both"),
        ({"task_pattern": "(", "pattern_syntax": "regex"}, InvalidRequestError, "task_pattern",
         "task_pattern='(': not a valid regular expression (missing ), unterminated subpattern "
         "at position 0)"),
        ({"task_pattern": r"(a)\1", "pattern_syntax": "regex"}, InvalidRequestError,
         "task_pattern", r"task_pattern='(a)\\1': the escape \1 (at position 3) is not "
         "supported by the bounded matcher"),
    ],
)
def test_request_errors(kwargs: dict[str, Any], error: type[TimetableError], argument: str,
                        message: str) -> None:
    with pytest.raises(error) as info:
        ClearRequest(**kwargs)
    assert (str(info.value), info.value.argument) == (message, argument)


@pytest.mark.parametrize(("given", "stored"), [("queued", "queued"), ("running", "running"),
                                               (None, None)])
def test_reset_runs_to(given: str | None, stored: str | None) -> None:
    state = ClearRequest(reset_runs_to=given).reset_runs_to
    assert (None if state is None else state.value) == stored


def test_a_substring_pattern_is_not_compiled() -> None:
    assert ClearRequest(task_pattern="(").task_pattern == "("


# -- the REST body ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error", "argument", "message"),
    [
        ([], WrongTypeError, "body", "body=[]: expected a JSON object (a mapping)"),
        ({"dag_run_id": "r1", "colour": 1, "alpha": 2}, InvalidRequestError, "body",
         "body='alpha': unknown field"),
        # keys of mixed types are ordered by their repr, not compared
        ({2: 0, "zz": 1}, InvalidRequestError, "body", "body='zz': unknown field"),
        ({"only_failed": True, "only_running": True}, InvalidRequestError, "only_running",
         "only_failed=True, only_running=True: choose one"),
        ({"dag_run_id": "r1", "start_date": "2024-01-01T00:00:00+00:00"}, InvalidRequestError,
         "dag_run_id", "dag_run_id='r1': exactly one of dag_run_id or start_date may be given"),
        ({"start_date": "2024-01-02T00:00:00+00:00", "end_date": "2024-01-01T00:00:00+00:00"},
         InvalidRequestError, "end_date",
         "end_date='2024-01-01T00:00:00+00:00': must not be earlier than "
         "start_date='2024-01-02T00:00:00+00:00'"),
        ({"start_date": 20240101}, WrongTypeError, "start_date",
         "start_date=20240101: expected an ISO-8601 string"),
        ({"end_date": "yesterday"}, InvalidRequestError, "end_date",
         "end_date='yesterday': not an ISO-8601 datetime"),
        ({"end_date": "2024-01-01T00:00:00"}, NaiveDatetimeError, "end_date", None),
        ({"start_date": datetime(2024, 1, 1)}, NaiveDatetimeError, "start_date", None),
    ],
)
def test_body_errors(body: Any, error: type[TimetableError], argument: str,
                     message: str | None) -> None:
    with pytest.raises(error) as info:
        ClearRequest.from_airflow_body(body)
    assert info.value.argument == argument
    if message is not None:
        assert str(info.value) == message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"only_failed": True, "only_running": False, "reset_runs_to": "queued",
              "chain_relatives": False, "past": False, "future": False,
              "prevent_running": False, "upstream": False, "downstream": False}),
        ({"only_running": True}, {"only_failed": True, "only_running": True}),
        ({"only_failed": False, "reset_dag_runs": False, "prevent_running_task": True},
         {"only_failed": False, "reset_runs_to": None, "prevent_running": True}),
        ({"dag_run_id": "r1", "include_upstream": True, "include_downstream": True},
         {"chain_relatives": True, "upstream": True, "downstream": True, "run_id": "r1"}),
        ({"dag_run_id": "r1", "include_upstream": True}, {"chain_relatives": False}),
        ({"include_upstream": True, "include_downstream": True}, {"chain_relatives": False}),
        ({"include_past": True, "include_future": True, "dry_run": False, "note": "x",
          "run_on_latest_version": True}, {"past": True, "future": True}),
        ({"start_date": "2024-01-01T00:00:00+00:00", "end_date": "2024-01-01T00:00:00Z"},
         {"start": D0, "end": D0}),
        ({"start_date": D0}, {"start": D0, "end": None}),
        ({"task_ids": ["load", ["extract", 2]]}, {"task_ids": (("extract", 2), "load")}),
    ],
)
def test_body_defaults_and_fields(body: dict[str, Any], expected: dict[str, Any]) -> None:
    request = ClearRequest.from_airflow_body(body)
    got = {k: getattr(request, k) for k in expected}
    if "reset_runs_to" in got and got["reset_runs_to"] is not None:
        got["reset_runs_to"] = got["reset_runs_to"].value
    assert got == expected


# -- which runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reasons"),
    [
        ({}, {"r0": "every run", "r1": "every run", "r2": "every run", "m3": "every run"}),
        ({"run_id": "r1"}, {"r1": "run id"}),
        ({"run_id": "m3"}, {"m3": "run id"}),
        ({"run_id": "r1", "past": True}, {"r0": "past run", "r1": "run id"}),
        ({"run_id": "r1", "future": True}, {"r1": "run id", "r2": "future run"}),
        ({"run_id": "r1", "past": True, "future": True},
         {"r0": "past run", "r1": "run id", "r2": "future run", "m3": "every run"}),
        ({"start": day(1), "end": day(2)}, {"r1": "in date range", "r2": "in date range"}),
        ({"start": day(1)}, {"r1": "in date range", "r2": "in date range"}),
        ({"end": day(1)}, {"r0": "in date range", "r1": "in date range"}),
        ({"start": day(2), "end": day(1)}, {}),  # allowed, selects nothing (as dag.clear)
        # past drops the only bound: no date filter is left, undated runs are in too
        ({"start": day(1), "past": True},
         {"r0": "every run (past and future)", "r1": "every run (past and future)",
          "r2": "every run (past and future)", "m3": "every run (past and future)"}),
        ({"start": day(1), "end": day(1), "past": True},
         {"r0": "in date range", "r1": "in date range"}),
        ({"start": day(1), "end": day(1), "future": True},
         {"r1": "in date range", "r2": "in date range"}),
        ({"start": day(1), "past": True, "future": True},
         {"r0": "every run (past and future)", "r1": "every run (past and future)",
          "r2": "every run (past and future)", "m3": "every run (past and future)"}),
    ],
)
def test_run_selection_and_its_reason(kwargs: dict[str, Any], reasons: dict[str, str]) -> None:
    assert run_reasons(ClearRequest(task_ids=["load"], **kwargs)) == reasons


@pytest.mark.parametrize("flag", ["past", "future"])
def test_past_or_future_of_an_undated_run_is_refused(flag: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        plan_clear(GRAPH, ClearRequest(run_id="m3", **{flag: True}), history=HISTORY)
    assert (str(info.value), info.value.argument) == (
        "run_id='m3': past/future need a run with a logical date; this run has none "
        "(manual or asset-triggered)", "run_id")


# -- what changes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "state_after", "max_after"),
    [
        # a known task: try_number + its retries
        (ti("r0", "extract", "failed", try_number=3, max_tries=1), None, 5),
        (ti("r0", "extract", "success", try_number=1, max_tries=9), None, 3),
        (ti("r0", "load", "failed", try_number=2, max_tries=4), None, 2),
        # running: restarting, max_tries untouched
        (ti("r0", "extract", "running", try_number=3, max_tries=1), "restarting", 1),
        # a task no longer in the graph keeps what is left
        (ti("r0", "gone", "failed", try_number=3, max_tries=1), None, 3),
        (ti("r0", "gone", "failed", try_number=1, max_tries=4), None, 4),
    ],
)
def test_task_instance_change(record: TaskInstanceRecord, state_after: str | None,
                              max_after: int) -> None:
    history = RunHistory(runs=[run(0)], task_instances=[record])
    plan = plan_clear(GRAPH, ClearRequest(), history=history, unknown_tasks="removed")
    (change,) = plan.task_instances
    assert (None if change.state_after is None else change.state_after.value,
            change.max_tries_after, change.try_number, change.max_tries_before) == (
        state_after, max_after, record.try_number, record.max_tries)
    assert change.changed is (change.state_before != change.state_after
                              or record.max_tries != max_after)


@pytest.mark.parametrize(
    ("state", "reset_to", "after", "start_date"),
    [
        ("failed", "queued", "queued", "reset"),
        ("success", "queued", "queued", "reset"),
        ("success", "running", "running", "now"),
        ("running", "queued", "running", "unchanged"),
        ("queued", "running", "queued", "unchanged"),
    ],
)
def test_run_change(state: str, reset_to: str, after: str, start_date: str) -> None:
    history = RunHistory(runs=[run(0, state, clear_number=4)],
                         task_instances=[ti("r0", "load")])
    (change,) = plan_clear(GRAPH, ClearRequest(reset_runs_to=reset_to), history=history).runs
    assert (change.state_before.value, change.state_after.value, change.clear_number_before,
            change.clear_number_after, change.start_date, change.reason) == (
        state, after, 4, 5, start_date, "holds cleared task instances")


def test_runs_and_task_instances_come_in_run_order() -> None:
    runs = [run(2), run(0), run(5, dated=False), run(1)]
    history = RunHistory(runs=runs, task_instances=[
        ti(r.run_id, t) for r in reversed(runs) for t in ("load", "extract")])
    plan = plan_clear(GRAPH, ClearRequest(), history=history)
    assert [r.run_id for r in plan.runs] == ["r0", "r1", "r2", "m5"]
    assert [(c.run_id, c.task_id) for c in plan.task_instances][:3] == [
        ("r0", "extract"), ("r0", "load"), ("r1", "extract")]


def test_without_a_state_filter_there_are_two_reasons() -> None:
    plan = plan_clear(GRAPH, ClearRequest(task_ids=["load"], run_id="r1"), history=HISTORY)
    assert [c.reasons for c in plan.task_instances] == [("requested", "run id")]


def test_only_states_are_a_reason() -> None:
    history = RunHistory(runs=[run(0)], task_instances=[
        ti("r0", "extract", "running"), ti("r0", "load", "upstream_failed")])
    plan = plan_clear(GRAPH, ClearRequest(only_failed=True, only_running=True),
                      history=history)
    assert [c.reasons for c in plan.task_instances] == [
        ("all tasks", "every run", "only failed or running"),
        ("all tasks", "every run", "only failed or running"),
    ]
    plan = plan_clear(GRAPH, ClearRequest(only_running=True), history=history)
    assert [c.reasons for c in plan.task_instances] == [
        ("all tasks", "every run", "only running")]


@pytest.mark.parametrize(("map_index", "label"), [
    (-1, "task instance (run_id='r0', task_id='load')"),
    (0, "task instance (run_id='r0', task_id='load', map_index=0)"),
])
def test_a_running_instance_is_named_with_its_map_index(map_index: int, label: str) -> None:
    history = RunHistory(runs=[run(0)], task_instances=[
        ti("r0", "load", "running", map_index=map_index)])
    with pytest.raises(InvalidRequestError) as info:
        plan_clear(GRAPH, ClearRequest(prevent_running=True), history=history)
    assert str(info.value).startswith(f"prevent_running=True: {label} is running;")


def test_prevent_running_names_the_first_running_instance() -> None:
    history = RunHistory(runs=[run(1), run(0)], task_instances=[
        ti("r1", "extract", "running"), ti("r0", "load", "running", map_index=2),
        ti("r0", "extract", "failed")])
    with pytest.raises(InvalidRequestError) as info:
        plan_clear(GRAPH, ClearRequest(prevent_running=True), history=history)
    assert (str(info.value), info.value.argument) == (
        "prevent_running=True: task instance (run_id='r0', task_id='load', map_index=2) is "
        "running; let it finish or clear without prevent_running", "prevent_running")


# -- unknown tasks ------------------------------------------------------------------------------


def test_unknown_tasks_option() -> None:
    history = RunHistory(runs=[run(0)], task_instances=[ti("r0", "zeta"), ti("r0", "gone")])
    with pytest.raises(InvalidArgumentError) as info:
        plan_clear(GRAPH, ClearRequest(), history=history, unknown_tasks="ignore")  # type: ignore[arg-type]
    assert (str(info.value), info.value.argument) == (
        "unknown_tasks='ignore': expected 'error' or 'removed'", "unknown_tasks")
    with pytest.raises(UnknownTaskError) as err:
        plan_clear(GRAPH, ClearRequest(), history=history)
    assert (str(err.value), err.value.argument) == (
        "task_instances: task_id='gone' has task instances but is not in the graph "
        "(pass unknown_tasks='removed' to treat such tasks as removed from the DAG)",
        "task_instances")
    plan = plan_clear(GRAPH, ClearRequest(), history=history, unknown_tasks="removed")
    assert [(c.task_id, c.reasons[0]) for c in plan.task_instances] == [
        ("gone", "task removed from the graph"), ("zeta", "task removed from the graph")]


@pytest.mark.parametrize(
    ("tasks", "known"),
    [
        (2, "'t0', 't1'"),
        (8, "'t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'"),
        (9, "'t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', …"),
    ],
)
@pytest.mark.parametrize("argument", ["task_ids", "exclude_task_ids"])
def test_an_unknown_task_lists_the_known_ones(tasks: int, known: str, argument: str) -> None:
    graph = TaskGraph(tasks=[TaskSpec(task_id=f"t{i}") for i in range(tasks)])
    history = RunHistory(runs=[run(0)], task_instances=[ti("r0", "t0")])
    with pytest.raises(UnknownTaskError) as info:
        plan_clear(graph, ClearRequest(**{argument: ["nope"]}), history=history)
    assert (str(info.value), info.value.argument) == (
        f"{argument}: task_id='nope' is not in the graph (known: {known})", argument)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("graph", [], "graph=[]: expected a TaskGraph"),
        ("request", {}, "request={}: expected a ClearRequest"),
        ("history", (), "history=(): expected a RunHistory"),
    ],
)
def test_wrong_types(name: str, value: Any, message: str) -> None:
    kwargs: dict[str, Any] = {"graph": GRAPH, "request": ClearRequest(), "history": HISTORY,
                              name: value}
    with pytest.raises(WrongTypeError) as info:
        plan_clear(kwargs["graph"], kwargs["request"], history=kwargs["history"])
    assert (str(info.value), info.value.argument) == (message, name)

"""Clear and mark plans agree with Airflow 3.3.2 running against a real database.

Every ``clear`` and ``mark`` case of ``tests/data/airflow_db_golden.jsonl`` (see
``DB_README.md`` in the shared golden folder for the schema): the DAG, runs and task
instances are turned into our records, the request into ours, and the plan is compared
with what Airflow changed in its database -- selected/altered task instances as sets,
every TI change (state, try_number, max_tries after), every run change (state,
clear_number, start_date), and error classes mapped to ours.

Deliberate deviations are listed in ``DEVIATIONS`` with the reason; each is asserted to
still differ, so the list cannot go stale.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from timetable import airflow
from timetable._clear import ClearPlan, ClearRequest, RunHistory, plan_clear
from timetable._graph import TaskGraph, TaskSpec
from timetable._mark import MarkRequest, plan_mark, plan_mark_run
from timetable._records import RunRecord, TaskInstanceRecord
from timetable._types import DataInterval
from timetable.errors import InvalidRequestError, TimetableError, UnknownRunError, UnknownTaskError

DATA = Path(__file__).parent.parent / "data" / "airflow_db_golden.jsonl"

#: case id -> why we answer differently (each one an Airflow bug).
DEVIATIONS: dict[str, str] = {
    "hp-clear-0018": (
        "Airflow's body validator compares start_date/end_date as raw strings (mode='before'), "
        "so 05:00+05:00 vs 01:00+00:00 is refused although the instants are in order; "
        "we compare instants and clear"
    ),
}


def _load() -> list[dict[str, Any]]:
    cases = []
    with DATA.open(encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            if case["kind"] in ("clear", "mark"):
                cases.append(case)
    return cases


CASES = _load()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def graph_of(case: dict[str, Any]) -> TaskGraph:
    return TaskGraph(
        tasks=[
            TaskSpec(
                task_id=t["task_id"],
                upstream=t["upstream"],
                retries=t["retries"],
                depends_on_past=t["depends_on_past"],
                wait_for_downstream=t["wait_for_downstream"],
                ignore_first_depends_on_past=t["ignore_first_depends_on_past"],
                is_setup=t["is_setup"],
                is_teardown=t["is_teardown"],
            )
            for t in case["dag"]["tasks"]
        ]
    )


def history_of(case: dict[str, Any]) -> RunHistory:
    runs = []
    for r in case["runs"]:
        start, end = _dt(r["data_interval_start"]), _dt(r["data_interval_end"])
        runs.append(
            RunRecord(
                run_id=r["run_id"],
                run_type=r["run_type"],
                logical_date=_dt(r["logical_date"]),
                data_interval=None
                if start is None or end is None
                else DataInterval(start=start, end=end),
                run_after=_dt(r["run_after"]),
                state=r["state"],
            )
        )
    tis = [
        TaskInstanceRecord(
            run_id=t["run_id"],
            task_id=t["task_id"],
            map_index=t["map_index"],
            state=t["state"],
            try_number=t["try_number"],
            max_tries=t["max_tries"],
        )
        for t in case["task_instances"]
    ]
    return RunHistory(runs=runs, task_instances=tis)


def _error_class(expected: dict[str, Any]) -> type[TimetableError]:
    """Airflow's answer mapped to our error class."""
    name, status = expected["error"], expected.get("status_code")
    if name == "ValidationError":
        return InvalidRequestError
    if status == 404:
        return UnknownRunError if "Dag Run" in expected["message"] else UnknownTaskError
    return InvalidRequestError


def _ti_changes(changes: Any) -> dict[tuple[str, str, int], tuple[Any, int, int]]:
    out = {}
    for c in changes:
        if c.changed:
            out[c.key] = (
                None if c.state_after is None else c.state_after.value,
                c.try_number,
                c.max_tries_after,
            )
    return out


def _expected_ti_changes(
    expected: dict[str, Any],
) -> dict[tuple[str, str, int], tuple[Any, int, int]]:
    return {
        (c["run_id"], c["task_id"], c["map_index"]): (
            c["after"]["state"],
            c["after"]["try_number"],
            c["after"]["max_tries"],
        )
        for c in expected["ti_changes"]
    }


def _run_changes(runs: Any) -> dict[str, tuple[str, int, str]]:
    out = {}
    for r in runs:
        if (r.state_before, r.clear_number_before, r.start_date) != (
            r.state_after,
            r.clear_number_after,
            "unchanged",
        ):
            out[r.run_id] = (r.state_after.value, r.clear_number_after, r.start_date)
    return out


def _expected_run_changes(case: dict[str, Any]) -> dict[str, tuple[str, int, str]]:
    out = {}
    now = case["now"]
    for c in case["expected"]["run_changes"]:
        after, before = c["after"], c["before"]
        if after["start_date"] == before["start_date"]:
            start = "unchanged"
        elif after["start_date"] is None:
            start = "reset"
        else:
            assert _dt(after["start_date"]) == _dt(now)
            start = "now"
        out[c["run_id"]] = (after["state"], after["clear_number"], start)
    return out


def _clear_request(case: dict[str, Any]) -> ClearRequest:
    inputs = case["inputs"]
    if case["variant"] == "rest":
        return ClearRequest.from_airflow_body(inputs["body"])
    state = inputs["dag_run_state"]
    return ClearRequest(
        task_ids=inputs["task_ids"],
        run_id=inputs["run_id"],
        start=_dt(inputs["start_date"]),
        end=_dt(inputs["end_date"]),
        only_failed=inputs["only_failed"],
        only_running=inputs["only_running"],
        exclude_task_ids=inputs["exclude_task_ids"],
        exclude_run_ids=inputs["exclude_run_ids"],
        reset_runs_to=state if state else None,
    )


def run_case(case: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Our answer to *case*: (plan-or-error, comparable summary)."""
    graph, history = graph_of(case), history_of(case)
    try:
        if case["kind"] == "clear":
            plan: Any = plan_clear(graph, _clear_request(case), history=history)
            return plan, {
                "selected": sorted(plan.selected),
                "ti_changes": _ti_changes(plan.task_instances),
                "run_changes": _run_changes(plan.runs),
            }
        inputs = case["inputs"]
        if case["variant"] == "dag_run":
            plan = plan_mark_run(
                graph, run_id=inputs["dag_run_id"], state=inputs["state"], history=history
            )
            return plan, {
                "run_state": plan.run_state_after.value,
                "ti_changes": _ti_changes(plan.task_instances),
                "run_changes": _run_changes(plan.runs),
            }
        body = inputs["body"]
        request = MarkRequest(
            task_id=inputs["task_id"],
            run_id=inputs["dag_run_id"],
            state=body["new_state"],
            upstream=body.get("include_upstream", False),
            downstream=body.get("include_downstream", False),
            past=body.get("include_past", False),
            future=body.get("include_future", False),
        )
        timetable = airflow.from_serialized(case["dag"]["timetable"])
        plan = plan_mark(graph, request, history=history, timetable=timetable)
        return plan, {
            "altered": sorted(plan.altered),
            "ti_changes": _ti_changes(plan.task_instances),
            "run_changes": _run_changes(plan.runs),
        }
    except TimetableError as err:
        return err, {"error": type(err)}


def expected_summary(case: dict[str, Any]) -> dict[str, Any]:
    expected = case["expected"]
    if "error" in expected:
        if case["kind"] == "mark" and expected.get("status_code") == 409:
            # "already in <state> state": nothing was marked, Airflow rolled back.
            return {"altered": [], "ti_changes": {}, "run_changes": {}}
        return {"error": _error_class(expected)}
    summary: dict[str, Any] = {
        "ti_changes": _expected_ti_changes(expected),
        "run_changes": _expected_run_changes(case),
    }
    if case["kind"] == "clear":
        summary["selected"] = sorted(tuple(s) for s in expected["selected"])
    elif case["variant"] == "dag_run":
        summary["run_state"] = expected["run_state"]
    else:
        summary["altered"] = sorted(tuple(s) for s in expected["altered"])
    return summary


def _agrees(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    if "error" in theirs or "error" in ours:
        return "error" in theirs and "error" in ours and issubclass(ours["error"], theirs["error"])
    return ours == theirs


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_db_case(case: dict[str, Any]) -> None:
    plan, ours = run_case(case)
    theirs = expected_summary(case)
    if case["id"] in DEVIATIONS:
        assert not _agrees(ours, theirs), f"{case['id']} now agrees; drop it from DEVIATIONS"
        return
    if "error" in theirs or "error" in ours:
        assert _agrees(ours, theirs), (ours, theirs, plan)
        return
    assert ours == theirs, plan.to_text() if isinstance(plan, ClearPlan) else plan


def test_case_counts() -> None:
    kinds = {(c["kind"], c["variant"]) for c in CASES}
    assert kinds == {
        ("clear", "rest"),
        ("clear", "dag_clear"),
        ("mark", "task_instance"),
        ("mark", "dag_run"),
    }
    assert len(CASES) == 182 + 69 + 114 + 55

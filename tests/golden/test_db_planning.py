"""Backfill, depends_on_past and LatestOnly against Airflow 3.3.2 running on a real DB.

Every case of ``tests/data/airflow_db_golden.jsonl`` of those kinds (see
``DB_README.md``): the DB state before the operation becomes a run history, the
DAG's serialized timetable goes through :func:`timetable.airflow.from_serialized`,
and the plan or verdict must agree with what Airflow did to its database.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from timetable import DataInterval, RunRecord
from timetable import errors as E
from timetable._backfill import BackfillRequest, plan_backfill
from timetable._decisions import check_depends_on_past, is_latest_run
from timetable._planning import Action
from timetable.airflow import from_serialized

DATA = Path(__file__).resolve().parent.parent / "data" / "airflow_db_golden.jsonl"


def _load() -> list[dict[str, Any]]:
    with DATA.open(encoding="utf-8") as fh:
        cases = [json.loads(line) for line in fh if line.strip()]
    return [c for c in cases if c["kind"] in ("backfill", "depends_on_past", "latest_only")]


CASES = _load()
BACKFILL = [c for c in CASES if c["kind"] == "backfill"]
DEPENDS = [c for c in CASES if c["kind"] == "depends_on_past"]
LATEST = [c for c in CASES if c["kind"] == "latest_only"]

ERRORS: dict[str, type[E.TimetableError]] = {
    "DagNonPeriodicScheduleException": E.NonPeriodicTimetableError,
    "DagRunTypeNotAllowed": E.RunTypeNotAllowedError,
    "AlreadyRunningBackfill": E.BackfillAlreadyRunningError,
    "InvalidBackfillDateRange": E.InvalidBackfillRangeError,
    "InvalidBackfillDate": E.BackfillInFutureError,
    "InvalidBackfillDirection": E.InvalidBackfillDirectionError,
    "InvalidReprocessBehavior": E.InvalidReprocessBehaviorError,
    "NoBackfillRunsToCreate": E.NoBackfillRunsError,
}
ACTIONS = {"created": Action.CREATE, "reprocessed": Action.REPROCESS, "skipped": Action.SKIP}


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def record(run: dict[str, Any]) -> RunRecord:
    start, end = dt(run["data_interval_start"]), dt(run["data_interval_end"])
    return RunRecord(
        run_id=run["run_id"],
        run_type=run["run_type"],
        logical_date=dt(run["logical_date"]),
        data_interval=None if start is None or end is None else DataInterval(start=start, end=end),
        run_after=datetime.fromisoformat(run["run_after"]),
        state=run["state"],
    )


def history(case: dict[str, Any]) -> list[RunRecord]:
    return [record(r) for r in case["runs"]]


def timetable_of(case: dict[str, Any]) -> Any:
    return from_serialized(case["dag"]["timetable"])


def test_counts() -> None:
    assert (len(BACKFILL), len(DEPENDS), len(LATEST)) == (218, 249, 167)


# -- backfill ------------------------------------------------------------------------------------


def _plan(case: dict[str, Any], *, dry_run: bool) -> Any:
    inputs, dag = case["inputs"], case["dag"]
    request = BackfillRequest(
        from_date=datetime.fromisoformat(inputs["from_date"]),
        to_date=datetime.fromisoformat(inputs["to_date"]),
        run_backwards=inputs["run_backwards"],
        # the dry run is given "none" when the request omits it (REST body default)
        reprocess_behavior=inputs["reprocess_behavior"] or ("none" if dry_run else None),
        max_active_runs=inputs["max_active_runs"],
    )
    return plan_backfill(
        timetable_of(case),
        request,
        runs=history(case),
        now=datetime.fromisoformat(case["now"]),
        depends_on_past=any(t["depends_on_past"] for t in dag["tasks"]),
        allowed_run_types=dag["allowed_run_types"],
        backfill_running=any(not b["completed"] for b in case["backfills"]),
        dry_run=dry_run,
    )


@pytest.mark.parametrize("case", BACKFILL, ids=[c["id"] for c in BACKFILL])
def test_backfill_dry_run(case: dict[str, Any]) -> None:
    expected = case["expected"]["dry_run"]
    if "error" in expected:
        with pytest.raises(ERRORS[expected["error"]]):
            _plan(case, dry_run=True)
        return
    plan = _plan(case, dry_run=True)
    assert list(plan.logical_dates) == [dt(d) for d in expected["logical_dates"]]


@pytest.mark.parametrize("case", BACKFILL, ids=[c["id"] for c in BACKFILL])
def test_backfill_create(case: dict[str, Any]) -> None:
    expected = case["expected"]["create"]
    if "error" in expected:
        with pytest.raises(ERRORS[expected["error"]]):
            _plan(case, dry_run=False)
        return
    plan = _plan(case, dry_run=False)
    got = [
        (e.sort_ordinal, e.run_info.logical_date, e.action,
         e.reason.value if e.action is Action.SKIP else None,
         e.run_id if e.action is not Action.SKIP else None)
        for e in plan
    ]
    want = [
        (b["sort_ordinal"], dt(b["logical_date"]), ACTIONS[b["action"]], b["exception_reason"],
         b["run_id"])
        for b in expected["backfill_dag_runs"]
    ]
    assert got == want
    created = {e.run_info.logical_date: e for e in plan if e.action is Action.CREATE}
    assert set(created) == {dt(r["logical_date"]) for r in expected["created_runs"]}
    for run in expected["created_runs"]:
        entry = created[dt(run["logical_date"])]
        assert entry.run_info.data_interval == DataInterval(
            start=dt(run["data_interval_start"]), end=dt(run["data_interval_end"])
        )
        assert entry.run_info.run_after == dt(run["run_after"])
        assert entry.run_id == run["run_id"]
    # the runs the backfill starts come in waves of max_active_runs, in ordinal order
    started = [e.sort_ordinal for e in plan if e.action is not Action.SKIP]
    assert [o for wave in plan.waves() for o in wave] == started
    assert all(len(w) <= plan.request.max_active_runs for w in plan.waves())


# -- depends_on_past -----------------------------------------------------------------------------


@attrs.frozen
class _Task:
    task_id: str
    depends_on_past: bool
    wait_for_downstream: bool
    ignore_first_depends_on_past: bool


def _depends(case: dict[str, Any]) -> Any:
    from timetable import TaskInstanceRecord

    dag, inputs = case["dag"], case["inputs"]
    tasks = {t["task_id"]: t for t in dag["tasks"]}
    spec = tasks[inputs["task_id"]]
    dag_start = datetime.fromisoformat(dag["start_date"])
    own_start = dt(spec["start_date"])
    run = next(r for r in case["runs"] if r["run_id"] == inputs["run_id"])
    ctx = inputs["dep_context"]
    return check_depends_on_past(
        _Task(
            task_id=spec["task_id"],
            depends_on_past=spec["depends_on_past"],
            wait_for_downstream=spec["wait_for_downstream"],
            ignore_first_depends_on_past=spec["ignore_first_depends_on_past"],
        ),
        run_id=inputs["run_id"],
        runs=history(case),
        task_instances=[
            TaskInstanceRecord(
                run_id=ti["run_id"],
                task_id=ti["task_id"],
                map_index=ti["map_index"],
                state=ti["state"],
                try_number=ti["try_number"],
                max_tries=ti["max_tries"],
            )
            for ti in case["task_instances"]
        ],
        catchup=dag["catchup"],
        downstream_task_ids=[t for t, s in tasks.items() if spec["task_id"] in s["upstream"]],
        task_start_date=dag_start if own_start is None else max(own_start, dag_start),
        backfill_sort_ordinal=None if run["backfill"] is None else run["backfill"]["sort_ordinal"],
        ignore_depends_on_past=ctx["ignore_depends_on_past"],
        ignore_task_deps=ctx["ignore_task_deps"],
        ignore_all_deps=ctx["ignore_all_deps"],
    )


@pytest.mark.parametrize("case", DEPENDS, ids=[c["id"] for c in DEPENDS])
def test_depends_on_past(case: dict[str, Any]) -> None:
    expected = case["expected"]
    verdict = _depends(case)
    assert (verdict.passed, verdict.rule.value, verdict.previous_run_id) == (
        expected["passed"],
        expected["rule"],
        expected["previous_run_id"],
    )


# -- LatestOnly ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", LATEST, ids=[c["id"] for c in LATEST])
def test_latest_only(case: dict[str, Any]) -> None:
    expected = case["expected"]
    decision = is_latest_run(
        timetable_of(case),
        record(case["inputs"]["dag_run"]),
        now=datetime.fromisoformat(case["now"]),
    )
    assert decision.is_latest == expected["is_latest"]
    assert decision.reason == expected["reason"]
    want_window = expected["window"]
    assert decision.window == (None if want_window is None else tuple(dt(w) for w in want_window))
    task_id = case["inputs"]["task_id"]
    direct = sorted(t["task_id"] for t in case["dag"]["tasks"] if task_id in t["upstream"])
    assert ([] if decision else direct) == sorted(expected["skip_downstream"])

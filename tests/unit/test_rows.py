"""Rows in, everywhere: records, mappings and sqlite3.Row through one mapping layer."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

import timetable as tt
from timetable import errors as E
from timetable._rows import RUN_COLUMNS, TASK_INSTANCE_COLUMNS

DAILY = tt.CronDataIntervals(cron="@daily")
D1 = "2024-01-01T00:00:00+00:00"
D2 = "2024-01-02T00:00:00+00:00"
D3 = "2024-01-03T00:00:00+00:00"


def run_row(**over: Any) -> dict[str, Any]:
    row = {"dag_id": "etl", "run_id": "scheduled__" + D2, "run_type": "scheduled",
           "logical_date": D1, "data_interval_start": D1, "data_interval_end": D2,
           "run_after": D2, "state": "failed", "conf": None, "clear_number": 0,
           "queued_at": D2, "start_date": None}
    row.update(over)
    return row


def ti_row(**over: Any) -> dict[str, Any]:
    row = {"dag_id": "etl", "run_id": "scheduled__" + D2, "task_id": "a", "map_index": -1,
           "state": "failed", "try_number": 1, "max_tries": 0, "hostname": "h"}
    row.update(over)
    return row


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(":memory:")
    con.row_factory = sqlite3.Row
    run = run_row()
    con.execute(f"CREATE TABLE dag_run ({', '.join(run)})")
    con.execute(f"INSERT INTO dag_run VALUES ({', '.join('?' * len(run))})", list(run.values()))
    ti = ti_row()
    con.execute(f"CREATE TABLE task_instance ({', '.join(ti)})")
    for row in (ti, ti_row(task_id="b", state="upstream_failed", try_number=0)):
        con.execute(f"INSERT INTO task_instance VALUES ({', '.join('?' * len(row))})",
                    list(row.values()))
    yield con
    con.close()


def test_sqlite_rows_feed_every_records_api(db: sqlite3.Connection) -> None:
    runs = db.execute("SELECT * FROM dag_run").fetchall()
    tis = db.execute("SELECT * FROM task_instance").fetchall()
    expected = tt.RunRecord(
        run_id="scheduled__" + D2, run_type="scheduled",
        logical_date=datetime(2024, 1, 1, tzinfo=UTC),
        data_interval=tt.DataInterval(start=datetime(2024, 1, 1, tzinfo=UTC),
                                      end=datetime(2024, 1, 2, tzinfo=UTC)),
        run_after=datetime(2024, 1, 2, tzinfo=UTC), state="failed",
    )
    assert tt.validate_history(runs).runs == (expected,)
    history = tt.RunHistory(runs=runs, task_instances=tis)
    assert history.task_ids == frozenset({"a", "b"})
    graph = tt.TaskGraph(tasks=[tt.TaskSpec(task_id="a"), tt.TaskSpec(task_id="b", upstream=["a"])])
    plan = tt.plan_clear(graph, tt.ClearRequest(only_failed=True), history=history)
    assert len(plan.changeset().task_instances_to_update) == 2
    now = datetime(2024, 1, 3, 1, tzinfo=UTC)
    restriction = tt.TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=UTC), catchup=True)
    assert tt.plan_catchup(DAILY, runs=runs, restriction=restriction, now=now).create_count == 1
    gaps = tt.find_gaps(DAILY, runs=runs, start=datetime(2024, 1, 1, tzinfo=UTC),
                        end=datetime(2024, 1, 2, tzinfo=UTC), now=now, include_failed=True)
    assert gaps.failed == 1
    assert tt.is_latest_run(DAILY, runs[0], now=now).is_latest is False
    assert tt.template_dates(runs[0], runs=runs)["ds"] == "2024-01-01"

    @attrs.frozen
    class Task:
        task_id: str = "a"
        depends_on_past: bool = True
        wait_for_downstream: bool = False
        ignore_first_depends_on_past: bool = True

    verdict = tt.check_depends_on_past(Task(), run_id="scheduled__" + D2, runs=runs,
                                       task_instances=tis, catchup=True)
    assert verdict.passed


def test_dict_task_instances_and_run_history_as_runs() -> None:
    history = tt.RunHistory(runs=[run_row()], task_instances=[ti_row()])
    assert history.task_instances == (
        tt.TaskInstanceRecord(run_id="scheduled__" + D2, task_id="a", state="failed",
                              try_number=1),
    )
    assert tt.validate_history(history) is history.runs


def test_nested_and_flat_intervals_agree() -> None:
    nested = run_row(data_interval={"start": D1, "end": D2})
    del nested["data_interval_start"], nested["data_interval_end"]
    assert tt.validate_history([nested]).runs == tt.validate_history([run_row()]).runs
    with pytest.raises(E.InvalidRecordError, match="disagree"):
        tt.validate_history([run_row(data_interval={"start": D1, "end": D3})])


def test_airflow2_execution_date_alias_and_conf_text() -> None:
    row = run_row(conf='{"x": 1}')
    row["execution_date"] = row.pop("logical_date")
    (run,) = tt.validate_history([row]).runs
    assert run.logical_date == datetime(2024, 1, 1, tzinfo=UTC)
    assert run.conf == {"x": 1}


@pytest.mark.parametrize(
    ("row", "error", "message"),
    [
        (run_row(state="sucess"), E.InvalidRecordError,
         r"^runs\[1\] \(run_id='scheduled__2024-01-02T00:00:00\+00:00'\): state='sucess'"),
        (run_row(logical_date="2024-01-01T00:00:00"), E.NaiveDatetimeError,
         r"^runs\[1\] \(run_id=.*\): logical_date='2024-01-01T00:00:00'"),
        (run_row(run_after="yesterday"), E.InvalidRecordError, r"run_after='yesterday'"),
        ({k: v for k, v in run_row().items() if k != "run_type"}, E.InvalidRecordError,
         r"^runs\[1\] \(run_id=.*\): run_type: missing column"),
        ({**{k: v for k, v in run_row().items() if k != "logical_date"}, "logical_dat": D1},
         E.InvalidRecordError, r"logical_dat: unknown column; did you mean 'logical_date'"),
        (run_row(data_interval_end=None), E.InvalidRecordError, "data_interval_end=None"),
        (run_row(conf="[1, 2]"), E.WrongTypeError, r"conf=\[1, 2\]"),
        (ti_row(), E.InvalidRecordError, "looks like a task instance row"),
        (42, E.WrongTypeError, r"^runs\[1\]=42"),
        (tt.TaskInstanceRecord(run_id="r", task_id="t"), E.WrongTypeError, "TaskInstanceRecord"),
    ],
)
def test_a_bad_run_row_names_index_run_field_and_value(
    row: Any, error: type[Exception], message: str
) -> None:
    good = run_row(run_id="other", logical_date=D2, data_interval_start=D2,
                   data_interval_end=D3, run_after=D3)
    with pytest.raises(error, match=message):
        tt.validate_history([good, row])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (ti_row(state="bogus"), r"task_instances\[0\] \(run_id=.*, task_id='a'\): state='bogus'"),
        (ti_row(map_index=-2), r"task_id='a', map_index=-2\): map_index=-2"),
        ({k: v for k, v in ti_row().items() if k != "task_id"}, "task_id: missing column"),
        ({**{k: v for k, v in ti_row().items() if k != "try_number"}, "try_numbr": 2},
         "did you mean 'try_number'"),
        (ti_row(run_id="missing"), "names run_id='missing'"),
    ],
)
def test_a_bad_task_instance_row_names_it(row: Any, message: str) -> None:
    with pytest.raises(E.InvalidArgumentError, match=message):
        tt.RunHistory(runs=[run_row()], task_instances=[row])


def test_records_and_rows_may_be_mixed() -> None:
    (record,) = tt.validate_history([run_row()]).runs
    other = run_row(run_id="r2", logical_date=D2, data_interval_start=D2,
                    data_interval_end=D3, run_after=D3)
    assert len(tt.validate_history([record, other])) == 2


def test_column_table_lists_what_the_docs_say() -> None:
    page = (Path(__file__).parents[2] / "docs/concepts/host.md").read_text(encoding="utf-8")
    for names in [*RUN_COLUMNS.values(), *TASK_INSTANCE_COLUMNS.values()]:
        for name in names:
            assert f"`{name}`" in page, name

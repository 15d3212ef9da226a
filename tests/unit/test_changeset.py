"""The host contract: changesets out of every plan, applied with optimistic concurrency."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

import timetable as tt
from timetable import errors as E

DAILY = tt.CronDataIntervals(cron="@daily")


def day(d: int, h: int = 0) -> datetime:
    return datetime(2024, 1, d, h, tzinfo=UTC)


def sched(start: datetime, state: str = "success", clear_number: int = 0) -> tt.RunRecord:
    end = start + timedelta(days=1)
    return tt.RunRecord(
        run_id=f"scheduled__{start.isoformat()}", run_type="scheduled", logical_date=start,
        data_interval=tt.DataInterval(start=start, end=end), run_after=end, state=state,
        clear_number=clear_number,
    )


RESTRICT = tt.TimeRestriction(earliest=day(1), catchup=True)


def test_catchup_changeset_inserts_complete_rows() -> None:
    plan = tt.plan_catchup(DAILY, runs=[sched(day(1))], restriction=RESTRICT, now=day(4, 6))
    cs = plan.changeset()
    assert [r.logical_date for r in cs.runs_to_insert] == [day(2), day(3)]
    row = cs.runs_to_insert[0].as_row()
    assert row == {
        "run_id": "scheduled__2024-01-03T00:00:00+00:00",
        "run_type": "scheduled",
        "logical_date": day(2),
        "data_interval_start": day(2),
        "data_interval_end": day(3),
        "run_after": day(3),
        "state": "queued",
        "conf": None,
        "clear_number": 0,
        "triggered_by": "timetable",
    }
    assert cs.runs_to_update == ()
    assert cs.task_instances_to_update == ()
    assert len(cs) == 2
    assert cs
    assert not cs.is_empty
    # every created entry has its record
    assert [e.to_record() for e in plan if e.action is tt.Action.CREATE] == [
        r.to_record() for r in cs.runs_to_insert
    ]


def test_catchup_apply_then_replan_is_empty() -> None:
    runs = [sched(day(1))]
    plan = tt.plan_catchup(DAILY, runs=runs, restriction=RESTRICT, now=day(9, 1))
    new_runs, _ = tt.apply_changeset(plan.changeset(), runs=runs)
    assert len(new_runs) == 8
    again = tt.plan_catchup(DAILY, runs=new_runs, restriction=RESTRICT, now=day(9, 1))
    assert not again.changeset()


def test_skip_entry_has_no_record() -> None:
    manual = tt.RunRecord(run_id="manual__2", run_type="manual", logical_date=day(2),
                          data_interval=None, run_after=day(2), state="success")
    plan = tt.plan_catchup(DAILY, runs=[sched(day(1)), manual], restriction=RESTRICT,
                           now=day(4, 1))
    with pytest.raises(E.InvalidRequestError, match="action='skip'"):
        [e for e in plan if e.action is tt.Action.SKIP][0].to_record()  # noqa: RUF015


def test_backfill_changeset_creates_and_reprocesses_in_place() -> None:
    runs = [sched(day(2), "failed", clear_number=2), sched(day(3), "running")]
    request = tt.BackfillRequest(from_date=day(1), to_date=day(4), reprocess_behavior="failed",
                                 dag_run_conf={"k": 1})
    plan = tt.plan_backfill(DAILY, request, runs=runs, now=day(10))
    cs = plan.changeset()
    assert [r.run_id for r in cs.runs_to_insert] == [
        "backfill__2024-01-02T00:00:00+00:00", "backfill__2024-01-05T00:00:00+00:00"
    ]
    assert all(r.run_type is tt.RunType.BACKFILL and r.conf == {"k": 1} for r in cs.runs_to_insert)
    (update,) = cs.runs_to_update
    assert update.run_id == runs[0].run_id
    assert update.start_date == "reset"
    assert {c: (ch.before, ch.after) for c, ch in update.changes.items()} == {
        "state": ("failed", "queued"),
        "clear_number": (2, 3),
        "run_type": ("scheduled", "backfill"),
        "conf": (None, {"k": 1}),
    }
    new_runs, _ = tt.apply_changeset(cs, runs=runs)
    again = tt.plan_backfill(DAILY, request, runs=new_runs, now=day(10))
    assert not again.changeset()
    assert again.counts == {"create": 0, "reprocess": 0, "skip": 4}
    assert plan.counts == {"create": 2, "reprocess": 1, "skip": 1}
    assert plan.create_count == 2
    assert len(plan.to_create) == 2
    assert json.loads(plan.to_json())["kind"] == "backfill"


def _clear_fixture() -> tuple[tt.TaskGraph, tt.RunHistory]:
    graph = tt.TaskGraph(tasks=[tt.TaskSpec(task_id="a", retries=1),
                                tt.TaskSpec(task_id="b", upstream=["a"])])
    history = tt.RunHistory(
        runs=[sched(day(1), "failed"), sched(day(2), "running")],
        task_instances=[
            tt.TaskInstanceRecord(run_id=sched(day(1)).run_id, task_id="a", state="failed",
                                  try_number=2, max_tries=1),
            tt.TaskInstanceRecord(run_id=sched(day(1)).run_id, task_id="b",
                                  state="upstream_failed"),
            tt.TaskInstanceRecord(run_id=sched(day(2)).run_id, task_id="a", state="running",
                                  try_number=1, max_tries=1),
            tt.TaskInstanceRecord(run_id=sched(day(2)).run_id, task_id="b", state=None),
        ],
    )
    return graph, history


def test_clear_changeset_has_before_and_after() -> None:
    graph, history = _clear_fixture()
    plan = tt.plan_clear(graph, tt.ClearRequest(task_ids=["a"], downstream=True), history=history)
    cs = plan.changeset()
    data = cs.to_dict()
    assert data["version"] == 1
    assert data["kind"] == "changeset"
    assert data["runs_to_update"] == [
        {"run_id": "scheduled__2024-01-01T00:00:00+00:00",
         "changes": {"clear_number": {"before": 0, "after": 1},
                     "state": {"before": "failed", "after": "queued"}},
         "start_date": "reset"},
        {"run_id": "scheduled__2024-01-02T00:00:00+00:00",
         "changes": {"clear_number": {"before": 0, "after": 1}},
         "start_date": "unchanged"},
    ]
    tis = {(u["run_id"][11:21], u["task_id"]): u["changes"]
           for u in data["task_instances_to_update"]}
    assert tis == {
        ("2024-01-01", "a"): {"max_tries": {"before": 1, "after": 3},
                              "state": {"before": "failed", "after": None}},
        ("2024-01-01", "b"): {"state": {"before": "upstream_failed", "after": None}},
        ("2024-01-02", "a"): {"state": {"before": "running", "after": "restarting"}},
        # b in run 2 is selected but nothing changes: not written
    }
    runs, tis_after = tt.apply_changeset(cs, runs=history.runs, task_instances=history.task_instances)
    assert [r.state.value for r in runs] == ["queued", "running"]
    assert [t.state for t in tis_after][:3] == [None, None, tt.TaskState.RESTARTING]
    # an only-failed clear re-planned after applying has nothing left to do
    failed = tt.ClearRequest(task_ids=["a"], downstream=True, only_failed=True)
    h2 = tt.RunHistory(runs=runs, task_instances=tis_after)
    assert not tt.plan_clear(graph, failed, history=h2).changeset()


def test_changeset_round_trips_through_json() -> None:
    graph, history = _clear_fixture()
    cs = tt.Changeset.merge(
        tt.plan_clear(graph, tt.ClearRequest(), history=history).changeset(),
        tt.plan_catchup(DAILY, runs=history.runs, restriction=RESTRICT, now=day(5, 1)).changeset(),
    )
    assert tt.Changeset.from_dict(json.loads(cs.to_json())) == cs
    assert "insert" in cs.to_text()


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.pop("kind"), r"\$\.kind"),
        (lambda d: d.update(version=2), r"\$\.version"),
        (lambda d: d["runs_to_insert"][0].update(logical_date="2024-01-03T00:00:00"),
         r"\$\.runs_to_insert\[0\]\.logical_date"),
        (lambda d: d["runs_to_insert"][0].update(state="bogus"), r"\$\.runs_to_insert\[0\]"),
        (lambda d: d["runs_to_update"][0]["changes"].update(bogus={"before": 1, "after": 2}),
         r"\$\.runs_to_update\[0\]\.changes\.bogus"),
        (lambda d: d["task_instances_to_update"][0]["changes"]["state"].pop("before"),
         r"\$\.task_instances_to_update\[0\]\.changes\.state\.before"),
    ],
)
def test_changeset_from_dict_names_the_json_path(mutate: object, path: str) -> None:
    graph, history = _clear_fixture()
    cs = tt.Changeset.merge(
        tt.plan_clear(graph, tt.ClearRequest(), history=history).changeset(),
        tt.plan_catchup(DAILY, runs=history.runs, restriction=RESTRICT, now=day(5, 1)).changeset(),
    )
    data = json.loads(cs.to_json())
    mutate(data)  # type: ignore[operator]
    with pytest.raises(E.InvalidSerializedFormError, match=path):
        tt.Changeset.from_dict(data)


def test_conflicts_are_typed_errors() -> None:
    runs = [sched(day(1), "failed")]
    update = tt.RunUpdate(run_id=runs[0].run_id,
                          changes={"state": tt.FieldChange("success", "queued")})
    with pytest.raises(E.ChangesetConflictError, match="state is 'failed'"):
        tt.apply_changeset(tt.Changeset(runs_to_update=(update,)), runs=runs)
    gone = tt.RunUpdate(run_id="nope", changes={})
    with pytest.raises(E.ChangesetConflictError, match="no run with this id"):
        tt.apply_changeset(tt.Changeset(runs_to_update=(gone,)), runs=runs)
    dup = tt.RunInsert.from_record(sched(day(1)))
    with pytest.raises(E.ChangesetConflictError, match="already exists"):
        tt.apply_changeset(tt.Changeset(runs_to_insert=(dup,)), runs=runs)
    same_date = tt.RunInsert.from_record(
        tt.RunRecord(run_id="manual__x", run_type="manual", logical_date=day(1),
                     data_interval=None, run_after=day(1), state="queued"))
    with pytest.raises(E.ChangesetConflictError, match="already the logical date"):
        tt.apply_changeset(tt.Changeset(runs_to_insert=(same_date,)), runs=runs)
    ti = tt.TaskInstanceUpdate(run_id=runs[0].run_id, task_id="a",
                               changes={"state": tt.FieldChange("failed", None)})
    with pytest.raises(E.ChangesetConflictError, match="no task instance"):
        tt.apply_changeset(tt.Changeset(task_instances_to_update=(ti,)), runs=runs)
    assert issubclass(E.ChangesetConflictError, E.TimetableError)


def test_chunks_and_merge() -> None:
    plan = tt.plan_catchup(DAILY, runs=[], restriction=RESTRICT, now=day(11, 1))
    cs = plan.changeset()
    parts = list(cs.chunks(3))
    assert [len(p) for p in parts] == [3, 3, 3, 1]
    assert tt.Changeset.merge(*parts) == cs
    with pytest.raises(E.ChangesetConflictError):
        tt.Changeset.merge(cs, cs)
    with pytest.raises(E.InvalidArgumentError):
        list(cs.chunks(0))
    a = tt.RunUpdate(run_id="r", changes={"state": tt.FieldChange("failed", "queued")})
    b = tt.RunUpdate(run_id="r", changes={"state": tt.FieldChange("queued", "running")})
    merged = tt.Changeset.merge(tt.Changeset(runs_to_update=(a,)), tt.Changeset(runs_to_update=(b,)))
    assert merged.runs_to_update[0].changes["state"] == tt.FieldChange("failed", "running")
    with pytest.raises(E.ChangesetConflictError, match="expects 'failed'"):
        tt.Changeset.merge(tt.Changeset(runs_to_update=(b,)), tt.Changeset(runs_to_update=(a,)))


def test_sqlite_rows_in_changeset_rows_out() -> None:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute(
        "CREATE TABLE dag_run (dag_id TEXT, run_id TEXT PRIMARY KEY, run_type TEXT,"
        " logical_date TEXT UNIQUE, data_interval_start TEXT, data_interval_end TEXT,"
        " run_after TEXT, state TEXT, conf TEXT, clear_number INTEGER, triggered_by TEXT)"
    )

    def insert(row: dict[str, object]) -> None:
        row = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
        row["conf"] = None if row["conf"] is None else json.dumps(row["conf"])
        db.execute(
            "INSERT INTO dag_run VALUES ('d', :run_id, :run_type, :logical_date,"
            " :data_interval_start, :data_interval_end, :run_after, :state, :conf,"
            " :clear_number, :triggered_by)", row)

    for run in [sched(day(1))]:
        insert(tt.RunInsert.from_record(run).as_row())
    for _ in range(2):
        rows = db.execute("SELECT * FROM dag_run").fetchall()
        plan = tt.plan_catchup(DAILY, runs=rows, restriction=RESTRICT, now=day(6, 1))
        for ins in plan.changeset().runs_to_insert:
            insert(ins.as_row())
    rows = db.execute("SELECT * FROM dag_run ORDER BY logical_date").fetchall()
    assert len(rows) == 5
    assert not tt.plan_catchup(DAILY, runs=rows, restriction=RESTRICT, now=day(6, 1)).changeset()


def test_manual_run_and_mark_plans_have_changesets() -> None:
    manual = tt.plan_manual_run(DAILY, run_after=day(5), logical_date=day(5))
    (ins,) = manual.changeset().runs_to_insert
    assert ins.to_record() == manual.to_record()
    graph, history = _clear_fixture()
    mark = tt.plan_mark(graph, tt.MarkRequest(task_id="a", run_id=sched(day(1)).run_id,
                                              state="success"), history=history)
    runs, tis = tt.apply_changeset(mark.changeset(), runs=history.runs,
                                   task_instances=history.task_instances)
    again = tt.plan_mark(graph, tt.MarkRequest(task_id="a", run_id=sched(day(1)).run_id,
                                               state="success"),
                         history=tt.RunHistory(runs=runs, task_instances=tis))
    assert not again.changeset()
    mark_run = tt.plan_mark_run(graph, run_id=sched(day(2)).run_id, state="success",
                                history=history)
    runs, tis = tt.apply_changeset(mark_run.changeset(), runs=history.runs,
                                   task_instances=history.task_instances)
    again_run = tt.plan_mark_run(graph, run_id=sched(day(2)).run_id, state="success",
                                 history=tt.RunHistory(runs=runs, task_instances=tis))
    assert not again_run.changeset()


def test_recursive_clear_changeset_spans_dags() -> None:
    graph, history = _clear_fixture()
    marker = tt.CrossDagMarker(dag_id="up", task_id="b", external_dag_id="down",
                               external_task_id="a")
    plan = tt.plan_clear_recursive({"up": (graph, history), "down": (graph, history)}, "up",
                                   tt.ClearRequest(task_ids=["a"], downstream=True,
                                                   only_failed=True),
                                   markers=[marker])
    cs = plan.changeset()
    assert cs.dag_ids == ("down", "up")
    with pytest.raises(E.InvalidArgumentError, match="spans several DAGs"):
        tt.apply_changeset(cs, runs=history.runs, task_instances=history.task_instances)
    assert cs.for_dag("up") == plan.changeset("up")
    assert tt.Changeset.from_dict(cs.to_dict()) == cs

"""One JSON contract: every document validates against its shipped schema and reads back exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import timetable as tt
from timetable import schemas, serialization
from timetable.errors import InvalidSerializedFormError, TimetableError
from timetable.schemas._source import build_all
from timetable.strategies import (
    backfill_requests,
    clear_requests,
    run_histories,
    run_records,
    task_graphs,
)

from .properties._planning_strategies import BASE, planning_timetables

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
nows = st.integers(0, 30 * 24).map(lambda h: BASE + timedelta(hours=h, minutes=7))


def test_shipped_files_are_the_source() -> None:
    """The ``*.schema.json`` files are what ``_source`` builds (regenerate with
    ``python -m timetable.schemas._source``)."""
    built = build_all()
    assert schemas.kinds() == tuple(sorted(built))
    for kind, schema in built.items():
        assert schemas.schema(kind) == json.loads(json.dumps(schema)), kind


def test_schema_page_is_generated() -> None:
    from pathlib import Path

    from timetable.schemas._source import reference_markdown

    page = Path(__file__).parents[1] / "docs" / "reference" / "schemas.md"
    assert page.read_text(encoding="utf-8") == reference_markdown(), (
        "regenerate: python -m timetable.schemas._source"
    )


def _walk(doc: Any, path: str = "$") -> list[tuple[str, Any]]:
    out = [(path, doc)]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _walk(v, f"{path}.{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _walk(v, f"{path}[{i}]")
    return out


def _check(document: Any, obj: Any) -> None:
    """Versioned, kinded, valid, one encoding per value, and it reads back exactly."""
    doc = json.loads(json.dumps(document))
    assert doc["version"] == 1
    assert isinstance(doc["kind"], str)
    schemas.validate(doc)
    for path, value in _walk(doc):
        interval = path.rsplit(".", 1)[-1] == "data_interval" or path == "$.window"
        if interval and value is not None:
            assert set(value) == {"start", "end"}, path
    assert serialization.from_dict(doc) == obj
    assert serialization.to_dict(obj) == document


@SETTINGS
@given(data=st.data(), table=planning_timetables(), now=nows, catchup=st.booleans(),
       policy=st.sampled_from([None, tt.CatchupPolicy.latest(2), tt.CatchupPolicy.coalesce(),
                               tt.CatchupPolicy.within(timedelta(days=2))]))
def test_catchup_and_gap_documents(
    data: st.DataObject, table: Any, now: datetime, catchup: bool, policy: Any
) -> None:
    runs = data.draw(run_records(table, max_value=now))
    plan = tt.plan_catchup(table, runs=runs, restriction=tt.TimeRestriction(
        earliest=BASE, catchup=catchup), now=now, policy=policy, max_active_runs=5)
    _check(plan.to_dict(), plan)
    _check(plan.changeset().to_dict(), plan.changeset())
    gaps = tt.find_gaps(table, runs=runs, start=BASE, end=now, now=now, include_failed=True)
    _check(gaps.to_dict(), gaps)


@SETTINGS
@given(data=st.data(), table=planning_timetables(), now=nows, request=backfill_requests())
def test_backfill_documents(data: st.DataObject, table: Any, now: datetime, request: Any) -> None:
    runs = data.draw(run_records(table, max_value=now))
    try:
        plan = tt.plan_backfill(table, request, runs=runs, now=now, dry_run=True)
    except TimetableError:
        assume(False)
    _check(plan.to_dict(), plan)
    _check(plan.changeset().to_dict(), plan.changeset())


@st.composite
def _graph_history(draw: Any) -> tuple[tt.TaskGraph, tt.RunHistory]:
    graph = draw(task_graphs(max_size=5))
    return graph, draw(run_histories(graph, min_runs=1, max_runs=4))


@SETTINGS
@given(data=st.data(), gh=_graph_history())
def test_task_plan_documents(data: st.DataObject, gh: Any) -> None:
    graph, history = gh
    request = data.draw(clear_requests(graph, history))
    try:
        plan = tt.plan_clear(graph, request, history=history)
    except TimetableError:
        assume(False)
    _check(plan.to_dict(), plan)
    _check(plan.changeset().to_dict(), plan.changeset())
    run_id = data.draw(st.sampled_from([r.run_id for r in history.runs]))
    task_id = data.draw(st.sampled_from(sorted(graph.task_ids)))
    mark = tt.plan_mark(graph, tt.MarkRequest(task_id=task_id, run_id=run_id, state="success",
                                              downstream=True), history=history)
    _check(mark.to_dict(), mark)
    mark_run = tt.plan_mark_run(graph, run_id=run_id, state="failed", history=history)
    _check(mark_run.to_dict(), mark_run)
    marker = tt.CrossDagMarker(dag_id="a", task_id=task_id, external_dag_id="b",
                               external_task_id=task_id)
    try:
        recursive = tt.plan_clear_recursive({"a": (graph, history), "b": (graph, history)},
                                            "a", request, markers=[marker])
    except TimetableError:
        return
    _check(recursive.to_dict(), recursive)
    _check(recursive.changeset().to_dict(), recursive.changeset())


def test_decision_documents() -> None:
    daily = tt.CronDataIntervals(cron="@daily")
    day = datetime(2024, 1, 1, tzinfo=UTC)
    run = tt.RunRecord(run_id="r", run_type="scheduled", logical_date=day,
                       data_interval=tt.DataInterval(start=day, end=day + timedelta(days=1)),
                       run_after=day + timedelta(days=1), state="success")
    for decision in (
        tt.is_latest_run(daily, run, now=day + timedelta(days=1)),
        tt.is_latest_run(daily, attrs_evolve(run, run_type="manual"), now=day),
        tt.plan_manual_run(daily, run_after=day, logical_date=day, conf={"a": [1]}),
        tt.plan_manual_run(daily, run_after=day, logical_date=None, suffix="abcdefgh"),
    ):
        _check(decision.to_dict(), decision)

    class Task:
        task_id = "t"
        depends_on_past = True
        wait_for_downstream = False
        ignore_first_depends_on_past = True

    verdict = tt.check_depends_on_past(Task(), run_id="r", runs=[run], task_instances=[],
                                       catchup=True)
    _check(verdict.to_dict(), verdict)


def attrs_evolve(obj: Any, **kw: Any) -> Any:
    import attrs

    return attrs.evolve(obj, **kw)


@pytest.mark.parametrize(
    "value",
    [
        tt.CronTrigger(cron="0 6 * * 1-5", timezone="Europe/Berlin"),
        tt.DeltaDataIntervals(delta=timedelta(hours=6)),
        tt.TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=UTC)),
        tt.RunRecord(run_id="r", run_type="manual", logical_date=None, data_interval=None,
                     run_after=datetime(2024, 1, 1, tzinfo=UTC), state="queued"),
        tt.BackfillRequest(from_date=datetime(2024, 1, 1, tzinfo=UTC),
                           to_date=datetime(2024, 1, 2, tzinfo=UTC)),
    ],
)
def test_value_documents(value: Any) -> None:
    doc = serialization.to_dict(value)
    assert doc["kind"] == "value"
    schemas.validate(json.loads(json.dumps(doc)))
    assert serialization.from_dict(doc) == value


def _catchup_doc() -> dict[str, Any]:
    plan = tt.plan_catchup(tt.CronDataIntervals(cron="@daily"), runs=[], now=datetime(
        2024, 1, 4, 1, tzinfo=UTC), restriction=tt.TimeRestriction(
        earliest=datetime(2024, 1, 1, tzinfo=UTC), catchup=True))
    return json.loads(plan.to_json())


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["entries"][1].update(data_interval=["2024-01-02T00:00:00+00:00"] * 2),
         r"\$\.entries\[1\]\.data_interval"),
        (lambda d: d["entries"][0].update(run_after="2024-01-02T00:00:00"),
         r"\$\.entries\[0\]\.run_after"),
        (lambda d: d.pop("version"), r"\$"),
        (lambda d: d.update(extra=1), r"\$"),
        (lambda d: d["policy"].update(window=3600), r"\$\.policy\.window"),
    ],
)
def test_bad_documents_name_the_json_path(mutate: Any, path: str) -> None:
    doc = _catchup_doc()
    mutate(doc)
    with pytest.raises(InvalidSerializedFormError, match=path):
        schemas.validate(doc)
    with pytest.raises(InvalidSerializedFormError, match=path):
        serialization.from_dict(doc)


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(InvalidSerializedFormError, match="kind"):
        schemas.schema("nope")
    with pytest.raises(InvalidSerializedFormError, match=r"\$\.kind"):
        serialization.from_dict({"version": 1, "kind": "nope"})
    with pytest.raises(InvalidSerializedFormError, match=r"\$\.kind"):
        schemas.validate({"version": 1})

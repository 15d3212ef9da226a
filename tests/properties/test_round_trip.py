"""``from_dict(to_dict(x)) == x`` (through JSON text too) for every type serialization handles.

The types are not listed: :func:`timetable.serialization.registered_types` names them, and
every one must have samples here (a new type without one fails
``test_every_serializable_type_is_sampled``).  Samples come from the fuzz harness's pool
(hand-made values and every value reachable from the planners' outputs: plans with
entries, changesets, rows) and from Hypothesis: generated timetables, records, graphs,
histories and requests, and the plans the planners make of them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fuzz._harness import sample_pool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timetable as T
import timetable.serialization as S
from timetable import strategies as tst

#: Types whose round trip is known to lose information, with the reason (the contract
#: work rebuilds plans from their own schemas).  ``strict=False``: when one starts to
#: pass, pytest reports XPASS and the entry should go.
KNOWN_LOSSY: dict[str, str] = {
}


def _types() -> dict[str, type]:
    return S.registered_types()


def _samples(name: str) -> list[Any]:
    kind = _types()[name]
    return [v for v in sample_pool() if type(v) is kind]


def _round_trip(value: Any) -> None:
    data = S.to_dict(value)
    assert S.from_dict(data) == value
    text = json.dumps(data)  # what a host stores
    assert S.from_dict(json.loads(text)) == value
    to_json = getattr(value, "to_json", None)
    from_json = getattr(S, "from_json", None)
    if to_json is not None and from_json is not None:
        assert from_json(to_json()) == value


def _cases() -> list[Any]:
    out = []
    for name in sorted(_types()):
        marks = []
        if name in KNOWN_LOSSY:
            marks.append(pytest.mark.xfail(reason=KNOWN_LOSSY[name], strict=False))
        out.append(pytest.param(name, id=name, marks=marks))
    return out


@pytest.mark.parametrize("name", sorted(_types()))
def test_every_serializable_type_is_sampled(name: str) -> None:
    assert _samples(name), f"no sample {name}: add one to tests/fuzz/_harness.py"


@pytest.mark.parametrize("name", _cases())
def test_samples_round_trip(name: str) -> None:
    samples = _samples(name)
    if not samples:
        pytest.skip("reported by test_every_serializable_type_is_sampled")
    for value in samples:
        _round_trip(value)


#: run_records' default lower bound (the strategies' history origin)
BASE = datetime(2024, 3, 1, tzinfo=UTC)

_SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))


@_SETTINGS
@given(tst.timetables(), tst.time_restrictions(), tst.data_intervals())
def test_generated_values_round_trip(tt: Any, restriction: Any, interval: Any) -> None:
    for value in (tt, restriction, interval):
        _round_trip(value)


@_SETTINGS
@given(st.data())
def test_generated_graphs_histories_and_requests_round_trip(data: st.DataObject) -> None:
    graph = data.draw(tst.task_graphs(max_size=5))
    history = data.draw(tst.run_histories(graph, max_runs=4))
    request = data.draw(tst.clear_requests(graph, history))
    for value in (graph, *graph.tasks, request, data.draw(tst.backfill_requests())):
        _round_trip(value)
    for run in history.runs.values() if isinstance(history.runs, dict) else history.runs:
        _round_trip(run)
    for ti in history.task_instances:
        _round_trip(ti)
    try:
        plan = T.plan_clear(graph, request, history=history)
    except T.TimetableError:
        return
    _round_trip(plan)
    for change in (*plan.task_instances, *plan.runs):
        _round_trip(change)


@_SETTINGS
@given(st.data())
def test_generated_plan_entries_round_trip(data: st.DataObject) -> None:
    tt = data.draw(tst.timetables(kinds=("CronDataIntervals", "DeltaDataIntervals")))
    base = BASE
    now = base + timedelta(days=30)
    runs = data.draw(tst.run_records(tt, max_value=now))
    restriction = T.TimeRestriction(earliest=base)
    try:
        catchup = T.plan_catchup(tt, runs=runs, restriction=restriction, now=now, limit=20)
        backfill = T.plan_backfill(
            tt, T.BackfillRequest(from_date=base, to_date=base + timedelta(days=5)),
            runs=runs, now=now,
        )
    except T.TimetableError:
        return
    for entry in (*catchup.entries, *backfill.entries):
        _round_trip(entry)
    gaps = T.find_gaps(tt, runs=runs, start=base, end=now, now=now, include_failed=True)
    _round_trip(gaps)
    for g in gaps.gaps:
        _round_trip(g)
    changeset = catchup.changeset()
    for row in changeset.runs_to_insert:
        _round_trip(row)

"""Airflow's own timetable tests, as tables: every timetable, schedule, run-id and DAG case.

Each case of ``tests/data/airflow_cases.jsonl`` in the areas ``timetable.*``,
``schedule.*``, ``run_id``, ``run_id.parse`` and ``dag.*`` becomes one parametrised test
whose id is derived from the case's ``source_test`` (the upstream ``file::test[param]``
or the ``computed:`` label).  Datetimes are compared as instants.

The catalogue (``SEMANTICS.md`` §11) encodes, on purpose, three kinds of expectation
that are not Airflow 3.3.2's answer:

* 12 DST cases encode Airflow main's strictly-earlier previous tick (PR #70089).  That
  is our behaviour, so they must pass as written.
* 1 Continuous case encodes Airflow <= 3.2 (no start date -> no run).  We follow 3.3.
* 1 run-id case encodes the unmerged proposal PR #71480 (anchor on the interval start).
  We follow 3.3.2 (anchor on ``run_after``).

The last two are listed in :data:`DEVIATIONS` and asserted to *differ*.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta

import timetable as tt
from timetable import errors
from timetable.airflow import from_schedule, generate_run_id, parse_run_id, to_serialized

DATA = Path(__file__).resolve().parent.parent / "data" / "airflow_cases.jsonl"
AREAS = ("timetable.", "schedule.", "dag.")
EXACT_AREAS = ("run_id", "run_id.parse")

#: Cases whose expectation is *not* Airflow 3.3.2's behaviour, and why we differ.
DEVIATIONS: dict[str, str] = {
    "airflow-core/tests/unit/timetables/test_continuous_timetable.py::"
    "test_no_runs_without_start_date": (
        "The upstream test encodes Airflow <= 3.2 (no start_date -> no run).  Airflow 3.3 "
        "uses `now` as the start instead and returns [now, now]; we follow 3.3."
    ),
    "airflow-core/tests/unit/timetables/test_interval_timetable.py::"
    "test_generate_run_id_anchors_to_data_interval_start": (
        "PR #71480 (issue #71187) proposes anchoring data-interval run ids on the interval "
        "start; it is unmerged, and released 3.2.0-3.3.2 anchor on run_after, as we do."
    ),
}

#: A fixed "now" for cases that do not record one (their answer does not depend on it).
DEFAULT_NOW = datetime.fromisoformat("2030-01-01T00:00:00+00:00")


def _load() -> list[dict[str, Any]]:
    with DATA.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if r["area"].startswith(AREAS) or r["area"] in EXACT_AREAS]


CASES = _load()


def _readable_id(source: str) -> str:
    """``airflow-core/tests/unit/x/test_y.py::T::test_z[p]`` -> ``test_y::T::test_z[p]``."""
    if source.startswith("computed:"):
        body = source[len("computed:") :].strip()
        body = re.sub(r"^airflow-core-3\.3\.2\s*", "", body)
        body = re.sub(r"airflow-core/tests/unit/\w+/(test_\w+)\.py", r"\1", body)
        return "computed::" + re.sub(r"\s+", " ", body)[:120]
    path, _, rest = source.partition("::")
    return f"{Path(path).stem}::{rest}"


def _variant(case: dict[str, Any]) -> str:
    """What tells apart cases that share a source test."""
    inp = case["inputs"]
    for key in ("run_id", "run_type"):
        if key in inp:
            return str(inp[key])
    spec = inp.get("timetable")
    return spec if isinstance(spec, str) else str(spec and spec.get("class"))


def _params(select: Any) -> list[Any]:
    """pytest params for the selected cases; repeated source tests name their variant."""
    chosen = [c for c in CASES if select(c)]
    counts = Counter(_readable_id(c["source_test"]) for c in chosen)
    out = []
    for c in chosen:
        base = _readable_id(c["source_test"])
        out.append(pytest.param(c, id=f"{base}<{_variant(c)}>" if counts[base] > 1 else base))
    ids = [p.id for p in out]
    assert len(set(ids)) == len(ids), "ambiguous test ids"
    return out


# -- building values from the catalogue's specs ---------------------------------------------
def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _instant(value: str) -> datetime:
    out = datetime.fromisoformat(value)
    assert out.tzinfo is not None
    return out


def _delta(spec: dict[str, Any]) -> timedelta | relativedelta:
    ((kind, fields),) = spec.items()
    if kind == "timedelta":
        return timedelta(**fields)
    assert kind == "relativedelta", spec
    return relativedelta(**fields)


def _run_immediately(value: Any) -> bool | timedelta | None:
    return _delta(value) if isinstance(value, dict) else value  # type: ignore[return-value]


def build(spec: dict[str, Any]) -> Any:
    """Our timetable for the catalogue's ``{"class": ...}`` spec."""
    cls = spec["class"]
    if cls == "NullTimetable":
        return tt.Never()
    if cls == "OnceTimetable":
        return tt.Once()
    if cls == "ContinuousTimetable":
        return tt.Continuous()
    if cls == "CronDataIntervalTimetable":
        return tt.CronDataIntervals(cron=spec["cron"], timezone=spec.get("timezone", "UTC"))
    if cls == "DeltaDataIntervalTimetable":
        return tt.DeltaDataIntervals(delta=_delta(spec["delta"]))
    interval = _delta(spec["interval"]) if "interval" in spec else timedelta(0)
    if cls == "CronTriggerTimetable":
        return tt.CronTrigger(
            cron=spec["cron"],
            timezone=spec.get("timezone", "UTC"),
            interval=interval,
            run_immediately=_run_immediately(spec.get("run_immediately", False)),
        )
    if cls == "DeltaTriggerTimetable":
        return tt.DeltaTrigger(delta=_delta(spec["delta"]), interval=interval)
    if cls == "MultipleCronTriggerTimetable":
        return tt.MultiCronTrigger(
            crons=spec["crons"],
            timezone=spec.get("timezone", "UTC"),
            interval=interval,
            run_immediately=_run_immediately(spec.get("run_immediately", False)),
        )
    if cls == "EventsTimetable":
        # The core class: sorted unless presorted (the SDK class is broken in 3.3.2).
        return tt.Events(
            event_dates=[_instant(e) for e in spec["event_dates"]],
            restrict_to_events=spec.get("restrict_to_events", False),
            presorted=spec.get("presorted", False),
        )
    raise AssertionError(f"unknown class in catalogue: {cls}")


#: Airflow class name -> our kind.
KIND = {
    "NullTimetable": tt.Never,
    "OnceTimetable": tt.Once,
    "ContinuousTimetable": tt.Continuous,
    "CronDataIntervalTimetable": tt.CronDataIntervals,
    "DeltaDataIntervalTimetable": tt.DeltaDataIntervals,
    "CronTriggerTimetable": tt.CronTrigger,
    "DeltaTriggerTimetable": tt.DeltaTrigger,
    "MultipleCronTriggerTimetable": tt.MultiCronTrigger,
    "EventsTimetable": tt.Events,
}


def _interval(pair: list[str] | None) -> tt.DataInterval | None:
    if pair is None:
        return None
    start, end = pair
    return tt.DataInterval(start=_instant(start), end=_instant(end))


def _restriction(r: dict[str, Any]) -> tt.TimeRestriction:
    return tt.TimeRestriction(
        earliest=_dt(r["earliest"]), latest=_dt(r["latest"]), catchup=r["catchup"]
    )


def _info(expected: dict[str, Any] | None) -> tuple[datetime, datetime, datetime, datetime] | None:
    """(run_after, start, end, logical_date) as instants, from a catalogue DagRunInfo."""
    if expected is None:
        return None
    start, end = expected["data_interval"]
    return (
        _instant(expected["run_after"]),
        _instant(start),
        _instant(end),
        _instant(expected["logical_date"]),
    )


def _ours(info: tt.RunInfo | None) -> tuple[datetime, datetime, datetime, datetime] | None:
    if info is None:
        return None
    for value in (info.run_after, info.data_interval.start, info.data_interval.end):
        assert value.tzinfo is not None
    return (info.run_after, info.data_interval.start, info.data_interval.end, info.logical_date)


def _assert_deviation_or_equal(case: dict[str, Any], got: Any, want: Any) -> None:
    if case["source_test"] in DEVIATIONS:
        assert got != want, "listed in DEVIATIONS but now agrees with the catalogue"
    else:
        assert got == want


# -- next_dagrun_info cases (single call, or a chain with "steps") -----------------------------
def _is_next(case: dict[str, Any]) -> bool:
    return (
        case["area"].startswith("timetable.")
        and "restriction" in case["inputs"]
        and "run_after" not in case["inputs"]
    )


@pytest.mark.parametrize("case", _params(_is_next))
def test_next_run_info(case: dict[str, Any]) -> None:
    """next_run_info gives the catalogue's DagRunInfo; chains feed each interval back in."""
    inp = case["inputs"]
    table = build(inp["timetable"])
    restriction = _restriction(inp["restriction"])
    now = _dt(inp.get("now")) or DEFAULT_NOW
    last = _interval(inp.get("last_automated_data_interval"))
    if "steps" not in inp:
        got = tt.next_run_info(table, last_interval=last, restriction=restriction, now=now)
        _assert_deviation_or_equal(case, _ours(got), _info(case["expected"]))
        return
    assert len(case["expected"]) == inp["steps"]
    chain = []
    for _ in range(inp["steps"]):
        info = tt.next_run_info(table, last_interval=last, restriction=restriction, now=now)
        chain.append(_ours(info))
        if info is None:
            break
        last = info.data_interval
    want = [_info(e) for e in case["expected"]]
    _assert_deviation_or_equal(case, chain, want[: len(chain)])
    assert len(chain) == len(want) or chain[-1] is None


# -- infer_manual_data_interval ------------------------------------------------------------
def _is_manual(case: dict[str, Any]) -> bool:
    return case["area"].startswith("timetable.") and "run_after" in case["inputs"]


@pytest.mark.parametrize("case", _params(_is_manual))
def test_manual_interval(case: dict[str, Any]) -> None:
    """infer_manual_interval gives the catalogue's interval (main's strict-prev on DST days)."""
    inp = case["inputs"]
    table = build(inp["timetable"])
    run_after = _instant(inp["run_after"])
    if "restriction" in inp:
        # A manual run on a DST day, then its interval fed back to the scheduler.
        manual = tt.infer_manual_interval(table, run_after=run_after)
        got = tt.next_run_info(
            table,
            last_interval=manual,
            restriction=_restriction(inp["restriction"]),
            now=_dt(inp.get("now")) or DEFAULT_NOW,
        )
        _assert_deviation_or_equal(case, _ours(got), _info(case["expected"]))
        return
    got_iv = tt.infer_manual_interval(table, run_after=run_after)
    want = _interval(case["expected"]["data_interval"])
    assert want is not None
    _assert_deviation_or_equal(case, (got_iv.start, got_iv.end), (want.start, want.end))
    if "dst" in case["area"]:
        # Main's fix: never zero-length, never ending after run_after.
        assert got_iv.start < got_iv.end <= run_after


# -- serialize / validate ---------------------------------------------------------------------
@pytest.mark.parametrize("case", _params(lambda c: c["area"] == "timetable.serialize"))
def test_serialize(case: dict[str, Any]) -> None:
    """to_serialized writes the ``__var`` Airflow stores (presets expanded, float seconds)."""
    table = build(case["inputs"]["timetable"])
    var = to_serialized(table)["__var"]
    want = case["expected"]["serialized"]
    assert {k: var[k] for k in want} == want
    # The whole stored form is what Airflow's own serializer writes for that class.
    assert set(var) >= set(want)


@pytest.mark.parametrize("case", _params(lambda c: c["area"] == "timetable.validate"))
def test_validate(case: dict[str, Any]) -> None:
    """What Airflow's ``validate()`` rejects, we reject when the timetable is built."""
    assert case["expected"]["raises"] == "AirflowTimetableInvalid"
    with pytest.raises(errors.InvalidScheduleError) as info:
        build(case["inputs"]["timetable"])
    assert info.value.code == "invalid-schedule"
    spec = case["inputs"]["timetable"]
    argument = "cron" if "cron" in spec else "delta"
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument}=")


# -- schedule= mapping --------------------------------------------------------------------------
#: Airflow's ``summary`` for the kinds without an expression.
_PLAIN_SUMMARY = {
    "NullTimetable": "None",
    "OnceTimetable": "@once",
    "ContinuousTimetable": "@continuous",
}


@pytest.mark.parametrize("case", _params(lambda c: c["area"] == "schedule.mapping"))
def test_schedule_mapping(case: dict[str, Any]) -> None:
    """from_schedule picks Airflow's class; summary and description match Airflow's."""
    inp, exp = case["inputs"], case["expected"]
    table = from_schedule(
        inp["schedule"],
        create_cron_data_intervals=inp["config"]["scheduler.create_cron_data_intervals"],
    )
    assert type(table) is KIND[exp["timetable"]]
    expected_summary = exp["expression"] or _PLAIN_SUMMARY[exp["timetable"]]
    assert table.summary == expected_summary
    assert table.description == exp["description"]


# -- run ids ----------------------------------------------------------------------------------
def _timetable_run_id(run_type: str, run_after: datetime, interval: tt.DataInterval | None) -> str:
    """Airflow 3.3.2's ``Timetable.generate_run_id``: ``<type>__<run_after>``, never a suffix.

    The timetable path always has an identity (a logical date, or ``run_after`` itself),
    so it maps to :func:`generate_run_id` with a logical date.
    """
    logical = interval.start if interval is not None else run_after
    return generate_run_id(run_type, run_after=run_after, logical_date=logical)


@pytest.mark.parametrize("case", _params(lambda c: c["area"] == "run_id"))
def test_run_id(case: dict[str, Any]) -> None:
    """Run ids are a string contract: compared exactly (or by prefix + random suffix)."""
    inp, exp = case["inputs"], case["expected"]
    run_after = _instant(inp["run_after"])
    if "timetable" in inp:
        got = _timetable_run_id(inp["run_type"], run_after, _interval(inp["data_interval"]))
        _assert_deviation_or_equal(case, got, exp["run_id"])
        return
    # DagRun.generate_run_id: a suffix of 8 random [A-Za-z0-9] without a logical date.
    logical = _dt(inp["logical_date"])
    suffix = "aB3dE6gH" if exp["random_suffix_len"] else None
    got = generate_run_id(inp["run_type"], run_after=run_after, logical_date=logical, suffix=suffix)
    assert got.startswith(exp["run_id_prefix"])
    assert len(got) - len(exp["run_id_prefix"]) == exp["random_suffix_len"]
    if suffix is not None:
        assert got.endswith(suffix)
    # What we generate, we parse back: the type and the run_after instant.
    run_type, instant = parse_run_id(got)
    assert run_type == inp["run_type"]
    assert instant == run_after


@pytest.mark.parametrize("case", _params(lambda c: c["area"] == "run_id.parse"))
def test_parse_run_id(case: dict[str, Any]) -> None:
    """The run type is the first type whose ``<type>__`` prefixes the id, else manual."""
    run_type, _ = parse_run_id(case["inputs"]["run_id"])
    assert run_type == case["expected"]["run_type"]
    assert isinstance(run_type, tt.RunType)


# -- DAG-level cases ------------------------------------------------------------------------------
def _schedule(value: Any) -> Any:
    if isinstance(value, str):
        m = re.fullmatch(r"timedelta\((\w+)=(\d+)\)", value)
        if m:
            return timedelta(**{m.group(1): int(m.group(2))})
    return value


def _dag_timetable(inp: dict[str, Any]) -> Any:
    kind = inp.get("timetable")
    config = inp.get("config", {})
    create = config.get(
        "scheduler.create_cron_data_intervals",
        kind in ("CronDataIntervalTimetable", "DeltaDataIntervalTimetable"),
    )
    table = from_schedule(_schedule(inp["schedule"]), create_cron_data_intervals=create)
    if kind is not None:
        assert type(table) is KIND[kind]
    return table


def _dag_restriction(inp: dict[str, Any]) -> tt.TimeRestriction:
    # The upstream tests that give no catchup flag create every run from start_date.
    return tt.TimeRestriction(earliest=_dt(inp["start_date"]), catchup=inp.get("catchup", True))


@pytest.mark.parametrize(
    "case",
    _params(lambda c: c["area"] in ("dag.catchup_false", "dag.catchup_true")),
)
def test_dag_catchup(case: dict[str, Any]) -> None:
    """Consecutive next_run_info calls from no previous run give these logical dates."""
    inp = case["inputs"]
    table = _dag_timetable(inp)
    restriction = _dag_restriction(inp)
    now = _instant(inp["now"])
    want = [_instant(d) for d in case["expected"]["logical_dates"]]
    got: list[datetime] = []
    last = None
    for _ in want:
        info = tt.next_run_info(table, last_interval=last, restriction=restriction, now=now)
        assert info is not None
        got.append(info.logical_date)
        last = info.data_interval
    assert got == want
    if restriction.catchup:
        # With catchup, the same runs come out of the lazy enumeration.
        runs = tt.iter_run_infos(table, start=restriction.earliest, end=None, now=now)  # type: ignore[arg-type]
        assert [r.logical_date for r, _ in zip(runs, want, strict=False)] == want


@pytest.mark.parametrize(
    "case",
    _params(lambda c: c["area"] in ("dag.start_date_alignment", "dag.cron_leap_day", "dag.once")),
)
def test_dag_first_runs(case: dict[str, Any]) -> None:
    """The first run (start_date aligned forward onto the grid) and, when given, the second."""
    inp, exp = case["inputs"], case["expected"]
    table = _dag_timetable(inp)
    restriction = _dag_restriction(inp)
    now = _dt(inp.get("now")) or DEFAULT_NOW
    first = tt.next_run_info(table, last_interval=None, restriction=restriction, now=now)
    assert first is not None
    assert first.logical_date == _instant(exp["first_logical_date"])
    if "second" not in exp:
        return
    second = tt.next_run_info(
        table, last_interval=first.data_interval, restriction=restriction, now=now
    )
    if exp["second"] is None:
        assert second is None
        return
    assert second is not None
    assert second.logical_date == _instant(exp["second"]["logical_date"])
    want = _interval(exp["second"]["data_interval"])
    assert second.data_interval == want


def reference_time_restriction(
    dag_start: datetime | None,
    dag_end: datetime | None,
    tasks: list[tuple[datetime | None, datetime | None]],
    *,
    catchup: bool,
) -> tt.TimeRestriction:
    """An independent reading of Airflow's ``SerializedDAG._time_restriction`` (§2.12).

    * a task's dates are first clamped into the DAG's (``start = max(task, dag)``,
      ``end = min(task, dag)``), as ``DAG.add_task`` does;
    * ``earliest`` = min of the DAG's and every task's start date;
    * ``latest`` = the DAG's end date, except when *every* task has an end date: then the
      max of those and the DAG's.
    """
    clamped = []
    for start, end in tasks:
        if start is not None and dag_start is not None:
            start = max(start, dag_start)
        elif start is None:
            start = dag_start
        if end is not None and dag_end is not None:
            end = min(end, dag_end)
        elif end is None:
            end = dag_end
        clamped.append((start, end))
    starts = [s for s, _ in clamped if s is not None]
    if dag_start is not None:
        starts.append(dag_start)
    earliest = min(starts) if starts else None
    latest = dag_end
    ends = [e for _, e in clamped if e is not None]
    if len(ends) == len(clamped):
        if dag_end is not None:
            ends.append(dag_end)
        if ends:
            latest = max(ends)
    return tt.TimeRestriction(earliest=earliest, latest=latest, catchup=catchup)


@pytest.mark.parametrize("case", _params(lambda c: c["area"] == "dag.time_restriction"))
def test_dag_time_restriction(case: dict[str, Any]) -> None:
    """earliest = min(start dates); latest = max(task ends) only when every task has one."""
    inp, exp = case["inputs"], case["expected"]
    dag_start, dag_end = (_dt(v) for v in inp["dag"])
    tasks = [(_dt(s), _dt(e)) for s, e in inp["tasks"]]
    want = tt.TimeRestriction(
        earliest=_dt(exp["earliest"]), latest=_dt(exp["latest"]), catchup=exp["catchup"]
    )
    got = tt.dag_restriction(
        start_date=dag_start, end_date=dag_end, catchup=inp["catchup"], task_dates=tasks
    )
    assert got == want
    assert reference_time_restriction(dag_start, dag_end, tasks, catchup=inp["catchup"]) == want


# -- the catalogue itself -------------------------------------------------------------------
def test_every_selected_case_is_tested() -> None:
    """No case of the selected areas falls through the parametrisations above."""
    handled = sum(1 for c in CASES if _is_next(c) or _is_manual(c)) + sum(
        1
        for c in CASES
        if c["area"]
        in (
            "timetable.serialize",
            "timetable.validate",
            "schedule.mapping",
            "run_id",
            "run_id.parse",
            "dag.catchup_false",
            "dag.catchup_true",
            "dag.start_date_alignment",
            "dag.cron_leap_day",
            "dag.once",
            "dag.time_restriction",
        )
    )
    assert handled == len(CASES)
    assert len(CASES) == 185


def test_deviations_name_real_cases() -> None:
    """Every DEVIATIONS key is a case of this file, with a reason."""
    sources = {c["source_test"] for c in CASES}
    for source, reason in DEVIATIONS.items():
        assert source in sources
        assert len(reason) > 40


def test_strict_prev_cases_are_flagged_in_the_catalogue() -> None:
    """The 12 DST cases that encode main's PR #70089 are all here and pass as written."""
    flagged = [c for c in CASES if "70089" in c["notes"]]
    assert len(flagged) == 12
    assert not {c["source_test"] for c in flagged} & set(DEVIATIONS)

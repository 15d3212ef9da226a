"""Every case of Airflow 3.3.2's golden timetable answers, compared as instants.

Deviations are asserted as such (see ``deviations.py`` and the docs' deviations page):

* ``strict-prev``: we adopt Airflow main's strictly-earlier previous tick;
* ``no-raise``: where Airflow 3.3.2 crashes on valid input (Lord Howe's 30-minute DST
  with hourly data-interval crons) we keep producing contiguous intervals;
* ``sdk-events``: Airflow 3.3.2 cannot read its own SDK ``EventsTimetable`` form; we can;
* ``construct``: invalid crons, zones and deltas fail when the timetable is built, not
  at first use; never-firing crons (``0 0 30 2 *``) are rejected too.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

import pytest
from golden._support import build_from_spec, dt, info_tuple, load
from golden.deviations import ERROR_MAP, STRICT_PREV

import timetable as tt
from timetable import errors
from timetable.airflow import from_schedule, from_serialized, generate_run_id

CASES = load("airflow_golden.jsonl")


def _ids(kind: str) -> list[Any]:
    return [pytest.param(c, id=c["id"]) for c in CASES if c["kind"] == kind]


def _restriction(r: dict[str, Any]) -> tt.TimeRestriction:
    return tt.TimeRestriction(earliest=dt(r["earliest"]), latest=dt(r["latest"]), catchup=r["catchup"])


def _build(case: dict[str, Any]) -> Any:
    ser = case.get("airflow_serialized")
    return from_serialized(ser) if ser is not None else build_from_spec(case["timetable"])


def _expect_construct_error(case: dict[str, Any]) -> bool:
    """Cases whose timetable we refuse to build; asserts the mapped error. True if handled."""
    exp = case["expected"]
    try:
        _build(case)
    except errors.TimetableError as err:
        if "error" in exp:
            assert type(err).__name__ == ERROR_MAP[exp["error"]], (err, exp)
        else:
            # Airflow accepts it (and fails later, or never uses the cron): we refuse
            # never-firing or invalid crons when built.
            assert isinstance(err, errors.InvalidScheduleError), err
        return True
    return False


def _is_sdk_events_crash(case: dict[str, Any]) -> bool:
    return case["expected"].get("error") == "KeyError" and "_summary" in case["expected"]["message"]


@pytest.mark.parametrize("case", _ids("next_dagrun_info"))
def test_next_dagrun_info(case: dict[str, Any]) -> None:
    if _expect_construct_error(case):
        return
    table = _build(case)
    inp, exp = case["inputs"], case["expected"]
    last = inp["last_automated_data_interval"]
    last_iv = None if last is None else tt.DataInterval(start=dt(last["start"]), end=dt(last["end"]))
    got = tt.next_run_info(
        table, last_interval=last_iv, restriction=_restriction(inp["restriction"]), now=dt(inp["now"])
    )
    if _is_sdk_events_crash(case):
        return  # deviation sdk-events: we answer where Airflow crashes
    if exp.get("error") == "AssertionError":
        # deviation no-raise: Lord Howe.  We answer with a complete interval before now.
        assert "half_hour_dst" in case["tags"] or "Lord_Howe" in str(case["timetable"])
        if got is not None:
            assert got.data_interval.start < got.data_interval.end
            if last_iv is not None:
                assert got.data_interval.start > last_iv.start
        return
    assert "error" not in exp, exp
    want = info_tuple(exp["info"])
    if case["id"] in STRICT_PREV:
        assert info_tuple(got) != want, "listed as a deviation but agrees with Airflow"
        return
    assert info_tuple(got) == want


@pytest.mark.parametrize("case", _ids("sequence"))
def test_sequence(case: dict[str, Any]) -> None:
    if _expect_construct_error(case):
        return
    table = _build(case)
    inp, exp = case["inputs"], case["expected"]
    restriction = _restriction(inp["restriction"])
    now = dt(inp["now"])
    got = []
    last = None
    for _ in range(inp["max_runs"]):
        info = tt.next_run_info(table, last_interval=last, restriction=restriction, now=now)
        if info is None:
            break
        got.append(info)
        last = info.data_interval
    if _is_sdk_events_crash(case):
        return
    want = [info_tuple(i) for i in exp["runs"]]
    if exp["stopped"] == "error":
        # deviation no-raise: the runs Airflow made before raising, then more, contiguous.
        assert [info_tuple(g) for g in got[: len(want)]] == want
        assert len(got) > len(want)
        for a, b in itertools.pairwise(got):
            assert a.data_interval.end == b.data_interval.start
            assert a.data_interval.start < b.data_interval.start
        return
    assert [info_tuple(g) for g in got] == want
    assert (len(got) == inp["max_runs"]) == (exp["stopped"] == "max_runs")


@pytest.mark.parametrize("case", _ids("infer_manual_data_interval"))
def test_infer_manual_data_interval(case: dict[str, Any]) -> None:
    if _expect_construct_error(case):
        return
    table = _build(case)
    run_after = dt(case["inputs"]["run_after"])
    assert run_after is not None
    got = tt.infer_manual_interval(table, run_after=run_after)
    if _is_sdk_events_crash(case):
        return
    want = case["expected"]["data_interval"]
    pair = (got.start, got.end)
    if case["id"] in STRICT_PREV:
        assert pair != (dt(want["start"]), dt(want["end"]))
        assert got.start < got.end <= run_after  # never zero-length, never after run_after
        return
    assert pair == (dt(want["start"]), dt(want["end"]))


@pytest.mark.parametrize("case", _ids("validate"))
def test_validate(case: dict[str, Any]) -> None:
    if _expect_construct_error(case):
        return
    exp = case["expected"]
    if _is_sdk_events_crash(case):
        return
    assert exp == {"valid": True}


@pytest.mark.parametrize("case", _ids("run_id"))
def test_run_id(case: dict[str, Any]) -> None:
    inp, exp = case["inputs"], case["expected"]
    run_after = datetime.fromisoformat(inp["run_after"])
    if inp["function"] == "Timetable.generate_run_id":
        got = generate_run_id(inp["run_type"], run_after=run_after, logical_date=run_after)
    else:
        logical = dt(inp["logical_date"])
        suffix = None if logical is not None else "Ab3De6Gh"
        got = generate_run_id(inp["run_type"], run_after=run_after, logical_date=logical, suffix=suffix)
    if "error" in exp:
        # sdk-events: Airflow cannot build the SDK EventsTimetable; ids never need it here.
        assert _is_sdk_events_crash(case)
        assert got == f"{inp['run_type']}__{inp['run_after']}"
    elif "run_id" in exp:
        assert got == exp["run_id"]
    else:
        assert re.match(exp["run_id_regex"], got), (got, exp["run_id_regex"])


def _schedule_value(spec: dict[str, Any]) -> Any:
    from golden._support import duration

    if spec["type"] == "none":
        return None
    if spec["type"] == "str":
        return spec["value"]
    if spec["type"] == "timedelta":
        return duration({"seconds": spec["seconds"]})
    return duration({"relativedelta": spec["relativedelta"]})


@pytest.mark.parametrize("case", _ids("schedule_to_timetable"))
def test_schedule_to_timetable(case: dict[str, Any]) -> None:
    from timetable.airflow import check_dag

    inp, exp = case["inputs"], case["expected"]
    zone = inp["start_date_timezone"] or "UTC"
    create = inp["config"]["scheduler.create_cron_data_intervals"]
    if exp.get("validate_error"):
        # Airflow's dag.validate() (run by the DagBag) refuses it; we refuse it when built.
        assert exp["validate_error"] == "AirflowTimetableInvalid"
        with pytest.raises(errors.InvalidScheduleError):
            from_schedule(
                _schedule_value(inp["schedule"]), timezone=zone, create_cron_data_intervals=create
            )
        return
    table = from_schedule(
        _schedule_value(inp["schedule"]), timezone=zone, create_cron_data_intervals=create
    )
    if "error" in exp:
        with pytest.raises(errors.InvalidScheduleError, match="max_active_runs"):
            check_dag(table, max_active_runs=inp["max_active_runs"] or 16)
        return
    check_dag(table, max_active_runs=inp["max_active_runs"] or 16, catchup=exp["catchup"])
    want = exp["timetable"]
    assert build_from_spec({**_defaults(want)}) == table


def _defaults(spec: dict[str, Any]) -> dict[str, Any]:
    return spec


def test_case_count() -> None:
    assert len(CASES) == 3387

"""The row reader's fast path changes nothing: same record, or the same error.

``plain_run_record`` builds a run without attrs' per-field calls when every value is
plainly valid, and answers ``None`` otherwise (the caller then takes the checked path).
Both properties feed values of every kind a host might hand over, valid or not:
aware datetimes in UTC, fixed offsets and IANA zones (near the ends of the calendar too),
naive ones, ISO strings with and without an offset, enum members and their strings,
wrong types.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import timetable as T
from timetable import _rows
from timetable._records import plain_run_record
from timetable.errors import TimetableError

_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                          timezone(timedelta(hours=-5)), ZoneInfo("Europe/Berlin"),
                          ZoneInfo("UTC")])
_EDGES = st.sampled_from([datetime(1, 1, 1, 3), datetime(9999, 12, 31, 22), datetime(2, 1, 1),
                          datetime(9998, 12, 31, 23)])
_INSTANTS = st.one_of(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2000, 1, 3), timezones=_ZONES),
    st.builds(lambda d, tz: d.replace(tzinfo=tz), _EDGES, _ZONES),
)
_NAIVE = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2000, 1, 3))
_VALUES = st.one_of(
    _INSTANTS,
    _NAIVE,
    _INSTANTS.map(datetime.isoformat),
    st.sampled_from(["2000-01-01", "not a date", "", 0, 1.5, [], None]),
)


def _fields(run: T.RunRecord) -> dict[str, Any]:
    return {a.name: getattr(run, a.name) for a in attrs.fields(T.RunRecord)}


def _checked(run_id: Any, run_type: Any, logical_date: Any, start: Any, end: Any,
             run_after: Any, state: Any, conf: Any, clear_number: Any) -> T.RunRecord:
    interval = None if start is None and end is None else T.DataInterval(start=start, end=end)
    return T.RunRecord(run_id=run_id, run_type=run_type, logical_date=logical_date,
                       data_interval=interval, run_after=run_after, state=state, conf=conf,
                       clear_number=clear_number)


#: ``field -> (plausible values, wrong values)``; plausible instants include the ends of
#: the calendar, where some offsets overflow UTC.
_CHOICES: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "run_id": (st.just("r"), st.sampled_from(["", None, 3])),
    "run_type": (st.sampled_from([*T.RunType, "scheduled", "manual"]),
                 st.sampled_from(["Scheduled", "bogus", T.RunState.SUCCESS, None, 1])),
    "logical_date": (st.none() | _INSTANTS,
                     _NAIVE | st.sampled_from(["2000-01-01T00:00:00+00:00", 0])),
    "interval": (st.just((None, None)) | st.tuples(_INSTANTS, _INSTANTS).map(sorted).map(tuple),
                 st.one_of(st.tuples(_INSTANTS, _INSTANTS).filter(lambda p: p[0] != p[1])
                           .map(sorted).map(lambda p: (p[1], p[0])),
                           st.tuples(st.none(), _INSTANTS), st.tuples(_INSTANTS, st.none()),
                           st.tuples(_NAIVE, _NAIVE))),
    "run_after": (_INSTANTS, _NAIVE | st.sampled_from([None, "2000-01-01T00:00:00+00:00"])),
    "state": (st.sampled_from([*T.RunState, "success", "failed"]),
              st.sampled_from(["up_for_retry", None, T.RunType.MANUAL])),
    "conf": (st.sampled_from([None, {}, {"a": 1}]), st.sampled_from([["a"], "{}"])),
    "clear_number": (st.sampled_from([0, 3]), st.sampled_from([-1, True, 1.0, None])),
}


@st.composite
def _args(draw: st.DrawFn) -> dict[str, Any]:
    """Plausible values, with at most one field given a wrong one."""
    wrong = draw(st.sampled_from([None, *_CHOICES]))
    args = {name: draw(bad if name == wrong else good) for name, (good, bad) in _CHOICES.items()}
    args["start"], args["end"] = args.pop("interval")
    return args


@given(_args())
def test_plain_run_record_is_the_constructor_or_none(args: dict[str, Any]) -> None:
    fast = plain_run_record(**args)
    try:
        checked = _checked(**args)
    except TimetableError:
        assert fast is None
        return
    if fast is not None:
        assert type(fast) is T.RunRecord
        assert _fields(fast) == _fields(checked)
        assert type(fast.data_interval) is type(checked.data_interval)


_BASE = {"run_id": "r", "run_type": "scheduled", "logical_date": datetime(2000, 1, 1, tzinfo=UTC),
         "start": datetime(2000, 1, 1, tzinfo=UTC), "end": datetime(2000, 1, 2, tzinfo=UTC),
         "run_after": datetime(2000, 1, 2, tzinfo=UTC), "state": "success", "conf": None,
         "clear_number": 0}
_LATE = datetime(9999, 12, 31, 22, tzinfo=timezone(timedelta(hours=-5)))  # past UTC's end
_EARLY = datetime(1, 1, 1, 3, tzinfo=timezone(timedelta(hours=5)))  # before UTC's start
_WRONG = [
    *[{"run_id": v} for v in ("", None, 3, b"r")],
    *[{"run_type": v} for v in ("Scheduled", "bogus", T.RunState.SUCCESS, None, 1, ["manual"])],
    *[{"state": v} for v in ("up_for_retry", None, T.RunType.MANUAL, {"success"})],
    *[{"clear_number": v} for v in (-1, True, False, 1.0, None, "1")],
    *[{"conf": v} for v in (["a"], "{}", 1)],
    *[{k: v} for k in ("logical_date", "run_after")
      for v in (datetime(2000, 1, 1), "2000-01-01T00:00:00+00:00", 0, _LATE, _EARLY)],
    {"start": None}, {"end": None}, {"start": datetime(2000, 1, 3, tzinfo=UTC)},
    {"start": datetime(2000, 1, 1)}, {"end": _LATE}, {"start": _EARLY},
]


@pytest.mark.parametrize("wrong", _WRONG, ids=repr)
def test_plain_run_record_refuses_each_wrong_value(wrong: dict[str, Any]) -> None:
    args = {**_BASE, **wrong}
    assert plain_run_record(**_BASE) is not None
    with pytest.raises(TimetableError):
        _checked(**args)
    assert plain_run_record(**args) is None


_ROWS = st.fixed_dictionaries(
    {"run_id": st.sampled_from(["r", ""]),
     "run_type": st.sampled_from(["scheduled", "manual", "bogus"]),
     "run_after": _VALUES,
     "state": st.sampled_from(["success", "failed", "nope"])},
    optional={"dag_id": st.just("etl"), "logical_date": _VALUES,
              "data_interval_start": _VALUES, "data_interval_end": _VALUES,
              "conf": st.sampled_from([None, {"a": 1}, '{"a": 1}', "[1]", "{", 3]),
              "clear_number": st.sampled_from([None, 0, 2, -1, "1"]),
              "data_interval": st.sampled_from([None, ["2000-01-01T00:00:00+00:00"] * 2])},
)


def _read(row: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "run", _fields(T.validate_history([row]).runs[0])
    except TimetableError as err:
        return type(err).__name__, str(err)


@given(_ROWS)
def test_a_row_reads_the_same_with_and_without_the_fast_path(row: dict[str, Any]) -> None:
    fast = _read(row)
    with mock.patch.object(_rows, "_plain_run", return_value=None):
        assert _read(row) == fast

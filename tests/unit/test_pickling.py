"""Runs, run infos and intervals pickle (and copy) back to the same values.

They pickle as flat calls that set the slots directly (``__reduce__``), not attrs'
per-object state dicts; these tests hold the copy to every field, including the ones
equality ignores (``conf``), so a field added later and left out of ``__reduce__`` fails.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import timetable as T
from timetable import strategies as tst

_PROTOCOLS = st.integers(min_value=0, max_value=pickle.HIGHEST_PROTOCOL)

runs = st.builds(
    T.RunRecord,
    run_id=st.text(min_size=1, max_size=20),
    run_type=st.sampled_from(list(T.RunType)),
    logical_date=st.none() | tst.aware_datetimes(),
    data_interval=st.none() | tst.data_intervals(),
    run_after=tst.aware_datetimes(),
    state=st.sampled_from([s.value for s in T.RunState]),
    conf=st.none() | st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5),
                                     max_size=3),
    clear_number=st.integers(min_value=0, max_value=2**40),
)
run_infos = st.builds(T.RunInfo, run_after=tst.aware_datetimes(), data_interval=tst.data_intervals())


def _fields(value: Any) -> dict[str, Any]:
    """Every field by name, recursing into nested value types (reads fail if a slot is unset)."""
    return {a.name: _fields(v) if attrs.has(type(v := getattr(value, a.name))) else v
            for a in attrs.fields(type(value))}


def _same(back: Any, value: Any) -> None:
    assert type(back) is type(value)
    assert back == value
    assert hash(back) == hash(value)
    assert _fields(back) == _fields(value)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        back.run_after = None  # type: ignore[misc]  # still frozen


@given(runs, _PROTOCOLS)
def test_a_run_pickles_to_the_same_fields(run: T.RunRecord, protocol: int) -> None:
    _same(pickle.loads(pickle.dumps(run, protocol=protocol)), run)


@given(run_infos, _PROTOCOLS)
def test_a_run_info_pickles_to_the_same_fields(info: T.RunInfo, protocol: int) -> None:
    _same(pickle.loads(pickle.dumps(info, protocol=protocol)), info)


@given(tst.data_intervals(), _PROTOCOLS)
def test_an_interval_pickles_to_the_same_ends(interval: T.DataInterval, protocol: int) -> None:
    back = pickle.loads(pickle.dumps(interval, protocol=protocol))
    assert type(back) is T.DataInterval
    assert (back, back.start, back.end) == (interval, interval.start, interval.end)
    assert back.start.tzinfo is interval.start.tzinfo or back.start.tzinfo == interval.start.tzinfo


@given(runs)
def test_copies_of_a_run_are_equal_in_every_field(run: T.RunRecord) -> None:
    _same(copy.copy(run), run)
    deep = copy.deepcopy(run)
    _same(deep, run)
    if run.conf is not None:
        assert deep.conf is not run.conf  # deepcopy copies the opaque conf too

"""``history_from_columns`` answers exactly what ``validate_history`` answers for the
same data as rows: the same history, or the same error (type and message)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timetable import CronDataIntervals, history_from_columns, validate_history
from timetable.errors import InvalidArgumentError, TimetableError, WrongTypeError
from timetable.strategies import run_records

COLUMNS = ("run_id", "run_type", "logical_date", "data_interval_start", "data_interval_end",
           "run_after", "state")
BERLIN = timezone(timedelta(hours=1))


def _rows(runs: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "run_id": r.run_id, "run_type": r.run_type.value, "logical_date": r.logical_date,
            "data_interval_start": r.data_interval.start if r.data_interval else None,
            "data_interval_end": r.data_interval.end if r.data_interval else None,
            "run_after": r.run_after, "state": r.state.value,
        }
        for r in runs
    ]


def _outcome(fn: Any, arg: Any) -> Any:
    try:
        return fn(arg)
    except TimetableError as err:
        return (type(err), str(err))


# Edits that make some rows not plain (strings, other zones) or break a rule.
EDITS = st.sampled_from([
    None,
    ("state", "running "),  # a bad state
    ("state", "QUEUED"),  # not the exact spelling
    ("logical_date", "2024-01-01T00:00:00+00:00"),  # an ISO string: read, not plain
    ("run_after", datetime(2024, 1, 1)),  # naive
    ("run_id", ""),
    ("run_id", "dup"),  # a duplicate run id or logical date (below)
    ("data_interval_start", None),  # a scheduled run without its start
    ("zone", None),  # the same instants in another zone: plain, not UTC
])


@settings(max_examples=150, deadline=None)
@given(
    runs=run_records(CronDataIntervals(cron="@daily"),
                     min_value=datetime(2024, 1, 1, tzinfo=UTC),
                     max_value=datetime(2024, 3, 1, tzinfo=UTC)),
    edit=EDITS,
    at=st.integers(0, 10_000),
)
def test_columns_answer_as_rows_do(runs: list[Any], edit: Any, at: int) -> None:
    rows = _rows(runs)
    if rows and edit is not None:
        i = at % len(rows)
        name, value = edit
        if name == "zone":
            for key in ("logical_date", "data_interval_start", "data_interval_end", "run_after"):
                if rows[i][key] is not None:
                    rows[i][key] = rows[i][key].astimezone(BERLIN)
        elif value == "dup":  # another row's run id (or logical date, in two of three)
            j = (i + 1) % len(rows)
            rows[i]["run_id"] = rows[j]["run_id"]
            if at % 3 and rows[j]["logical_date"] is not None:
                rows[i]["run_id"] = f"other-{i}"
                for key in ("logical_date", "data_interval_start", "data_interval_end"):
                    rows[i][key] = rows[j][key]
        else:
            rows[i][name] = value
    columns = {name: [row[name] for row in rows] for name in COLUMNS}
    assert _outcome(history_from_columns, columns) == _outcome(validate_history, rows)


def test_aliases_and_optional_columns_read_as_in_rows() -> None:
    day = datetime(2024, 1, 1, tzinfo=UTC)
    columns = {
        "run_id": ["a"], "run_type": ["scheduled"], "execution_date": [day],
        "data_interval_start": [day], "data_interval_end": [day + timedelta(days=1)],
        "run_after": [day + timedelta(days=1)], "state": ["success"], "dag_id": ["x"],
        "clear_number": [None], "conf": [{"k": 1}],
    }
    rows = [{k: v[0] for k, v in columns.items()}]
    assert history_from_columns(columns) == validate_history(rows)
    assert history_from_columns(columns).runs[0].conf == {"k": 1}


@pytest.mark.parametrize(
    ("columns", "error", "text"),
    [
        ([("run_id", ["a"])], WrongTypeError, "columns"),
        ({"run_id": "abc"}, WrongTypeError, "columns['run_id']"),
        ({"run_id": ["a", "b"], "state": ["success"]}, InvalidArgumentError, "one value per run"),
    ],
)
def test_bad_shapes_are_named(columns: Any, error: type, text: str) -> None:
    with pytest.raises(error, match=text.replace("[", r"\[").replace("]", r"\]")):
        history_from_columns(columns)


def test_no_runs() -> None:
    assert len(history_from_columns({})) == 0
    assert len(history_from_columns({"run_id": [], "state": []})) == 0


def test_a_bad_first_row_stops_a_huge_column() -> None:
    """The first row that is not a run ends the read: a column of 10**12 values is not
    walked to report it."""
    with pytest.raises(TimetableError):
        history_from_columns({name: range(10**12) for name in COLUMNS})

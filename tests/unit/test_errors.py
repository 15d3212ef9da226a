"""The error hierarchy: one root, builtin bases, stable codes, messages that name things."""

from __future__ import annotations

import inspect
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

import timetable as tt
from timetable import airflow, errors

ALL = [getattr(errors, name) for name in errors.__all__]


def test_every_error_is_exported_and_rooted() -> None:
    """errors.__all__ lists every exception class of the module; all derive from the root."""
    defined = {
        name
        for name, obj in vars(errors).items()
        if inspect.isclass(obj)
        and issubclass(obj, BaseException)
        and obj.__module__ == errors.__name__
    }
    assert defined == set(errors.__all__)
    for cls in ALL:
        assert issubclass(cls, errors.TimetableError)
    assert tt.TimetableError is errors.TimetableError


def test_codes_are_stable_unique_kebab_case() -> None:
    """Each class has its own code, in kebab case."""
    codes = [cls.code for cls in ALL]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", code), code
    # The codes hosts already match on must never change.
    assert errors.NaiveDatetimeError.code == "naive-datetime"
    assert errors.UnknownTimezoneError.code == "unknown-timezone"
    assert errors.InvalidScheduleError.code == "invalid-schedule"
    assert errors.InvalidSerializedFormError.code == "invalid-serialized-form"
    assert errors.WrongTypeError.code == "wrong-type"


def test_user_errors_are_also_builtin_errors() -> None:
    """Bad values are ValueErrors, wrong types are TypeErrors."""
    for cls in ALL:
        if cls is errors.TimetableError:
            continue
        assert issubclass(cls, (ValueError, TypeError)), cls
    assert issubclass(errors.WrongTypeError, TypeError)
    assert issubclass(errors.InvalidArgumentError, ValueError)


def test_for_value_message_shape() -> None:
    """``argument=repr(value): expected`` and the argument kept on the error."""
    err = errors.InvalidScheduleError.for_value("cron", "0 0 30 2 *", "never fires")
    assert str(err) == "cron='0 0 30 2 *': never fires"
    assert err.argument == "cron"
    assert isinstance(err, errors.InvalidScheduleError)


def _raises(fn: Any) -> errors.TimetableError:
    with pytest.raises(errors.TimetableError) as info:
        fn()
    return info.value


NOW = datetime(2024, 1, 1)  # naive on purpose


@pytest.mark.parametrize(
    ("call", "cls", "argument", "shown"),
    [
        (
            lambda: tt.CronTrigger(cron="0 0 1 13 0"),
            errors.InvalidScheduleError,
            "cron",
            "'0 0 1 13 0'",
        ),
        (
            lambda: tt.CronDataIntervals(cron="0 0 30 2 *"),
            errors.InvalidScheduleError,
            "cron",
            "'0 0 30 2 *'",
        ),
        (
            lambda: tt.CronTrigger(cron="@daily", timezone="Mars/Olympus"),
            errors.UnknownTimezoneError,
            "timezone",
            "'Mars/Olympus'",
        ),
        (lambda: tt.CronTrigger(cron=5), errors.WrongTypeError, "cron", "5"),  # type: ignore[arg-type]
        (
            lambda: tt.DeltaTrigger(delta=timedelta(0)),
            errors.InvalidScheduleError,
            "delta",
            "datetime.timedelta(0)",
        ),
        (
            lambda: tt.CronTrigger(cron="@daily", run_immediately="yes"),
            errors.WrongTypeError,
            "run_immediately",
            "'yes'",
        ),  # type: ignore[arg-type]
        (
            lambda: tt.next_run_info(
                tt.Never(), last_interval=None, restriction=tt.TimeRestriction(), now=NOW
            ),
            errors.NaiveDatetimeError,
            "now",
            "datetime.datetime(2024, 1, 1, 0, 0)",
        ),
        (
            lambda: tt.next_run_info(
                "@daily",
                last_interval=None,  # type: ignore[arg-type]
                restriction=tt.TimeRestriction(),
                now=NOW,
            ),
            errors.WrongTypeError,
            "timetable",
            "'@daily'",
        ),
        (
            lambda: tt.infer_manual_interval(tt.Never(), run_after=NOW),
            errors.NaiveDatetimeError,
            "run_after",
            "datetime.datetime(2024, 1, 1, 0, 0)",
        ),
        (
            lambda: airflow.from_serialized({"__type": "x.Y"}),
            errors.InvalidSerializedFormError,
            "__type",
            "'x.Y'",
        ),
        (
            lambda: airflow.generate_run_id("nightly", run_after=NOW),
            errors.InvalidArgumentError,
            "run_type",
            "'nightly'",
        ),
        (lambda: airflow.from_schedule(42), errors.WrongTypeError, "schedule", "42"),
    ],
)
def test_messages_name_the_argument_and_show_the_value(
    call: Any, cls: type[errors.TimetableError], argument: str, shown: str
) -> None:
    """Real errors from the public API: the right class, the argument, the value's repr."""
    err = _raises(call)
    assert type(err) is cls
    assert err.argument == argument
    assert str(err).startswith(f"{argument}={shown}")
    assert err.code == cls.code

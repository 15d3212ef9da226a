"""The whole error hierarchy of ``timetable``.

Every exception the public API raises on purpose is a :class:`TimetableError`.
Errors caused by bad input also subclass :class:`ValueError` (or :class:`TypeError`
where the *type* of an argument is wrong), so code that already catches those keeps
working.

Each class has a stable, kebab-case :attr:`~TimetableError.code` that hosts can
match on (and that the CLI prints); codes never change meaning once released.

Messages follow one shape: the argument's name, the offending value (``repr``),
and what was expected, e.g.
``cron='0 0 30 2 *': this expression never fires (no date matches it)``.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "CyclicGraphError",
    "InvalidArgumentError",
    "InvalidIntervalError",
    "InvalidRecordError",
    "InvalidRequestError",
    "InvalidScheduleError",
    "InvalidSerializedFormError",
    "NaiveDatetimeError",
    "TimetableError",
    "UnknownRunError",
    "UnknownTaskError",
    "UnknownTimezoneError",
    "WrongTypeError",
]


class TimetableError(Exception):
    """Root of every error ``timetable`` raises on purpose.

    Attributes:
        code: a stable identifier for the kind of error (e.g. ``"invalid-schedule"``).
        argument: the name of the argument (or field) at fault, when there is one.
    """

    code: ClassVar[str] = "timetable-error"

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument

    @classmethod
    def for_value(
        cls, argument: str, value: Any, expected: str
    ) -> TimetableError:
        """Build an error whose message names *argument*, shows *value* and says what was expected."""
        return cls(f"{argument}={value!r}: {expected}", argument=argument)


class InvalidArgumentError(TimetableError, ValueError):
    """An argument has an acceptable type but an unacceptable value."""

    code = "invalid-argument"


class WrongTypeError(TimetableError, TypeError):
    """An argument has the wrong type (e.g. a string where a datetime is needed)."""

    code = "wrong-type"


class NaiveDatetimeError(InvalidArgumentError):
    """A datetime without a time zone was passed; only aware instants are accepted."""

    code = "naive-datetime"


class UnknownTimezoneError(InvalidArgumentError):
    """A time zone name is not in the IANA database (and is not a fixed offset)."""

    code = "unknown-timezone"


class InvalidScheduleError(InvalidArgumentError):
    """A schedule cannot be built: bad cron, non-positive delta, bad events, …"""

    code = "invalid-schedule"


class InvalidIntervalError(InvalidArgumentError):
    """An interval or range is malformed (``start > end``, ``earliest > latest``, …)."""

    code = "invalid-interval"


class InvalidRecordError(InvalidArgumentError):
    """A record of the host's history is malformed or contradicts another record."""

    code = "invalid-record"


class InvalidRequestError(InvalidArgumentError):
    """A request (backfill, clear, mark, …) is not acceptable as a whole."""

    code = "invalid-request"


class UnknownTaskError(InvalidArgumentError):
    """A task id is not part of the task graph."""

    code = "unknown-task"


class UnknownRunError(InvalidArgumentError):
    """A run id is not part of the run history."""

    code = "unknown-run"


class CyclicGraphError(InvalidArgumentError):
    """The task graph has a cycle; the message shows it."""

    code = "cyclic-graph"


class InvalidSerializedFormError(InvalidArgumentError):
    """A serialized value (ours or Airflow's) cannot be read; the message names the field."""

    code = "invalid-serialized-form"

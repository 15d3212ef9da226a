"""The whole error hierarchy of ``timetable``.

Every exception the public API raises on purpose is a `TimetableError`.
Errors caused by bad input also subclass `ValueError` (or `TypeError`
where the *type* of an argument is wrong), so code that already catches those keeps
working.

Each class has a stable, kebab-case `code` that hosts can
match on (and that the CLI prints); codes never change meaning once released.

Messages follow one shape: the argument's name, the offending value (``repr``),
and what was expected, e.g.
``cron='0 0 30 2 *': this expression never fires (no date matches it)``.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "BackfillAlreadyRunningError",
    "BackfillInFutureError",
    "CalendarRangeError",
    "ChangesetConflictError",
    "CyclicGraphError",
    "DuplicateLogicalDateError",
    "DuplicateRunIdError",
    "IntervalMismatchError",
    "InvalidArgumentError",
    "InvalidBackfillDirectionError",
    "InvalidBackfillRangeError",
    "InvalidIntervalError",
    "InvalidRecordError",
    "InvalidReprocessBehaviorError",
    "InvalidRequestError",
    "InvalidScheduleError",
    "InvalidSerializedFormError",
    "NaiveDatetimeError",
    "InvalidCalendarError",
    "NoBackfillRunsError",
    "NoBusinessDayError",
    "NonPeriodicTimetableError",
    "PlanTooLargeError",
    "RunAlreadyExistsError",
    "RunTypeNotAllowedError",
    "TimetableError",
    "UnknownKindError",
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


# -- history records ------------------------------------------------------------------


class DuplicateRunIdError(InvalidRecordError):
    """Two records of one history share a ``run_id``."""

    code = "duplicate-run-id"


class DuplicateLogicalDateError(InvalidRecordError):
    """Two records of one history share a logical date (Airflow keeps it unique)."""

    code = "duplicate-logical-date"


class IntervalMismatchError(InvalidRecordError):
    """A record's data interval contradicts its logical date."""

    code = "interval-mismatch"


# -- requests: manual runs and backfills ----------------------------------------------


class RunAlreadyExistsError(InvalidRequestError):
    """A requested run collides with a stored one (same run id or logical date)."""

    code = "run-already-exists"


class RunTypeNotAllowedError(InvalidRequestError):
    """The DAG does not allow runs of the requested type (Airflow's ``DagRunTypeNotAllowed``)."""

    code = "run-type-not-allowed"


class NonPeriodicTimetableError(InvalidRequestError):
    """The timetable cannot be backfilled (Airflow's ``DagNonPeriodicScheduleException``)."""

    code = "non-periodic-timetable"


class BackfillAlreadyRunningError(InvalidRequestError):
    """Another backfill of the DAG is not complete yet (Airflow's ``AlreadyRunningBackfill``)."""

    code = "backfill-already-running"


class InvalidBackfillRangeError(InvalidRequestError):
    """``from_date`` is after ``to_date`` (Airflow's ``InvalidBackfillDateRange``)."""

    code = "invalid-backfill-range"


class BackfillInFutureError(InvalidRequestError):
    """Both backfill bounds are at or after now (Airflow's ``InvalidBackfillDate``)."""

    code = "backfill-in-future"


class InvalidBackfillDirectionError(InvalidRequestError):
    """``run_backwards`` with ``depends_on_past`` tasks (Airflow's ``InvalidBackfillDirection``)."""

    code = "invalid-backfill-direction"


class InvalidReprocessBehaviorError(InvalidRequestError):
    """``depends_on_past`` tasks need reprocess ``failed`` or ``completed``.

    Airflow's ``InvalidReprocessBehavior``.
    """

    code = "invalid-reprocess-behavior"


class NoBackfillRunsError(InvalidRequestError):
    """The backfill would create or reprocess nothing (Airflow's ``NoBackfillRunsToCreate``)."""

    code = "no-backfill-runs"


class PlanTooLargeError(InvalidRequestError):
    """An eager plan would hold more intervals than it may (stream it: `iter_backfill`, `iter_catchup`)."""

    code = "plan-too-large"


# -- applying changesets ----------------------------------------------------------------


class ChangesetConflictError(InvalidArgumentError):
    """A changeset does not apply to the snapshot it meets (re-plan from a fresh one).

    A before-value no longer matches, an updated row is gone, or an insert collides
    with a stored run id or logical date.
    """

    code = "changeset-conflict"


class InvalidCalendarError(InvalidArgumentError):
    """A business calendar that cannot be built.

    A weekmask with no business day, an unknown country or subdivision for
    [`BusinessCalendar.from_holidays`][timetable.BusinessCalendar.from_holidays], a
    malformed holiday rule, or a roll convention the schedule cannot use.
    """

    code = "invalid-calendar"


class CalendarRangeError(InvalidArgumentError):
    """A date outside the years a calendar's holidays were materialized for.

    The message names the year range; a calendar never answers "no holiday" for a year
    it knows nothing about.
    """

    code = "calendar-range"


class NoBusinessDayError(InvalidArgumentError):
    """A roll (or a skip) found no business day within its search window."""

    code = "no-business-day"


class UnknownKindError(InvalidSerializedFormError):
    """A serialized document names a kind nobody registered.

    Register user-defined timetables with
    [`register_kind`][timetable.serialization.register_kind].
    """

    code = "unknown-kind"

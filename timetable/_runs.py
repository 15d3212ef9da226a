"""The interval core: the next run, a manual run's interval, and lazy enumeration.

These three functions are the contract every host and every planning function uses.
They validate their arguments (aware datetimes, the right types) and delegate to the
timetable's own rules, so custom timetables that satisfy
:class:`~timetable.TimetableProtocol` work everywhere too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ._timetables import TimetableProtocol
from ._types import DataInterval, RunInfo, TimeRestriction
from ._tz import check_aware
from .errors import InvalidIntervalError, WrongTypeError

__all__ = ["check_timetable", "infer_manual_interval", "iter_run_infos", "next_run_info"]


def check_timetable(tt: object, argument: str = "timetable") -> TimetableProtocol:
    """Return *tt* if it is a timetable (built-in or satisfying the protocol)."""
    if not isinstance(tt, TimetableProtocol) or isinstance(tt, type):
        raise WrongTypeError.for_value(
            argument, tt, "expected a timetable (e.g. CronTrigger(cron='@daily'))"
        )
    return tt


def next_run_info(
    timetable: TimetableProtocol,
    *,
    last_interval: DataInterval | None,
    restriction: TimeRestriction,
    now: datetime,
) -> RunInfo | None:
    """The next automated run of *timetable* (Airflow's ``next_dagrun_info``).

    Args:
        timetable: any timetable.
        last_interval: the data interval of the last *automated* (scheduled or
            backfill) run, or ``None`` when there is none.  Manual runs never count.
        restriction: the start date, end date and catchup flag.
        now: the current instant; read wherever Airflow reads the clock (catchup off,
            ``Once``/``Continuous``/``Events``, ``run_immediately``).

    Returns:
        The run to create next, or ``None`` for "nothing to schedule" (which is not
        "never again": a later ``now`` can give a run).

    Raises:
        NaiveDatetimeError: *now* is naive.
        WrongTypeError: an argument has the wrong type.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, TimeRestriction, next_run_info
    >>> info = next_run_info(
    ...     CronDataIntervals(cron="@daily"),
    ...     last_interval=None,
    ...     restriction=TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ...     now=datetime(2024, 6, 1, tzinfo=timezone.utc),
    ... )
    >>> print(info.data_interval.start, info.run_after)
    2024-01-01 00:00:00+00:00 2024-01-02 00:00:00+00:00
    """
    tt = check_timetable(timetable)
    if last_interval is not None and not isinstance(last_interval, DataInterval):
        raise WrongTypeError.for_value(
            "last_interval", last_interval, "expected a DataInterval or None"
        )
    if not isinstance(restriction, TimeRestriction):
        raise WrongTypeError.for_value("restriction", restriction, "expected a TimeRestriction")
    check_aware(now, "now")
    return tt.next_run_info(last_interval=last_interval, restriction=restriction, now=now)


def infer_manual_interval(timetable: TimetableProtocol, *, run_after: datetime) -> DataInterval:
    """The data interval of a manual run (Airflow's ``infer_manual_data_interval``).

    The REST API passes the user's *logical date* here, the trigger path the run's
    ``run_after``; both are valid uses.

    Raises:
        NaiveDatetimeError: *run_after* is naive.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, infer_manual_interval
    >>> iv = infer_manual_interval(CronDataIntervals(cron="@daily"),
    ...                            run_after=datetime(2022, 8, 8, 1, tzinfo=timezone.utc))
    >>> print(iv.start, iv.end)
    2022-08-07 00:00:00+00:00 2022-08-08 00:00:00+00:00
    """
    tt = check_timetable(timetable)
    check_aware(run_after, "run_after")
    return tt.infer_manual_interval(run_after=run_after)


def iter_run_infos(
    timetable: TimetableProtocol,
    *,
    start: datetime,
    end: datetime | None,
    now: datetime,
) -> Iterator[RunInfo]:
    """Every run between *start* and *end*, lazily (Airflow's ``iter_dagrun_infos_between``).

    Equal to chaining :func:`next_run_info` with ``TimeRestriction(earliest=start,
    latest=end, catchup=True)`` from no previous run.  *end* bounds the logical date of
    data-interval kinds and the ``run_after`` of trigger kinds (both inclusive);
    ``end=None`` enumerates without bound.  Stops when the timetable stops advancing
    (``Continuous`` at a fixed *now*).

    Raises:
        NaiveDatetimeError: a datetime argument is naive.
        InvalidIntervalError: ``start > end``.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronTrigger, iter_run_infos
    >>> utc = timezone.utc
    >>> runs = iter_run_infos(CronTrigger(cron="0 12 * * *"), start=datetime(2024, 1, 1, tzinfo=utc),
    ...                       end=datetime(2024, 1, 3, 23, tzinfo=utc), now=datetime(2024, 2, 1, tzinfo=utc))
    >>> [r.run_after.day for r in runs]
    [1, 2, 3]
    """
    tt = check_timetable(timetable)
    check_aware(start, "start")
    if end is not None:
        check_aware(end, "end")
        if start > end:
            raise InvalidIntervalError(
                f"start={start.isoformat()!r} is after end={end.isoformat()!r}", argument="start"
            )
    check_aware(now, "now")
    return _iter(tt, TimeRestriction(earliest=start, latest=end, catchup=True), now)


def _iter(tt: TimetableProtocol, restriction: TimeRestriction, now: datetime) -> Iterator[RunInfo]:
    info = tt.next_run_info(last_interval=None, restriction=restriction, now=now)
    while info is not None:
        yield info
        nxt = tt.next_run_info(last_interval=info.data_interval, restriction=restriction, now=now)
        if nxt is not None and nxt.data_interval == info.data_interval:
            return  # no progress (Continuous at a frozen now)
        info = nxt

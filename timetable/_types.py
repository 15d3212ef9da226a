"""The small value types every computation speaks: intervals, restrictions, run infos."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import attrs

from ._validation import aware as _aware
from ._validation import aware_or_none as _aware_or_none
from .errors import InvalidIntervalError, WrongTypeError

__all__ = ["DataInterval", "DstPolicy", "RunInfo", "TimeRestriction"]


@attrs.frozen(kw_only=True)
class DataInterval:
    """The period of data a run processes: ``[start, end]``.

    ``start == end`` is allowed: trigger-style and manual runs cover a single instant.
    Both ends are aware datetimes; they are compared as instants.

    Attributes:
        start: the first instant of the interval (the run's logical date).
        end: the instant the interval ends; data-interval schedules run at it.

    >>> from datetime import datetime, timezone
    >>> iv = DataInterval(start=datetime(2024, 1, 1, tzinfo=timezone.utc),
    ...                   end=datetime(2024, 1, 2, tzinfo=timezone.utc))
    >>> iv.end - iv.start
    datetime.timedelta(days=1)
    >>> start, end = iv  # unpacks like Airflow's NamedTuple
    >>> start.day, end.day
    (1, 2)
    """

    start: datetime = attrs.field(validator=_aware)
    end: datetime = attrs.field(validator=_aware)

    def __attrs_post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidIntervalError(
                f"end={self.end.isoformat()!r}: must not be earlier than "
                f"start={self.start.isoformat()!r}",
                argument="end",
            )

    @classmethod
    def exact(cls, at: datetime) -> DataInterval:
        """The zero-length interval ``[at, at]``."""
        return cls(start=at, end=at)

    def __iter__(self) -> Iterator[datetime]:
        """``start, end = interval``, as Airflow's ``DataInterval`` (a NamedTuple) unpacks."""
        return iter((self.start, self.end))

    def __contains__(self, instant: object) -> bool:
        if not isinstance(instant, datetime):
            return False
        return self.start <= instant <= self.end

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as a call that sets the slots directly: attrs' default state is a dict
        # per object, read back by Python code; the ends were checked when built.
        return unpickle_interval, (self.start, self.end)


@attrs.frozen(kw_only=True)
class TimeRestriction:
    """The bounds a schedule works within, as Airflow's ``TimeRestriction``.

    Attributes:
        earliest: the DAG's ``start_date`` (inclusive), or ``None``.
        latest: the DAG's ``end_date`` (inclusive), or ``None``.
        catchup: ``True`` to create every missed period; ``False`` (the default, as
            Airflow 3's ``catchup_by_default``) to jump to the latest.
    """

    earliest: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    latest: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    catchup: bool = attrs.field(default=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.catchup, bool):
            raise WrongTypeError.for_value("catchup", self.catchup, "expected True or False")
        # Airflow accepts latest < earliest and simply schedules nothing; so do we.


@attrs.frozen(kw_only=True)
class RunInfo:
    """What a schedule answers for one run: when it may start and what it covers.

    Attributes:
        run_after: the earliest instant the run may be created and started.
        data_interval: the period the run covers.
    """

    run_after: datetime = attrs.field(validator=_aware)
    data_interval: DataInterval = attrs.field()

    @data_interval.validator
    def _check_interval(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, DataInterval):
            raise WrongTypeError.for_value("data_interval", value, "expected a DataInterval")

    @property
    def logical_date(self) -> datetime:
        """The run's identity date: the start of its data interval."""
        return self.data_interval.start

    @classmethod
    def exact(cls, at: datetime) -> RunInfo:
        """A run at *at* covering the single instant ``[at, at]``."""
        return cls(run_after=at, data_interval=DataInterval.exact(at))

    @classmethod
    def interval(cls, start: datetime, end: datetime) -> RunInfo:
        """A run covering ``[start, end]`` that may start at *end*."""
        return cls(run_after=end, data_interval=DataInterval(start=start, end=end))

    def __reduce__(self) -> tuple[Any, ...]:
        interval = self.data_interval  # flattened: one call rebuilds both objects
        return _run_info, (self.run_after, interval.start, interval.end)


# Unpickling (see the ``__reduce__`` methods): the values come from an instance that was
# validated when it was built, so the slots are set as they are.
_new = object.__new__
_set = object.__setattr__


def unpickle_interval(start: datetime, end: datetime) -> DataInterval:
    interval = _new(DataInterval)
    _set(interval, "start", start)
    _set(interval, "end", end)
    return interval


def _run_info(run_after: datetime, start: datetime, end: datetime) -> RunInfo:
    info = _new(RunInfo)
    _set(info, "run_after", run_after)
    _set(info, "data_interval", unpickle_interval(start, end))
    return info


_GAPS = ("shift", "clamp", "skip")
_FOLDS = ("second", "first", "both")


@attrs.frozen(kw_only=True)
class DstPolicy:
    """How wall-clock schedules treat DST gaps and folds.

    The default is Airflow's: a wall time in a spring-forward gap moves forward by the
    gap (``"shift"``); a repeated wall time fires once, at its second occurrence
    (``"second"``).  See the *Time zones and DST* concept page for tables.

    Attributes:
        gap: ``"shift"`` (Airflow), ``"clamp"`` (to the transition instant) or ``"skip"``.
        fold: ``"second"`` (Airflow), ``"first"`` or ``"both"``.
    """

    gap: str = attrs.field(default="shift")
    fold: str = attrs.field(default="second")

    @gap.validator
    def _check_gap(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in _GAPS:
            from .errors import InvalidArgumentError

            raise InvalidArgumentError.for_value("gap", value, f"expected one of {_GAPS}")

    @fold.validator
    def _check_fold(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in _FOLDS:
            from .errors import InvalidArgumentError

            raise InvalidArgumentError.for_value("fold", value, f"expected one of {_FOLDS}")

    @property
    def is_airflow(self) -> bool:
        """Whether this is Airflow's behaviour (the default)."""
        return self.gap == "shift" and self.fold == "second"

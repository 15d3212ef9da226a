"""Planning over run history: the validated history and the vocabulary every plan shares.

Theory of operation
-------------------
Every planning question (catchup, backfill, gaps, depends_on_past, LatestOnly, template
dates, manual runs) reads the host's *run history*: a snapshot of its ``dag_run`` rows.
This module turns that snapshot into a [`History`][timetable.History] once - validated, sorted and
indexed - so each question is a pass over sorted data and a few dictionary lookups:

* **validated when read** - duplicate run ids, duplicate logical dates, naive datetimes
  and intervals that contradict the logical date are typed errors naming the record
  (its position and ``run_id``); nothing is silently dropped;
* **order-free** - the history is sorted by ``(logical_date, run_id)`` (runs without a
  logical date last, by ``run_after`` then ``run_id``), so no answer depends on the
  order the host listed its rows in;
* **indexed** - each logical date is turned once into its key (the instant in UTC, see
  `instant_key`; a date already in UTC is its own key), kept sorted for bisection,
  and bisected for "does a run exist at this date" as well.  Records the host
  built as [`RunRecord`][timetable.RunRecord] values were validated field by field when built; only
  the rules across fields and records are checked, in whole-list passes.

Plans never hold rich objects per entry when they can be long: each plan stores plain
tuples (datetimes, strings, small enum members) and builds entry objects on demand
(``DESIGN.md``, *Performance*: millions of live attrs objects make the collector crawl).

The vocabulary ([`Action`][timetable.Action], [`Reason`][timetable.Reason]) is shared by every plan, so a host
can render or filter any plan the same way.
"""

from __future__ import annotations

import enum
import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import compress, islice, pairwise, repeat
from operator import attrgetter, countOf, eq, is_, is_not, not_
from typing import Any

import attrs

from ._records import RunRecord, RunState, RunType, plain_run_record
from ._rows import RowLike, _run_columns, is_row, read_run
from ._types import DataInterval, TimeRestriction
from ._validation import (
    aware_arg,
    aware_or_none_arg,
    bool_arg,
    checked,
    enum_missing,
    items_arg,
    str_arg,
)
from .errors import (
    DuplicateLogicalDateError,
    DuplicateRunIdError,
    IntervalMismatchError,
    InvalidArgumentError,
    InvalidSerializedFormError,
    TimetableError,
    WrongTypeError,
)

__all__ = [
    "Action",
    "History",
    "Reason",
    "check_conf",
    "dag_restriction",
    "history_from_columns",
    "iso",
    "validate_history",
]


class Action(enum.StrEnum):
    """What a plan entry asks the host to do."""

    _missing_ = classmethod(enum_missing)

    CREATE = "create"
    """Create a new run."""
    REPROCESS = "reprocess"
    """Clear an existing run in place (it keeps its ``run_id``) and queue it again."""
    SKIP = "skip"
    """Leave the interval alone; the reason says why."""


class Reason(enum.StrEnum):
    """Why an entry is in a plan.  Values are stable strings (they appear in JSON)."""

    _missing_ = classmethod(enum_missing)

    DUE = "due"
    """The interval is due (``run_after <= now``) and has no run."""
    MISSING = "missing"
    """The interval is in the requested range and has no run."""
    FAILED = "failed"
    """The interval's run failed."""
    ALREADY_EXISTS = "already exists"
    """A finished run with this logical date exists and is not reprocessed."""
    IN_FLIGHT = "in flight"
    """A queued or running run with this logical date exists; it is never touched."""
    REPROCESS_FAILED = "failed → reprocess"
    """The existing run failed and the request reprocesses failed runs."""
    REPROCESS_COMPLETED = "completed → reprocess"
    """The existing run succeeded and the request reprocesses completed runs."""
    OUTSIDE_WINDOW = "outside catchup window"
    """Policy ``window``: the interval became due too long ago."""
    OLDER_THAN_LATEST = "older than the latest N"
    """Policy ``latest``: only the most recent intervals are created."""
    COALESCED = "coalesced"
    """Policy ``coalesce``: the interval is covered by one run spanning the gap."""
    CATCHUP_OFF = "catchup off"
    """Catchup is off: the scheduler jumps to the latest interval and skips this one."""


#: The ``"version"`` of every plan and decision document (``to_dict()``).
DOCUMENT_VERSION = 1


def run_dict(run: RunRecord) -> dict[str, Any]:
    """A run record as JSON (the ``dag_run`` fields, data interval as ``{start, end}``)."""
    iv = run.data_interval
    return {
        "run_id": run.run_id,
        "run_type": run.run_type.value,
        "logical_date": iso(run.logical_date),
        "data_interval": None if iv is None else {"start": iso(iv.start), "end": iso(iv.end)},
        "run_after": iso(run.run_after),
        "state": run.state.value,
        "conf": None if run.conf is None else dict(run.conf),
        "clear_number": run.clear_number,
    }


def iso(value: datetime | None) -> str | None:
    """ISO-8601 text of an instant, or ``None``."""
    return None if value is None else value.isoformat()


def check_conf(conf: Any, argument: str = "conf") -> Mapping[str, Any] | None:
    """Return *conf* if it is ``None`` or a JSON object (a mapping with string keys).

    The conf is opaque to this library: it is carried through untouched, only checked
    to be representable as JSON so plans render.

    Raises:
        WrongTypeError: *conf* is not a mapping.
        InvalidArgumentError: *conf* cannot be written as JSON.
    """
    if conf is None:
        return None
    if not isinstance(conf, Mapping):
        raise WrongTypeError.for_value(argument, conf, "expected a JSON object (a mapping) or None")
    try:
        json.dumps(conf, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise InvalidArgumentError.for_value(
            argument, conf, f"expected a JSON object ({err})"
        ) from err
    return conf


def _record_label(index: int, run: RunRecord) -> str:
    return f"runs[{index}] (run_id={run.run_id!r})"


def _read_record(index: int, raw: Any) -> RunRecord:
    return read_run(raw, index, "runs")


def instant_key(value: datetime) -> datetime:
    """The index key of an aware instant: the instant in UTC (``timezone.utc``).

    Keys in one zone object compare and hash without calling ``utcoffset``; an instant
    already in UTC is its own key.  (Integer microseconds since the epoch were tried:
    ``timedelta // timedelta`` costs more per row than the whole UTC key path.)
    """
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _undated_key(run: RunRecord) -> tuple[datetime, str]:
    return (instant_key(run.run_after), run.run_id)


def _check_record(index: int, run: RunRecord) -> None:
    interval = run.data_interval
    if run.logical_date is None:
        if interval is not None:
            raise IntervalMismatchError(
                f"{_record_label(index, run)}: data_interval={_interval_text(interval)} "
                "but logical_date=None; a run without a logical date has no data interval",
                argument="data_interval",
            )
        return
    if run.run_type is RunType.SCHEDULED:
        if interval is None:
            raise IntervalMismatchError(
                f"{_record_label(index, run)}: a scheduled run needs a data_interval "
                f"(logical_date={run.logical_date.isoformat()!r})",
                argument="data_interval",
            )
        if interval.start != run.logical_date:
            raise IntervalMismatchError(
                f"{_record_label(index, run)}: logical_date={run.logical_date.isoformat()!r} "
                f"but data_interval={_interval_text(interval)}; a scheduled run's logical "
                "date is its data interval's start",
                argument="logical_date",
            )


def _interval_text(interval: DataInterval) -> str:
    return f"[{interval.start.isoformat()}, {interval.end.isoformat()}]"


@attrs.frozen(kw_only=True, eq=False)
class History:
    """A validated, sorted run history (build it with [`validate_history()`][timetable.validate_history]).

    Every planning function accepts either a [`History`][timetable.History] or any iterable of
    [`RunRecord`][timetable.RunRecord]; validate once and pass the [`History`][timetable.History] around when the
    same snapshot answers several questions.

    Attributes:
        runs: every record, sorted by ``(logical_date, run_id)``; runs without a
            logical date come last, by ``(run_after, run_id)``.
    """

    runs: tuple[RunRecord, ...]
    _dated: int = attrs.field(alias="_dated")
    _keys: list[datetime] = attrs.field(alias="_keys", repr=False)
    _by_id: dict[str, RunRecord] | None = attrs.field(alias="_by_id", default=None, repr=False)
    # (active runs without backfill runs, with them), counted on first use
    _active: tuple[int, int] | None = attrs.field(alias="_active", default=None, repr=False)

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[RunRecord]:
        return iter(self.runs)

    def __eq__(self, other: object) -> bool:
        """Two histories are equal when they hold equal runs (the indexes follow)."""
        if not isinstance(other, History):
            return NotImplemented
        return self.runs == other.runs

    def __hash__(self) -> int:
        return hash(self.runs)

    def _to_dict(self) -> dict[str, Any]:
        from .serialization import to_dict

        return {"runs": [to_dict(r) for r in self.runs]}

    @classmethod
    def _from_dict(cls, data: Any) -> History:
        from .serialization import from_dict

        runs = data.get("runs") if isinstance(data, dict) else None
        if not isinstance(runs, list):
            raise InvalidSerializedFormError.for_value(
                "runs", runs, "expected a list of serialized RunRecords"
            )
        return validate_history([from_dict(r) for r in runs])

    @property
    def dated(self) -> tuple[RunRecord, ...]:
        """The runs that have a logical date, in logical-date order."""
        return self.runs[: self._dated]

    @checked(run_id=str_arg)
    def get(self, run_id: str) -> RunRecord | None:
        """The run with *run_id*, or ``None``."""
        by_id = self._by_id
        if by_id is None:  # built on first use: a dict costs three times the set that
            # checked the ids were unique, and many questions never look a run up by id
            by_id = {r.run_id: r for r in self.runs}
            object.__setattr__(self, "_by_id", by_id)
        return by_id.get(run_id)

    @checked(logical_date=aware_arg)
    def at(self, logical_date: datetime) -> RunRecord | None:
        """The run whose logical date is *logical_date* (an instant), or ``None``."""
        return self._at(logical_date)

    def _at(self, logical_date: datetime) -> RunRecord | None:
        """`at()` without the argument check (for aware instants the library holds)."""
        key = instant_key(logical_date)
        keys = self._keys
        i = bisect_left(keys, key)
        return self.runs[i] if i < len(keys) and keys[i] == key else None

    @checked(logical_date=aware_arg)
    def before(self, logical_date: datetime) -> Iterator[RunRecord]:
        """Runs with a logical date strictly before *logical_date*, latest first."""
        i = bisect_left(self._keys, instant_key(logical_date))
        runs = self.runs
        for j in range(i - 1, -1, -1):
            yield runs[j]

    @checked(logical_date=aware_arg)
    def after(self, logical_date: datetime) -> Iterator[RunRecord]:
        """Runs with a logical date at or after *logical_date*, earliest first."""
        i = bisect_left(self._keys, instant_key(logical_date))
        runs = self.runs
        for j in range(i, self._dated):
            yield runs[j]

    def latest_automated(self) -> RunRecord | None:
        """The scheduled or backfill run with the greatest logical date.

        This is the run the scheduler continues from; manual, operator- and
        asset-triggered runs never count.
        """
        runs = self.runs
        for j in range(self._dated - 1, -1, -1):
            if runs[j].run_type in _AUTOMATED:
                return runs[j]
        return None

    @checked(include_backfill=bool_arg)
    def count_active(self, *, include_backfill: bool = False) -> int:
        """Queued plus running runs (backfill runs only when *include_backfill*)."""
        counts = self._active
        if counts is None:  # one pass over the states, in C; most runs are finished
            states = list(map(_state, self.runs))
            if countOf(states, RunState.QUEUED) or countOf(states, RunState.RUNNING):
                active = [r for r in self.runs if r.state in _ACTIVE]
                counts = (sum(1 for r in active if r.run_type is not RunType.BACKFILL),
                          len(active))
            else:
                counts = (0, 0)
            object.__setattr__(self, "_active", counts)
        return counts[1] if include_backfill else counts[0]


_AUTOMATED = frozenset({RunType.SCHEDULED, RunType.BACKFILL})
_ACTIVE = frozenset({RunState.QUEUED, RunState.RUNNING})


def validate_history(runs: Iterable[RunRecord | RowLike] | History) -> History:
    """Validate a run history and index it for planning.

    Records may be [`RunRecord`][timetable.RunRecord] values or rows: plain mappings, ``sqlite3.Row``
    or any mapping-like row keyed by Airflow's ``dag_run`` column names (datetimes as
    aware ``datetime`` or ISO-8601 strings with an offset; the flat
    ``data_interval_start``/``data_interval_end`` columns or one ``data_interval``;
    other columns such as ``dag_id`` are ignored).  The accepted columns are listed on
    the *host contract* page.

    Args:
        runs: the host's run records, in any order.

    Returns:
        The sorted, indexed [`History`][timetable.History] (returned as is when already one).

    Raises:
        DuplicateRunIdError: two records share a ``run_id``.
        DuplicateLogicalDateError: two records share a logical date (as instants).
        IntervalMismatchError: a record's data interval contradicts its logical date
            (a scheduled run whose interval does not start at its logical date, or an
            interval on a run without a logical date).
        NaiveDatetimeError: a datetime of a record is naive.
        InvalidRecordError: a field has a value outside its vocabulary.
        WrongTypeError: an entry is neither a record nor a mapping.

    >>> from datetime import datetime, timezone
    >>> from timetable import DataInterval, RunRecord
    >>> day = lambda d: datetime(2024, 1, d, tzinfo=timezone.utc)
    >>> history = validate_history([
    ...     RunRecord(run_id="b", run_type="scheduled", logical_date=day(2),
    ...               data_interval=DataInterval(start=day(2), end=day(3)),
    ...               run_after=day(3), state="success"),
    ...     RunRecord(run_id="a", run_type="scheduled", logical_date=day(1),
    ...               data_interval=DataInterval(start=day(1), end=day(2)),
    ...               run_after=day(2), state="failed"),
    ... ])
    >>> [r.run_id for r in history]
    ['a', 'b']
    >>> validate_history([history.runs[0], history.runs[0]])
    Traceback (most recent call last):
    ...
    timetable.errors.DuplicateRunIdError: runs[1] (run_id='a'): run_id is also used by runs[0]
    """
    if isinstance(runs, History):
        return runs
    inner = getattr(runs, "runs", None)
    if isinstance(inner, History) and hasattr(runs, "task_instances"):
        return inner  # a RunHistory
    if isinstance(runs, (str, bytes, Mapping)) or is_row(runs) or not isinstance(runs, Iterable):
        raise WrongTypeError.for_value(
            "runs", runs, "expected an iterable of RunRecord or rows (mappings, sqlite3.Row)"
        )
    items: list[Any] = list(runs)
    if set(map(type, items)) <= {RunRecord}:
        history = _index_records(items)
        if history is not None:
            return history
    records = _read_records(items)  # raises on the first bad entry, in input order
    history = _index_records(records)
    if history is None:  # every other rule held: two runs share a logical date
        raise _date_clash(records)
    return history


def history_from_columns(columns: Mapping[str, Sequence[Any]]) -> History:
    """[`validate_history()`][timetable.validate_history] for column-oriented data.

    *columns* maps ``dag_run`` column names (the same names and aliases rows use) to
    equally long sequences, one value per run: what Parquet, Arrow and
    ``DataFrame.to_dict("list")`` hold.  The answer, and every error, is the one
    ``validate_history`` gives for the same data as rows; when every value is plain
    (aware ``datetime`` objects, exact state and run-type strings) the runs are built
    without reading a row at a time, several times faster.

    Raises:
        WrongTypeError: *columns* is not a mapping of sequences.
        InvalidArgumentError: the columns differ in length.
        InvalidRecordError: a column is missing or misspelled, or a value is bad (as for
            rows; and the errors of `validate_history`).

    >>> from datetime import datetime, timezone
    >>> day = lambda d: datetime(2024, 1, d, tzinfo=timezone.utc)
    >>> history = history_from_columns({
    ...     "run_id": ["a", "b"], "run_type": ["scheduled", "manual"],
    ...     "logical_date": [day(1), day(5)],
    ...     "data_interval_start": [day(1), day(5)], "data_interval_end": [day(2), day(5)],
    ...     "run_after": [day(2), day(5)], "state": ["success", "failed"],
    ... })
    >>> [(r.run_id, r.state.value) for r in history]
    [('a', 'success'), ('b', 'failed')]
    """
    if not isinstance(columns, Mapping):
        raise WrongTypeError.for_value(
            "columns", columns, "expected a mapping of column names to sequences"
        )
    names = list(columns)
    values: list[Sequence[Any]] = []
    for name in names:
        column = columns[name]
        if isinstance(column, (str, bytes, Mapping)) or not isinstance(column, Sequence):
            raise WrongTypeError.for_value(
                f"columns[{name!r}]", column, "expected a sequence (list, tuple, array)"
            )
        values.append(column)
    lengths = {len(v) for v in values}
    if len(lengths) > 1:
        sizes = ", ".join(f"{n!r}: {len(v)}" for n, v in zip(names, values, strict=True))
        raise InvalidArgumentError.for_value(
            "columns", f"{{{sizes}}}", "every column needs one value per run"
        )
    n = lengths.pop() if lengths else 0
    if n == 0:
        return validate_history([])
    by_name = dict(zip(names, values, strict=True))
    try:
        pairs = dict(_run_columns(tuple(names)))
    except TimetableError:
        pairs = None  # the rows give the error, with its row label
    if pairs is not None and "data_interval" not in pairs:
        def col(field: str, default: Any) -> Iterable[Any]:
            name = pairs.get(field)
            return repeat(default, n) if name is None else by_name[name]

        clear = col("clear_number", 0)
        if "clear_number" in pairs:
            clear = [0 if c is None else c for c in clear]
        records: list[RunRecord] = []
        append = records.append
        for run in map(
            plain_run_record, col("run_id", None), col("run_type", None),
            col("logical_date", None), col("data_interval_start", None),
            col("data_interval_end", None), col("run_after", None), col("state", None),
            col("conf", None), clear,
        ):
            if run is None:
                break  # not plain: the rows below give the record or the error
            append(run)
        else:
            history = _index_records(records)
            if history is not None:
                return history
    # Not plain, or a rule fails: read the same data as rows (lazily: the first bad row
    # stops the read), for validate_history's answer or error.
    read = _read_records(
        dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)
    )
    history = _index_records(read)
    if history is None:  # every other rule held: two runs share a logical date
        raise _date_clash(read)
    return history


_run_id = attrgetter("run_id")
_state = attrgetter("state")
_logical_date = attrgetter("logical_date")
_run_type = attrgetter("run_type")
_interval_start = attrgetter("data_interval.start")
_tzinfo = attrgetter("tzinfo")


def _index_records(records: list[RunRecord]) -> History | None:
    """The history of *records*, or ``None`` when one breaks a rule.

    Every field of a `RunRecord` was validated when it was built, so only the rules
    across fields and records are checked here, each as one pass over the whole list
    (no per-record Python code): unique run ids, a scheduled run's interval starting at
    its logical date, no interval without a logical date, unique logical dates.
    """
    if len(set(map(_run_id, records))) != len(records):
        return None  # a duplicate run id
    dates = list(map(_logical_date, records))
    dated = records
    undated: list[RunRecord] = []
    if None in dates:
        present = list(map(is_not, dates, repeat(None)))
        undated = list(compress(records, map(not_, present)))
        if any(r.data_interval is not None for r in undated):
            return None  # an interval without a logical date
        dated = list(compress(records, present))
        dates = list(compress(dates, present))
    scheduled = list(compress(dated, map(is_, map(_run_type, dated), repeat(RunType.SCHEDULED))))
    try:
        if not all(map(eq, map(_interval_start, scheduled), map(_logical_date, scheduled))):
            return None  # a scheduled run's interval does not start at its logical date
    except AttributeError:
        return None  # a scheduled run without an interval
    keys = dates if set(map(_tzinfo, dates)) <= {UTC} else list(map(instant_key, dates))
    ordered = sorted(keys)
    if any(map(eq, ordered, islice(ordered, 1, None))):
        return None  # a duplicate logical date
    if ordered != keys:
        position = sorted(range(len(keys)), key=keys.__getitem__)
        dated = list(map(dated.__getitem__, position))
    if undated:
        undated.sort(key=_undated_key)
        dated = [*dated, *undated]
    return History(runs=tuple(dated), _dated=len(ordered), _keys=ordered)


def _read_records(items: Iterable[Any]) -> list[RunRecord]:
    """Read and check the entries one by one; the first bad one is the error."""
    records: list[RunRecord] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(items):
        run = raw if type(raw) is RunRecord else _read_record(index, raw)
        _check_record(index, run)
        seen = first_index.setdefault(run.run_id, index)
        if seen != index:
            raise DuplicateRunIdError(
                f"{_record_label(index, run)}: run_id is also used by runs[{seen}]",
                argument="run_id",
            )
        records.append(run)
    return records


def _date_clash(records: list[RunRecord]) -> DuplicateLogicalDateError:
    """The error for the first pair of runs (in history order) sharing a logical date."""
    positions = {id(r): i for i, r in enumerate(records)}
    dated = sorted(
        (instant_key(r.logical_date), r.run_id, r) for r in records if r.logical_date is not None
    )
    for (key, _, other), (next_key, _, run) in pairwise(dated):
        if key != next_key:
            continue
        a, b = sorted((positions[id(other)], positions[id(run)]))
        by_pos = {positions[id(r)]: r for r in (other, run)}
        return DuplicateLogicalDateError(
            f"{_record_label(b, by_pos[b])}: logical_date={key.isoformat()!r} "
            f"is also the logical date of runs[{a}] (run_id={by_pos[a].run_id!r})",
            argument="logical_date",
        )
    raise AssertionError("no two runs share a logical date")  # pragma: no cover



@checked(start_date=aware_or_none_arg, end_date=aware_or_none_arg, catchup=bool_arg)
def dag_restriction(
    *,
    start_date: datetime | None,
    end_date: datetime | None = None,
    catchup: bool,
    task_dates: Iterable[tuple[datetime | None, datetime | None]] = (),
) -> TimeRestriction:
    """The [`TimeRestriction`][timetable.TimeRestriction] Airflow derives from a DAG and its tasks.

    ``earliest`` is the earliest of the DAG's and the tasks' start dates; ``latest``
    is the DAG's end date, except that when *every* task has an end date it is the
    latest of those and the DAG's (``SerializedDAG._time_restriction``).

    Args:
        start_date: the DAG's start date.
        end_date: the DAG's end date.
        catchup: the DAG's catchup flag.
        task_dates: ``(start_date, end_date)`` of each task (``None`` when unset).

    >>> from datetime import datetime, timezone
    >>> d = lambda day: datetime(2016, 1, day, tzinfo=timezone.utc)
    >>> r = dag_restriction(start_date=d(1), catchup=True,
    ...                     task_dates=[(d(2), d(3)), (d(4), d(5))])
    >>> r.earliest.day, r.latest.day
    (1, 5)
    """
    tasks: list[tuple[datetime | None, datetime | None]] = []
    for i, pair in enumerate(items_arg("task_dates", task_dates)):
        if isinstance(pair, str | Mapping) or not isinstance(pair, Iterable):
            raise WrongTypeError.for_value(
                f"task_dates[{i}]", pair, "expected a (start_date, end_date) pair"
            )
        dates = tuple(pair)
        if len(dates) != 2:
            raise WrongTypeError.for_value(
                f"task_dates[{i}]", pair, "expected a (start_date, end_date) pair"
            )
        ts = aware_or_none_arg(f"task_dates[{i}][0]", dates[0])
        te = aware_or_none_arg(f"task_dates[{i}][1]", dates[1])
        tasks.append((ts, te))
    starts = [d for d in [start_date, *(ts for ts, _ in tasks)] if d is not None]
    earliest = min(starts) if starts else None
    latest = end_date
    if tasks and all(te is not None for _, te in tasks):
        ends = [te for _, te in tasks if te is not None]
        if end_date is not None:
            ends.append(end_date)
        latest = max(ends)
    return TimeRestriction(earliest=earliest, latest=latest, catchup=catchup)

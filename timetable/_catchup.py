"""Catchup: which scheduled runs to create now, given the history.

Theory of operation
-------------------
Airflow's scheduler creates at most one scheduled run per DAG per loop.  Each time it
continues from a *reference run* - the scheduled or backfill run with the greatest
logical date (manual runs never count) - asks the timetable for the next run, and
creates it once its ``run_after`` has passed.  If a run with that logical date already
exists ("run already exists"), it skips the interval and continues from that run.
Creation stops while queued + running non-backfill runs (manual ones included) reach
``max_active_runs``.

[`iter_catchup()`][timetable.iter_catchup] replays exactly that loop at one frozen ``now``, all loops at once:
it chains [`next_run_info()`][timetable.next_run_info] (the one source of interval arithmetic)
until the next ``run_after`` passes ``now``, the timetable has nothing more (end date),
a gate closes (``max_active_runs``, the per-call ``limit``), or the timetable stops
advancing.  With ``catchup=False`` the same chain yields the single latest interval,
because the timetable itself jumps there.  Pausing is not an input: a paused DAG is a
DAG whose host stops asking; unpausing is asking again at a later ``now``.

Beyond Airflow, a [`CatchupPolicy`][timetable.CatchupPolicy] post-processes the catchup=True chain into the
same plan shape: a catchup *window* (Temporal's ``catchup_window``, APScheduler's
misfire grace), the *latest* N intervals, or one *coalesced* run per gap whose data
interval spans it (Airflow issue #25265).  Intervals a policy leaves out are reported
as compressed ranges, never as one object each.
"""

from __future__ import annotations

import enum
import json
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from operator import countOf, itemgetter
from typing import Any, Literal

import attrs

from ._changeset import Changeset, RunInsert, chunk_changes, chunk_size_arg, collect_changes
from ._limits import check_plan_size
from ._planning import DOCUMENT_VERSION, Action, History, Reason, iso, validate_history
from ._records import RunRecord, RunState, RunType
from ._rows import RowLike
from ._runs import (
    _fast_iter,
    check_timetable,
    infer_manual_interval,
    interval_of,
    next_run_info,
    run_info_of,
)
from ._timetables import (
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    TimetableProtocol,
)
from ._types import DataInterval, RunInfo, TimeRestriction
from ._tz import check_aware
from ._validation import checked, enum_missing, indent_arg, max_lines_arg
from .errors import InvalidArgumentError, InvalidRequestError, WrongTypeError

__all__ = [
    "CatchupEntry",
    "CatchupPlan",
    "CatchupPolicy",
    "CatchupStop",
    "IntervalRange",
    "iter_catchup",
    "plan_catchup",
]


class CatchupStop(enum.StrEnum):
    """Why a catchup plan ends where it does."""

    _missing_ = classmethod(enum_missing)

    CAUGHT_UP = "caught up"
    """The next run is not due yet (its ``run_after`` is after now); see ``next_run``."""
    NO_MORE_RUNS = "no more runs"
    """The timetable has no next run (end date passed, ``Never``, ``Once`` done…)."""
    MAX_ACTIVE_RUNS = "max_active_runs reached"
    """Queued + running non-backfill runs reached ``max_active_runs``."""
    LIMIT = "limit reached"
    """The plan created as many runs as the caller's ``limit`` allows."""
    NO_PROGRESS = "no progress"
    """The timetable keeps proposing a logical date that exists (Airflow loops there)."""


_KINDS = ("airflow", "window", "latest", "coalesce")


def _check_policy(inst: CatchupPolicy, attribute: Any, value: Any) -> None:
    if inst.kind not in _KINDS:
        raise InvalidArgumentError.for_value("kind", inst.kind, f"expected one of {_KINDS}")
    if inst.kind == "window":
        if not isinstance(inst.window, timedelta) or inst.window < timedelta(0):
            raise InvalidArgumentError.for_value(
                "window", inst.window, "expected a non-negative timedelta"
            )
    elif inst.window is not None:
        raise InvalidArgumentError.for_value("window", inst.window, "only for kind='window'")
    if inst.kind == "latest":
        if not isinstance(inst.count, int) or isinstance(inst.count, bool) or inst.count < 1:
            raise InvalidArgumentError.for_value("count", inst.count, "expected an int >= 1")
    elif inst.count is not None:
        raise InvalidArgumentError.for_value("count", inst.count, "only for kind='latest'")


@attrs.frozen(kw_only=True)
class CatchupPolicy:
    """How missed intervals are caught up.

    ``airflow`` (the default) is Airflow's behaviour, driven by ``restriction.catchup``:
    every due interval, or only the latest one.  The other kinds are opt-in and always
    start from the full catchup=True chain (they ignore ``restriction.catchup``):

    * ``window``: only intervals with ``run_after >= now - window``;
    * ``latest``: only the ``count`` most recent due intervals;
    * ``coalesce``: one run per run of consecutive missing intervals, whose data
      interval spans them all (first start to last end, ``run_after`` of the last).

    Build them with the class methods: ``CatchupPolicy.window(timedelta(hours=6))``.

    Attributes:
        kind: ``"airflow"``, ``"window"``, ``"latest"`` or ``"coalesce"``.
        window: the window of ``kind="window"``.
        count: the number of intervals of ``kind="latest"``.
    """

    kind: Literal["airflow", "window", "latest", "coalesce"] = attrs.field(
        default="airflow", validator=_check_policy
    )
    window: timedelta | None = None
    count: int | None = None

    @classmethod
    def airflow(cls) -> CatchupPolicy:
        """Airflow's behaviour (all due intervals, or the latest with catchup=False)."""
        return cls()

    @classmethod
    def within(cls, window: timedelta) -> CatchupPolicy:
        """Only intervals that became due within *window* of now."""
        return cls(kind="window", window=window)

    @classmethod
    def latest(cls, count: int = 1) -> CatchupPolicy:
        """Only the *count* most recent due intervals."""
        return cls(kind="latest", count=count)

    @classmethod
    def coalesce(cls) -> CatchupPolicy:
        """One run per gap, spanning all of its intervals."""
        return cls(kind="coalesce")


@attrs.frozen(kw_only=True)
class IntervalRange:
    """A compressed run of consecutive schedule intervals that share a reason.

    Attributes:
        reason: why these intervals are listed.
        first: the first interval of the range.
        last: the last interval (``first`` when ``count == 1``).
        count: how many intervals the range holds.
    """

    reason: Reason
    first: RunInfo
    last: RunInfo
    count: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "reason": self.reason.value,
            "count": self.count,
            "first": _info_dict(self.first),
            "last": _info_dict(self.last),
        }


@attrs.frozen(kw_only=True)
class CatchupEntry:
    """One interval of a catchup plan.

    Attributes:
        action: ``create`` or ``skip``.
        reason: ``due``, ``already exists`` or ``coalesced``.
        run_info: the interval, its logical date and ``run_after``.
        run_id: the id the new run gets (``create``) or the existing run's id (``skip``).
    """

    action: Action
    reason: Reason
    run_info: RunInfo
    run_id: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "action": self.action.value,
            "reason": self.reason.value,
            "run_id": self.run_id,
            **_info_dict(self.run_info),
        }

    def to_insert(self) -> RunInsert:
        """The ``dag_run`` row a ``create`` entry inserts (state ``queued``).

        Raises:
            InvalidRequestError: the entry is a ``skip`` (it creates nothing).
        """
        if self.action is not Action.CREATE:
            raise InvalidRequestError.for_value(
                "action", self.action.value, "only a 'create' entry creates a run"
            )
        info = self.run_info
        return RunInsert(
            run_id=self.run_id,
            run_type=RunType.SCHEDULED,
            logical_date=info.logical_date,
            data_interval_start=info.data_interval.start,
            data_interval_end=info.data_interval.end,
            run_after=info.run_after,
            state=RunState.QUEUED,
            triggered_by="timetable",
        )

    def to_record(self) -> RunRecord:
        """The run a ``create`` entry creates, as the history holds it afterwards.

        Raises:
            InvalidRequestError: the entry is a ``skip`` (it creates nothing).
        """
        return self.to_insert().to_record()


def _info_dict(info: RunInfo) -> dict[str, Any]:
    return {
        "logical_date": iso(info.logical_date),
        "data_interval": {"start": iso(info.data_interval.start),
                          "end": iso(info.data_interval.end)},
        "run_after": iso(info.run_after),
    }


_action = itemgetter(0)

# (action, reason, run_after, start, end, run_id); a created run's id is None in the row
# and formatted when the entry is read (most plans are counted or chunked, not all read).
_Row = tuple[Action, Reason, datetime, datetime, datetime, str | None]


def _entry(row: _Row) -> CatchupEntry:
    action, reason, run_after, start, end, run_id = row
    if run_id is None:
        run_id = _scheduled_run_id(run_after)
    return CatchupEntry(
        action=action, reason=reason, run_info=run_info_of(run_after, start, end), run_id=run_id
    )


@attrs.frozen(kw_only=True)
class CatchupPlan:
    """Which scheduled runs to create now, each with its reason.

    Entries are in logical-date order.  They are stored as plain tuples and built on
    demand (``plan.entries``, iteration, indexing), so a plan of a million intervals
    stays small.

    Attributes:
        now: the instant the plan was made for.
        catchup: the catchup flag the chain ran with.
        policy: the policy applied.
        reference_run_id: the automated run the chain continued from, or ``None``.
        active_runs: queued + running non-backfill runs before the plan.
        stopped: why the plan ends.
        next_run: the run that comes next once the plan is applied (Airflow's
            ``DagModel.next_dagrun*``), or ``None`` when there is none.
        skipped: intervals left out, as compressed ranges: by a policy, or (reason
            ``catchup off``) the due intervals catchup=False jumps over.
    """

    now: datetime
    catchup: bool
    policy: CatchupPolicy
    reference_run_id: str | None
    active_runs: int
    stopped: CatchupStop
    next_run: RunInfo | None
    skipped: tuple[IntervalRange, ...] = ()
    _rows: tuple[_Row, ...] = attrs.field(default=(), alias="_rows", repr=False)

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[CatchupEntry]:
        return map(_entry, self._rows)

    def __getitem__(self, index: int) -> CatchupEntry:
        return _entry(self._rows[index])

    @property
    def entries(self) -> tuple[CatchupEntry, ...]:
        """Every entry, in logical-date order."""
        return tuple(self)

    @property
    def to_create(self) -> tuple[RunInfo, ...]:
        """The intervals to create runs for, in order."""
        return tuple(e.run_info for e in self if e.action is Action.CREATE)

    @property
    def create_count(self) -> int:
        """How many runs the plan creates (``count(Action.CREATE)``)."""
        return countOf(map(_action, self._rows), Action.CREATE)

    def count(self, action: Action | str) -> int:
        """How many entries have *action* (``"create"`` or ``"skip"``)."""
        return countOf(map(_action, self._rows), Action(action))

    @property
    def counts(self) -> dict[str, int]:
        """``{action: entries}`` for every [`Action`][timetable.Action]."""
        return {a.value: self.count(a) for a in Action}

    def changeset(self) -> Changeset:
        """The rows to write: one ``dag_run`` insert per ``create`` entry, in order.

        [`changesets()`][timetable.CatchupPlan.changesets] gives the same rows in chunks.
        """
        return collect_changes(self._changes())

    @checked(size=chunk_size_arg)
    def changesets(self, *, size: int = 10_000) -> Iterator[Changeset]:
        """[`changeset()`][timetable.CatchupPlan.changeset] in chunks of at most *size* inserts.

        The chunks follow the plan's order and, concatenated, are exactly ``changeset()``:
        ``Changeset.merge(*plan.changesets(size=n)) == plan.changeset()`` for every ``n``.

        Raises:
            InvalidArgumentError: *size* is not an int >= 1.
        """
        return chunk_changes(self._changes(), size)

    def _changes(self) -> Iterator[RunInsert]:
        return (e.to_insert() for e in self if e.action is Action.CREATE)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-safe data (``json.dumps`` works on it)."""
        return {
            "version": DOCUMENT_VERSION,
            "kind": "catchup",
            "now": iso(self.now),
            "catchup": self.catchup,
            "policy": {"kind": self.policy.kind, "window": _td(self.policy.window),
                       "count": self.policy.count},
            "reference_run_id": self.reference_run_id,
            "active_runs": self.active_runs,
            "stopped": self.stopped.value,
            "next_run": None if self.next_run is None else _info_dict(self.next_run),
            "entries": [e.to_dict() for e in self],
            "skipped": [r.to_dict() for r in self.skipped],
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    @checked(max_lines=max_lines_arg)
    def to_text(self, *, max_lines: int = 20) -> str:
        """A readable summary: one line per entry (elided past *max_lines*)."""
        lines = [
            f"catchup plan at {iso(self.now)} (catchup={self.catchup}, policy={self.policy.kind})",
            f"  continues from: {self.reference_run_id or 'no previous automated run'}",
            f"  {self.create_count} to create, {len(self) - self.create_count} skipped; "
            f"stopped: {self.stopped.value}",
        ]
        lines += _entry_lines(self, max_lines)
        for rng in self.skipped:
            lines.append(
                f"  skip {rng.count} interval(s) {iso(rng.first.logical_date)} .. "
                f"{iso(rng.last.logical_date)}  ({rng.reason.value})"
            )
        if self.next_run is not None:
            lines.append(
                f"  next: {iso(self.next_run.logical_date)} "
                f"(run_after {iso(self.next_run.run_after)})"
            )
        return "\n".join(lines)


def _td(value: timedelta | None) -> dict[str, float] | None:
    return None if value is None else {"seconds": value.total_seconds()}


def _entry_lines(plan: CatchupPlan, max_lines: int) -> list[str]:
    out: list[str] = []
    n = len(plan)
    for i, e in enumerate(plan):
        if i == max_lines and n > max_lines + 1:
            out.append(f"  … {n - max_lines - 1} more …")
            e = plan[n - 1]
            out.append(_line(e))
            break
        out.append(_line(e))
    return out


def _line(e: CatchupEntry) -> str:
    iv = e.run_info.data_interval
    return (
        f"  {e.action.value:<6} {iso(e.run_info.logical_date)}  "
        f"[{iso(iv.start)}, {iso(iv.end)}]  {e.run_id}  ({e.reason.value})"
    )


# -- the loop ----------------------------------------------------------------------------------


def _interval_of(tt: TimetableProtocol, run: RunRecord) -> DataInterval:
    """Airflow's ``run_info_from_dag_run``: the stored interval, else the manual inference."""
    if run.data_interval is not None:
        return run.data_interval
    return infer_manual_interval(tt, run_after=run.run_after)


def _scheduled_run_id(ra: datetime) -> str:
    """``generate_run_id("scheduled", ...)`` for an interval the planner produced itself.

    Its datetimes are aware by construction, so the public function's checks are skipped.
    """
    if ra.tzinfo is not UTC:
        ra = ra.astimezone(UTC)
    return _SCHEDULED_PREFIX + ra.isoformat()


_SCHEDULED_PREFIX = f"{RunType.SCHEDULED.value}__"


def _due_row(
    start: datetime, end: datetime, _create: Action = Action.CREATE, _due: Reason = Reason.DUE
) -> _Row:
    """The row of a due interval of the stream (``run_after`` is its end)."""
    return (_create, _due, end, start, end, None)


def _info_row(info: RunInfo) -> _Row:
    iv = info.data_interval
    return (Action.CREATE, Reason.DUE, info.run_after, iv.start, iv.end, None)


class _Ending:
    """Where the catchup loop stopped, filled in when its rows run out."""

    stop: CatchupStop = CatchupStop.NO_MORE_RUNS
    next_run: RunInfo | None = None


def _chain(
    tt: TimetableProtocol,
    history: History,
    reference: RunRecord | None,
    restriction: TimeRestriction,
    now: datetime,
    ending: _Ending,
) -> Iterator[_Row]:
    """The scheduler loop at a frozen ``now``: one row per due interval (``create`` /
    ``due``, or ``skip`` / ``already exists`` with the existing run's id); once the rows
    run out, *ending* says how the loop ended and what comes next.

    Each step is the chain rule, ``next_run_info(last_interval=<the last run's interval>)``.
    While the chain is unbroken (the last run is the interval the chain itself produced)
    the next interval is the next item of the timetable's interval stream, which is the
    same chain computed far more cheaply; the stream is (re)started only where the
    history breaks the chain (a stored interval off the grid, a schedule change) and is
    checked against the chain rule each time it starts.  Past the history's last logical
    date no interval has a run, so the stream's rows are passed on as they come.
    """
    last = None if reference is None else _interval_of(tt, reference)
    previous: datetime | None = None
    # The first call goes through the validating public function; later calls go to
    # the timetable's own method (same rules, minus the per-call argument checks).
    info = next_run_info(tt, last_interval=last, restriction=restriction, now=now)
    row = None if info is None else _info_row(info)
    step = tt.next_run_info
    streamable = restriction.catchup
    stream: Iterator[_Row] | None = None
    at = history._at
    dated = history.dated  # sorted by logical date: past its last one, nothing to look up
    horizon = dated[-1].logical_date if dated else None
    while True:
        if row is None:
            ending.stop, ending.next_run = CatchupStop.NO_MORE_RUNS, None
            return
        if row[2] > now:
            ending.stop, ending.next_run = CatchupStop.CAUGHT_UP, info or _row_info(row)
            return
        logical_date = row[3]
        if previous is not None and logical_date <= previous:
            ending.stop, ending.next_run = CatchupStop.NO_PROGRESS, info or _row_info(row)
            return
        previous = logical_date
        existing = None if horizon is None or logical_date > horizon else at(logical_date)
        if existing is not None:
            yield (Action.SKIP, Reason.ALREADY_EXISTS, row[2], logical_date, row[4],
                   existing.run_id)
            last = _interval_of(tt, existing)
            if last.start != logical_date or last.end != row[4]:
                stream = None  # the history breaks the chain here
        else:
            yield row
            last = info.data_interval if info is not None else interval_of(row[3], row[4])
        if stream is None and streamable:
            info = step(last_interval=last, restriction=restriction, now=now)
            stream = _stream_from(tt, info, restriction)
            row = None if info is None else _info_row(info)
            continue
        if stream is None:
            info = step(last_interval=last, restriction=restriction, now=now)
            row = None if info is None else _info_row(info)
            continue
        info = None
        if horizon is not None and previous < horizon:
            row = next(stream, None)
            continue
        # past the history: every interval of the stream is due, until one is not yet
        for row in stream:
            if row[2] > now:
                ending.stop, ending.next_run = CatchupStop.CAUGHT_UP, _row_info(row)
                return
            logical_date = row[3]
            if logical_date <= previous:
                ending.stop, ending.next_run = CatchupStop.NO_PROGRESS, _row_info(row)
                return
            previous = logical_date
            yield row
        ending.stop, ending.next_run = CatchupStop.NO_MORE_RUNS, None
        return


def _row_info(row: _Row) -> RunInfo:
    return run_info_of(row[2], row[3], row[4])


def _stream_from(
    tt: TimetableProtocol, first: RunInfo | None, restriction: TimeRestriction
) -> Iterator[_Row] | None:
    """The rows of the interval stream after *first* (the chain's next interval), or None.

    None when the timetable has no stream, or when the stream started at *first* does not
    reproduce it (then the caller keeps to the chain rule).
    """
    if first is None:
        return None
    kind = type(tt)
    if kind is CronDataIntervals or kind is DeltaDataIntervals:
        anchor = first.logical_date
    elif kind is CronTrigger or kind is DeltaTrigger:
        anchor = first.run_after
    else:
        return None
    stream = _fast_iter(tt, anchor, restriction.latest, _due_row)
    if stream is None or next(stream, None) != _info_row(first):
        return None
    return stream


def _check_positive(value: int | None, name: str) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise WrongTypeError.for_value(name, value, "expected an int or None")
    if value < 0 or (name == "limit" and value < 1):
        lowest = 1 if name == "limit" else 0
        raise InvalidArgumentError.for_value(name, value, f"expected an int >= {lowest} or None")


def iter_catchup(
    timetable: TimetableProtocol,
    *,
    runs: Iterable[RunRecord | RowLike] | History,
    restriction: TimeRestriction,
    now: datetime,
    max_active_runs: int | None = None,
    limit: int | None = None,
) -> Iterator[CatchupEntry]:
    """Airflow's catchup, lazily: the entries of [`plan_catchup()`][timetable.plan_catchup] (policy ``airflow``).

    Same arguments and rules as [`plan_catchup()`][timetable.plan_catchup] (both run one
    planning loop), minus the size limit; yields entries one by one without holding the
    plan, so a host can stream millions of intervals in bounded memory.  Feed them to
    [`iter_changesets()`][timetable.iter_changesets] to write them in chunks.  The
    arguments are checked when this function is called.

    Raises:
        NaiveDatetimeError: *now* or a record datetime is naive.
        InvalidRecordError: the history is invalid.
        InvalidArgumentError: a negative ``max_active_runs``, a ``limit`` below 1.
        WrongTypeError: an argument has the wrong type.
    """
    tt = check_timetable(timetable)
    check_aware(now, "now")
    if not isinstance(restriction, TimeRestriction):
        raise WrongTypeError.for_value("restriction", restriction, "expected a TimeRestriction")
    history = validate_history(runs)
    slots = _slots(tt, history, max_active_runs)
    _check_positive(limit, "limit")
    ending = _Ending()
    rows = _chain(tt, history, history.latest_automated(), restriction, now, ending)
    return map(_entry, _airflow_rows(rows, _Gate(slots, limit), ending))


def _slots(tt: TimetableProtocol, history: History, max_active_runs: int | None) -> int | None:
    _check_positive(max_active_runs, "max_active_runs")
    cap = max_active_runs
    limit = getattr(tt, "active_runs_limit", None)
    if isinstance(limit, int) and (cap is None or limit < cap):
        cap = limit
    if cap is None:
        return None
    return max(0, cap - history.count_active())


def plan_catchup(
    timetable: TimetableProtocol,
    *,
    runs: Iterable[RunRecord | RowLike] | History,
    restriction: TimeRestriction,
    now: datetime,
    max_active_runs: int | None = None,
    limit: int | None = None,
    policy: CatchupPolicy | None = None,
) -> CatchupPlan:
    """Which scheduled runs to create now, as an explained plan.

    The chain continues from the scheduled or backfill run with the greatest logical
    date (manual runs never count) and lists, in order, every interval whose
    ``run_after <= now``: ``create`` (reason ``due``), or ``skip`` (reason
    ``already exists``) when a run with that logical date exists - the chain then
    continues from that run, as Airflow's scheduler does.  With
    ``restriction.catchup=False`` the timetable jumps to the latest interval, so the
    plan holds one run.  Replaying [`next_run_info()`][timetable.next_run_info] until ``run_after``
    passes ``now`` gives the same intervals.

    Args:
        timetable: the DAG's timetable.
        runs: the run history (any order), or a validated [`History`][timetable.History].
        restriction: start date, end date (honoured by the timetable) and catchup.
        now: the current instant.  Model a pause as the host not asking, and the
            unpause as asking at a later ``now``.
        max_active_runs: Airflow's creation gate: no run is created while queued +
            running non-backfill runs (manual ones included, and the plan's own new
            runs) reach it.  ``None`` means no gate.  A timetable's
            ``active_runs_limit`` (``Continuous``: 1) lowers it.
        limit: create at most this many runs in this plan (Airflow creates one per
            scheduler loop: ``limit=1``).
        policy: a [`CatchupPolicy`][timetable.CatchupPolicy]; ``None`` is Airflow's.

    Returns:
        The plan; ``plan.stopped`` says why it ends and ``plan.next_run`` is the run
        that comes next.

    Raises:
        NaiveDatetimeError: *now* or a record datetime is naive.
        InvalidRecordError: the history is invalid (see [`validate_history()`][timetable.validate_history]).
        InvalidArgumentError: a negative ``max_active_runs``, a ``limit`` below 1.
        WrongTypeError: an argument has the wrong type.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, TimeRestriction
    >>> utc = timezone.utc
    >>> plan = plan_catchup(
    ...     CronDataIntervals(cron="@daily"), runs=[],
    ...     restriction=TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=utc), catchup=True),
    ...     now=datetime(2024, 1, 4, 6, tzinfo=utc))
    >>> [e.run_info.logical_date.day for e in plan], plan.stopped.value
    ([1, 2, 3], 'caught up')
    """
    tt = check_timetable(timetable)
    check_aware(now, "now")
    if not isinstance(restriction, TimeRestriction):
        raise WrongTypeError.for_value("restriction", restriction, "expected a TimeRestriction")
    if policy is None:
        policy = CatchupPolicy()
    if not isinstance(policy, CatchupPolicy):
        raise WrongTypeError.for_value("policy", policy, "expected a CatchupPolicy or None")
    history = validate_history(runs)
    slots = _slots(tt, history, max_active_runs)
    _check_positive(limit, "limit")
    reference = history.latest_automated()
    if policy.kind != "airflow":
        restriction = attrs.evolve(restriction, catchup=True)
    if restriction.catchup and limit is None:
        first = reference.logical_date if reference is not None else restriction.earliest
        last = now if restriction.latest is None else min(now, restriction.latest)
        if first is not None:
            check_plan_size(
                tt, start=first, end=last, argument="restriction",
                instead="stream the entries with iter_catchup, or pass limit=",
            )
    ending = _Ending()
    rows = _chain(tt, history, reference, restriction, now, ending)
    common: dict[str, Any] = {
        "now": now,
        "catchup": restriction.catchup,
        "policy": policy,
        "reference_run_id": None if reference is None else reference.run_id,
        "active_runs": history.count_active(),
    }
    gate = _Gate(slots, limit)
    if policy.kind == "airflow":
        plan = _plan_airflow(rows, gate, ending, common)
        if not restriction.catchup:
            skipped = _skipped_by_catchup_off(tt, history, reference, restriction, now, plan)
            if skipped:
                plan = attrs.evolve(plan, skipped=skipped)
        return plan
    return _plan_policy(rows, ending, gate, common, policy, now)


#: At most this many catchup=True intervals are walked to list what catchup=False skips.
_SKIP_SCAN_CAP = 1_000_000


def _skipped_by_catchup_off(
    tt: TimetableProtocol,
    history: History,
    reference: RunRecord | None,
    restriction: TimeRestriction,
    now: datetime,
    plan: CatchupPlan,
) -> tuple[IntervalRange, ...]:
    """The due intervals catchup=True would create before the plan's first run (reason
    ``catchup off``), as compressed ranges.  Without a previous run there is nothing to
    catch up: the first run is where the schedule starts."""
    if reference is None:
        return ()
    first = next((e.run_info for e in plan if e.action is Action.CREATE), plan.next_run)
    if first is None:
        return ()
    on = attrs.evolve(restriction, catchup=True)
    ranges = _RangeBuilder()
    info = tt.next_run_info(last_interval=_interval_of(tt, reference), restriction=on, now=now)
    for _ in range(_SKIP_SCAN_CAP):
        if info is None or info.logical_date >= first.logical_date or info.run_after > now:
            break
        if history.at(info.logical_date) is None:
            ranges.add(Reason.CATCHUP_OFF, info)
        nxt = tt.next_run_info(last_interval=info.data_interval, restriction=on, now=now)
        if nxt is None or nxt.logical_date <= info.logical_date:
            break
        info = nxt
    ranges.close()
    return tuple(ranges.out)


class _Gate:
    """Counts creations against ``max_active_runs`` slots and the per-call limit."""

    def __init__(self, slots: int | None, limit: int | None) -> None:
        self.slots = slots
        self.limit = limit
        self.created = 0

    def closed(self) -> CatchupStop | None:
        if self.slots is not None and self.created >= self.slots:
            return CatchupStop.MAX_ACTIVE_RUNS
        if self.limit is not None and self.created >= self.limit:
            return CatchupStop.LIMIT
        return None


def _airflow_rows(rows: Iterator[_Row], gate: _Gate, ending: _Ending) -> Iterator[_Row]:
    """The catchup loop under Airflow's policy: the chain's rows up to where the gate
    closes (*ending* then says so); the chain's rows themselves when nothing gates."""
    if gate.slots is None and gate.limit is None:
        return rows
    return _gated(rows, gate, ending)


def _gated(rows: Iterator[_Row], gate: _Gate, ending: _Ending) -> Iterator[_Row]:
    for row in rows:
        if row[0] is Action.CREATE:
            stop = gate.closed()
            if stop is not None:
                ending.stop, ending.next_run = stop, _row_info(row)
                return
            gate.created += 1
        yield row


def _plan_airflow(
    rows: Iterator[_Row], gate: _Gate, ending: _Ending, common: dict[str, Any]
) -> CatchupPlan:
    planned = tuple(_airflow_rows(rows, gate, ending))
    return CatchupPlan(stopped=ending.stop, next_run=ending.next_run, _rows=planned, **common)


class _RangeBuilder:
    """Accumulates consecutive skipped intervals into [`IntervalRange`][timetable.IntervalRange] values."""

    def __init__(self) -> None:
        self.out: list[IntervalRange] = []
        self._reason: Reason | None = None
        self._first: RunInfo | None = None
        self._last: RunInfo | None = None
        self._count = 0

    def add(self, reason: Reason, info: RunInfo) -> None:
        if self._reason is not reason:
            self.close()
            self._reason, self._first = reason, info
        self._last = info
        self._count += 1

    def close(self) -> None:
        if self._reason is not None and self._first is not None and self._last is not None:
            self.out.append(
                IntervalRange(
                    reason=self._reason, first=self._first, last=self._last, count=self._count
                )
            )
        self._reason = self._first = self._last = None
        self._count = 0


def _plan_policy(
    rows: Iterator[_Row],
    ending: _Ending,
    gate: _Gate,
    common: dict[str, Any],
    policy: CatchupPolicy,
    now: datetime,
) -> CatchupPlan:
    # 1. Collect the catchup=True chain, classifying each due interval under the policy.
    #    Items: ("exists", info, run_id) | ("create", info, reason) kept in order; the
    #    skipped ones go straight into compressed ranges.
    kept: list[tuple[RunInfo, Reason | None, str | None]] = []
    ranges = _RangeBuilder()
    window_start = now - policy.window if policy.window is not None else None
    latest: deque[RunInfo] = deque()
    gap: list[RunInfo] = []

    def flush_gap() -> None:
        if not gap:
            return
        if len(gap) == 1:
            kept.append((gap[0], Reason.DUE, None))
        else:
            first, last = gap[0], gap[-1]
            span = RunInfo(
                run_after=last.run_after,
                data_interval=DataInterval(
                    start=first.data_interval.start, end=last.data_interval.end
                ),
            )
            kept.append((span, Reason.COALESCED, None))
            ranges.close()
            ranges.out.append(
                IntervalRange(reason=Reason.COALESCED, first=first, last=last, count=len(gap))
            )
        gap.clear()

    for row in rows:
        info = _row_info(row)
        if row[0] is Action.SKIP:  # the interval has a run
            if policy.kind == "coalesce":
                flush_gap()
            kept.append((info, None, row[5]))
            continue
        if policy.kind == "window":
            assert window_start is not None
            if info.run_after < window_start:
                ranges.add(Reason.OUTSIDE_WINDOW, info)
            else:
                kept.append((info, Reason.DUE, None))
        elif policy.kind == "latest":
            assert policy.count is not None
            latest.append(info)
            kept.append((info, Reason.DUE, None))
            if len(latest) > policy.count:
                dropped = latest.popleft()
                ranges.add(Reason.OLDER_THAN_LATEST, dropped)
        else:
            gap.append(info)
    flush_gap()
    ranges.close()
    if policy.kind == "latest":
        keep = {id(i) for i in latest}
        kept = [k for k in kept if k[1] is None or id(k[0]) in keep]
    # 2. Apply the gates in order.
    planned: list[_Row] = []
    for info, reason, existing_id in kept:
        iv = info.data_interval
        if reason is None:
            assert existing_id is not None
            planned.append((Action.SKIP, Reason.ALREADY_EXISTS, info.run_after, iv.start, iv.end,
                         existing_id))
            continue
        stop = gate.closed()
        if stop is not None:
            skipped = tuple(r for r in ranges.out if r.first.logical_date < info.logical_date)
            return CatchupPlan(
                stopped=stop, next_run=info, skipped=skipped, _rows=tuple(planned), **common
            )
        gate.created += 1
        planned.append((Action.CREATE, reason, info.run_after, iv.start, iv.end, None))
    return CatchupPlan(
        stopped=ending.stop, next_run=ending.next_run, skipped=tuple(ranges.out),
        _rows=tuple(planned), **common,
    )

"""Backfill: which runs a historical date range creates, re-runs or leaves alone.

Theory of operation
-------------------
Airflow 3.3's backfill (``models/backfill.py``) is a *plan* in all but name, so this
module returns it as one:

1. **Validation, in Airflow's order** - run type allowed, periodic timetable, no other
   backfill running, ``from_date <= to_date``, not both bounds at or after now,
   ``depends_on_past`` with ``run_backwards``, ``depends_on_past`` with reprocess
   ``none`` - each a typed error (``InvalidRequestError`` subclasses).  The dry run
   checks ``periodic`` first, skips the running-backfill check and returns an empty
   plan instead of raising `NoBackfillRunsError`, as Airflow's
   ``_do_dry_run`` does.
2. **Intervals** from the tick engine: [`iter_run_infos()`][timetable.iter_run_infos] between the
   bounds (logical dates in ``[align_to_next(from_date), to_date]``), kept while
   ``data_interval.end < now``, reversed for ``run_backwards``.  The enumeration stops
   as soon as a logical date reaches ``now``, so a far-future ``to_date`` costs nothing.
3. **Per interval**, in ``sort_ordinal`` order: create a new ``backfill`` run, reprocess
   the existing run in place (it keeps its ``run_id``), or skip it (``in flight`` /
   ``already exists``) following the reprocess matrix.
4. **Waves**: the backfill's runs start in ``sort_ordinal`` order, at most
   ``max_active_runs`` at a time; wave *k* holds the runs that may start once the
   runs of the earlier waves are done.
"""

from __future__ import annotations

import enum
import itertools
import json
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from ._changeset import (
    Changeset,
    FieldChange,
    RunInsert,
    RunUpdate,
    chunk_changes,
    chunk_size_arg,
    collect_changes,
)
from ._limits import check_plan_size
from ._planning import (
    DOCUMENT_VERSION,
    Action,
    History,
    Reason,
    check_conf,
    iso,
    run_dict,
    validate_history,
)
from ._records import RunRecord, RunState, RunType
from ._rows import RowLike
from ._runs import _excluded, _fast_iter, check_timetable, iter_run_infos, run_info_of
from ._timetables import TimetableProtocol
from ._types import RunInfo
from ._tz import check_aware
from ._validation import aware as _aware
from ._validation import bool_arg, checked, enum_items_arg, enum_missing, indent_arg, max_lines_arg
from ._validation import is_bool as _bool
from .errors import (
    BackfillAlreadyRunningError,
    BackfillInFutureError,
    InvalidArgumentError,
    InvalidBackfillDirectionError,
    InvalidBackfillRangeError,
    InvalidReprocessBehaviorError,
    InvalidRequestError,
    NoBackfillRunsError,
    NonPeriodicTimetableError,
    RunTypeNotAllowedError,
    WrongTypeError,
)

__all__ = [
    "BackfillEntry",
    "BackfillPlan",
    "BackfillRequest",
    "ReprocessBehavior",
    "iter_backfill",
    "plan_backfill",
]


class ReprocessBehavior(enum.StrEnum):
    """Which existing finished runs a backfill re-runs (Airflow's ``ReprocessBehavior``)."""

    _missing_ = classmethod(enum_missing)

    NONE = "none"
    """Never re-run an existing run."""
    FAILED = "failed"
    """Re-run existing failed runs."""
    COMPLETED = "completed"
    """Re-run existing failed and successful runs."""


def _to_reprocess(value: Any) -> ReprocessBehavior | None:
    if value is None or isinstance(value, ReprocessBehavior):
        return value
    try:
        return ReprocessBehavior(value)
    except (ValueError, TypeError):
        raise InvalidArgumentError.for_value(
            "reprocess_behavior", value, "expected None, 'none', 'failed' or 'completed'"
        ) from None


def _max_active(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidArgumentError.for_value(attribute.name, value, "expected an int >= 1")


def _conf(value: Any) -> Mapping[str, Any] | None:
    return check_conf(value, "dag_run_conf")


@attrs.frozen(kw_only=True)
class BackfillRequest:
    """What the user asked to backfill (Airflow's ``BackfillPostBody`` / CLI flags).

    Attributes:
        from_date: the first logical date to consider (inclusive; aligned forward to
            the schedule's next tick).
        to_date: the last logical date (inclusive).
        run_backwards: create the newest interval first.
        reprocess_behavior: ``"none"``, ``"failed"``, ``"completed"``, or ``None`` (not
            given; treated as ``"none"``, but refused with ``depends_on_past``).
        max_active_runs: how many of the backfill's runs may run at once (default 10).
        dag_run_conf: a JSON object carried to every created or reprocessed run.
    """

    from_date: datetime = attrs.field(validator=_aware)
    to_date: datetime = attrs.field(validator=_aware)
    run_backwards: bool = attrs.field(default=False, validator=_bool)
    reprocess_behavior: ReprocessBehavior | None = attrs.field(
        default=None, converter=_to_reprocess
    )
    max_active_runs: int = attrs.field(default=10, validator=_max_active)
    dag_run_conf: Mapping[str, Any] | None = attrs.field(
        default=None, converter=_conf, hash=False
    )

    @property
    def effective_reprocess(self) -> ReprocessBehavior:
        """The behaviour applied: ``None`` means ``none``."""
        return self.reprocess_behavior or ReprocessBehavior.NONE


@attrs.frozen(kw_only=True)
class BackfillEntry:
    """One interval of a backfill, in ``sort_ordinal`` order.

    Attributes:
        sort_ordinal: the interval's position in the backfill (1, 2, …).
        action: ``create``, ``reprocess`` or ``skip``.
        reason: ``missing``, ``failed → reprocess``, ``completed → reprocess``,
            ``in flight`` or ``already exists``.
        run_info: the interval from the schedule.
        run_id: the id of the run the backfill owns: a new ``backfill__<run_after>`` id
            (``create``), the existing id (``reprocess``), or ``None`` (``skip``).
        existing_run_id: the run already stored at this logical date, or ``None``.
        wave: for runs the backfill starts, the wave (1, 2, …) it may start in given
            ``max_active_runs``; ``None`` for skipped intervals.
    """

    sort_ordinal: int
    action: Action
    reason: Reason
    run_info: RunInfo
    run_id: str | None
    existing_run_id: str | None
    wave: int | None
    conf: Mapping[str, Any] | None = attrs.field(default=None, eq=False, hash=False)

    def to_insert(self) -> RunInsert:
        """The ``dag_run`` row a ``create`` entry inserts (a queued ``backfill`` run).

        Raises:
            InvalidRequestError: the entry does not create a run (``reprocess`` or
                ``skip``).
        """
        if self.action is not Action.CREATE or self.run_id is None:
            raise InvalidRequestError.for_value(
                "action", self.action.value, "only a 'create' entry creates a run"
            )
        info = self.run_info
        return RunInsert(
            run_id=self.run_id,
            run_type=RunType.BACKFILL,
            logical_date=info.logical_date,
            data_interval_start=info.data_interval.start,
            data_interval_end=info.data_interval.end,
            run_after=info.run_after,
            state=RunState.QUEUED,
            conf=self.conf,
            triggered_by="backfill",
        )

    def to_record(self) -> RunRecord:
        """The run a ``create`` entry creates, as the history holds it afterwards.

        Raises:
            InvalidRequestError: the entry does not create a run.
        """
        return self.to_insert().to_record()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        iv = self.run_info.data_interval
        return entry_dict(self.sort_ordinal, (
            self.action, self.reason, self.run_info.run_after, iv.start, iv.end, self.run_id,
            self.existing_run_id, self.wave,
        ), format_id=False)


_Row = tuple[Action, Reason, datetime, datetime, datetime, str | None, str | None, int | None]

#: Every ``(action, reason)`` pair, numbered: a row stores its pair as one byte.
_PAIRS: tuple[tuple[Action, Reason], ...] = tuple((a, r) for a in Action for r in Reason)
_CODE: dict[tuple[Action, Reason], int] = {pair: i for i, pair in enumerate(_PAIRS)}
#: ``code -> 1`` for the pairs whose run the backfill starts (not ``skip``): a
#: ``bytes.translate`` table.
_STARTS = bytes(int(a is not Action.SKIP) for a, _ in _PAIRS).ljust(256, b"\0")
_CREATE_MISSING = _CODE[Action.CREATE, Reason.MISSING]


class _Rows:
    """The rows of a backfill plan, stored column by column.

    A million-interval plan holds two lists of datetimes (consecutive intervals share
    their boundary objects) and one byte per row for its ``(action, reason)``; every
    other column is either absent and derived - ``run_after`` is the interval's end, a
    ``reprocess`` row's ``run_id`` is the existing run's, the waves number the started
    rows from ``started0`` in groups of ``per_wave`` - or a list when some row has its
    own value (a plan read back from a document).  `row()` and iteration give the
    8-tuples ``(action, reason, run_after, start, end, run_id, existing_run_id, wave)``.
    """

    __slots__ = ("_started", "afters", "codes", "ends", "existing", "per_wave", "run_ids",
                 "started0", "starts", "waves")

    def __init__(self, per_wave: int = 1, started0: int = 0) -> None:
        self.codes = bytearray()
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        self.afters: list[datetime] | None = None
        self.run_ids: list[str | None] | None = None
        self.existing: list[str | None] | None = None
        self.waves: list[int | None] | None = None
        self.per_wave = per_wave
        self.started0 = started0
        self._started: array[int] | None = None  # started rows before each row, on demand

    @classmethod
    def from_tuples(cls, rows: Iterable[_Row]) -> _Rows:
        """Rows given one tuple each (a plan read back from its document)."""
        out = cls()
        out.afters, out.run_ids, out.existing, out.waves = [], [], [], []
        for action, reason, run_after, start, end, run_id, existing, wave in rows:
            out.codes.append(_CODE[Action(action), Reason(reason)])
            out.starts.append(start)
            out.ends.append(end)
            out.afters.append(run_after)
            out.run_ids.append(run_id)
            out.existing.append(existing)
            out.waves.append(wave)
        return out

    def __len__(self) -> int:
        return len(self.codes)

    def _column_afters(self) -> list[datetime]:
        return self.ends if self.afters is None else self.afters

    def _column_existing(self) -> list[str | None]:
        return [None] * len(self.codes) if self.existing is None else self.existing

    def _column_run_ids(self) -> list[str | None]:
        if self.run_ids is not None:
            return self.run_ids
        reprocess = Action.REPROCESS
        return [ex if _PAIRS[c][0] is reprocess else None
                for c, ex in zip(self.codes, self._column_existing(), strict=True)]

    def _column_waves(self) -> list[int | None]:
        if self.waves is not None:
            return self.waves
        out: list[int | None] = []
        started, per_wave = self.started0, self.per_wave
        for flag in self.codes.translate(_STARTS):
            if flag:
                out.append(started // per_wave + 1)
                started += 1
            else:
                out.append(None)
        return out

    def __iter__(self) -> Iterator[_Row]:
        pairs = map(_PAIRS.__getitem__, self.codes)
        return (
            (a, r, ra, s, e, rid, ex, w)
            for (a, r), ra, s, e, rid, ex, w in zip(
                pairs, self._column_afters(), self.starts, self.ends, self._column_run_ids(),
                self._column_existing(), self._column_waves(), strict=True,
            )
        )

    def row(self, i: int) -> _Row:
        """Row *i* (``0 <= i < len(self)``)."""
        action, reason = _PAIRS[self.codes[i]]
        end = self.ends[i]
        existing = None if self.existing is None else self.existing[i]
        run_id = existing if action is Action.REPROCESS else None
        if self.run_ids is not None:
            run_id = self.run_ids[i]
        if self.waves is not None:
            wave = self.waves[i]
        elif action is Action.SKIP:
            wave = None
        else:
            started = self._started
            if started is None:
                started = self._started = array(
                    "q", itertools.accumulate(self.codes.translate(_STARTS), initial=0)
                )
            wave = (self.started0 + started[i]) // self.per_wave + 1
        after = end if self.afters is None else self.afters[i]
        return (action, reason, after, self.starts[i], end, run_id, existing, wave)

    def count(self, action: Action) -> int:
        """How many rows have *action*."""
        codes = self.codes
        return sum(codes.count(c) for c, (a, _) in enumerate(_PAIRS) if a is action)

    def logical_dates(self) -> tuple[datetime, ...]:
        """The start of every row whose run the backfill starts."""
        return tuple(itertools.compress(self.starts, self.codes.translate(_STARTS)))

    def _content(self) -> tuple[Any, ...]:
        return (bytes(self.codes), self.starts, self.ends, self._column_afters(),
                self._column_run_ids(), self._column_existing(), self._column_waves())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Rows):
            return NotImplemented
        return self._content() == other._content()

    def __hash__(self) -> int:
        return hash(tuple(map(tuple, self._content())))

    def __getstate__(self) -> tuple[Any, ...]:
        return (bytes(self.codes), self.starts, self.ends, self.afters, self.run_ids,
                self.existing, self.waves, self.per_wave, self.started0)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (codes, self.starts, self.ends, self.afters, self.run_ids, self.existing, self.waves,
         self.per_wave, self.started0) = state
        self.codes = bytearray(codes)
        self._started = None


def _as_rows(value: Any) -> _Rows:
    if isinstance(value, _Rows):
        return value
    try:
        return _Rows.from_tuples(value)
    except (TypeError, ValueError, KeyError):
        raise WrongTypeError.for_value(
            "_rows", value, "expected (action, reason, run_after, start, end, run_id, "
            "existing_run_id, wave) rows"
        ) from None


@attrs.frozen(kw_only=True)
class BackfillPlan:
    """The runs a backfill creates, reprocesses or skips - and why.

    The dry run is the plan itself: `logical_dates` is what Airflow's dry run
    prints.  Entries are stored column by column (a million intervals take about 60 MiB)
    and built on demand.

    Attributes:
        request: the request the plan answers.
        now: the instant the plan was made for.
        dry_run: whether it was planned with the dry run's validation.
    """

    request: BackfillRequest
    now: datetime
    dry_run: bool = False
    _rows: _Rows = attrs.field(
        factory=_Rows, alias="_rows", repr=False, converter=_as_rows
    )
    _reprocessed: tuple[RunRecord, ...] = attrs.field(
        default=(), alias="_reprocessed", repr=False
    )
    excluded: tuple[tuple[datetime, str], ...] = ()
    """Ticks of the range the timetable's business calendar dropped or moved, as
    ``(logical date, "excluded: <why>")`` - never silently missing (empty without one)."""

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[BackfillEntry]:
        conf = self.request.dag_run_conf
        return (_make_entry(i, row, conf) for i, row in enumerate(self._rows, 1))

    def __getitem__(self, index: int) -> BackfillEntry:
        return self._entry(range(len(self._rows))[index])

    def _entry(self, index: int) -> BackfillEntry:
        return _make_entry(index + 1, self._rows.row(index), self.request.dag_run_conf)

    @property
    def entries(self) -> tuple[BackfillEntry, ...]:
        """Every entry, in ``sort_ordinal`` order."""
        return tuple(self)

    @property
    def logical_dates(self) -> tuple[datetime, ...]:
        """The logical dates the backfill runs (created or reprocessed), in order.

        This is Airflow's dry-run output.
        """
        return self._rows.logical_dates()

    @property
    def conf(self) -> Mapping[str, Any] | None:
        """The conf every created run gets (and reprocessed runs, when not ``None``)."""
        return self.request.dag_run_conf

    def count(self, action: Action | str) -> int:
        """How many entries have *action*."""
        return self._rows.count(Action(action))

    @property
    def counts(self) -> dict[str, int]:
        """``{action: entries}`` for every [`Action`][timetable.Action]."""
        return {a.value: self.count(a) for a in Action}

    @property
    def create_count(self) -> int:
        """How many runs the plan creates (``count(Action.CREATE)``)."""
        return self.count(Action.CREATE)

    @property
    def to_create(self) -> tuple[RunInfo, ...]:
        """The intervals the plan creates runs for, in ``sort_ordinal`` order."""
        return tuple(e.run_info for e in self if e.action is Action.CREATE)

    def changeset(self) -> Changeset:
        """The rows to write, in ``sort_ordinal`` order.

        A ``create`` entry inserts a queued ``backfill`` run.  A ``reprocess`` entry
        updates the stored run in place, as Airflow's backfill does: ``state`` →
        ``queued`` (``start_date`` reset), ``clear_number`` + 1, ``run_type`` →
        ``backfill``, and ``conf`` → ``dag_run_conf`` when the request has one.  Its
        task instances are cleared too in Airflow; this plan does not see them, so a
        host that stores them plans that with [`plan_clear()`][timetable.plan_clear]
        (``ClearRequest(run_id=…)``) over the same snapshot.

        [`changesets()`][timetable.BackfillPlan.changesets] gives the same rows in chunks.
        """
        return collect_changes(self._changes())

    @checked(size=chunk_size_arg)
    def changesets(self, *, size: int = 10_000) -> Iterator[Changeset]:
        """[`changeset()`][timetable.BackfillPlan.changeset] in chunks of at most *size* row operations.

        The chunks follow ``sort_ordinal`` order, and concatenated (every chunk's
        ``runs_to_insert`` one after another, and its ``runs_to_update`` likewise) they
        are exactly ``changeset()``: ``Changeset.merge(*plan.changesets(size=n)) ==
        plan.changeset()`` for every ``n``.  A host commits one chunk per transaction.

        Raises:
            InvalidArgumentError: *size* is not an int >= 1.
        """
        return chunk_changes(self._changes(), size)

    def _changes(self) -> Iterator[RunInsert | RunUpdate]:
        existing = {r.run_id: r for r in self._reprocessed}
        for e in self:
            change = backfill_change(e, existing.get)
            if change is not None:
                yield change

    def waves(self) -> tuple[tuple[int, ...], ...]:
        """The sort ordinals of the runs that may start together, wave by wave."""
        out: list[list[int]] = []
        for i, wave in enumerate(self._rows._column_waves()):
            if wave is None:
                continue
            while len(out) < wave:
                out.append([])
            out[wave - 1].append(i + 1)
        return tuple(tuple(w) for w in out)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-safe data."""
        req = self.request
        return {
            "version": DOCUMENT_VERSION,
            "kind": "backfill",
            "now": iso(self.now),
            "dry_run": self.dry_run,
            "request": {
                "from_date": iso(req.from_date),
                "to_date": iso(req.to_date),
                "run_backwards": req.run_backwards,
                "reprocess_behavior": (
                    None if req.reprocess_behavior is None else req.reprocess_behavior.value
                ),
                "max_active_runs": req.max_active_runs,
                "dag_run_conf": None if req.dag_run_conf is None else dict(req.dag_run_conf),
            },
            "counts": {a.value: self.count(a) for a in Action},
            "entries": [entry_dict(i, row) for i, row in enumerate(self._rows, 1)],
            "reprocessed_runs": [run_dict(r) for r in self._reprocessed],
            "excluded": [{"logical_date": iso(t), "reason": why} for t, why in self.excluded],
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    @checked(max_lines=max_lines_arg)
    def to_text(self, *, max_lines: int = 20) -> str:
        """A readable summary, one line per interval (elided past *max_lines*)."""
        req = self.request
        head = [
            f"backfill {iso(req.from_date)} .. {iso(req.to_date)} at {iso(self.now)}"
            f" (reprocess={req.effective_reprocess.value}, backwards={req.run_backwards},"
            f" max_active_runs={req.max_active_runs})",
            f"  {self.count(Action.CREATE)} to create, {self.count(Action.REPROCESS)} to "
            f"reprocess, {self.count(Action.SKIP)} skipped; {len(self.waves())} wave(s)",
        ]
        if self.excluded:
            why: dict[str, int] = {}
            for _, reason in self.excluded:
                why[reason] = why.get(reason, 0) + 1
            head.append(
                f"  {len(self.excluded)} excluded by the calendar: "
                + ", ".join(f"{r} ×{n}" if n > 1 else r for r, n in why.items())
            )
        n = len(self)
        shown = range(n) if n <= max_lines + 1 else [*range(max_lines), n - 1]
        for k, i in enumerate(shown):
            if k == max_lines and n > max_lines + 1:
                head.append(f"  … {n - max_lines - 1} more …")
            e = self._entry(i)
            ident = e.run_id or e.existing_run_id or "-"
            wave = f"wave {e.wave}" if e.wave is not None else "-"
            head.append(
                f"  #{e.sort_ordinal:<4} {e.action.value:<9} {iso(e.run_info.logical_date)}  "
                f"{ident}  {wave}  ({e.reason.value})"
            )
        return "\n".join(head)


def _decide(
    existing: RunRecord | None, reprocess: ReprocessBehavior
) -> tuple[Action, Reason]:
    """Airflow's reprocess matrix: whether an existing run is re-run, left alone or missing."""
    if existing is None:
        return Action.CREATE, Reason.MISSING
    state = existing.state
    if state is RunState.QUEUED or state is RunState.RUNNING:
        return Action.SKIP, Reason.IN_FLIGHT
    return _decide_state(state, reprocess)


def _validate(
    tt: TimetableProtocol,
    request: BackfillRequest,
    now: datetime,
    *,
    depends_on_past: bool,
    allowed_run_types: Collection[RunType | str] | None,
    backfill_running: bool,
    dry_run: bool,
) -> None:
    def check_allowed() -> None:
        if allowed_run_types is not None and RunType.BACKFILL not in {
            RunType(t) for t in allowed_run_types
        }:
            raise RunTypeNotAllowedError.for_value(
                "allowed_run_types",
                sorted(str(t) for t in allowed_run_types),
                "the DAG does not allow backfill runs",
            )

    def check_periodic() -> None:
        if not tt.periodic:
            raise NonPeriodicTimetableError.for_value(
                "timetable", tt.summary, "a non-periodic timetable cannot be backfilled"
            )

    if dry_run:
        check_periodic()
        check_allowed()
    else:
        check_allowed()
        check_periodic()
        if backfill_running:
            raise BackfillAlreadyRunningError.for_value(
                "backfill_running", True, "another backfill of this DAG is not complete yet"
            )
    if request.from_date > request.to_date:
        raise InvalidBackfillRangeError(
            f"from_date={iso(request.from_date)!r} is after to_date={iso(request.to_date)!r}",
            argument="from_date",
        )
    if request.from_date >= now and request.to_date >= now:
        raise BackfillInFutureError(
            f"from_date={iso(request.from_date)!r} and to_date={iso(request.to_date)!r}: "
            f"both are at or after now={iso(now)!r}; nothing can be backfilled yet",
            argument="to_date",
        )
    if depends_on_past and request.run_backwards:
        raise InvalidBackfillDirectionError.for_value(
            "run_backwards", True, "a DAG with depends_on_past tasks must run forwards"
        )
    if depends_on_past and request.effective_reprocess is ReprocessBehavior.NONE:
        raise InvalidReprocessBehaviorError.for_value(
            "reprocess_behavior",
            None if request.reprocess_behavior is None else request.reprocess_behavior.value,
            "a DAG with depends_on_past tasks needs 'failed' or 'completed'",
        )


def _triple(start: datetime, end: datetime) -> tuple[datetime, datetime, datetime]:
    return (end, start, end)  # run_after is the interval's end for every built-in kind


_Triple = tuple[datetime, datetime, datetime]

#: Intervals per block when a backfill runs backwards (see ``_backwards``).
_BLOCK = 4096


def _forwards(
    tt: TimetableProtocol, request: BackfillRequest, now: datetime,
    first: datetime | None = None, *, due: bool = True,
) -> Iterator[_Triple]:
    """``(run_after, start, end)`` of every interval to consider, oldest first, lazily.

    *first* restarts the enumeration at a logical date of the grid (for ``_backwards``).
    ``due=False`` leaves out the check that the interval ended before *now* (the
    planner makes it itself).
    """
    start = request.from_date if first is None else first
    source: Iterable[_Triple] | None = _fast_iter(tt, start, request.to_date, _triple)
    if source is None:
        source = (
            (i.run_after, i.data_interval.start, i.data_interval.end)
            for i in iter_run_infos(tt, start=start, end=request.to_date, now=now)
        )
    return _due(source, now) if due else iter(source)


def _backwards(
    tt: TimetableProtocol, request: BackfillRequest, now: datetime, block: int = _BLOCK
) -> Iterator[_Triple]:
    """The intervals of ``_forwards`` newest first, holding one block at a time.

    A first pass counts the intervals and keeps the first and last of every *block*
    intervals; then each block, newest first, is enumerated again from its first
    logical date and reversed.  A restarted block is checked against what the first pass
    saw (first, last, length); if a timetable does not restart the same way there, the
    block is cut from the full enumeration instead, so the answer is always the forward
    one reversed.  Memory: one block plus two intervals per block; time: two passes.
    """
    marks: list[tuple[_Triple, _Triple, int]] = []  # (first, last, length) per block
    head: _Triple | None = None
    last: _Triple | None = None
    n = 0
    for item in _forwards(tt, request, now):
        if n == 0:
            head = item
        n += 1
        last = item
        if n == block:
            assert head is not None
            marks.append((head, item, n))
            n = 0
    if n:
        assert head is not None
        assert last is not None
        marks.append((head, last, n))
    for k in range(len(marks) - 1, -1, -1):
        first, final, length = marks[k]
        items = list(itertools.islice(_forwards(tt, request, now, first[1]), length))
        if not items or items[0] != first or items[-1] != final or len(items) != length:
            items = list(itertools.islice(_forwards(tt, request, now), k * block,
                                          k * block + length))
        items.reverse()
        yield from items


def _infos(
    tt: TimetableProtocol, request: BackfillRequest, now: datetime
) -> Iterator[_Triple]:
    """``(run_after, start, end)`` of every interval to consider, in ``sort_ordinal``
    order, lazily (nothing is held but one block when running backwards)."""
    if request.run_backwards:
        return _backwards(tt, request, now)
    return _forwards(tt, request, now)


def _grid(tt: TimetableProtocol, request: BackfillRequest, now: datetime) -> Iterator[_Triple]:
    """What `_Planner.fill` reads: `_infos`, forwards without the due check."""
    if request.run_backwards:
        return _backwards(tt, request, now)
    return _forwards(tt, request, now, due=False)


def _due(source: Iterable[_Triple], now: datetime) -> Iterator[_Triple]:
    for item in source:
        if item[1] >= now:
            return  # later logical dates (and so ends) are all at or after now
        if item[2] < now:
            yield item


class _Planner:
    """The planning loop: decides each interval and appends it to a `_Rows`.

    [`plan_backfill()`][timetable.plan_backfill] feeds it every interval at once;
    [`iter_backfill()`][timetable.iter_backfill] feeds it a block at a time and reads each
    block back, so both answer alike.  An interval's existing run is found by walking the
    history's sorted UTC keys alongside the grid (the grid's logical dates only go one
    way), never by a lookup per interval.
    """

    def __init__(self, request: BackfillRequest, history: History, now: datetime) -> None:
        self.now = now
        self.per_wave = request.max_active_runs
        self.backwards = request.run_backwards
        reprocess = request.effective_reprocess
        self.on_failed = _CODE[_decide_state(RunState.FAILED, reprocess)]
        self.on_success = _CODE[_decide_state(RunState.SUCCESS, reprocess)]
        self.in_flight = _CODE[Action.SKIP, Reason.IN_FLIGHT]
        # the history's logical dates (sorted UTC keys) between two sentinels
        self.keys = [_FIRST, *history._keys, _LAST]
        self.runs: list[RunRecord | None] = [None, *history.dated, None]
        self.k = len(self.keys) - 1 if self.backwards else 0  # the key the walk is at
        self.last = _LAST if self.backwards else _FIRST  # the previous interval's key
        self.done = False
        self.reprocessed: list[RunRecord] = []

    def fill(self, source: Iterable[_Triple], rows: _Rows) -> int:
        """Decide every interval of *source* (``(run_after, start, end)``) into *rows*;
        how many intervals it read.  Sets ``done`` when the grid reaches ``now``."""
        now, keys, runs, k, last = self.now, self.keys, self.runs, self.k, self.last
        key = keys[k]
        backwards = self.backwards
        failed, success = RunState.FAILED, RunState.SUCCESS
        on_failed, on_success, in_flight = self.on_failed, self.on_success, self.in_flight
        again_failed = _PAIRS[on_failed][0] is Action.REPROCESS
        again_success = _PAIRS[on_success][0] is Action.REPROCESS
        missing = _CREATE_MISSING
        reprocessed = self.reprocessed
        codes, ends = rows.codes, rows.ends
        add_code, add_start, add_end = codes.append, rows.starts.append, ends.append
        afters, existing_ids = rows.afters, rows.existing
        read = 0
        for run_after, start, end in source:
            read += 1
            if start >= now:
                self.done = True  # later logical dates (and so ends) are all at or after now
                break
            if end >= now:
                continue
            at = start if start.tzinfo is UTC else start.astimezone(UTC)
            if backwards:
                if at >= last:  # not the one-way grid of a built-in kind: look it up
                    k = bisect_right(keys, at) - 1
                    key = keys[k]
                while key > at:
                    k -= 1
                    key = keys[k]
            else:
                if at <= last:
                    k = bisect_left(keys, at)
                    key = keys[k]
                while key < at:
                    k += 1
                    key = keys[k]
            last = at
            if key == at:
                run = runs[k]
                assert run is not None
                state = run.state
                if state is failed:
                    code = on_failed
                    if again_failed:
                        reprocessed.append(run)
                elif state is success:
                    code = on_success
                    if again_success:
                        reprocessed.append(run)
                else:
                    code = in_flight
                if existing_ids is None:
                    existing_ids = rows.existing = [None] * len(codes)
                existing_ids.append(run.run_id)
            else:
                code = missing
                if existing_ids is not None:
                    existing_ids.append(None)
            add_code(code)
            add_start(start)
            add_end(end)
            if afters is not None:
                afters.append(run_after)
            elif run_after is not end:  # a timetable whose runs start after their interval
                afters = rows.afters = [*ends[:-1], run_after]
        self.k, self.last = k, last
        return read


_FIRST = datetime.min.replace(tzinfo=UTC)  # before every key
_LAST = datetime.max.replace(tzinfo=UTC)  # after every key


def _decide_state(state: RunState, reprocess: ReprocessBehavior) -> tuple[Action, Reason]:
    """`_decide` for an existing finished run in *state*."""
    if state is RunState.FAILED and reprocess is not ReprocessBehavior.NONE:
        return Action.REPROCESS, Reason.REPROCESS_FAILED
    if state is RunState.SUCCESS and reprocess is ReprocessBehavior.COMPLETED:
        return Action.REPROCESS, Reason.REPROCESS_COMPLETED
    return Action.SKIP, Reason.ALREADY_EXISTS


#: Intervals per block when a backfill is streamed (the first block is small, so the
#: first entry comes at once).
_STREAM_BLOCKS = (64, 4096)


def _rows(
    tt: TimetableProtocol, request: BackfillRequest, history: History, now: datetime,
    blocks: tuple[int, int] = _STREAM_BLOCKS,
) -> Iterator[tuple[_Row, RunRecord | None]]:
    """The planning loop, streamed: one row per interval, with the run it reprocesses
    (or None), planned a block of *blocks* intervals at a time (the first, then every
    later one); nothing else is held."""
    planner = _Planner(request, history, now)
    source = _grid(tt, request, now)
    size = blocks[0]
    started = 0
    while not planner.done:
        block = _Rows(planner.per_wave, started)
        read = planner.fill(itertools.islice(source, size), block)
        reprocessed = iter(planner.reprocessed)
        for row in block:
            yield row, (next(reprocessed) if row[0] is Action.REPROCESS else None)
        planner.reprocessed.clear()
        if read < size:
            return  # the grid ran out
        started += sum(block.codes.translate(_STARTS))
        size = blocks[1]


def _make_entry(ordinal: int, row: _Row, conf: Mapping[str, Any] | None) -> BackfillEntry:
    action, reason, run_after, start, end, run_id, existing, wave = row
    if run_id is None and action is Action.CREATE:
        run_id = _backfill_run_id(run_after)  # formatted on read
    return BackfillEntry(
        sort_ordinal=ordinal,
        action=action,
        reason=reason,
        run_info=run_info_of(run_after, start, end),
        run_id=run_id,
        existing_run_id=existing,
        wave=wave,
        conf=conf,
    )


def entry_dict(ordinal: int, row: _Row, *, format_id: bool = True) -> dict[str, Any]:
    """``to_dict()`` of the entry *row* makes at *ordinal*, without building the entry
    (the command line streams millions of them)."""
    action, reason, run_after, start, end, run_id, existing, wave = row
    # the planner's rows share datetime objects (run_after is end; a trigger's start is
    # its end): format each object once
    start_iso = start.isoformat()
    end_iso = start_iso if end is start else end.isoformat()
    after_iso = end_iso if run_after is end else run_after.isoformat()
    if run_id is None and action is Action.CREATE and format_id:
        run_id = (_BACKFILL_PREFIX + after_iso if run_after.tzinfo is UTC
                  else _backfill_run_id(run_after))
    return {
        "sort_ordinal": ordinal,
        "action": action.value,
        "reason": reason.value,
        "logical_date": start_iso,
        "data_interval": {"start": start_iso, "end": end_iso},
        "run_after": after_iso,
        "run_id": run_id,
        "existing_run_id": existing,
        "wave": wave,
    }


def backfill_change(
    entry: BackfillEntry, stored: Callable[[str], RunRecord | None]
) -> RunInsert | RunUpdate | None:
    """The row operation of one backfill entry: an insert (``create``), an update of the
    stored run (``reprocess``, looked up with *stored*) or nothing (``skip``).

    Raises:
        InvalidArgumentError: *stored* does not know a reprocessed run (``argument``:
            ``runs``).
    """
    if entry.action is Action.CREATE:
        return entry.to_insert()
    if entry.action is not Action.REPROCESS:
        return None
    assert entry.run_id is not None
    run = stored(entry.run_id)
    if run is None:
        raise InvalidArgumentError.for_value(
            "runs", entry.run_id,
            "the run this reprocess entry updates is not in the history given",
        )
    conf = entry.conf
    changes = {
        "state": FieldChange(run.state, RunState.QUEUED),
        "clear_number": FieldChange(run.clear_number, run.clear_number + 1),
    }
    if run.run_type is not RunType.BACKFILL:
        changes["run_type"] = FieldChange(run.run_type, RunType.BACKFILL)
    if conf is not None and (run.conf is None or dict(run.conf) != dict(conf)):
        changes["conf"] = FieldChange(None if run.conf is None else dict(run.conf), dict(conf))
    return RunUpdate(run_id=run.run_id, changes=changes, start_date="reset")


_BACKFILL_PREFIX = f"{RunType.BACKFILL.value}__"


def _backfill_run_id(run_after: datetime) -> str:
    """``generate_run_id("backfill", ...)`` for an interval the planner produced itself."""
    if run_after.tzinfo is not UTC:
        run_after = run_after.astimezone(UTC)
    return _BACKFILL_PREFIX + run_after.isoformat()


@checked(
    depends_on_past=bool_arg,
    allowed_run_types=enum_items_arg(RunType, none=True),
    backfill_running=bool_arg,
    dry_run=bool_arg,
)
def plan_backfill(
    timetable: TimetableProtocol,
    request: BackfillRequest,
    *,
    runs: Iterable[RunRecord | RowLike] | History,
    now: datetime,
    depends_on_past: bool = False,
    allowed_run_types: Collection[RunType | str] | None = None,
    backfill_running: bool = False,
    dry_run: bool = False,
) -> BackfillPlan:
    """Plan a backfill of a date range (Airflow 3.3), with a reason per interval.

    Per interval, in ``sort_ordinal`` order: ``create`` a ``backfill`` run (state
    queued, ``run_id = backfill__<run_after>``, conf = ``dag_run_conf``); ``reprocess``
    an existing finished run (cleared in place, keeps its ``run_id``) when the request's
    reprocess behaviour covers its state; or ``skip`` it - ``in flight`` (queued or
    running: never touched) or ``already exists``:

    ==================  =============  =============  =============
    existing run        ``none``       ``failed``     ``completed``
    ==================  =============  =============  =============
    queued / running    in flight      in flight      in flight
    success             already exists already exists reprocess
    failed              already exists reprocess      reprocess
    ==================  =============  =============  =============

    Args:
        timetable: the DAG's (latest) timetable.
        request: the range and options.
        runs: the run history, or a validated [`History`][timetable.History].
        now: the current instant; intervals must end strictly before it.
        depends_on_past: whether any task of the DAG has ``depends_on_past``.
        allowed_run_types: the DAG's ``allowed_run_types`` (``None``: all).
        backfill_running: whether another backfill of the DAG is still active.
        dry_run: validate as Airflow's dry run does (see the module notes); the plan's
            [`BackfillPlan.logical_dates`][timetable.BackfillPlan.logical_dates] is the dry run's output.

    Returns:
        The plan, ordered by ``sort_ordinal``.

    Raises:
        RunTypeNotAllowedError: the DAG does not allow backfill runs.
        NonPeriodicTimetableError: the timetable is not periodic.
        BackfillAlreadyRunningError: *backfill_running* (not checked by a dry run).
        InvalidBackfillRangeError: ``from_date > to_date``.
        BackfillInFutureError: both bounds are at or after *now*.
        InvalidBackfillDirectionError: ``run_backwards`` with *depends_on_past*.
        InvalidReprocessBehaviorError: reprocess ``none``/``None`` with *depends_on_past*.
        NoBackfillRunsError: the range holds no interval that ended before *now*
            (a dry run returns the empty plan instead).  A range whose intervals are
            all skipped is a valid plan, as in Airflow.
        InvalidRecordError: the history is invalid.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals
    >>> utc = timezone.utc
    >>> plan = plan_backfill(
    ...     CronDataIntervals(cron="@daily"),
    ...     BackfillRequest(from_date=datetime(2021, 1, 1, tzinfo=utc),
    ...                     to_date=datetime(2021, 1, 3, tzinfo=utc)),
    ...     runs=[], now=datetime(2026, 1, 1, tzinfo=utc))
    >>> [(e.sort_ordinal, e.action.value, e.run_id) for e in plan]  # doctest: +NORMALIZE_WHITESPACE
    [(1, 'create', 'backfill__2021-01-02T00:00:00+00:00'),
     (2, 'create', 'backfill__2021-01-03T00:00:00+00:00'),
     (3, 'create', 'backfill__2021-01-04T00:00:00+00:00')]
    """
    tt, history = _prepare(
        timetable, request, runs, now, depends_on_past=depends_on_past,
        allowed_run_types=allowed_run_types, backfill_running=backfill_running, dry_run=dry_run,
    )
    check_plan_size(  # only intervals already due are planned
        tt, start=request.from_date, end=min(request.to_date, now), argument="request",
        instead="stream the entries with iter_backfill and the rows to write with "
        "iter_changesets, or split the range into several backfills",
    )
    planner = _Planner(request, history, now)
    rows = _Rows(planner.per_wave)
    planner.fill(_grid(tt, request, now), rows)
    if not rows and not dry_run:
        raise _no_runs(request, now)
    excluded = tuple(
        (tick, why)
        for tick, why in _excluded(tt, request.from_date, request.to_date)
        if tick < now
    )
    return BackfillPlan(
        request=request, now=now, dry_run=dry_run, _rows=rows,
        _reprocessed=tuple(planner.reprocessed), excluded=excluded,
    )


def _prepare(
    timetable: Any,
    request: Any,
    runs: Any,
    now: Any,
    *,
    depends_on_past: bool,
    allowed_run_types: Collection[RunType | str] | None,
    backfill_running: bool,
    dry_run: bool,
) -> tuple[TimetableProtocol, History]:
    """The argument checks and Airflow's validation, shared by the eager and lazy planners."""
    tt = check_timetable(timetable)
    if not isinstance(request, BackfillRequest):
        raise WrongTypeError.for_value("request", request, "expected a BackfillRequest")
    check_aware(now, "now")
    history = validate_history(runs)
    _validate(
        tt,
        request,
        now,
        depends_on_past=bool(depends_on_past),
        allowed_run_types=allowed_run_types,
        backfill_running=backfill_running,
        dry_run=dry_run,
    )
    return tt, history


def _no_runs(request: BackfillRequest, now: datetime) -> NoBackfillRunsError:
    return NoBackfillRunsError(
        f"from_date={iso(request.from_date)!r}, to_date={iso(request.to_date)!r}: "
        f"the schedule has no interval in this range that ended before now={iso(now)!r}",
        argument="from_date",
    )


@checked(
    depends_on_past=bool_arg,
    allowed_run_types=enum_items_arg(RunType, none=True),
    backfill_running=bool_arg,
    dry_run=bool_arg,
)
def iter_backfill(
    timetable: TimetableProtocol,
    request: BackfillRequest,
    *,
    runs: Iterable[RunRecord | RowLike] | History,
    now: datetime,
    depends_on_past: bool = False,
    allowed_run_types: Collection[RunType | str] | None = None,
    backfill_running: bool = False,
    dry_run: bool = False,
) -> Iterator[BackfillEntry]:
    """The entries of [`plan_backfill()`][timetable.plan_backfill], lazily, in ``sort_ordinal`` order.

    Same arguments, validation, rules and answers as
    [`plan_backfill()`][timetable.plan_backfill] (both run one planning loop), but no plan
    is held: entries are made as they are read, so a backfill of millions of intervals
    streams in bounded memory and has no size limit.  A backfill that runs backwards
    holds one block of a few thousand intervals at a time (it walks the range twice).
    Feed the entries to [`iter_changesets()`][timetable.iter_changesets] to write them in
    chunks.

    The arguments are checked when this function is called, not when the first entry is
    read; ``NoBackfillRunsError`` too, by looking at the first interval only.

    Args:
        timetable: the DAG's (latest) timetable.
        request: the range and options.
        runs: the run history, or a validated [`History`][timetable.History].
        now: the current instant; intervals must end strictly before it.
        depends_on_past: whether any task of the DAG has ``depends_on_past``.
        allowed_run_types: the DAG's ``allowed_run_types`` (``None``: all).
        backfill_running: whether another backfill of the DAG is still active.
        dry_run: validate as Airflow's dry run does (no ``NoBackfillRunsError``).

    Returns:
        An iterator of [`BackfillEntry`][timetable.BackfillEntry] values, equal one for
        one to ``plan_backfill(...).entries``.

    Raises:
        RunTypeNotAllowedError: the DAG does not allow backfill runs.
        NonPeriodicTimetableError: the timetable is not periodic.
        BackfillAlreadyRunningError: *backfill_running* (not checked by a dry run).
        InvalidBackfillRangeError: ``from_date > to_date``.
        BackfillInFutureError: both bounds are at or after *now*.
        InvalidBackfillDirectionError: ``run_backwards`` with *depends_on_past*.
        InvalidReprocessBehaviorError: reprocess ``none``/``None`` with *depends_on_past*.
        NoBackfillRunsError: the range holds no interval that ended before *now*
            (not for a dry run).
        InvalidRecordError: the history is invalid.

    >>> from datetime import datetime, timezone
    >>> from itertools import islice
    >>> from timetable import CronDataIntervals
    >>> utc = timezone.utc
    >>> entries = iter_backfill(
    ...     CronDataIntervals(cron="* * * * *"),
    ...     BackfillRequest(from_date=datetime(2014, 1, 1, tzinfo=utc),
    ...                     to_date=datetime(2024, 1, 1, tzinfo=utc)),
    ...     runs=[], now=datetime(2026, 1, 1, tzinfo=utc))
    >>> [(e.sort_ordinal, e.run_id) for e in islice(entries, 2)]  # doctest: +NORMALIZE_WHITESPACE
    [(1, 'backfill__2014-01-01T00:01:00+00:00'),
     (2, 'backfill__2014-01-01T00:02:00+00:00')]
    """
    tt, history = _prepare(
        timetable, request, runs, now, depends_on_past=depends_on_past,
        allowed_run_types=allowed_run_types, backfill_running=backfill_running, dry_run=dry_run,
    )
    conf = request.dag_run_conf
    return (
        _make_entry(ordinal, row, conf)
        for ordinal, (row, _) in enumerate(stream_rows(tt, request, history, now, dry_run), 1)
    )


def stream_rows(
    tt: TimetableProtocol, request: BackfillRequest, history: History, now: datetime,
    dry_run: bool,
) -> Iterator[tuple[_Row, RunRecord | None]]:
    """``_rows`` after the first one was looked at: `NoBackfillRunsError` is raised here,
    at the call, when there is none (not for a dry run).  For validated arguments."""
    rows = _rows(tt, request, history, now)
    first = next(rows, None)
    if first is None:
        if not dry_run:
            raise _no_runs(request, now)
        return iter(())
    return itertools.chain((first,), rows)


def count_backfill(
    tt: TimetableProtocol, request: BackfillRequest, history: History, now: datetime
) -> tuple[dict[str, int], datetime | None, datetime | None] | None:
    """``({action: entries}, first logical date, last logical date)`` of the backfill,
    without walking the range, or ``None`` when that is not cheap (then count the rows).

    For the built-in periodic kinds without a business calendar: the intervals are
    counted with [`count_intervals()`][timetable.count_intervals] (the ones that have
    ended before *now* are a prefix: found by bisection with
    [`nth_interval()`][timetable.nth_interval]), and only the stored runs of the range are
    looked at one by one.  Answers what counting ``_rows`` answers (a test checks).
    """
    from ._index import count_intervals, interval_containing, nth_interval
    from ._timetables import CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger

    if type(tt) not in (CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger):
        return None
    data = type(tt) in (CronDataIntervals, DeltaDataIntervals)
    if getattr(tt, "calendar", None) is not None:
        return None
    start = request.from_date
    hi = min(request.to_date, now)
    counts = {a.value: 0 for a in Action}
    n = count_intervals(tt, start=start, end=hi) if start <= hi else 0

    def nth(k: int) -> RunInfo:
        info = nth_interval(tt, start=start, n=k, now=now)
        assert info is not None
        return info

    lo_k, hi_k = 0, n  # the first k whose interval has not ended before now
    while lo_k < hi_k:
        mid = (lo_k + hi_k) // 2
        iv = nth(mid).data_interval
        if iv.end < now and iv.start < now:
            lo_k = mid + 1
        else:
            hi_k = mid
    rows = lo_k
    if rows == 0:
        return counts, None, None
    first, last = nth(0).logical_date, nth(rows - 1).logical_date
    reprocess = request.effective_reprocess
    existing = 0
    for run in history.after(first):
        ld = run.logical_date
        assert ld is not None
        if ld > last:
            break
        # the interval of the grid (from the backfill's start) whose logical date is ld
        key = ld if data else ld + tt.interval  # type: ignore[attr-defined]
        info = interval_containing(tt, key, start=start, now=now)
        if info is None or info.logical_date != ld:
            continue  # not on the grid: the backfill does not see it
        action, _ = _decide(run, reprocess)
        counts[action.value] += 1
        existing += 1
    counts[Action.CREATE.value] += rows - existing
    return counts, first, last

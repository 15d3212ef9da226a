"""Schedule edits: what Airflow does after a DAG's schedule changes, before you deploy it.

Theory of operation
-------------------
Airflow keeps no memory of a DAG's previous schedule.  After an edit its scheduler
continues from the *reference run* (the scheduled or backfill run with the greatest
logical date) and asks the NEW timetable for the next run, with the NEW start date, end
date and catchup flag; a proposed logical date that already has a run is skipped ("run
already exists") and the scheduler continues from that run.  [`plan_schedule_change()`][timetable.plan_schedule_change]
replays exactly that loop at a frozen ``now`` (it is the catchup chain of
[`plan_catchup()`][timetable.plan_catchup] under the new timetable), so ``next_runs`` is the list of
runs Airflow creates.

It then compares what the history and the new runs *stand for*.  A run stands for the
period that starts at its logical date: its data interval when that has a length, and
for a zero-length (trigger) run the time up to the next tick of the schedule that made
it.  Over the span from the reference run's period to the end of the last new run's
period (the first run that is not due yet included), every instant is covered by
exactly one run, by none (``uncovered``) or by several (``overlap``).  Each finding
carries a named reason.  Proposed runs whose logical date or run id already exists are
``collisions``; history runs that are not intervals of the old schedule are reported as
``off_schedule`` (never dropped).  A short recommendation turns the findings into steps.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from ._catchup import CatchupStop, plan_catchup
from ._changeset import Changeset, RunInsert
from ._planning import Action, History, iso, validate_history
from ._records import RunRecord, RunState, RunType
from ._runs import check_timetable
from ._timetables import (
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    MultiCronTrigger,
    TimetableProtocol,
)
from ._types import DataInterval, RunInfo, TimeRestriction
from ._tz import check_aware
from ._validation import checked, enum_missing, indent_arg
from .errors import WrongTypeError

__all__ = [
    "ChangeFinding",
    "ChangeReason",
    "ChangeStep",
    "ScheduleChangePlan",
    "plan_schedule_change",
]

_AUTOMATED = (RunType.SCHEDULED, RunType.BACKFILL)
# How many catchup=True intervals we count at most to say how many catchup=False skipped.
_COUNT_CAP = 100_000


class ChangeReason(enum.StrEnum):
    """Why a schedule-change finding exists.  Values are stable strings (they appear in JSON)."""

    _missing_ = classmethod(enum_missing)

    CATCHUP_OFF = "catchup off"
    """With catchup off the new schedule jumps to its latest interval; the ones between are skipped."""
    START_DATE_LATER = "start_date later"
    """The new start_date is after the end of the last run's period."""
    KIND_SWITCH = "kind switch"
    """Switching between trigger and data-interval kinds: the new schedule continues from
    the last run's interval *end*, and the other kind's runs stand for a different period."""
    REALIGNED = "realigned"
    """The new schedule's next interval starts after the end of the last run's period."""
    SCHEDULE_GAP = "schedule gap"
    """Two consecutive new runs leave time between them (a start/end date or DST edge)."""
    REACHES_BACK = "reaches back"
    """A new interval starts inside an existing run's period (it aligns to the new
    schedule's own previous tick)."""
    NEW_RUNS_OVERLAP = "new runs overlap"
    """The new schedule's own periods overlap (a trigger ``interval`` longer than its period)."""
    LOGICAL_DATE_EXISTS = "logical date exists"
    """A run with the proposed logical date exists: Airflow does not create the run and
    continues from the existing one ("run already exists")."""
    RUN_ID_EXISTS = "run id exists"
    """The proposed run id exists on a run with another logical date: Airflow fails to
    create the run on every scheduler loop, so no further run is created."""
    LOOPS = "loops"
    """The new schedule keeps proposing a logical date that exists: the scheduler skips
    it on every loop and creates no further run."""
    OFF_SCHEDULE = "off schedule"
    """An automated history run's interval is not an interval of the old schedule."""


FindingKind = Literal["uncovered", "overlap", "collision", "off_schedule"]


@attrs.frozen(kw_only=True)
class ChangeFinding:
    """One thing a schedule edit does to the runs' coverage.

    Attributes:
        kind: ``uncovered``, ``overlap``, ``collision`` or ``off_schedule``.
        reason: the rule behind it.
        interval: the time span concerned (for a collision: the proposed run's interval;
            for ``off_schedule``: the run's interval).
        run_ids: the existing runs involved (the colliding run, the runs overlapped).
        count: how many intervals of the new schedule the span holds, when known (the
            intervals ``catchup=False`` skipped), else ``None``.
        detail: one sentence with the numbers.
    """

    kind: FindingKind
    reason: ChangeReason
    interval: DataInterval
    run_ids: tuple[str, ...] = ()
    count: int | None = None
    detail: str = ""

    @property
    def duration(self) -> timedelta:
        """The length of `interval`."""
        return self.interval.end - self.interval.start

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "kind": self.kind,
            "reason": self.reason.value,
            "data_interval": _interval_dict(self.interval),
            "run_ids": list(self.run_ids),
            "count": self.count,
            "detail": self.detail,
        }


StepAction = Literal["none", "backfill", "set_start_date", "resolve_run", "review"]


@attrs.frozen(kw_only=True)
class ChangeStep:
    """One step of the recommendation.

    Attributes:
        action: ``none`` (the edit is seamless), ``backfill`` (run a backfill over
            ``interval``), ``set_start_date`` (to ``interval.start``), ``resolve_run``
            (delete or re-date the run in ``run_ids``) or ``review`` (check the data).
        text: the step in one sentence.
        interval: the range the step acts on, if any.
        run_ids: the runs it concerns.
    """

    action: StepAction
    text: str
    interval: DataInterval | None = None
    run_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "action": self.action,
            "text": self.text,
            "data_interval": None if self.interval is None else _interval_dict(self.interval),
            "run_ids": list(self.run_ids),
        }


def _interval_dict(iv: DataInterval) -> dict[str, Any]:
    return {"start": iso(iv.start), "end": iso(iv.end)}


def _info_dict(info: RunInfo) -> dict[str, Any]:
    return {
        "logical_date": iso(info.logical_date),
        "data_interval": _interval_dict(info.data_interval),
        "run_after": iso(info.run_after),
    }


@attrs.frozen(kw_only=True)
class ScheduleChangePlan:
    """What Airflow does after a schedule edit, and what the edit does to coverage.

    Attributes:
        now: the instant the plan was made for.
        restriction: the new start date, end date and catchup flag.
        reference_run_id: the automated run the new schedule continues from, or ``None``.
        next_runs: the runs Airflow creates under the new schedule at ``now``, in order
            (catchup on: every due run; off: the latest one).
        upcoming: the first run of the new schedule that is not due yet, or ``None``.
        stopped: why ``next_runs`` ends where it does.
        uncovered: spans no run stands for, each with its reason.
        overlaps: spans more than one run stands for (at least one of them new).
        collisions: proposed runs whose logical date or run id already exists.
        off_schedule: automated history runs that are not intervals of the old schedule.
        recommendation: the steps that close the gaps, in order.
    """

    now: datetime
    restriction: TimeRestriction
    reference_run_id: str | None
    next_runs: list[RunInfo]
    upcoming: RunInfo | None
    stopped: CatchupStop
    uncovered: tuple[ChangeFinding, ...] = ()
    overlaps: tuple[ChangeFinding, ...] = ()
    collisions: tuple[ChangeFinding, ...] = ()
    off_schedule: tuple[ChangeFinding, ...] = ()
    recommendation: tuple[ChangeStep, ...] = ()
    _run_ids: tuple[str, ...] = attrs.field(default=(), alias="_run_ids", repr=False)

    @property
    def findings(self) -> tuple[ChangeFinding, ...]:
        """Every finding: uncovered, overlaps, collisions, then off-schedule runs."""
        return self.uncovered + self.overlaps + self.collisions + self.off_schedule

    @property
    def is_seamless(self) -> bool:
        """Whether the edit leaves no gap, overlap, collision or off-schedule run."""
        return not self.findings

    @property
    def run_ids(self) -> tuple[str, ...]:
        """The run ids the runs of `next_runs` get, in the same order."""
        return self._run_ids

    def changeset(self) -> Changeset:
        """The rows to write: one ``dag_run`` insert (state ``queued``) per new run, in order."""
        return Changeset(
            runs_to_insert=tuple(
                RunInsert(
                    run_id=rid,
                    run_type=RunType.SCHEDULED,
                    logical_date=info.logical_date,
                    data_interval_start=info.data_interval.start,
                    data_interval_end=info.data_interval.end,
                    run_after=info.run_after,
                    state=RunState.QUEUED,
                    triggered_by="timetable",
                )
                for rid, info in zip(self._run_ids, self.next_runs, strict=True)
            )
        )

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-safe data, with ``version`` and ``kind``."""
        return {
            "version": 1,
            "kind": "schedule_change",
            "now": iso(self.now),
            "restriction": {
                "earliest": iso(self.restriction.earliest),
                "latest": iso(self.restriction.latest),
                "catchup": self.restriction.catchup,
            },
            "reference_run_id": self.reference_run_id,
            "next_runs": [
                {"run_id": rid, **_info_dict(info)}
                for rid, info in zip(self._run_ids, self.next_runs, strict=True)
            ],
            "upcoming": None if self.upcoming is None else _info_dict(self.upcoming),
            "stopped": self.stopped.value,
            "uncovered": [f.to_dict() for f in self.uncovered],
            "overlaps": [f.to_dict() for f in self.overlaps],
            "collisions": [f.to_dict() for f in self.collisions],
            "off_schedule": [f.to_dict() for f in self.off_schedule],
            "recommendation": [s.to_dict() for s in self.recommendation],
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as JSON text (`indent=None` for one line)."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """A readable summary: the new runs, each finding, then the recommendation."""
        ref = self.reference_run_id or "no previous automated run"
        lines = [
            f"schedule change at {iso(self.now)} (catchup={self.restriction.catchup}), "
            f"continuing from {ref}",
            f"  {len(self.next_runs)} run(s) to create; stopped: {self.stopped.value}",
        ]
        for rid, info in zip(self._run_ids, self.next_runs, strict=True):
            iv = info.data_interval
            lines.append(f"  create {rid}  [{iso(iv.start)}, {iso(iv.end)}]")
        if self.upcoming is not None:
            lines.append(
                f"  next: {iso(self.upcoming.logical_date)} "
                f"(run_after {iso(self.upcoming.run_after)})"
            )
        for f in self.findings:
            lines.append(f"  {f.kind} ({f.reason.value}): {f.detail}")
        lines.append("recommendation:")
        lines += [f"  - {s.text}" for s in self.recommendation]
        return "\n".join(lines)


# -- periods -----------------------------------------------------------------------------------


def _family(tt: object) -> str:
    if isinstance(tt, CronDataIntervals | DeltaDataIntervals):
        return "data-interval"
    if isinstance(tt, CronTrigger | DeltaTrigger | MultiCronTrigger):
        return "trigger"
    return "other"


_OPEN = TimeRestriction(catchup=True)


def _period(tt: TimetableProtocol, iv: DataInterval) -> tuple[datetime, datetime]:
    """The period a run stands for: its interval, or up to its schedule's next tick."""
    if iv.start < iv.end:
        return iv.start, iv.end
    t = iv.start
    try:
        nxt = tt.next_run_info(last_interval=iv, restriction=_OPEN, now=t)
    except Exception:  # pragma: no cover - custom timetables: treat as a point
        nxt = None
    if nxt is not None and nxt.logical_date > t:
        return t, nxt.logical_date
    return t, t


def _fmt_span(a: datetime, b: datetime) -> str:
    return f"{iso(a)} → {iso(b)}"


def _hours(d: timedelta) -> str:
    h = d.total_seconds() / 3600
    return f"{h:g} h"


# -- the planner -------------------------------------------------------------------------------


def plan_schedule_change(
    old: TimetableProtocol,
    new: TimetableProtocol,
    *,
    runs: Iterable[RunRecord | Mapping[str, Any]] | History,
    restriction: TimeRestriction,
    now: datetime,
) -> ScheduleChangePlan:
    """What Airflow does after a DAG's schedule changes from *old* to *new*.

    ``next_runs`` are exactly the runs Airflow's scheduler creates under *new* at *now*:
    it continues from the data interval of the scheduled or backfill run with the
    greatest logical date, with the new start date, end date and catchup flag
    (*restriction*); catchup on creates every due run, catchup off the latest one.  A
    proposed logical date that exists is not created (Airflow: "run already exists")
    and the chain continues from the existing run.

    The plan also lists the spans the edit leaves uncovered or covered twice, the
    collisions, the history runs that are not intervals of *old*, and a recommendation.
    A run stands for the period starting at its logical date: its data interval, or for
    a zero-length (trigger) interval the time up to its schedule's next tick.  Model
    a pause across the edit as a later *now*.

    Args:
        old: the timetable the history was made with.
        new: the timetable after the edit.
        runs: the run history (records, mappings or ``sqlite3.Row``), or a
            [`History`][timetable.History].
        restriction: the start date, end date and catchup flag *after* the edit.
        now: the instant the new schedule is deployed (or unpaused).

    Returns:
        The plan.

    Raises:
        NaiveDatetimeError: *now* or a record datetime is naive.
        InvalidRecordError: the history is invalid.
        WrongTypeError: an argument has the wrong type.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, CronTrigger, TimeRestriction
    >>> utc = timezone.utc
    >>> old = CronDataIntervals(cron="@daily")
    >>> runs = [{"run_id": "scheduled__2024-01-01T00:00:00+00:00", "run_type": "scheduled",
    ...          "logical_date": datetime(2024, 1, 1, tzinfo=utc),
    ...          "data_interval": (datetime(2024, 1, 1, tzinfo=utc), datetime(2024, 1, 2, tzinfo=utc)),
    ...          "run_after": datetime(2024, 1, 2, tzinfo=utc), "state": "success"}]
    >>> plan = plan_schedule_change(old, CronTrigger(cron="@daily"), runs=runs,
    ...     restriction=TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=utc), catchup=True),
    ...     now=datetime(2024, 1, 3, 12, tzinfo=utc))
    >>> [str(r.logical_date) for r in plan.next_runs]
    ['2024-01-03 00:00:00+00:00']
    >>> [(f.reason.value, str(f.interval.start)) for f in plan.uncovered]
    [('kind switch', '2024-01-02 00:00:00+00:00')]
    """
    old_tt = check_timetable(old, "old")
    new_tt = check_timetable(new, "new")
    if not isinstance(restriction, TimeRestriction):
        raise WrongTypeError.for_value("restriction", restriction, "expected a TimeRestriction")
    check_aware(now, "now")
    history = validate_history(runs)
    catchup_plan = plan_catchup(new_tt, runs=history, restriction=restriction, now=now)

    next_runs: list[RunInfo] = []
    run_ids: list[str] = []
    collisions: list[ChangeFinding] = []
    stopped = catchup_plan.stopped
    upcoming = catchup_plan.next_run
    for entry in catchup_plan:
        info = entry.run_info
        if entry.action is Action.SKIP:
            existing = history.get(entry.run_id)
            kind = existing.run_type.value if existing is not None else "existing"
            collisions.append(
                ChangeFinding(
                    kind="collision",
                    reason=ChangeReason.LOGICAL_DATE_EXISTS,
                    interval=info.data_interval,
                    run_ids=(entry.run_id,),
                    detail=(
                        f"the new schedule proposes logical date {iso(info.logical_date)}, "
                        f"which {kind} run {entry.run_id} already holds: Airflow does not "
                        f"create it (\"run already exists\") and continues from that run"
                    ),
                )
            )
            continue
        clash = history.get(entry.run_id)
        if clash is not None:
            collisions.append(
                ChangeFinding(
                    kind="collision",
                    reason=ChangeReason.RUN_ID_EXISTS,
                    interval=info.data_interval,
                    run_ids=(clash.run_id,),
                    detail=(
                        f"the new run's id {entry.run_id} already exists on a run with "
                        f"logical date {iso(clash.logical_date)}: Airflow fails to create it "
                        f"on every scheduler loop and creates no further run"
                    ),
                )
            )
            stopped = CatchupStop.NO_PROGRESS
            upcoming = info
            break
        next_runs.append(info)
        run_ids.append(entry.run_id)
    if catchup_plan.stopped is CatchupStop.NO_PROGRESS and upcoming is not None:
        holder = history.at(upcoming.logical_date)
        collisions.append(
            ChangeFinding(
                kind="collision",
                reason=ChangeReason.LOOPS,
                interval=upcoming.data_interval,
                run_ids=() if holder is None else (holder.run_id,),
                detail=(
                    f"the new schedule keeps proposing logical date "
                    f"{iso(upcoming.logical_date)}, which already has a run: the scheduler "
                    f"skips it on every loop and creates no further run"
                ),
            )
        )

    reference = history.latest_automated()
    uncovered, overlaps, off = _coverage(
        old_tt, new_tt, history, reference, next_runs, upcoming, restriction, now
    )
    plan_kwargs: dict[str, Any] = {
        "now": now,
        "restriction": restriction,
        "reference_run_id": None if reference is None else reference.run_id,
        "next_runs": next_runs,
        "upcoming": upcoming,
        "stopped": stopped,
        "uncovered": tuple(uncovered),
        "overlaps": tuple(overlaps),
        "collisions": tuple(collisions),
        "off_schedule": tuple(off),
        "_run_ids": tuple(run_ids),
    }
    steps = _recommend(uncovered, overlaps, collisions, off, next_runs, upcoming, old_tt, new_tt)
    first = next_runs[0] if next_runs else upcoming
    if (
        reference is not None
        and first is not None
        and _family(old_tt) == "trigger"
        and _family(new_tt) == "data-interval"
    ):
        note = ChangeStep(
            action="review",
            interval=DataInterval(start=reference.run_after, end=first.run_after),
            text=(
                f"switching trigger → data-interval: a data-interval run fires at the end of "
                f"its interval, so no run fires between {iso(reference.run_after)} and "
                f"{iso(first.run_after)}"
            ),
        )
        steps = (*tuple(s for s in steps if s.action != "none"), note)
    plan_kwargs["recommendation"] = steps
    return ScheduleChangePlan(**plan_kwargs)


def _history_window(
    history: History, reference: RunRecord | None, anchor: datetime
) -> Iterator[RunRecord]:
    """History runs whose period may reach past *anchor*: every run from the anchor on,
    and earlier runs back to the first one whose interval ends at or before it."""
    yield from history.after(anchor)
    for run in history.before(anchor):
        yield run
        iv = run.data_interval
        if iv is not None and iv.end <= anchor and iv.start < iv.end:
            return


def _on_schedule(tt: TimetableProtocol, iv: DataInterval) -> bool:
    """Whether *iv* is an interval *tt* produces (its first interval from iv.start)."""
    try:
        first = tt.next_run_info(
            last_interval=None,
            restriction=TimeRestriction(earliest=iv.start, catchup=True),
            now=iv.end,
        )
    except Exception:  # pragma: no cover - custom timetables
        return True
    if first is None:
        return False
    return first.data_interval == iv or (
        first.data_interval.start == iv.start and first.data_interval.end == iv.end
    )


def _coverage(
    old: TimetableProtocol,
    new: TimetableProtocol,
    history: History,
    reference: RunRecord | None,
    next_runs: list[RunInfo],
    upcoming: RunInfo | None,
    restriction: TimeRestriction,
    now: datetime,
) -> tuple[list[ChangeFinding], list[ChangeFinding], list[ChangeFinding]]:
    new_infos = [*next_runs, *([upcoming] if upcoming is not None else [])]
    new_periods = [_period(new, i.data_interval) for i in new_infos]
    ref_period: tuple[datetime, datetime] | None = None
    if reference is not None and reference.data_interval is not None:
        ref_period = _period(old, reference.data_interval)
    starts = [p[0] for p in new_periods]
    if ref_period is not None:
        starts.append(ref_period[0])
    if not starts:
        return [], [], []
    anchor = min(starts)
    horizon = max([p[1] for p in new_periods] + ([ref_period[1]] if ref_period else []))

    # Old periods that reach into [anchor, horizon), and the off-schedule check.
    old_periods: list[tuple[datetime, datetime, str]] = []
    off: list[ChangeFinding] = []
    window = list(_history_window(history, reference, anchor))
    if reference is not None and all(r.run_id != reference.run_id for r in window):
        window.append(reference)
    for run in window:
        iv = run.data_interval
        if iv is None:
            continue
        a, b = _period(old, iv)
        if b > anchor and a < horizon:
            old_periods.append((a, b, run.run_id))
        if run.run_type in _AUTOMATED and not _on_schedule(old, iv):
            off.append(
                ChangeFinding(
                    kind="off_schedule",
                    reason=ChangeReason.OFF_SCHEDULE,
                    interval=iv,
                    run_ids=(run.run_id,),
                    detail=(
                        f"{run.run_type.value} run {run.run_id} covers "
                        f"{_fmt_span(iv.start, iv.end)}, which is not an interval of the old "
                        f"schedule; it is kept as it is"
                    ),
                )
            )
    off.sort(key=lambda f: f.interval.start)

    # Sweep over the period boundaries: which runs stand for each elementary segment.
    events: list[tuple[datetime, int, str | None]] = []
    for a, b, rid in old_periods:
        a, b = max(a, anchor), min(b, horizon)
        if a < b:
            events += [(a, 1, rid), (b, -1, rid)]
    for a, b in new_periods:
        if a < b:
            events += [(a, 1, None), (b, -1, None)]
    events.sort(key=lambda e: (e[0], e[1]))
    active_old: dict[str, int] = {}
    n_new = 0
    segments: list[tuple[datetime, datetime, list[str], int]] = []
    cursor = anchor
    for t, delta, who in events:
        if t > cursor:
            segments.append((cursor, t, [k for k, v in active_old.items() if v], n_new))
            cursor = t
        if who is None:
            n_new += delta
        else:
            active_old[who] = active_old.get(who, 0) + delta
    if cursor < horizon:
        segments.append((cursor, horizon, [k for k, v in active_old.items() if v], n_new))

    # Merge consecutive segments of the same class.
    gaps: list[tuple[datetime, datetime]] = []
    doubles: list[tuple[datetime, datetime, set[str], int]] = []
    for x, y, olds, n_new in segments:
        total = len(olds) + n_new
        if total == 0:
            if gaps and gaps[-1][1] == x:
                gaps[-1] = (gaps[-1][0], y)
            else:
                gaps.append((x, y))
        elif total >= 2 and n_new >= 1:
            if doubles and doubles[-1][1] == x:
                px, _, pids, pn = doubles[-1]
                doubles[-1] = (px, y, pids | set(olds), max(pn, n_new))
            else:
                doubles.append((x, y, set(olds), n_new))

    ref_end = ref_period[1] if ref_period is not None else None
    uncovered = [
        _explain_gap(a, b, old, new, reference, ref_end, next_runs, restriction, now)
        for a, b in gaps
    ]
    overlaps = [
        ChangeFinding(
            kind="overlap",
            reason=ChangeReason.REACHES_BACK if ids else ChangeReason.NEW_RUNS_OVERLAP,
            interval=DataInterval(start=a, end=b),
            run_ids=tuple(sorted(ids)),
            detail=(
                f"{_fmt_span(a, b)} ({_hours(b - a)}) is covered by a new run and by "
                f"existing run(s) {', '.join(sorted(ids))}: the new interval starts at the new "
                f"schedule's own tick, inside that run's period"
                if ids
                else f"{_fmt_span(a, b)} ({_hours(b - a)}) is covered by {n} new runs: the new "
                f"schedule's periods overlap"
            ),
        )
        for a, b, ids, n in doubles
    ]
    return uncovered, overlaps, off


def _explain_gap(
    a: datetime,
    b: datetime,
    old: TimetableProtocol,
    new: TimetableProtocol,
    reference: RunRecord | None,
    ref_end: datetime | None,
    next_runs: list[RunInfo],
    restriction: TimeRestriction,
    now: datetime,
) -> ChangeFinding:
    iv = DataInterval(start=a, end=b)
    span = f"{_fmt_span(a, b)} ({_hours(b - a)})"
    earliest = restriction.earliest
    if earliest is not None and ref_end is not None and earliest > ref_end and a < earliest:
        return ChangeFinding(
            kind="uncovered",
            reason=ChangeReason.START_DATE_LATER,
            interval=iv,
            detail=(
                f"{span} has no run: the new start_date {iso(earliest)} is after the end of "
                f"the last run's period {iso(ref_end)}"
            ),
        )
    if not restriction.catchup and reference is not None and reference.data_interval is not None:
        skipped = _count_skipped(new, reference.data_interval, restriction, now, b)
        if skipped:
            made = next_runs[0].logical_date if next_runs else None
            instead = (
                f"; the run made instead is {iso(made)}" if made is not None else ""
            )
            return ChangeFinding(
                kind="uncovered",
                reason=ChangeReason.CATCHUP_OFF,
                interval=iv,
                count=skipped,
                detail=(
                    f"{span} has no run: with catchup off the new schedule jumps to its "
                    f"latest interval and skips {skipped} interval(s){instead}"
                ),
            )
    if ref_end is not None and a == ref_end:
        fo, fn = _family(old), _family(new)
        if fo != fn and "other" not in (fo, fn):
            return ChangeFinding(
                kind="uncovered",
                reason=ChangeReason.KIND_SWITCH,
                interval=iv,
                detail=(
                    f"{span} has no run: switching {fo} → {fn} continues from the last run's "
                    f"interval end, and the first {fn} run stands for the period from "
                    f"{iso(b)}"
                ),
            )
        return ChangeFinding(
            kind="uncovered",
            reason=ChangeReason.REALIGNED,
            interval=iv,
            detail=(
                f"{span} has no run: the new schedule's next interval after the last run "
                f"starts at {iso(b)}, after that run's period ends"
            ),
        )
    return ChangeFinding(
        kind="uncovered",
        reason=ChangeReason.SCHEDULE_GAP,
        interval=iv,
        detail=f"{span} lies between two runs of the new schedule",
    )


def _count_skipped(
    new: TimetableProtocol,
    last: DataInterval,
    restriction: TimeRestriction,
    now: datetime,
    before: datetime,
) -> int:
    """How many due catchup=True intervals of *new* start before *before* (capped)."""
    on = attrs.evolve(restriction, catchup=True)
    count = 0
    info = new.next_run_info(last_interval=last, restriction=on, now=now)
    while info is not None and info.run_after <= now and info.logical_date < before:
        count += 1
        if count >= _COUNT_CAP:
            break
        nxt = new.next_run_info(last_interval=info.data_interval, restriction=on, now=now)
        if nxt is None or nxt.logical_date <= info.logical_date:
            break
        info = nxt
    return count


def _recommend(
    uncovered: list[ChangeFinding],
    overlaps: list[ChangeFinding],
    collisions: list[ChangeFinding],
    off: list[ChangeFinding],
    next_runs: list[RunInfo],
    upcoming: RunInfo | None,
    old: TimetableProtocol,
    new: TimetableProtocol,
) -> tuple[ChangeStep, ...]:
    steps: list[ChangeStep] = []
    for f in uncovered:
        a, b = iso(f.interval.start), iso(f.interval.end)
        if f.reason is ChangeReason.START_DATE_LATER:
            steps.append(
                ChangeStep(
                    action="set_start_date",
                    interval=f.interval,
                    text=(
                        f"the new start_date leaves {a} → {b} without a run; if that is not "
                        f"intended, set start_date to {a}"
                    ),
                )
            )
        elif f.reason is ChangeReason.KIND_SWITCH:
            steps.append(
                ChangeStep(
                    action="backfill",
                    interval=f.interval,
                    text=(
                        f"switching {_family(old)} → {_family(new)} skips one period: "
                        f"backfill {a} → {b} to cover it"
                    ),
                )
            )
        elif f.reason is ChangeReason.CATCHUP_OFF:
            steps.append(
                ChangeStep(
                    action="backfill",
                    interval=f.interval,
                    text=(
                        f"backfill {a} → {b} to cover the {f.count} interval(s) catchup=False "
                        f"skips (or deploy with catchup on)"
                    ),
                )
            )
        else:
            steps.append(
                ChangeStep(
                    action="backfill",
                    interval=f.interval,
                    text=f"backfill {a} → {b} to cover the time no run stands for",
                )
            )
    for f in overlaps:
        steps.append(
            ChangeStep(
                action="review",
                interval=f.interval,
                run_ids=f.run_ids,
                text=(
                    f"{iso(f.interval.start)} → {iso(f.interval.end)} is processed twice; make "
                    f"sure the new run is idempotent over data that is already loaded"
                ),
            )
        )
    for f in collisions:
        holder = ", ".join(f.run_ids) or "an existing run"
        if f.reason is ChangeReason.LOGICAL_DATE_EXISTS:
            text = (
                f"no scheduled run is created for {iso(f.interval.start)} because {holder} "
                f"holds that logical date; delete it before deploying if the scheduled run "
                f"is wanted"
            )
        elif f.reason is ChangeReason.RUN_ID_EXISTS:
            text = f"rename or delete {holder}: its run id blocks every further scheduled run"
        else:
            text = (
                f"the scheduler is stuck on {iso(f.interval.start)}: delete or re-date "
                f"{holder}, or backfill past it"
            )
        steps.append(
            ChangeStep(action="resolve_run", interval=f.interval, run_ids=f.run_ids, text=text)
        )
    if off:
        steps.append(
            ChangeStep(
                action="review",
                run_ids=tuple(r for f in off for r in f.run_ids),
                text=(
                    f"{len(off)} history run(s) are not intervals of the old schedule (first: "
                    f"{off[0].run_ids[0]}); check the old schedule passed in"
                ),
            )
        )
    if not steps:
        first = next_runs[0] if next_runs else upcoming
        where = (
            f"at {iso(first.logical_date)}" if first is not None else "with no further run"
        )
        steps.append(
            ChangeStep(
                action="none",
                text=f"the edit is seamless: the new schedule continues {where}",
            )
        )
    return tuple(steps)


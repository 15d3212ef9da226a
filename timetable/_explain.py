""""Why is there no run at T?": one named answer with its numbers.

Theory of operation
-------------------
[`explain_run`][timetable.explain_run] looks for the run of a timetable that *at* names - by logical date,
by ``run_after`` or by the data interval that contains it - and walks the rules in the
order they apply:

1. a run in the history matches: it exists (or exists and was cleared);
2. the timetable has no run there: not a tick (with the nearest ticks on both sides), a
   wall time the DST policy moved or dropped, a day the calendar excludes, or a kind that
   never schedules;
3. the schedule's run is outside the restriction: before ``start_date``, after ``end_date``;
4. it is not due yet at *now*: it will run (unless the DAG is paused);
5. it is due: the scheduler loop ([`plan_catchup`][timetable.plan_catchup]) creates it now, or
   does not - catchup off jumped past it (and names the run made instead), the
   ``max_active_runs`` gate is closed, the DAG is paused, or the scheduler already
   continued past it (the history's reference run is later).

The enumeration is the same one every plan uses, so an instant this function says "will
run" or "due" is exactly a run [`iter_run_infos`][timetable.iter_run_infos] produces.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from ._catchup import CatchupStop, plan_catchup
from ._planning import History, iso, validate_history
from ._records import RunRecord
from ._runs import check_timetable
from ._timetables import (
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    Events,
    MultiCronTrigger,
    Never,
    TimetableProtocol,
)
from ._types import RunInfo, TimeRestriction
from ._tz import check_aware
from ._validation import checked, enum_missing, indent_arg
from .errors import InvalidArgumentError, WrongTypeError

__all__ = ["RunExplanation", "WhyReason", "explain_run"]

Match = Literal["logical_date", "run_after", "interval"]
_MATCHES = ("logical_date", "run_after", "interval")


class WhyReason(enum.StrEnum):
    """The answer of [`explain_run`][timetable.explain_run].  Values are stable strings (they appear in JSON)."""

    _missing_ = classmethod(enum_missing)

    EXISTS = "exists"
    """A run with that logical date / run_after / interval is in the history."""
    CLEARED = "cleared"
    """The run exists and was cleared (``clear_number > 0``)."""
    WILL_RUN = "will run"
    """The schedule's run is not due yet; it will be created at its ``run_after``."""
    DUE = "due"
    """The run is due and the scheduler creates it on its next loop."""
    NOT_A_TICK = "not a tick"
    """No run of the schedule matches; see the nearest runs before and after."""
    NEVER_SCHEDULES = "never schedules"
    """The timetable has no automated runs at all (``Never``), or none left."""
    BEFORE_START = "before start_date"
    """The schedule's run is before the start date."""
    AFTER_END = "after end_date"
    """The schedule's run is after the end date."""
    CATCHUP_OFF = "catchup off"
    """Catchup is off: the scheduler jumped to the latest interval and skipped this one."""
    BEHIND_REFERENCE = "behind the last run"
    """The scheduler already continued past this interval (the last automated run is
    later) and never goes back; only a backfill creates it."""
    DST_MOVED = "moved by DST"
    """The wall time is in a DST gap or fold; the schedule's policy runs it at another instant."""
    DST_SKIPPED = "skipped by DST"
    """The wall time is in a DST gap or fold and the policy drops it."""
    CALENDAR_EXCLUDED = "excluded by calendar"
    """The timetable's calendar excludes the day."""
    MAX_ACTIVE_RUNS = "max_active_runs"
    """The run is due but ``max_active_runs`` active runs block its creation."""
    PAUSED = "paused"
    """The DAG is paused: no scheduled run is created until it is unpaused."""


Verdict = Literal["exists", "will_run", "no_run"]
_VERDICT: dict[WhyReason, Verdict] = {
    WhyReason.EXISTS: "exists",
    WhyReason.CLEARED: "exists",
    WhyReason.WILL_RUN: "will_run",
    WhyReason.DUE: "will_run",
}


def _info_dict(info: RunInfo | None) -> dict[str, Any] | None:
    if info is None:
        return None
    return {
        "logical_date": iso(info.logical_date),
        "data_interval": {
            "start": iso(info.data_interval.start),
            "end": iso(info.data_interval.end),
        },
        "run_after": iso(info.run_after),
    }


@attrs.frozen(kw_only=True)
class RunExplanation:
    """The answer of [`explain_run`][timetable.explain_run].

    Attributes:
        at: the instant asked about.
        match: what *at* was matched against (``logical_date``, ``run_after``, ``interval``).
        reason: the named answer.
        verdict: ``exists``, ``will_run`` (not due yet, or due and created on the next
            loop) or ``no_run``.
        run: the schedule's run for *at*, when there is one.
        run_id: the existing run's id, when one matches.
        before: the nearest run of the schedule before *at* (``not a tick``).
        after: the nearest run of the schedule after *at* (``not a tick``).
        instead: the run made instead (``catchup off``), or the run the scheduler
            continued from (``behind the last run``).
        moved_to: where the DST policy put the wall time (``moved by DST``).
        numbers: the other numbers of the answer (``start_date``, ``end_date``,
            ``max_active_runs``, ``active_runs``, ``clear_number``, ``skipped``…).
    """

    at: datetime
    match: Match
    reason: WhyReason
    run: RunInfo | None = None
    run_id: str | None = None
    before: RunInfo | None = None
    after: RunInfo | None = None
    instead: RunInfo | None = None
    moved_to: datetime | None = None
    numbers: Mapping[str, Any] = attrs.field(factory=dict, hash=False)

    @property
    def verdict(self) -> Verdict:
        """``exists``, ``will_run`` or ``no_run``."""
        return _VERDICT.get(self.reason, "no_run")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, with ``version`` and ``kind``."""
        numbers = {k: (iso(v) if isinstance(v, datetime) else v) for k, v in self.numbers.items()}
        return {
            "version": 1,
            "kind": "run_explanation",
            "at": iso(self.at),
            "match": self.match,
            "verdict": self.verdict,
            "reason": self.reason.value,
            "run": _info_dict(self.run),
            "run_id": self.run_id,
            "before": _info_dict(self.before),
            "after": _info_dict(self.after),
            "instead": _info_dict(self.instead),
            "moved_to": iso(self.moved_to),
            "numbers": numbers,
            "text": self.to_text(),
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as JSON text (`indent=None` for one line)."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """One plain sentence a support engineer can paste."""
        at = iso(self.at)
        what = {"logical_date": "logical date", "run_after": "run_after",
                "interval": "data interval containing"}[self.match]
        run = self.run
        n = self.numbers
        r = self.reason
        if r is WhyReason.EXISTS:
            return f"Run {self.run_id} exists for {what} {at} (state {n.get('state')})."
        if r is WhyReason.CLEARED:
            return (
                f"Run {self.run_id} exists for {what} {at} and was cleared "
                f"{n.get('clear_number')} time(s) (state {n.get('state')})."
            )
        if r is WhyReason.WILL_RUN and run is not None:
            return (
                f"The run with logical date {iso(run.logical_date)} is not due yet: it will be "
                f"created at {iso(run.run_after)}."
            )
        if r is WhyReason.DUE and run is not None:
            return (
                f"The run with logical date {iso(run.logical_date)} is due since "
                f"{iso(run.run_after)} and the scheduler creates it on its next loop."
            )
        if r is WhyReason.NOT_A_TICK:
            b = "none" if self.before is None else iso(self.before.logical_date)
            a = "none" if self.after is None else iso(self.after.logical_date)
            return (
                f"No run has {what} {at}: it is not a tick of the schedule; the nearest runs "
                f"have logical dates {b} (before) and {a} (after)."
            )
        if r is WhyReason.NEVER_SCHEDULES:
            return f"No run has {what} {at}: the timetable creates no automated runs there."
        if r is WhyReason.BEFORE_START:
            when = at if run is None else iso(run.logical_date)
            return (
                f"No run has logical date {when}: it is before the start_date "
                f"{iso(n.get('start_date'))}."
            )
        if r is WhyReason.AFTER_END and run is not None:
            return (
                f"No run has logical date {iso(run.logical_date)}: it is after the end_date "
                f"{iso(n.get('end_date'))}."
            )
        if r is WhyReason.CATCHUP_OFF and run is not None:
            inst = "no run" if self.instead is None else iso(self.instead.logical_date)
            return (
                f"No run has logical date {iso(run.logical_date)}: catchup is off, so the "
                f"scheduler skipped it and made the run with logical date {inst} instead."
            )
        if r is WhyReason.BEHIND_REFERENCE and run is not None:
            ref = "a later run" if self.run_id is None else f"run {self.run_id}"
            return (
                f"No run has logical date {iso(run.logical_date)}: the scheduler already "
                f"continued from {ref} and never goes back; backfill it to create it."
            )
        if r is WhyReason.DST_MOVED:
            return (
                f"No run is at {at}: that wall time is in a DST "
                f"{n.get('transition')} and the schedule's policy runs it at "
                f"{iso(self.moved_to)} instead."
            )
        if r is WhyReason.DST_SKIPPED:
            return (
                f"No run is at {at}: that wall time is in a DST {n.get('transition')} and the "
                f"schedule's policy ({n.get('policy')}) drops it."
            )
        if r is WhyReason.CALENDAR_EXCLUDED:
            because = f" ({n['exclusion']})" if n.get("exclusion") else ""
            return (
                f"No run has {what} {at}: the timetable's calendar excludes "
                f"{n.get('day')}{because}."
            )
        if r is WhyReason.MAX_ACTIVE_RUNS and run is not None:
            return (
                f"The run with logical date {iso(run.logical_date)} is due but not created: "
                f"{n.get('active_runs')} active run(s) reach max_active_runs="
                f"{n.get('max_active_runs')}."
            )
        if r is WhyReason.PAUSED and run is not None:
            return (
                f"The run with logical date {iso(run.logical_date)} is not created: the DAG is "
                f"paused (it would be due at {iso(run.run_after)})."
            )
        return f"{r.value}: {at}."  # pragma: no cover - every reason is handled above


def _key(info: RunInfo, match: Match) -> datetime:
    return info.run_after if match == "run_after" else info.logical_date


def _hits(info: RunInfo, at: datetime, match: Match) -> bool:
    if match == "interval":
        iv = info.data_interval
        return iv.start <= at < iv.end or (iv.start == iv.end == at)
    return _key(info, match) == at


def _grid_start(tt: TimetableProtocol, at: datetime) -> datetime | None:
    ticker = getattr(tt, "ticker", None)
    if ticker is not None:
        t: datetime | None = at
        for _ in range(3):
            p = ticker.prev(t) if t is not None else None
            if p is None:
                break
            t = p
        interval = getattr(tt, "interval", None)
        if t is not None and isinstance(interval, timedelta) and interval:
            try:
                t = t - interval
                p = ticker.align_prev(t)
                t = p if p is not None else t
            except OverflowError:  # pragma: no cover - the ends of datetime
                pass
        return t
    if isinstance(tt, Events):
        return min(tt.event_dates) if tt.event_dates else None
    return None


def _find(
    tt: TimetableProtocol, at: datetime, match: Match, earliest: datetime | None
) -> tuple[RunInfo | None, RunInfo | None, RunInfo | None]:
    """The schedule's run matching *at*, else the nearest runs before and after."""
    start = _grid_start(tt, at) or earliest
    if isinstance(tt, DeltaDataIntervals | DeltaTrigger):
        # A delta grid starts at the start date: without one there is no grid.
        start = earliest
        if start is None:
            return None, None, None
        if start > at:
            first = tt.next_run_info(
                last_interval=None, restriction=TimeRestriction(earliest=start, catchup=True), now=at
            )
            return None, None, first
        # Jump close to *at* arithmetically when the step is fixed.
        step = getattr(tt, "delta", None)
        if isinstance(step, timedelta) and step > timedelta(0):
            k = max(0, (at - start) // step - 2)
            start = start + k * step
    if start is None:
        return None, None, None
    free = TimeRestriction(earliest=start, catchup=True)
    before: RunInfo | None = None
    info = tt.next_run_info(last_interval=None, restriction=free, now=at)
    guard = 0
    while info is not None and guard < 10_000:
        guard += 1
        if _hits(info, at, match):
            return info, None, None
        if _key(info, match) > at and (match != "interval" or info.data_interval.start > at):
            return None, before, info
        before = info
        nxt = tt.next_run_info(last_interval=info.data_interval, restriction=free, now=at)
        if nxt is None or nxt.logical_date <= info.logical_date:
            return None, before, None
        info = nxt
    return None, before, None


def _existing(history: History, at: datetime, match: Match) -> RunRecord | None:
    if match == "logical_date":
        return history.at(at)
    for run in history:
        if match == "run_after" and run.run_after == at:
            return run
        if match == "interval" and run.data_interval is not None:
            iv = run.data_interval
            if iv.start <= at < iv.end or iv.start == iv.end == at:
                return run
    return None


def _dst(tt: TimetableProtocol, at: datetime) -> tuple[WhyReason, dict[str, Any], datetime | None] | None:
    """Whether *at*'s wall time is a cron tick the DST policy moved or dropped."""
    if not isinstance(tt, CronDataIntervals | CronTrigger):
        return None
    ticker = tt.base_ticker  # DST analysis is about the cron ticks themselves
    if ticker.simple_zone:
        return None
    wall = ticker.to_wall(at)
    spec = ticker.spec
    tz = ticker.tz
    candidates = []
    # The wall reading of *at*, and (for instants just after a gap) the skipped wall times.
    for fold in (0, 1):
        w = wall.replace(fold=fold)
        off0 = tz.utcoffset(w.replace(fold=0))
        off1 = tz.utcoffset(w.replace(fold=1))
        if off0 != off1:
            candidates.append(wall)
    if not candidates:
        # A wall time in a gap never reads back from an instant; look at the gap just
        # before *at* (the policy "shift" puts 02:30 at 03:30).
        gap = _gap_before(tz, at)
        if gap is None:
            return None
        lo, hi = gap
        w = ticker.to_wall(at) - (hi - lo)
        if not spec.matches_wall(w):
            return None
        moved = ticker.align_next(at)
        policy = ticker.gap
        if policy == "skip":
            return WhyReason.DST_SKIPPED, {"transition": "gap", "policy": policy, "wall": w.isoformat()}, None
        if moved == at:
            return None
        return WhyReason.DST_MOVED, {"transition": "gap", "policy": policy, "wall": w.isoformat()}, moved
    if not spec.matches_wall(wall):
        return None
    policy = ticker.fold
    if policy == "both":  # both occurrences are ticks
        return None
    # The other occurrence of the same wall time is the one the policy keeps.
    here = at.astimezone(tz)
    other = wall.replace(fold=1 - here.fold, tzinfo=tz).astimezone(at.tzinfo)
    if other == at:  # pragma: no cover - guarded by the offset check above
        return None
    return WhyReason.DST_MOVED, {"transition": "fold", "policy": policy, "wall": wall.isoformat()}, other


def _gap_before(tz: Any, at: datetime) -> tuple[timedelta, timedelta] | None:
    """(old offset, new offset) when a spring-forward transition lies within a day before *at*."""
    before = at - timedelta(hours=3)
    o_b = before.astimezone(tz).utcoffset()
    o_a = at.astimezone(tz).utcoffset()
    if o_b is None or o_a is None or o_a <= o_b:
        return None
    return o_b, o_a


def _calendar(tt: TimetableProtocol, at: datetime) -> dict[str, Any] | None:
    """The hook for business calendars: a ``calendar`` attribute with ``is_business_day``."""
    cal = getattr(tt, "calendar", None)
    check = getattr(cal, "is_business_day", None)
    if cal is None or not callable(check):
        return None
    zone = getattr(tt, "timezone", "UTC")
    from ._tz import get_zone

    day = at.astimezone(get_zone(zone)).date() if isinstance(zone, str) else at.date()
    try:
        ok = check(day)
        why = getattr(cal, "exclusion", lambda d: None)(day)
    except Exception:  # pragma: no cover - a foreign calendar
        return None
    if ok:
        return None
    return {"day": day.isoformat(), "exclusion": why}


def explain_run(
    timetable: TimetableProtocol,
    *,
    at: datetime,
    runs: Iterable[RunRecord | Mapping[str, Any]] | History = (),
    restriction: TimeRestriction,
    now: datetime,
    match: Match = "logical_date",
    paused: bool = False,
    max_active_runs: int | None = None,
) -> RunExplanation:
    """Is there, was there, or will there be a run at *at* - and if not, why?

    Args:
        timetable: the DAG's timetable.
        at: the instant asked about.
        runs: the run history (records, mappings or ``sqlite3.Row``).
        restriction: the start date, end date and catchup flag.
        now: the current instant.
        match: compare *at* with the run's ``logical_date`` (default), its ``run_after``,
            or find the run whose data interval contains *at* (``interval``).
        paused: whether the DAG is paused (a host fact).
        max_active_runs: the DAG's ``max_active_runs`` (a host fact), or ``None``.

    Returns:
        A [`RunExplanation`][timetable.RunExplanation]: a named [`WhyReason`][timetable.WhyReason] with its numbers, and
        ``to_text()``, one sentence.

    Raises:
        NaiveDatetimeError: *at* or *now* is naive.
        InvalidArgumentError: *match* is not one of the three.
        WrongTypeError: an argument has the wrong type.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, TimeRestriction
    >>> utc = timezone.utc
    >>> why = explain_run(CronDataIntervals(cron="0 6 * * *"), at=datetime(2024, 5, 2, tzinfo=utc),
    ...                   restriction=TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=utc)),
    ...                   now=datetime(2024, 6, 1, tzinfo=utc))
    >>> why.reason.value
    'not a tick'
    >>> print(why.before.logical_date, why.after.logical_date)
    2024-05-01 06:00:00+00:00 2024-05-02 06:00:00+00:00
    """
    tt = check_timetable(timetable)
    check_aware(at, "at")
    check_aware(now, "now")
    if not isinstance(restriction, TimeRestriction):
        raise WrongTypeError.for_value("restriction", restriction, "expected a TimeRestriction")
    if match not in _MATCHES:
        raise InvalidArgumentError.for_value("match", match, f"expected one of {_MATCHES}")
    if not isinstance(paused, bool):
        raise WrongTypeError.for_value("paused", paused, "expected True or False")
    history = validate_history(runs)
    base: dict[str, Any] = {"at": at, "match": match}

    # 1. It exists.
    existing = _existing(history, at, match)
    if existing is not None:
        numbers = {"state": existing.state.value if existing.state is not None else None,
                   "clear_number": existing.clear_number}
        reason = WhyReason.CLEARED if existing.clear_number else WhyReason.EXISTS
        return RunExplanation(reason=reason, run_id=existing.run_id, numbers=numbers, **base)

    # 2. The schedule has no run there.
    if isinstance(tt, Never):
        return RunExplanation(reason=WhyReason.NEVER_SCHEDULES, **base)
    run, before, after = _find(tt, at, match, restriction.earliest)
    if run is None and before is None and restriction.earliest is not None and (
        at < restriction.earliest
    ):
        return RunExplanation(reason=WhyReason.BEFORE_START, after=after,
                              numbers={"start_date": restriction.earliest}, **base)
    if run is None:
        dst = _dst(tt, at)
        if dst is not None:
            reason, numbers, moved = dst
            return RunExplanation(reason=reason, moved_to=moved, numbers=numbers, before=before,
                                  after=after, **base)
        cal = _calendar(tt, at)
        if cal is not None:
            return RunExplanation(reason=WhyReason.CALENDAR_EXCLUDED, numbers=cal, before=before,
                                  after=after, **base)
        if before is None and after is None:
            return RunExplanation(reason=WhyReason.NEVER_SCHEDULES, **base)
        return RunExplanation(reason=WhyReason.NOT_A_TICK, before=before, after=after, **base)

    # 3. Outside the restriction.
    earliest, latest = restriction.earliest, restriction.latest
    ticker = getattr(tt, "ticker", None)
    first_allowed = earliest
    if earliest is not None and ticker is not None:
        aligned = ticker.align_next(earliest)
        first_allowed = aligned if aligned is not None else earliest
    if first_allowed is not None and _start_key(tt, run) < first_allowed:
        return RunExplanation(reason=WhyReason.BEFORE_START, run=run,
                              numbers={"start_date": earliest}, **base)
    if latest is not None and _start_key(tt, run) > latest:
        return RunExplanation(reason=WhyReason.AFTER_END, run=run,
                              numbers={"end_date": latest}, **base)

    # 4. Not due yet.
    if run.run_after > now:
        if paused:
            return RunExplanation(reason=WhyReason.PAUSED, run=run, **base)
        return RunExplanation(reason=WhyReason.WILL_RUN, run=run, **base)

    # 5. Due: does the scheduler loop create it?
    reference = history.latest_automated()
    if reference is not None and reference.logical_date is not None and (
        reference.logical_date > run.logical_date
    ):
        return RunExplanation(reason=WhyReason.BEHIND_REFERENCE, run=run,
                              run_id=reference.run_id, **base)
    plan = plan_catchup(tt, runs=history, restriction=restriction, now=now,
                        max_active_runs=max_active_runs)
    created = plan.to_create
    if any(c.logical_date == run.logical_date for c in created):
        if paused:
            return RunExplanation(reason=WhyReason.PAUSED, run=run, **base)
        return RunExplanation(reason=WhyReason.DUE, run=run, **base)
    if plan.stopped is CatchupStop.MAX_ACTIVE_RUNS:
        return RunExplanation(
            reason=WhyReason.MAX_ACTIVE_RUNS, run=run,
            numbers={"max_active_runs": max_active_runs, "active_runs": plan.active_runs}, **base,
        )
    instead = created[-1] if created else None
    return RunExplanation(reason=WhyReason.CATCHUP_OFF, run=run, instead=instead,
                          numbers={"catchup": restriction.catchup}, **base)


def _start_key(tt: TimetableProtocol, run: RunInfo) -> datetime:
    """What the restriction bounds: the logical date of data-interval kinds, else run_after."""
    if isinstance(tt, CronDataIntervals | DeltaDataIntervals):
        return run.logical_date
    if isinstance(tt, CronTrigger | DeltaTrigger | MultiCronTrigger):
        return run.run_after
    return run.logical_date

"""DST reports: every tick a clock change affects, under every policy.

Theory of operation
-------------------
A cron schedule asks for *wall times*; its ticks are the instants its DST policy turns
them into.  For each tick we name the wall time it stands for (its *nominal* wall time:
the latest cron wall time at or before the tick's wall reading - 02:30 for a 02:30 job
shifted to 03:30 on spring-forward day) and compare two spacings with the previous tick:
the real (UTC) one, and the zone-free one between the nominal wall times.  A tick is
listed exactly when they differ: a 23 h or 25 h day, a 3-hour interval, a repeated or
skipped hour.  For each listed tick the report gives what the schedule's own policy did
and what every other gap or fold policy would do with the same wall time.

Delta schedules step on the UTC instant, so no tick of theirs is ever affected.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Literal

import attrs

from ._planning import iso
from ._runs import check_timetable, iter_run_infos
from ._timetables import CronDataIntervals, CronTrigger, TimetableProtocol
from ._tz import check_aware, resolve_wall
from ._validation import checked, indent_arg
from .errors import InvalidArgumentError, NonPeriodicTimetableError, WrongTypeError

__all__ = ["DstReport", "DstTick", "dst_report"]

_GAP_POLICIES = ("shift", "clamp", "skip")
_FOLD_POLICIES = ("second", "first", "both")
Transition = Literal["gap", "fold", "after_gap", "after_fold", "crossed"]


def _policies(value: Any) -> dict[str, tuple[datetime, ...]]:
    """``{policy: instants}``, the instants as aware datetimes (ISO text is read back)."""
    if not isinstance(value, dict):
        raise WrongTypeError.for_value("policies", value, "expected a dict of policy name to instants")
    out: dict[str, tuple[datetime, ...]] = {}
    for name, instants in value.items():
        if not isinstance(name, str) or not isinstance(instants, (list, tuple)):
            raise WrongTypeError.for_value(
                "policies", {name: instants}, "expected a policy name and a list of instants"
            )
        items = []
        for v in instants:
            if isinstance(v, str):
                try:
                    v = datetime.fromisoformat(v)
                except ValueError:
                    raise InvalidArgumentError.for_value(
                        "policies", v, "expected an ISO 8601 instant with an offset"
                    ) from None
            items.append(check_aware(v, "policies"))
        out[name] = tuple(items)
    return out


@attrs.frozen(kw_only=True)
class DstTick:
    """One tick whose spacing a clock change altered.

    Attributes:
        tick: the tick (an instant, UTC).
        previous: the tick before it.
        wall: the wall time the schedule asked for (naive, in the schedule's zone).
        actual_wall: the wall reading of `tick` (differs from `wall` when
            the policy moved it).
        transition: ``gap`` (the wall time does not exist), ``fold`` (it exists twice),
            ``after_gap`` / ``after_fold`` (the previous tick's wall time, or one skipped
            between the two ticks, was in a gap or fold) or ``crossed`` (both are ordinary,
            but a transition lies between the two ticks).
        affected_wall: the wall time in the gap or fold (this tick's, the previous one's
            or a skipped one), or ``None`` for ``crossed``.
        policies: what each policy of that family does with `affected_wall`
            (``{"shift": (instant,), "clamp": (…,), "skip": ()}``); empty for ``crossed``.
        length: ``tick - previous`` (real elapsed time).
        zone_free_length: the spacing of the two nominal wall times.
    """

    tick: datetime
    previous: datetime
    wall: datetime
    actual_wall: datetime
    transition: Transition
    affected_wall: datetime | None = None
    policies: dict[str, tuple[datetime, ...]] = attrs.field(
        factory=dict, hash=False, converter=_policies
    )
    length: timedelta
    zone_free_length: timedelta

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "tick": iso(self.tick),
            "previous": iso(self.previous),
            "wall": self.wall.isoformat(),
            "actual_wall": self.actual_wall.isoformat(),
            "transition": self.transition,
            "affected_wall": None if self.affected_wall is None else self.affected_wall.isoformat(),
            "policies": {k: [iso(v) for v in vs] for k, vs in self.policies.items()},
            "length_seconds": self.length.total_seconds(),
            "zone_free_length_seconds": self.zone_free_length.total_seconds(),
        }


@attrs.frozen(kw_only=True)
class DstReport:
    """The answer of [`dst_report`][timetable.dst_report].

    Attributes:
        timezone: the schedule's zone.
        policy: the schedule's policy as ``"gap/fold"`` (``"shift/second"`` is Airflow's).
        start: the start of the range.
        end: the end of the range.
        ticks: every affected tick in the range, in order.
    """

    timezone: str
    policy: str
    start: datetime
    end: datetime
    ticks: tuple[DstTick, ...] = ()

    def __len__(self) -> int:
        return len(self.ticks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, with ``version`` and ``kind``."""
        return {
            "version": 1,
            "kind": "dst_report",
            "timezone": self.timezone,
            "policy": self.policy,
            "start": iso(self.start),
            "end": iso(self.end),
            "ticks": [t.to_dict() for t in self.ticks],
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as JSON text (`indent=None` for one line)."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """One line per affected tick."""
        head = (
            f"DST report for {self.timezone} ({self.policy}), {iso(self.start)} → "
            f"{iso(self.end)}: {len(self.ticks)} affected tick(s)"
        )
        lines = [head]
        for t in self.ticks:
            others = ", ".join(
                f"{k}: {' & '.join(iso(v) or '' for v in vs) or 'no run'}"
                for k, vs in t.policies.items()
            )
            lines.append(
                f"  {t.wall.isoformat()} ({t.transition}) → {iso(t.tick)} "
                f"[{_h(t.length)} since the previous tick, {_h(t.zone_free_length)} on the wall]"
                + (f"; {others}" if others else "")
            )
        return "\n".join(lines)


def _h(d: timedelta) -> str:
    return f"{d.total_seconds() / 3600:g} h"


def dst_report(timetable: TimetableProtocol, *, start: datetime, end: datetime) -> DstReport:
    """Every tick in ``[start, end]`` a DST transition affects, under every policy.

    A tick is listed when its real spacing from the previous tick differs from the
    spacing of the wall times they stand for - days of 23 or 25 hours, a 3-hour interval
    of an every-2-hours job, a repeated or skipped hour - or when its own wall time is in
    a gap or fold; 30-minute (Lord Howe) and 45-minute-offset (Chatham) transitions
    included.  Each entry names the wall time
    asked for, what the schedule's policy did, and what each other policy would do.

    Args:
        timetable: a cron timetable (``CronDataIntervals`` or ``CronTrigger``); delta
            schedules step on the UTC instant and give an empty report.
        start: the start of the range (aware).
        end: the end of the range (aware).

    Raises:
        NaiveDatetimeError: *start* or *end* is naive.
        InvalidArgumentError: ``start > end``.
        NonPeriodicTimetableError: the timetable has no periodic ticks.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronTrigger
    >>> utc = timezone.utc
    >>> report = dst_report(CronTrigger(cron="30 2 * * *", timezone="Europe/Berlin"),
    ...                     start=datetime(2024, 3, 29, tzinfo=utc), end=datetime(2024, 4, 3, tzinfo=utc))
    >>> [(t.wall.isoformat(), t.transition, str(t.length)) for t in report.ticks]
    [('2024-03-31T02:30:00', 'gap', '1 day, 0:00:00'), ('2024-04-01T02:30:00', 'after_gap', '23:00:00')]
    """
    tt = check_timetable(timetable)
    check_aware(start, "start")
    check_aware(end, "end")
    if start > end:
        raise InvalidArgumentError.for_value(
            "start", start.isoformat(), f"must not be after end={end.isoformat()!r}"
        )
    if not getattr(tt, "periodic", False):
        raise NonPeriodicTimetableError.for_value(
            "timetable", tt, "a DST report needs a periodic timetable"
        )
    zone = getattr(tt, "timezone", "UTC")
    dst = getattr(tt, "dst", None)
    policy = f"{dst.gap}/{dst.fold}" if dst is not None else "shift/second"
    report = DstReport(timezone=str(zone), policy=policy, start=start, end=end)
    if not isinstance(tt, CronDataIntervals | CronTrigger):
        return report  # delta kinds and the rest: steps on the UTC instant
    ticker = tt.base_ticker  # DST analysis is about the cron ticks themselves
    if ticker.simple_zone:
        return report
    tz = ticker.tz
    out: list[DstTick] = []
    seen: set[datetime] = set()
    for a, b in _windows(tt, start, end):
        for found in _affected(tt, _ticks(tt, a, b), tz):
            if found.tick not in seen:
                seen.add(found.tick)
                out.append(found)
    out.sort(key=lambda d: d.tick)
    return attrs.evolve(report, ticks=tuple(out))


_MARGIN = timedelta(hours=3)  # more than any gap or fold lasts


def _windows(
    tt: CronDataIntervals | CronTrigger, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Stretches of ``[start, end]`` that hold every tick an offset change can affect:
    from the tick before the change (less the margin) to the second tick after it (plus
    the margin), one per change; the whole range when the zone's changes cannot be read."""
    from ._zonetable import range_changes

    ticker = tt.base_ticker
    try:
        # from the tick before start: the first tick's spacing reaches back to it
        lo = ticker.prev(start) or start
        changes = range_changes(ticker.tz, lo - _MARGIN, end + _MARGIN)
    except OverflowError:
        changes = None
    if changes is None:
        return [(start, end)]
    out: list[tuple[datetime, datetime]] = []
    for instant, _, _ in changes:
        try:
            a = ticker.prev(instant - _MARGIN) or start
            b = ticker.next(instant + _MARGIN)
            b = (ticker.next(b) if b is not None else None) or end
        except OverflowError:
            a, b = start, end
        a, b = max(a, start), min(b, end)
        if a <= b:
            out.append((a, b))
    return out


def _affected(
    tt: CronDataIntervals | CronTrigger, ticks: list[datetime], tz: Any
) -> list[DstTick]:
    """The ticks of *ticks* (each after the first) whose spacing a clock change altered."""
    ticker = tt.base_ticker
    spec = ticker.spec
    out: list[DstTick] = []
    prev: datetime | None = None
    prev_nominal: datetime | None = None
    for t in ticks:
        actual = ticker.to_wall(t)
        nominal = spec.prev_wall(actual + timedelta(microseconds=1)) or actual
        if prev is not None and prev_nominal is not None:
            length = t - prev
            free = nominal - prev_nominal
            kind, policies = _classify(nominal, tz)
            affected: datetime | None = nominal
            if kind == "crossed":
                affected = None
                between = spec.next_wall(prev_nominal)
                candidates = [prev_nominal]
                if between is not None and between < nominal:
                    candidates.append(between)
                for w in candidates:
                    k, pol = _classify(w, tz)
                    if k != "crossed":
                        kind = "after_gap" if k == "gap" else "after_fold"
                        policies, affected = pol, w
                        break
            if length != free or kind in ("gap", "fold"):
                out.append(
                    DstTick(
                        tick=t,
                        previous=prev,
                        wall=nominal,
                        actual_wall=actual,
                        transition=kind,
                        affected_wall=affected,
                        policies=policies,
                        length=length,
                        zone_free_length=free,
                    )
                )
        prev, prev_nominal = t, nominal
    return out


def _ticks(tt: CronDataIntervals | CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """The schedule's ticks in ``[start, end]`` plus the one before (for its spacing)."""
    ticker = tt.base_ticker  # DST analysis is about the cron ticks themselves
    first = ticker.prev(start) or start
    out: list[datetime] = []
    for info in iter_run_infos(tt, start=first, end=None, now=end):
        t = info.data_interval.start if isinstance(tt, CronDataIntervals) else info.run_after
        if t > end:
            break
        out.append(t)
    return out


def _classify(wall: datetime, tz: Any) -> tuple[Transition, dict[str, tuple[datetime, ...]]]:
    w0 = wall.replace(fold=0, tzinfo=tz)
    w1 = wall.replace(fold=1, tzinfo=tz)
    off0, off1 = w0.utcoffset(), w1.utcoffset()
    if off0 == off1:
        return "crossed", {}
    assert off0 is not None
    assert off1 is not None
    if off1 > off0:
        return "gap", {g: resolve_wall(wall, tz, gap=g) for g in _GAP_POLICIES}  # type: ignore[arg-type]
    return "fold", {f: resolve_wall(wall, tz, fold=f) for f in _FOLD_POLICIES}  # type: ignore[arg-type]




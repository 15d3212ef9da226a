"""Lints with proofs: schedule shapes that do something other than what they look like.

Each finding has a stable id (``TT101``…), a severity (``error``: the schedule cannot work
as written; ``warning``: it works, but surprisingly; ``info``: worth knowing) and a
*proof*: the concrete instants, counts or calendar facts that show the problem.

The cron checks read the expression's five fields with a small expander of their own
(numbers, names, ranges, steps and lists), so they can explain expressions the tick
engine refuses to build (``0 0 30 2 *``: February has no day 30).
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import attrs

from ._cron import normalize_expression
from ._planning import iso
from ._timetables import CronDataIntervals, CronTrigger, TimetableProtocol
from ._types import TimeRestriction
from ._tz import check_aware, get_zone
from ._validation import checked, indent_arg
from .errors import TimetableError, WrongTypeError

__all__ = ["LINTS", "LintFinding", "LintReport", "lint"]

Severity = Literal["error", "warning", "info"]

#: Every lint: id → (name, severity, one-line summary).  Ids are stable.
LINTS: dict[str, tuple[str, Severity, str]] = {
    "TT101": ("step-exceeds-range", "warning",
              "a step larger than its field's range fires once per cycle (*/90 is hourly)"),
    "TT102": ("step-does-not-divide", "warning",
              "a step that does not divide its range leaves one short gap per cycle (*/7)"),
    "TT103": ("day-of-month-or-day-of-week", "warning",
              "restricting both day fields fires on either, not on both"),
    "TT104": ("never-fires", "error", "no date matches the expression"),
    "TT105": ("start-date-not-on-a-tick", "info",
              "the start date is not a tick; the first run starts at the next one"),
    "TT106": ("wall-time-in-dst-transition", "warning",
              "a wall time the schedule asks for falls in a DST gap or fold"),
    "TT107": ("fixed-offset-zone", "warning",
              "a fixed UTC offset never follows daylight saving time"),
    "TT108": ("catchup-years-back", "warning",
              "catchup on with a start date long ago creates many runs at once"),
}


@attrs.frozen(kw_only=True)
class LintFinding:
    """One lint finding.

    Attributes:
        id: the stable lint id (``TT101``…).
        name: its short name (``step-exceeds-range``…).
        severity: ``error``, ``warning`` or ``info``.
        message: what is wrong, in one sentence.
        proof: the facts that show it (instants, counts, calendar facts).
    """

    id: str
    name: str
    severity: Severity
    message: str
    proof: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {"id": self.id, "name": self.name, "severity": self.severity,
                "message": self.message, "proof": self.proof}


@attrs.frozen(kw_only=True)
class LintReport:
    """The findings of [`lint`][timetable.lint], in id order.

    Attributes:
        schedule: the expression or summary linted.
        findings: the findings.
    """

    schedule: str
    findings: tuple[LintFinding, ...] = ()

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self) -> Any:
        return iter(self.findings)

    @property
    def ids(self) -> tuple[str, ...]:
        """The ids of the findings, in order."""
        return tuple(f.id for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, with ``version`` and ``kind``."""
        return {"version": 1, "kind": "lint_report", "schedule": self.schedule,
                "findings": [f.to_dict() for f in self.findings]}

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as JSON text (`indent=None` for one line)."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """One block per finding."""
        if not self.findings:
            return f"{self.schedule}: no findings"
        lines = [f"{self.schedule}: {len(self.findings)} finding(s)"]
        for f in self.findings:
            lines.append(f"  {f.id} {f.severity} {f.name}: {f.message}")
            lines.append(f"      proof: {f.proof}")
        return "\n".join(lines)


def _finding(lint_id: str, message: str, proof: str) -> LintFinding:
    name, severity, _ = LINTS[lint_id]
    return LintFinding(id=lint_id, name=name, severity=severity, message=message, proof=proof)


# -- a small field expander --------------------------------------------------------------------

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day-of-month", 1, 31), ("month", 1, 12),
           ("day-of-week", 0, 6))
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {d.lower(): (i + 1) % 7 for i, d in enumerate(calendar.day_abbr)}
_STEP = re.compile(r"^(\*|\d+-\d+|\d+)/(\d+)$")


def _value(text: str, index: int) -> int:
    low = text.lower()
    if index == 3 and low in _MONTHS:
        return _MONTHS[low]
    if index == 4 and low in _DAYS:
        return _DAYS[low]
    return int(text)


def _expand(field: str, index: int) -> set[int] | None:
    """The values of one field, or None when it is ``*`` (or not understood)."""
    _, lo, hi = _FIELDS[index]
    if field in ("*", "?"):
        return None
    out: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, s = part.split("/", 1)
            step = int(s)
        if part in ("*", "?"):
            a, b = lo, hi
        elif "-" in part:
            x, y = part.split("-", 1)
            a, b = _value(x, index), _value(y, index)
        else:
            a = _value(part, index)
            b = hi if step > 1 else a
        if index == 4:
            a, b = (7 if a == 7 and b == 7 else a), b
        out.update(v % 7 if index == 4 else v for v in range(a, b + 1, step))
    return out


def _cron_findings(expression: str) -> list[LintFinding]:
    fields = expression.split()
    if len(fields) != 5:
        return []
    out: list[LintFinding] = []
    for index, text in enumerate(fields):
        name, lo, hi = _FIELDS[index]
        for part in text.split(","):
            m = _STEP.match(part)
            if not m:
                continue
            base, step = m.group(1), int(m.group(2))
            if step == 0:
                continue  # not a cron step at all; the engine reports it as invalid
            if base == "*":
                a, b = lo, hi
            elif "-" in base:
                a, b = (int(x) for x in base.split("-"))
            else:
                a, b = int(base), hi
            size = b - a + 1
            values = list(range(a, b + 1, step))
            if step > size - 1 and size > 1:
                out.append(_finding(
                    "TT101",
                    f"{name} {part} fires only at {name} {values[0]}",
                    f"{part} over {a}-{b} gives {values}: the step {step} exceeds the "
                    f"{size} values of the field, so the schedule fires once per "
                    f"{'hour' if index == 0 else 'cycle'}",
                ))
            elif base == "*" and size % step:
                last = values[-1]
                wrap = (a + size) - last
                out.append(_finding(
                    "TT102",
                    f"{name} {part} does not divide {size}: the spacing is not even",
                    f"{part} gives {', '.join(map(str, values[:3]))}, …, {last}, then {a} "
                    f"again: {step} apart, except {wrap} from {last} to {a}",
                ))
    try:
        dom = _expand(fields[2], 2)
        months = _expand(fields[3], 3)
        dow = _expand(fields[4], 4)
    except ValueError:
        return out
    if dom is not None and dow is not None:
        out.append(_finding(
            "TT103",
            f"day-of-month {fields[2]} and day-of-week {fields[4]} are both restricted: the "
            f"schedule fires on days matching EITHER",
            _or_proof(dom, dow),
        ))
    if dom is not None and dow is None:
        reason = _never_fires(dom, months)
        if reason is not None:
            out.append(_finding("TT104", "the expression never fires", reason))
    return out


def _or_proof(dom: set[int], dow: set[int]) -> str:
    names = [calendar.day_name[(d - 1) % 7] for d in sorted(dow)]
    for month in range(1, 13):
        for day in range(1, 29):
            d = datetime(2025, month, day, tzinfo=UTC)
            wd = (d.weekday() + 1) % 7
            if (day in dom) != (wd in dow):
                which = "day-of-month" if day in dom else "day-of-week"
                return (f"{d.date().isoformat()} ({calendar.day_name[d.weekday()]}) matches only "
                        f"the {which} field and still fires; the day-of-week field means "
                        f"{', '.join(names)}")
    return "every matching day matches both fields"  # pragma: no cover


def _never_fires(dom: set[int], months: set[int] | None) -> str | None:
    ms = sorted(months) if months is not None else list(range(1, 13))
    longest = {m: 29 if m == 2 else calendar.monthrange(2001, m)[1] for m in ms}
    if any(d <= longest[m] for m in ms for d in dom):
        return None
    first = min(dom)
    parts = []
    for m in ms:
        name = calendar.month_name[m]
        days = longest[m]
        parts.append(f"{name} has at most {days} days" if m == 2 else f"{name} has {days} days")
    days_text = ", ".join(str(d) for d in sorted(dom))
    if len(ms) == 1:
        return f"{calendar.month_name[ms[0]]} has no day {days_text} ({parts[0]})"
    return f"no month of {', '.join(calendar.month_name[m] for m in ms)} has day {first} ({'; '.join(parts)})"


# -- the entry point ---------------------------------------------------------------------------


def lint(
    timetable: TimetableProtocol | str,
    *,
    restriction: TimeRestriction | None = None,
    now: datetime | None = None,
    timezone: str = "UTC",
) -> LintReport:
    """Check a schedule for shapes that do something other than what they look like.

    Args:
        timetable: a timetable, or a cron expression (which may be one the tick engine
            refuses to build, such as ``0 0 30 2 *``, so the reason can be shown).
        restriction: the start date, end date and catchup flag, for the start-date and
            catchup checks.
        now: the current instant, for the catchup check (how many runs it creates).
        timezone: the zone of a cron expression given as a string.

    Returns:
        A [`LintReport`][timetable.LintReport]; ``report.ids`` lists the finding ids (see [`LINTS`][timetable.LINTS]).

    Raises:
        WrongTypeError: an argument has the wrong type.
        NaiveDatetimeError: *now* or a restriction date is naive.

    >>> lint("*/90 * * * *").ids
    ('TT101',)
    >>> print(lint("0 0 30 2 *").findings[0].proof)
    February has no day 30 (February has at most 29 days)
    """
    if restriction is not None and not isinstance(restriction, TimeRestriction):
        raise WrongTypeError.for_value("restriction", restriction, "expected a TimeRestriction")
    if now is not None:
        check_aware(now, "now")
    if not isinstance(timezone, str):
        raise WrongTypeError.for_value("timezone", timezone, "expected a zone name")
    built: Any = None
    if isinstance(timetable, str):
        expression = normalize_expression(timetable.strip())
        zone = timezone
        try:
            built = CronTrigger(cron=timetable, timezone=timezone)
        except TimetableError:
            built = None
            get_zone(zone)  # an unknown zone is still an error
    else:
        from ._runs import check_timetable

        built = check_timetable(timetable)
        expression = getattr(built, "cron", None) or ""
        zone = getattr(built, "timezone", "UTC")
        if isinstance(built, CronDataIntervals | CronTrigger):
            expression = normalize_expression(built.cron)
    findings: list[LintFinding] = []
    if expression:
        findings += _cron_findings(expression)
    if isinstance(zone, str):
        findings += _zone_findings(zone)
    if built is not None:
        findings += _restriction_findings(built, restriction, now)
        if isinstance(built, CronDataIntervals | CronTrigger):
            findings += _dst_findings(built, restriction, now)
    findings.sort(key=lambda f: f.id)
    summary = expression or str(getattr(built, "summary", type(built).__name__))
    return LintReport(schedule=summary, findings=tuple(findings))


_FIXED = re.compile(r"^(?:[+-]\d{2}:\d{2}|Etc/GMT[+-]\d{1,2})$")


def _zone_findings(zone: str) -> list[LintFinding]:
    if not _FIXED.match(zone):
        return []
    return [_finding(
        "TT107",
        f"timezone {zone!r} is a fixed offset: the schedule never moves with daylight saving time",
        f"{zone} keeps the same offset all year, while a zone such as Europe/Berlin changes "
        f"between +01:00 and +02:00; use the IANA name of the place if local wall time matters",
    )]


def _restriction_findings(
    tt: Any, restriction: TimeRestriction | None, now: datetime | None
) -> list[LintFinding]:
    out: list[LintFinding] = []
    if restriction is None or restriction.earliest is None:
        return out
    earliest = restriction.earliest
    ticker = getattr(tt, "ticker", None)
    if isinstance(tt, CronDataIntervals | CronTrigger) and ticker is not None:
        aligned = ticker.align_next(earliest)
        if aligned is not None and aligned != earliest:
            kind = "logical date" if isinstance(tt, CronDataIntervals) else "run"
            out.append(_finding(
                "TT105",
                f"start_date {iso(earliest)} is not a tick of {tt.cron!r}",
                f"the first {kind} is at the next tick, {iso(aligned)}; the "
                f"{aligned - earliest} before it belong to no run",
            ))
    if restriction.catchup and now is not None and now - earliest > timedelta(days=365):
        from ._index import count_intervals, nth_interval

        try:
            n = count_intervals(tt, start=earliest, end=now, now=now)
            # iter_run_infos bounds the logical date; only runs due by now are created.
            while n > 0:
                last = nth_interval(tt, start=earliest, n=n - 1, now=now)
                if last is None or last.run_after <= now:
                    break
                n -= 1
        except (TimetableError, TypeError):
            return out
        years = (now - earliest).days / 365.25
        out.append(_finding(
            "TT108",
            f"catchup is on and start_date is {years:.1f} years before now",
            f"deploying it creates {n} run(s) at once (one per scheduler loop), from "
            f"{iso(earliest)} to {iso(now)}",
        ))
    return out


def _dst_findings(
    tt: CronDataIntervals | CronTrigger, restriction: TimeRestriction | None, now: datetime | None
) -> list[LintFinding]:
    ticker = tt.base_ticker  # DST analysis is about the cron ticks themselves
    if ticker.simple_zone:
        return []
    from ._dst_report import dst_report

    ref = now or (restriction.earliest if restriction is not None else None)
    start = ref if ref is not None else datetime(2025, 1, 1, tzinfo=UTC)
    report = dst_report(tt, start=start, end=start + timedelta(days=366))
    hits = [t for t in report.ticks if t.transition in ("gap", "fold")]
    if not hits:
        return []
    examples = "; ".join(
        f"{t.wall.isoformat()} is in a {t.transition}, this schedule runs at {iso(t.tick)}"
        for t in hits[:2]
    )
    return [_finding(
        "TT106",
        f"{len(hits)} wall time(s) of {tt.cron!r} in {tt.timezone} fall in a DST gap or fold "
        f"in the year from {start.date().isoformat()}",
        examples + " (see dst_report for every policy)",
    )]



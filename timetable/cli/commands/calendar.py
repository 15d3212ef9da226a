"""Business calendars on the command line: ``timetable calendar`` and ``--calendar`` / ``--roll``.

``--calendar`` takes a country code read through the ``holidays`` extra (``US``,
``US-CA`` for a subdivision, ``NYSE`` for a market), or a JSON file with a serialized
[`BusinessCalendar`][timetable.BusinessCalendar]; ``--roll`` picks the roll convention.
Both apply to the schedule of every command that has one (``next``, ``runs``, ``catchup``,
``backfill``, ...).  Country calendars are materialized for ten years either side of
``--now`` unless ``--calendar-years FIRST-LAST`` says otherwise.
"""

from __future__ import annotations

import argparse
import os
from datetime import date, timedelta
from typing import Any, TextIO

import attrs

from timetable._calendar import ROLLS, BusinessCalendar
from timetable.cli.inputs import BadInput, Inputs, common, read_json
from timetable.cli.registry import Command
from timetable.cli.render import document, write_json
from timetable.errors import TimetableError

__all__ = ["COMMANDS", "apply_calendar", "calendar_args", "load_calendar"]


def calendar_args(p: argparse.ArgumentParser) -> None:
    """``--calendar``, ``--roll`` and ``--calendar-years`` (added to every schedule)."""
    g = p.add_argument_group("business calendar")
    g.add_argument("--calendar", metavar="CODE|FILE",
                   help="business days: a country or market code from the holidays package "
                   "(US, US-CA, GB-ENG, NYSE) or a JSON file with a serialized calendar")
    g.add_argument("--roll", choices=ROLLS,
                   help="a tick on an excluded day: skip it (default), roll it to the "
                   "following/preceding business day (modified_*: within the month), or "
                   "span (intervals stretch over excluded days)")
    g.add_argument("--calendar-years", metavar="FIRST-LAST",
                   help="the years a country calendar covers (default: 10 either side of now)")


def load_calendar(inputs: Inputs) -> BusinessCalendar | None:
    """The calendar ``--calendar`` names, or None."""
    text = inputs.get("calendar")
    if text is None:
        return None
    if isinstance(text, dict):
        return _from_json(text, "--calendar")
    if not isinstance(text, str) or not text:
        raise BadInput("--calendar: expected a country code or a JSON file", "invalid-input")
    if text.endswith(".json") or os.path.sep in text or text == "-":
        return _from_json(read_json(text, "--calendar"), "--calendar")
    years = _years(inputs)
    country, _, subdiv = text.partition("-")
    try:
        try:
            return BusinessCalendar.from_holidays(country, subdiv=subdiv or None, years=years)
        except TimetableError as err:
            if getattr(err, "argument", None) != "country" or subdiv:
                raise
            try:
                return BusinessCalendar.from_holidays(text, years=years, financial=True)
            except TimetableError:
                raise err from None
    except TimetableError as err:
        raise BadInput(f"--calendar: {err}", getattr(err, "code", "invalid-input")) from None


def _from_json(data: Any, what: str) -> BusinessCalendar:
    if not isinstance(data, dict):
        raise BadInput(f"{what}: expected a JSON object (a serialized calendar)", "invalid-input")
    try:
        return BusinessCalendar._from_dict(data)
    except TimetableError as err:
        raise BadInput(f"{what}: {err}", getattr(err, "code", "invalid-input")) from None


def _years(inputs: Inputs) -> range:
    text = inputs.get("calendar_years")
    if text is None:
        year = inputs.now().year
        return range(year - 10, year + 11)
    first, sep, last = str(text).partition("-")
    try:
        lo, hi = int(first), int(last if sep else first)
    except ValueError:
        raise BadInput(f"--calendar-years: expected FIRST-LAST such as 2020-2030, got {text!r}") from None
    if not 1 <= lo <= hi <= 9998:
        raise BadInput(f"--calendar-years: expected FIRST-LAST with FIRST <= LAST, got {text!r}")
    return range(lo, hi + 1)


def apply_calendar(inputs: Inputs, tt: Any) -> Any:
    """*tt* with ``--calendar`` / ``--roll`` applied (unchanged when neither is given)."""
    roll = inputs.get("roll")
    cal = load_calendar(inputs)
    if cal is None and roll is None:
        return tt
    if not attrs.has(type(tt)) or not any(f.name == "calendar" for f in attrs.fields(type(tt))):
        raise BadInput(f"--calendar/--roll: a {type(tt).__name__} schedule has no business days")
    changes: dict[str, Any] = {}
    if cal is not None:
        changes["calendar"] = cal
    if roll is not None:
        changes["roll"] = roll
    try:
        out = attrs.evolve(tt, **changes)
    except TimetableError as err:
        raise BadInput(f"--calendar/--roll: {err}", getattr(err, "code", "usage")) from None
    if out.calendar is None:
        raise BadInput("--roll needs --calendar (or a timetable with a calendar)")
    return out


def cmd_calendar(inputs: Inputs, out: TextIO) -> int:
    cal = load_calendar(inputs)
    if cal is None:
        raise BadInput("calendar: give --calendar CODE or --calendar FILE", "missing-input")
    start = _day(inputs, "from_date")
    end = _day(inputs, "to_date")
    if end < start:
        raise BadInput(f"--to-date {end} is before --from-date {start}")
    try:
        excluded = dict(cal.excluded_days(start, end))
        business = cal.count_business_days(start, end)
    except TimetableError as err:
        raise BadInput(f"calendar: {err}", getattr(err, "code", "invalid-input")) from None
    only_holidays = bool(getattr(inputs.args, "holidays_only", False))
    rows = []
    d = start
    while d <= end:
        why = excluded.get(d)
        if not (only_holidays and why in (None, "weekend")):
            rows.append((d, why))
        d += timedelta(days=1)
    if inputs.get("json"):
        write_json(out, document(
            "calendar", start=start.isoformat(), end=end.isoformat(), business_days=business,
            excluded_days=len(excluded),
            days=[{"date": day.isoformat(), "business": why is None, "reason": why}
                  for day, why in rows],
        ))
        return 0
    out.write(f"{start} .. {end}: {business} business days, {len(excluded)} excluded\n")
    for day, why in rows:
        out.write(f"  {day} {day:%a}  {'business' if why is None else why}\n")
    return 0


def _day(inputs: Inputs, name: str) -> date:
    text = inputs.get(name)
    if text is None:
        raise BadInput(f"--{name.replace('_', '-')}: required (YYYY-MM-DD)", "missing-input")
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        raise BadInput(f"--{name.replace('_', '-')}: expected YYYY-MM-DD, got {text!r}") from None


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from-date", "--from", dest="from_date", help="the first day (YYYY-MM-DD)")
    p.add_argument("--to-date", "--to", dest="to_date", help="the last day (YYYY-MM-DD)")
    p.add_argument("--holidays-only", action="store_true",
                   help="list only holidays (not business days or weekends)")
    p.add_argument("--calendar", metavar="CODE|FILE",
                   help="a country or market code (US, US-CA, NYSE) or a calendar JSON file")
    p.add_argument("--calendar-years", metavar="FIRST-LAST",
                   help="the years a country calendar covers (default: 10 either side of now)")
    common(p, example=False)


COMMANDS = (
    Command("calendar", "list business days and holidays (with names) in a date range",
            cmd_calendar, _arguments, rank=450,
            description="List the days of a range with their reason: business, weekend or "
            "the holiday's name, from a country or market calendar (the holidays extra) or "
            "a calendar JSON file."),
)

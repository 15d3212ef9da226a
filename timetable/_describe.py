"""Human descriptions of cron expressions, in the style Airflow shows (24-hour clock).

We write our own small describer instead of depending on ``cron-descriptor``.  It
covers the shapes schedules use in practice (fixed times, steps, lists, ranges, weekday
and month restrictions) and returns ``""`` for expressions it does not describe
(more than five fields, ``L``/``W``/``#``), as Airflow does for six-field crons.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["describe_cron"]

_MONTHS = [
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MON_ABBR = {m[:3].lower(): i for i, m in enumerate(_MONTHS) if m}
_DAY_ABBR = {d[:3].lower(): i for i, d in enumerate(_DAYS[:7])}
_NUM = re.compile(r"^\d+$")


def _num(tok: str, names: dict[str, int]) -> int | None:
    if _NUM.match(tok):
        return int(tok)
    return names.get(tok.lower())


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _list_phrase(field: str, names: dict[str, int], label: Callable[[int], str]) -> str | None:
    """``"1,15"`` -> label([1, 15]) joined; ranges ``a-b`` -> "a through b"."""
    parts = []
    for tok in field.split(","):
        if "-" in tok:
            a, _, b = tok.partition("-")
            na, nb = _num(a, names), _num(b, names)
            if na is None or nb is None:
                return None
            parts.append(f"{label(na)} through {label(nb)}")
        else:
            n = _num(tok, names)
            if n is None:
                return None
            parts.append(label(n))
    return _join(parts)


def describe_cron(expression: str) -> str:
    """Describe a five-field cron expression; ``""`` when we cannot.

    >>> describe_cron("0 0 * * *")
    'At 00:00'
    >>> describe_cron("0 0 1 */3 *")
    'At 00:00, on day 1 of the month, every 3 months'
    >>> describe_cron("*/15 9-17 * * 1-5")
    'Every 15 minutes, between 09:00 and 17:59, Monday through Friday'
    """
    fields = expression.split()
    if len(fields) != 5 or any(c in expression.upper() for c in "LW#?"):
        return ""
    minute, hour, dom, month, dow = fields
    out: list[str] = []
    try:
        out.append(_time_phrase(minute, hour))
        if dom != "*":
            if dom.startswith("*/"):
                out.append(f"every {dom[2:]} days")
            else:
                p = _list_phrase(dom, {}, str)
                if p is None:
                    return ""
                out.append(f"on day {p} of the month")
        if dow != "*":
            if dow.startswith("*/"):
                out.append(f"every {dow[2:]} days of the week")
            else:
                p = _list_phrase(dow, _DAY_ABBR, lambda n: _DAYS[n])
                if p is None:
                    return ""
                out.append(p if "-" in dow else f"only on {p}")
        if month != "*":
            if month.startswith("*/"):
                out.append(f"every {month[2:]} months")
            else:
                p = _list_phrase(month, _MON_ABBR, lambda n: _MONTHS[n])
                if p is None:
                    return ""
                out.append(p if "-" in month else f"only in {p}")
    except (IndexError, ValueError, _Unsupported):
        return ""
    if dom != "*" and dow != "*":
        # cron ORs day-of-month and day-of-week when both are restricted.
        no_dow = describe_cron(f"{minute} {hour} {dom} {month} *")
        no_dom = describe_cron(f"{minute} {hour} * {month} {dow}")
        return f"{no_dow} (or) {no_dom}" if no_dow and no_dom else ""
    return ", ".join(out)


class _Unsupported(Exception):
    pass


def _hhmm(h: int, m: int) -> str:
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise _Unsupported
    return f"{h:02d}:{m:02d}"


def _time_phrase(minute: str, hour: str) -> str:
    if _NUM.match(minute) and _NUM.match(hour):
        return f"At {_hhmm(int(hour), int(minute))}"
    if _NUM.match(minute) and "," in hour and all(_NUM.match(h) for h in hour.split(",")):
        return "At " + _join([_hhmm(int(h), int(minute)) for h in hour.split(",")])
    if minute == "*" and hour == "*":
        return "Every minute"
    if minute.startswith("*/") and _NUM.match(minute[2:]):
        base = f"Every {int(minute[2:])} minutes"
    elif minute == "*":
        base = "Every minute"
    elif _NUM.match(minute):
        base = f"At {int(minute)} minutes past the hour"
    else:
        p = _list_phrase(minute, {}, str)
        if p is None:
            raise _Unsupported
        base = f"At {p} minutes past the hour"
    if hour == "*":
        return base
    if hour.startswith("*/") and _NUM.match(hour[2:]):
        return f"{base}, every {int(hour[2:])} hours"
    if "-" in hour and "," not in hour and "/" not in hour:
        a, _, b = hour.partition("-")
        return f"{base}, between {_hhmm(int(a), 0)} and {_hhmm(int(b), 59)}"
    if _NUM.match(hour):
        return f"{base}, between {_hhmm(int(hour), 0)} and {_hhmm(int(hour), 59)}"
    p = _list_phrase(hour, {}, lambda n: _hhmm(n, 0))
    if p is None:
        raise _Unsupported
    return f"{base}, at {p}"

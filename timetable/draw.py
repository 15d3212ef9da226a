"""Pictures of what the library computes, as small self-contained SVG documents.

Every function takes values the library computed (run infos, plans, a timetable, a day
grid, benchmark ratios) and returns the text of one ``<svg>`` element: no file, no clock,
no dependency beyond the standard library.  The documentation site draws its pictures by
calling these functions at build time, and the command line writes the same pictures with
``--svg FILE``, so a picture cannot drift from the code it shows.

Hovering an element shows its ``<title>``: the exact instants of an interval, the reason
a plan creates or skips a run.  Colours read on light and dark pages; text uses the
page's colour (``currentColor``).

>>> from datetime import datetime, timezone
>>> from timetable import iter_run_infos
>>> from timetable.airflow import from_schedule
>>> tt = from_schedule("@daily", create_cron_data_intervals=True)
>>> start = datetime(2024, 1, 1, tzinfo=timezone.utc)
>>> svg = timeline(list(iter_run_infos(tt, start=start, end=datetime(2024, 1, 3,
...     tzinfo=timezone.utc), now=start)))
>>> svg.startswith("<svg") and svg.count('class="interval"')
3
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from ._types import RunInfo
from ._tz import get_zone

__all__ = [
    "PALETTE",
    "bar_chart",
    "dst_chart",
    "flow",
    "month_grid",
    "plan_chart",
    "spans",
    "task_grid",
    "timeline",
]

#: The colour of each state or action (fill), readable on light and dark backgrounds.
PALETTE: dict[str, str] = {
    "create": "#2e7d32",
    "due": "#2e7d32",
    "success": "#43a047",
    "reprocess": "#f9a825",
    "skip": "#9e9e9e",
    "left out": "#c62828",
    "excluded": "#c62828",
    "failed": "#e53935",
    "upstream_failed": "#ef6c00",
    "running": "#1e88e5",
    "queued": "#8e24aa",
    "missing": "none",
    "interval": "#5c6bc0",
    "gap": "#ffcdd2",
    "fold": "#bbdefb",
    "business": "#66bb6a",
    "holiday": "#ef5350",
    "weekend": "#bdbdbd",
    "run": "#1e88e5",
    "rolled": "#f9a825",
    "changed": "#f9a825",
    "history": "#43a047",
    "new run": "#1e88e5",
    "uncovered": "#c62828",
    "overlap": "#f9a825",
}
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12"'


def _svg(width: float, height: float, body: Sequence[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timetable-picture" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'role="img" aria-label="{escape(label)}" {_FONT}>'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="currentColor"{extra}>'
        f"{escape(text)}</text>"
    )


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _short(dt: datetime, zone: str | None = None) -> str:
    """``2024-03-31 02:30`` (in *zone* when given, else the instant's own offset)."""
    if zone is not None:
        dt = dt.astimezone(get_zone(zone))
    text = dt.strftime("%Y-%m-%d %H:%M")
    off = dt.utcoffset()
    if not off:
        return text + "Z"
    return text + dt.isoformat()[-6:]


def _ticks(lo: datetime, hi: datetime, n: int = 6) -> list[datetime]:
    span = (hi - lo).total_seconds()
    steps = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
             7 * 86400, 14 * 86400, 30 * 86400, 91 * 86400, 365 * 86400]
    step = next((s for s in steps if span / s <= n), steps[-1])
    epoch = datetime(1970, 1, 1, tzinfo=lo.tzinfo)
    first = math.ceil((lo - epoch).total_seconds() / step) * step
    out = []
    t = epoch + timedelta(seconds=first)
    while t <= hi:
        out.append(t)
        t += timedelta(seconds=step)
    return out


def _legend(x: float, y: float, items: Sequence[tuple[str, str, str]]) -> list[str]:
    """Legend swatches: (shape, colour, label) with shape ``rect``/``dot``/``tri``/``line``."""
    out = []
    for shape, colour, label in items:
        if shape == "rect":
            out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="14" height="10" rx="2" '
                       f'fill="{colour}" stroke="currentColor" stroke-opacity="0.4"/>')
        elif shape == "dot":
            out.append(f'<circle cx="{x + 7:.1f}" cy="{y - 4:.1f}" r="4" fill="{colour}"/>')
        elif shape == "tri":
            out.append(f'<path d="M{x + 2:.1f},{y - 9:.1f} l10,5 l-10,5 z" fill="{colour}"/>')
        else:
            out.append(f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 14:.1f}" y2="{y - 4:.1f}" '
                       f'stroke="{colour}" stroke-width="2" stroke-dasharray="4 2"/>')
        out.append(_text(x + 19, y, label))
        x += 27 + 6.6 * len(label)
    return out


# -- a timeline of runs ----------------------------------------------------------------------


def timeline(
    infos: Iterable[RunInfo],
    *,
    now: datetime | None = None,
    zone: str | None = None,
    title: str = "Runs: data intervals, logical dates and run_after",
    width: int = 720,
) -> str:
    """One row per run: its data interval (a bar), logical date (a dot), run_after (a flag).

    Args:
        infos: the runs, e.g. from [`iter_run_infos`][timetable.iter_run_infos].
        now: draws a dashed line at this instant.
        zone: labels the rows with wall-clock times in this zone.
        title: the picture's title (also its accessible name).
        width: in pixels.
    """
    runs = list(infos)
    left, right, top, row = 150.0, 20.0, 28.0, 22.0
    height = top + row * max(len(runs), 1) + 58
    body = [_text(0, 14, title, extra=' font-weight="600"')]
    if not runs:
        body.append(_text(left, top + 14, "no runs"))
        return _svg(width, height, body, title)
    instants = [t for r in runs for t in (r.data_interval.start, r.data_interval.end,
                                          r.logical_date, r.run_after)]
    if now is not None:
        instants.append(now)
    lo, hi = min(instants), max(instants)
    if hi == lo:
        hi = lo + timedelta(hours=1)
    pad = (hi - lo) * 0.03
    lo, hi = lo - pad, hi + pad
    scale = (width - left - right) / (hi - lo).total_seconds()

    def x(t: datetime) -> float:
        return left + (t - lo).total_seconds() * scale

    bottom = top + row * len(runs)
    for t in _ticks(lo, hi):
        body.append(f'<line x1="{x(t):.1f}" y1="{top - 4:.1f}" x2="{x(t):.1f}" y2="{bottom:.1f}" '
                    f'stroke="currentColor" stroke-opacity="0.15"/>')
        label = t.strftime("%m-%d %H:%M") if (hi - lo) < timedelta(days=3) else t.strftime(
            "%Y-%m-%d")
        body.append(_text(x(t), bottom + 14, label, anchor="middle",
                          extra=' font-size="10" fill-opacity="0.8"'))
    for i, r in enumerate(runs):
        y = top + i * row
        iv = r.data_interval
        tip = (f"logical date {_short(r.logical_date)}; data interval {_short(iv.start)} → "
               f"{_short(iv.end)}; run after {_short(r.run_after)}")
        body.append(f'<g class="run">{_title(tip)}')
        body.append(_text(left - 8, y + 14, _short(r.logical_date, zone), anchor="end",
                          extra=' font-size="11"'))
        x0, x1 = x(iv.start), x(iv.end)
        if x1 - x0 < 2:
            body.append(f'<rect class="interval" x="{x0 - 1:.1f}" y="{y + 5:.1f}" width="2" '
                        f'height="12" fill="{PALETTE["interval"]}"/>')
        else:
            body.append(f'<rect class="interval" x="{x0:.1f}" y="{y + 5:.1f}" '
                        f'width="{x1 - x0:.1f}" height="12" rx="2" fill="{PALETTE["interval"]}" '
                        f'fill-opacity="0.55"/>')
        body.append(f'<circle class="logical-date" cx="{x(r.logical_date):.1f}" cy="{y + 11:.1f}" '
                    f'r="4" fill="currentColor"/>')
        rx = x(r.run_after)
        body.append(f'<path class="run-after" d="M{rx:.1f},{y + 3:.1f} l9,4 l-9,4 z" '
                    f'fill="{PALETTE["create"]}"/>')
        body.append("</g>")
    if now is not None:
        body.append(f'<g class="now">{_title("now " + _short(now))}<line x1="{x(now):.1f}" '
                    f'y1="{top - 6:.1f}" x2="{x(now):.1f}" y2="{bottom:.1f}" stroke="#c62828" '
                    f'stroke-width="1.5" stroke-dasharray="4 3"/></g>')
    items = [("rect", PALETTE["interval"], "data interval"), ("dot", "currentColor",
             "logical date"), ("tri", PALETTE["create"], "run after")]
    if now is not None:
        items.append(("line", "#c62828", "now"))
    body += _legend(left, bottom + 40, items)
    return _svg(width, height, body, title)


def spans(
    rows: Sequence[tuple[str, datetime, datetime, str, str]],
    *,
    now: datetime | None = None,
    title: str = "Spans",
    width: int = 720,
) -> str:
    """Labelled spans of time, one per row, coloured by category (a Gantt strip).

    Args:
        rows: ``(label, start, end, category, hover text)``; the category picks the colour
            from [`PALETTE`][timetable.draw.PALETTE] (``"success"``, ``"create"``,
            ``"left out"``, ``"reprocess"`` ...).  A zero-length span is drawn as a tick.
        now: draws a dashed line at this instant.
        title: the picture's title.
        width: in pixels.
    """
    left, right, top, row = 190.0, 20.0, 28.0, 22.0
    height = top + row * max(len(rows), 1) + 58
    body = [_text(0, 14, title, extra=' font-weight="600"')]
    if not rows:
        return _svg(width, height, [*body, _text(left, top + 14, "nothing")], title)
    instants = [t for r in rows for t in (r[1], r[2])] + ([now] if now else [])
    lo, hi = min(instants), max(instants)
    if hi == lo:
        hi = lo + timedelta(hours=1)
    pad = (hi - lo) * 0.03
    lo, hi = lo - pad, hi + pad
    scale = (width - left - right) / (hi - lo).total_seconds()

    def x(t: datetime) -> float:
        return left + (t - lo).total_seconds() * scale

    bottom = top + row * len(rows)
    for t in _ticks(lo, hi):
        body.append(f'<line x1="{x(t):.1f}" y1="{top - 4:.1f}" x2="{x(t):.1f}" y2="{bottom:.1f}" '
                    f'stroke="currentColor" stroke-opacity="0.15"/>')
        body.append(_text(x(t), bottom + 14, t.strftime("%Y-%m-%d") if (hi - lo) >= timedelta(
            days=3) else t.strftime("%m-%d %H:%M"), anchor="middle",
            extra=' font-size="10" fill-opacity="0.8"'))
    used: dict[str, None] = {}
    for i, (label, start, end, category, tip) in enumerate(rows):
        y = top + i * row
        used[category] = None
        fill = PALETTE.get(category, "#757575")
        x0, x1 = x(start), x(end)
        body.append(f'<g class="span {category.replace(" ", "-")}">{_title(tip)}')
        body.append(_text(left - 8, y + 14, label, anchor="end", extra=' font-size="11"'))
        body.append(f'<rect x="{x0 - (1 if x1 - x0 < 2 else 0):.1f}" y="{y + 4:.1f}" '
                    f'width="{max(2.0, x1 - x0):.1f}" height="14" rx="2" fill="{fill}" '
                    f'fill-opacity="0.8"/></g>')
    if now is not None:
        body.append(f'<g class="now">{_title("now " + _short(now))}<line x1="{x(now):.1f}" '
                    f'y1="{top - 6:.1f}" x2="{x(now):.1f}" y2="{bottom:.1f}" stroke="#c62828" '
                    f'stroke-width="1.5" stroke-dasharray="4 3"/></g>')
    items = [("rect", PALETTE.get(k, "#757575"), k) for k in used]
    if now is not None:
        items.append(("line", "#c62828", "now"))
    body += _legend(left, bottom + 40, items)
    return _svg(width, height, body, title)


# -- plans -----------------------------------------------------------------------------------


def _entry_cells(plan: Any) -> list[tuple[datetime, str, str]]:
    """(logical date, category, hover text) for each entry and policy range of a plan."""
    cells: list[tuple[datetime, str, str]] = []
    for e in plan:
        action = e.action.value
        reason = e.reason.value
        info = e.run_info
        cells.append((info.logical_date, action,
                      f"{_short(info.logical_date)}: {action} ({reason}); data interval "
                      f"{_short(info.data_interval.start)} → {_short(info.data_interval.end)}"))
    for rng in getattr(plan, "skipped", ()):
        cells.append((rng.first.logical_date, "left out",
                      f"{rng.count} interval(s) {_short(rng.first.logical_date)} .. "
                      f"{_short(rng.last.logical_date)} left out ({rng.reason.value})"))
    cells.sort(key=lambda c: c[0])
    return cells


def plan_chart(plan: Any, *, title: str | None = None, per_row: int = 31,
               width: int = 720) -> str:
    """A catchup or backfill plan: one cell per interval, coloured by what happens to it.

    Created, skipped (left alone), re-run and left-out (by a catchup policy) intervals each
    get a colour; every cell's hover text gives the logical date, the action and the
    reason.  Works with any plan that iterates entries with ``action``, ``reason`` and
    ``run_info`` ([`CatchupPlan`][timetable.CatchupPlan],
    [`BackfillPlan`][timetable.BackfillPlan]).
    """
    cells = _entry_cells(plan)
    name = title or f"{type(plan).__name__}: {len(cells)} interval(s)"
    cell, gap, left, top = 20.0, 3.0, 90.0, 30.0
    per_row = max(1, min(per_row, int((width - left) // (cell + gap))))
    rows = max(1, math.ceil(len(cells) / per_row))
    height = top + rows * (cell + gap) + 48
    body = [_text(0, 16, name, extra=' font-weight="600"')]
    counts: dict[str, int] = {}
    for i, (when, category, tip) in enumerate(cells):
        counts[category] = counts.get(category, 0) + 1
        r, c = divmod(i, per_row)
        x, y = left + c * (cell + gap), top + r * (cell + gap)
        if c == 0:
            body.append(_text(left - 8, y + 14, when.strftime("%Y-%m-%d"), anchor="end",
                              extra=' font-size="10"'))
        fill = PALETTE.get(category, "#757575")
        body.append(f'<rect class="cell {category.replace(" ", "-")}" x="{x:.1f}" y="{y:.1f}" '
                     f'width="{cell:.0f}" height="{cell:.0f}" rx="3" fill="{fill}">'
                     f"{_title(tip)}</rect>")
    if not cells:
        body.append(_text(left, top + 14, "nothing to do"))
    legend = [("rect", PALETTE.get(k, "#757575"), f"{k} {n}") for k, n in sorted(counts.items())]
    body += _legend(left, top + rows * (cell + gap) + 26, legend)
    return _svg(width, height, body, name)


# -- DST -------------------------------------------------------------------------------------


def dst_chart(
    timetable: Any,
    *,
    around: datetime,
    hours: int = 5,
    title: str | None = None,
    width: int = 720,
) -> str:
    """The wall clock of a schedule's zone across one DST transition, and its runs there.

    The lower axis is UTC hour by hour; the upper one is the zone's wall clock at those
    instants, so a spring-forward gap shows as a jumped hour (shaded red) and a fall-back
    fold as a repeated one (shaded blue).  The schedule's runs in the window are marked at
    their instants and labelled with their wall-clock time.

    Args:
        timetable: a timetable with a ``timezone`` (a cron schedule).
        around: an instant near the transition; the window is *hours* either side.
        hours: half the window, in hours.
        title: the picture's title.
        width: in pixels.
    """
    from ._runs import iter_run_infos

    zone_name = getattr(timetable, "timezone", "UTC")
    zone = get_zone(zone_name)
    utc = get_zone("UTC")
    start = around.astimezone(utc).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=hours)
    end = start + timedelta(hours=2 * hours)
    left, right = 110.0, 24.0
    scale = (width - left - right) / (end - start).total_seconds()

    def x(t: datetime) -> float:
        return left + (t - start).total_seconds() * scale

    name = title or f"{getattr(timetable, 'summary', 'schedule')} in {zone_name} around " \
        f"{around.astimezone(zone).strftime('%Y-%m-%d')}"
    body = [_text(0, 16, name, extra=' font-weight="600"')]
    y_local, y_utc, y_runs = 48.0, 120.0, 84.0
    for label, y in (("wall clock", y_local), ("UTC", y_utc), ("runs", y_runs)):
        body.append(_text(left - 24, y + 4, label, anchor="end", extra=' font-size="11"'))
    t = start
    while t < end:
        nxt = t + timedelta(hours=1)
        a, b = t.astimezone(zone), nxt.astimezone(zone)
        wall_a = a.replace(tzinfo=None)
        wall_b = b.replace(tzinfo=None)
        step = wall_b - wall_a
        if step > timedelta(hours=1):
            kind, tip = "gap", (f"{(wall_a + timedelta(hours=1)).strftime('%H:%M')}–"
                                f"{wall_b.strftime('%H:%M')} does not exist on the wall clock")
        elif step < timedelta(hours=1):
            kind, tip = "fold", (f"{wall_b.strftime('%H:%M')}–{wall_a.strftime('%H:%M')} "
                                 "happens twice")
        else:
            kind, tip = "", ""
        if kind:
            body.append(f'<rect class="{kind}" x="{x(t):.1f}" y="{y_local - 14:.1f}" '
                        f'width="{x(nxt) - x(t):.1f}" height="{y_utc - y_local + 22:.1f}" '
                        f'fill="{PALETTE[kind]}" fill-opacity="0.6">{_title(tip)}</rect>')
        t = nxt
    t = start
    while t <= end:
        xt = x(t)
        body.append(f'<line x1="{xt:.1f}" y1="{y_local + 6:.1f}" x2="{xt:.1f}" '
                    f'y2="{y_utc - 12:.1f}" stroke="currentColor" stroke-opacity="0.12"/>')
        body.append(_text(xt, y_utc + 4, t.strftime("%H:%M"), anchor="middle",
                          extra=' font-size="10"'))
        local = t.astimezone(zone)
        body.append(_text(xt, y_local + 4, local.strftime("%H:%M"), anchor="middle",
                          extra=' font-size="10"'))
        t += timedelta(hours=1)
    for kind_y in (y_local + 8, y_utc - 10):
        body.append(f'<line x1="{left:.1f}" y1="{kind_y:.1f}" x2="{width - right:.1f}" '
                    f'y2="{kind_y:.1f}" stroke="currentColor" stroke-opacity="0.35"/>')
    runs = [i for i in iter_run_infos(timetable, start=start, end=end, now=end)
            if start <= i.run_after <= end]
    for info in runs:
        when = info.run_after
        local = when.astimezone(zone)
        tip = f"run at {_short(when)} = {local.strftime('%Y-%m-%d %H:%M%z')} wall clock"
        body.append(f'<g class="dst-run">{_title(tip)}<circle cx="{x(when):.1f}" '
                    f'cy="{y_runs:.1f}" r="6" fill="{PALETTE["create"]}"/>')
        body.append(_text(x(when) + 9, y_runs + 4, local.strftime("%H:%M"),
                          extra=' font-size="11" font-weight="600"') + "</g>")
    if not runs:
        body.append(_text(left + 8, y_runs + 4, "no run in this window", extra=' font-size="11"'))
    body += _legend(left, y_utc + 36, [("rect", PALETTE["gap"], "skipped wall-clock hour"),
                                       ("rect", PALETTE["fold"], "repeated wall-clock hour"),
                                       ("dot", PALETTE["create"], "a run")])
    return _svg(width, y_utc + 46, body, name)


# -- a month of days -------------------------------------------------------------------------


def month_grid(
    year: int,
    month: int,
    days: Mapping[date, str],
    *,
    notes: Mapping[date, str] | None = None,
    title: str | None = None,
) -> str:
    """A calendar month, Monday first, each day coloured by its category.

    Args:
        year: the year.
        month: the month (1-12).
        days: a category per day (``"business"``, ``"holiday"``, ``"weekend"``, ``"run"``
            or any other name; colours from [`PALETTE`][timetable.draw.PALETTE]); days
            left out are drawn empty.
        notes: hover text per day (a holiday's name).
        title: the picture's title.
    """
    first = date(year, month, 1)
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    count = (next_month - first).days
    name = title or first.strftime("%B %Y")
    cell, gap, top = 40.0, 4.0, 44.0
    body = [_text(0, 16, name, extra=' font-weight="600"')]
    for i, wd in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        body.append(_text(i * (cell + gap) + cell / 2, top - 8, wd, anchor="middle",
                          extra=' font-size="11"'))
    offset = first.weekday()
    rows = math.ceil((offset + count) / 7)
    used: dict[str, int] = {}
    for d in range(count):
        day = first + timedelta(days=d)
        r, c = divmod(offset + d, 7)
        x, y = c * (cell + gap), top + r * (cell + gap)
        category = days.get(day)
        fill = PALETTE.get(category or "", "#90a4ae") if category else "none"
        if category:
            used[category] = used.get(category, 0) + 1
        tip = f"{day.isoformat()}: {category or '-'}"
        if notes and day in notes:
            tip += f" ({notes[day]})"
        body.append(f'<g class="day">{_title(tip)}<rect x="{x:.1f}" y="{y:.1f}" '
                    f'width="{cell:.0f}" height="{cell:.0f}" rx="4" fill="{fill}" '
                    f'fill-opacity="0.75" stroke="currentColor" stroke-opacity="0.3"/>')
        body.append(_text(x + 6, y + 15, str(day.day), extra=' font-size="11"') + "</g>")
    bottom = top + rows * (cell + gap)
    body += _legend(0, bottom + 18, [("rect", PALETTE.get(k, "#90a4ae"), k) for k in sorted(used)])
    return _svg(7 * (cell + gap) + 140, bottom + 28, body, name)


# -- bars ------------------------------------------------------------------------------------


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "×",
    reference: float | None = 1.0,
    width: int = 720,
) -> str:
    """Horizontal bars (log scale when the values span more than 20×), labelled with values.

    Args:
        rows: (label, value) pairs, drawn in order; values must be positive.
        title: the picture's title.
        unit: appended to each value label.
        reference: draws a dashed line at this value (``1.0``: "as fast as").
        width: in pixels.
    """
    values = [v for _, v in rows if v > 0]
    left = min(320.0, 7.0 * max((len(label) for label, _ in rows), default=10) + 16)
    right, top, bar = 70.0, 30.0, 18.0
    height = top + len(rows) * (bar + 6) + 16
    body = [_text(0, 16, title, extra=' font-weight="600"')]
    if not values:
        return _svg(width, height, [*body, _text(left, top + 14, "no data")], title)
    lo = min([*values, reference or values[0]])
    hi = max([*values, reference or values[0]])
    log = hi / lo > 20
    span_w = width - left - right

    def x(v: float) -> float:
        if log:
            a, b = math.log10(lo) - 0.1, math.log10(hi) + 0.1
            return left + (math.log10(v) - a) / (b - a) * span_w
        return left + v / (hi * 1.05) * span_w

    for i, (label, value) in enumerate(rows):
        y = top + i * (bar + 6)
        body.append(_text(left - 8, y + 13, label, anchor="end", extra=' font-size="11"'))
        if value <= 0:
            continue
        x0 = x(lo) if log else left
        body.append(f'<g class="bar">{_title(f"{label}: {value:.3g}{unit}")}'
                    f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(1.0, x(value) - x0):.1f}" '
                    f'height="{bar:.0f}" rx="2" fill="{PALETTE["interval"]}" fill-opacity="0.8"/>'
                    + _text(x(value) + 5, y + 13, f"{value:.3g}{unit}", extra=' font-size="11"')
                    + "</g>")
    if reference is not None:
        xr = x(reference)
        body.append(f'<line x1="{xr:.1f}" y1="{top - 6:.1f}" x2="{xr:.1f}" '
                    f'y2="{height - 12:.1f}" stroke="#c62828" stroke-dasharray="4 3"/>')
    return _svg(width, height, body, title)


# -- task grids and flows --------------------------------------------------------------------


def task_grid(
    tasks: Sequence[str],
    runs: Sequence[str],
    states: Mapping[tuple[str, str], str | None],
    *,
    changed: Iterable[tuple[str, str]] = (),
    title: str = "Task instances",
) -> str:
    """Tasks (rows) × runs (columns), each cell coloured by state; changed cells outlined.

    Args:
        tasks: the task ids, in the order to draw.
        runs: the run ids, in the order to draw.
        states: ``{(run_id, task_id): state}``.
        changed: the ``(run_id, task_id)`` cells a plan changes.
        title: the picture's title.
    """
    marked = set(changed)
    left = 7.0 * max((len(t) for t in tasks), default=8) + 16
    cell, gap, top = 26.0, 4.0, 34.0
    body = [_text(0, 16, title, extra=' font-weight="600"')]
    used: set[str] = set()
    for c in range(len(runs)):
        body.append(_text(left + c * (cell + gap) + cell / 2, top - 6, str(c + 1),
                          anchor="middle", extra=' font-size="10"'))
    for r, task in enumerate(tasks):
        y = top + r * (cell + gap)
        body.append(_text(left - 8, y + 17, task, anchor="end", extra=' font-size="11"'))
        for c, run in enumerate(runs):
            state = states.get((run, task)) or "missing"
            used.add(state)
            x = left + c * (cell + gap)
            is_changed = (run, task) in marked
            stroke = ('stroke="#d500f9" stroke-width="3"' if is_changed
                      else 'stroke="currentColor" stroke-opacity="0.3"')
            tip = f"{task} in {run}: {state}" + (" (cleared by the plan)" if is_changed else "")
            body.append(f'<rect class="ti{" changed" if is_changed else ""}" x="{x:.1f}" '
                        f'y="{y:.1f}" width="{cell:.0f}" height="{cell:.0f}" rx="3" '
                        f'fill="{PALETTE.get(state, "#90a4ae")}" {stroke}>{_title(tip)}</rect>')
    bottom = top + len(tasks) * (cell + gap)
    for c, run in enumerate(runs):
        body.append(_text(left, bottom + 14 + 14 * c, f"{c + 1}: {run}", extra=' font-size="10"'))
    legend_y = bottom + 14 * len(runs) + 30
    items = [("rect", PALETTE.get(s, "#90a4ae"), s) for s in sorted(used)]
    items.append(("rect", "none", "outlined in magenta: changed by the plan"))
    body += _legend(left, legend_y, items)
    width = max(left + len(runs) * (cell + gap) + 40, 720)
    return _svg(width, legend_y + 12, body, title)


def flow(steps: Sequence[tuple[str, str]], *, title: str, width: int = 720) -> str:
    """Boxes left to right joined by arrows: (heading, detail) per step."""
    n = max(len(steps), 1)
    gap = 26.0
    box = (width - gap * (n - 1)) / n
    body = [_text(0, 16, title, extra=' font-weight="600"'),
            '<defs><marker id="tt-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
            'fill="currentColor"/></marker></defs>']
    for i, (heading, detail) in enumerate(steps):
        x = i * (box + gap)
        body.append(f'<g class="step">{_title(f"{heading}: {detail}")}<rect x="{x + 1:.1f}" '
                    f'y="28" width="{box - 2:.1f}" height="64" rx="8" fill="{PALETTE["interval"]}" '
                    f'fill-opacity="0.15" stroke="currentColor" stroke-opacity="0.5"/>')
        body.append(_text(x + box / 2, 52, heading, anchor="middle",
                          extra=' font-weight="600" font-size="12"'))
        words, lines, line = detail.split(), [], ""
        for word in words:
            if len(line) + len(word) + 1 > box / 6.2 and line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        for j, text in enumerate(lines[:2]):
            body.append(_text(x + box / 2, 70 + 13 * j, text, anchor="middle",
                              extra=' font-size="10.5"'))
        body.append("</g>")
        if i:
            body.append(f'<line x1="{x - gap + 2:.1f}" y1="60" x2="{x - 2:.1f}" y2="60" '
                        f'stroke="currentColor" stroke-width="1.5" marker-end="url(#tt-arrow)"/>')
    return _svg(width, 100, body, title)

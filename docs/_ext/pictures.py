"""An MkDocs hook: pictures computed by the library at build time.

A page asks for a picture with an HTML comment on a line of its own::

    <!-- picture: catchup -->

and the hook puts the SVG that [`timetable.draw`][timetable.draw] returns for it in its
place, inside a ``<figure>`` with the caption below.  Every picture is drawn from the same
functions and inputs the rest of the page documents (the CLI's built-in examples, the
benchmark results), so a picture cannot drift from the code.  An unknown name fails the
build.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from timetable import (
    BackfillRequest,
    ClearRequest,
    RunHistory,
    TaskGraph,
    TimeRestriction,
    draw,
    find_gaps,
    iter_run_infos,
    plan_backfill,
    plan_catchup,
    plan_clear,
)
from timetable._planning import validate_history
from timetable.airflow import from_schedule
from timetable.cli.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^<!-- picture: ([a-z0-9-]+) -->$", re.M)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _daily() -> Any:
    return from_schedule("@daily", create_cron_data_intervals=True)


def _history(example: dict[str, Any]) -> Any:
    return validate_history(example["runs"])


def _clear_inputs() -> tuple[TaskGraph, RunHistory]:
    ex = EXAMPLES["clear"]
    from timetable.cli.inputs import build

    graph = build(TaskGraph, ex["graph"], "graph")
    tis = [build(__import__("timetable").TaskInstanceRecord, ti, "ti")
           for ti in ex["task_instances"]]
    return graph, RunHistory(runs=_history(ex), task_instances=tis)


# -- the pictures ----------------------------------------------------------------------------


def intervals() -> tuple[str, str]:
    tt = _daily()
    now = _utc(2024, 1, 4, 6)
    infos = list(iter_run_infos(tt, start=_utc(2024, 1, 1), end=_utc(2024, 1, 3), now=now))
    svg = draw.timeline(infos, now=now, title="@daily with data intervals, asked at "
                        "2024-01-04 06:00Z")
    return svg, ("Each run covers one day (the bar); its logical date is the start of that "
                 "day (the dot) and it may start once the day is over (the flag).")


def schedules() -> tuple[str, str]:
    tt = from_schedule("0 9 * * 1-5", timezone="Europe/Berlin")
    now = _utc(2024, 3, 29, 12)
    infos = list(iter_run_infos(tt, start=_utc(2024, 3, 28), end=_utc(2024, 4, 3), now=now))
    svg = draw.timeline(infos, now=now, zone="Europe/Berlin",
                        title="0 9 * * 1-5 in Europe/Berlin (CronTrigger): runs are points")
    return svg, ("A trigger schedule has no data interval to speak of: each run is a point, "
                 "09:00 on the wall clock in Berlin on both sides of the change to summer "
                 "time (rows labelled in local time).")


def catchup() -> tuple[str, str]:
    ex = EXAMPLES["catchup"]
    plan = plan_catchup(
        _daily(), runs=[], now=_iso(ex["now"]),
        restriction=TimeRestriction(earliest=_iso(ex["start"]), latest=None, catchup=True),
    )
    svg = draw.plan_chart(plan, title="Catchup on: @daily from 2015-12-01, switched on at "
                          "2016-01-02 06:00Z")
    return svg, ("Airflow's catchup guide: every interval since the start date that has "
                 "ended gets a run (hover a cell for its reason).")


def catchup_policy() -> tuple[str, str]:
    from timetable import CatchupPolicy

    ex = EXAMPLES["catchup"]
    plan = plan_catchup(
        _daily(), runs=[], now=_iso(ex["now"]), policy=CatchupPolicy.latest(3),
        restriction=TimeRestriction(earliest=_iso(ex["start"]), latest=None, catchup=True),
    )
    svg = draw.plan_chart(plan, title="The same catchup with CatchupPolicy.latest(3)")
    return svg, "A policy leaves the older intervals out; the plan says how many and why."


def backfill() -> tuple[str, str]:
    ex = EXAMPLES["backfill"]
    req = ex["request"]
    plan = plan_backfill(
        _daily(),
        BackfillRequest(from_date=_iso(req["from_date"]), to_date=_iso(req["to_date"]),
                        reprocess_behavior=req["reprocess_behavior"],
                        max_active_runs=req["max_active_runs"]),
        runs=_history(ex), now=_iso(ex["now"]),
    )
    svg = draw.plan_chart(plan, title="Backfill 2024-01-01 .. 2024-01-08, reprocess failed")
    return svg, ("Missing days are created, the failed day is re-run, successful and running "
                 "days are left alone.")


def gaps() -> tuple[str, str]:
    ex = EXAMPLES["gaps"]
    history = _history(ex)
    now = _iso(ex["now"])
    tt = _daily()
    report = find_gaps(tt, runs=history, start=_iso(ex["start"]), end=_iso(ex["end"]),
                       now=now, include_failed=True)
    days: dict[date, str] = {}
    for info in iter_run_infos(tt, start=_iso(ex["start"]), end=_iso(ex["end"]), now=now):
        run = history.at(info.logical_date)
        days[info.logical_date.date()] = "missing" if run is None else run.state.value
    svg = draw.month_grid(2024, 1, days, title=f"January 2024: {report.missing} missing, "
                          f"{report.failed} failed of {report.expected} intervals")
    return svg, "find_gaps over the first ten days of a daily DAG, drawn on a month grid."


def clear() -> tuple[str, str]:
    graph, history = _clear_inputs()
    req = EXAMPLES["clear"]["request"]
    plan = plan_clear(graph, ClearRequest(task_ids=req["task_ids"], downstream=True,
                                          run_id=req["run_id"]), history=history)
    runs = [r.run_id for r in history.runs.runs]
    states = {(ti.run_id, ti.task_id): None if ti.state is None else ti.state.value
              for ti in history.task_instances}
    svg = draw.task_grid(list(graph.topological_order), runs, states,
                         changed={(c.run_id, c.task_id) for c in plan.task_instances},
                         title="Clearing 'transform' and its downstream in the failed run")
    return svg, "The cleared task instances are outlined; hover a cell for its state."


def dst_spring() -> tuple[str, str]:
    tt = from_schedule("30 2 * * *", timezone="Europe/Berlin")
    svg = draw.dst_chart(tt, around=_utc(2024, 3, 31, 1))
    return svg, ("Spring forward: 02:00-03:00 does not exist on 2024-03-31; Airflow's policy "
                 "(gap=shift) runs 02:30 at 03:30.")


def dst_fall() -> tuple[str, str]:
    tt = from_schedule("30 2 * * *", timezone="Europe/Berlin")
    svg = draw.dst_chart(tt, around=_utc(2024, 10, 27, 1))
    return svg, ("Fall back: 02:00-03:00 happens twice on 2024-10-27; Airflow's policy "
                 "(fold=second) runs 02:30 once, the second time.")


def depends_on_past() -> tuple[str, str]:
    tt = from_schedule("@hourly", create_cron_data_intervals=True)
    now = _utc(2024, 1, 1, 5, 20)
    infos = list(iter_run_infos(tt, start=_utc(2024, 1, 1, 0), end=_utc(2024, 1, 1, 4), now=now))
    svg = draw.timeline(infos, now=now, title="@hourly runs; only the last is the latest run")
    return svg, ("LatestOnlyOperator lets only the run whose interval contains the present "
                 "(the last row here) run its downstream.")


def host() -> tuple[str, str]:
    ex = EXAMPLES["catchup"]
    plan = plan_catchup(
        _daily(), runs=[], now=_iso(ex["now"]),
        restriction=TimeRestriction(earliest=_iso(ex["start"]), latest=None, catchup=True),
    )
    change = plan.changeset()
    steps = [
        ("records", "your runs and task instances (rows, mappings, records)"),
        ("plan_catchup", f"{len(plan)} entries, each with a reason"),
        ("plan.changeset()", f"{len(change.runs_to_insert)} inserts, "
         f"{len(change.runs_to_update)} updates"),
        ("your transaction", "INSERT; UPDATE ... WHERE column = before"),
        ("records", "apply_changeset gives the same result in memory"),
    ]
    return draw.flow(steps, title="The host contract"), (
        "The library plans; the host applies the changeset in one transaction.")


def benchmarks() -> tuple[str, str]:
    rows = []
    text = (ROOT / "benchmarks/RESULTS.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| case | shape"))
    names = [c.strip() for c in lines[header].strip("|").split("|")]
    col = names.index("× faster than croniter")
    for line in lines[header + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        value = cells[col].replace(",", "")
        if value not in ("-", ""):
            rows.append((cells[0], float(value)))
    svg = draw.bar_chart(rows, title="Consecutive intervals: times faster than croniter")
    return svg, "From benchmarks/RESULTS.md (the table below), drawn at build time."


def calendar() -> tuple[str, str]:
    days: dict[date, str] = {}
    holidays = {date(2024, 12, 24): "Christmas Eve", date(2024, 12, 25): "Christmas Day",
                date(2024, 12, 26): "Boxing Day", date(2024, 12, 31): "New Year's Eve"}
    d = date(2024, 12, 1)
    while d.month == 12:
        days[d] = "holiday" if d in holidays else "weekend" if d.weekday() >= 5 else "business"
        d += timedelta(days=1)
    svg = draw.month_grid(2024, 12, days, notes=holidays, title="December 2024, a day grid")
    return svg, "A month grid: any category per day (business days, holidays, runs)."


def calendar_rolls() -> tuple[str, str]:
    from timetable import BusinessCalendar, CronTrigger, calendar_month

    uk = BusinessCalendar.from_holidays("GB", subdiv="ENG", years=range(2024, 2027))
    tt = CronTrigger(cron="0 6 * * 1,3,5", timezone="Europe/London", calendar=uk,
                     roll="modified_following")
    days, notes = calendar_month(tt, 2025, 5)
    svg = draw.month_grid(2025, 5, days, notes=notes,
                          title="May 2025: 06:00 Mon/Wed/Fri in London, modified following")
    return svg, ("A Monday/Wednesday/Friday schedule on English business days with "
                 "roll=\"modified_following\": the two bank-holiday Mondays (5th, 26th) "
                 "roll to Tuesday; weekends never had a tick. Hover a day for its reason.")


def schedule_edit() -> tuple[str, str]:
    from timetable import CronDataIntervals, CronTrigger, RunRecord, plan_schedule_change

    old = CronDataIntervals(cron="@daily")
    start = _utc(2024, 3, 1)
    history = [
        RunRecord(run_id=f"scheduled__{i.run_after.isoformat()}", run_type="scheduled",
                  logical_date=i.logical_date, data_interval=i.data_interval,
                  run_after=i.run_after, state="success")
        for i in iter_run_infos(old, start=start, end=_utc(2024, 3, 4), now=_utc(2024, 3, 5))
    ]
    now = _utc(2024, 3, 7, 9)
    plan = plan_schedule_change(old, CronTrigger(cron="@daily"), runs=history,
                                restriction=TimeRestriction(earliest=start), now=now)
    rows: list[tuple[str, datetime, datetime, str, str]] = []
    for r in history:
        iv = r.data_interval
        rows.append((f"old {r.logical_date:%m-%d}", iv.start, iv.end, "history",
                     f"{r.run_id}: data interval {iv.start:%Y-%m-%d %H:%M} → {iv.end:%Y-%m-%d %H:%M}"))
    for info in plan.next_runs:
        rows.append((f"new {info.logical_date:%m-%d}", info.logical_date, info.logical_date,
                     "new run", f"new trigger run at {info.logical_date:%Y-%m-%d %H:%M}"))
    for finding in (*plan.uncovered, *plan.overlaps):
        kind = "uncovered" if finding in plan.uncovered else "overlap"
        rows.append((f"{kind} ({finding.reason.value})", finding.interval.start,
                     finding.interval.end, kind, finding.detail or finding.reason.value))
    svg = draw.spans(rows, now=now, title="@daily data intervals → @daily trigger: "
                     "the period of 5 March has no run")
    return svg, ("plan_schedule_change on the example below: the old runs, the runs the new "
                 "schedule creates, and the span no run stands for.")


PICTURES: dict[str, Callable[[], tuple[str, str]]] = {
    "schedule-edit": schedule_edit,
    "intervals": intervals,
    "schedules": schedules,
    "catchup": catchup,
    "catchup-policy": catchup_policy,
    "backfill": backfill,
    "gaps": gaps,
    "clear": clear,
    "dst-spring": dst_spring,
    "dst-fall": dst_fall,
    "depends-on-past": depends_on_past,
    "host": host,
    "benchmarks": benchmarks,
    "calendar": calendar,
    "calendar-rolls": calendar_rolls,
}


def render(name: str) -> str:
    """The ``<figure>`` for picture *name*, on one line (a raw HTML block for Markdown)."""
    if name not in PICTURES:
        raise KeyError(f"unknown picture {name!r} (known: {', '.join(sorted(PICTURES))})")
    svg, caption = PICTURES[name]()
    return (f'<figure class="timetable-figure" id="picture-{name}">{svg}'
            f"<figcaption>{caption}</figcaption></figure>")


GLOSSARY = "reference/glossary.md"


def glossary_note(markdown: str, src_uri: str) -> str:
    """Under the title of a page that uses Airflow's names, a link to the glossary."""
    if src_uri == GLOSSARY or "Airflow" not in markdown:
        return markdown
    if not (ROOT / "docs" / GLOSSARY).exists():
        return markdown
    depth = src_uri.count("/")
    link = "../" * depth + GLOSSARY
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("# "):
            note = (f"*Airflow's names and ours, side by side: the [glossary]({link}).*")
            lines[i + 1:i + 1] = ["", note]
            break
    return "\n".join(lines)


def on_page_markdown(markdown: str, *, page: Any = None, **kwargs: Any) -> str:
    """Replace each ``<!-- picture: NAME -->`` line by the picture; link the glossary."""
    markdown = MARKER.sub(lambda m: render(m.group(1)), markdown)
    if page is not None:
        markdown = glossary_note(markdown, page.file.src_uri)
    return markdown

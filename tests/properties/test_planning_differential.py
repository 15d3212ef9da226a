"""``validate_history`` and ``find_gaps`` answer exactly as their original algorithms.

The originals live in ``_reference_planning.py``; histories come from the public
``timetable.strategies.run_records``, then are moved to other zones, turned into rows
and broken in the ways the validation must catch.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable import DataInterval, RunInfo, RunRecord, TimeRestriction
from timetable._gaps import find_gaps
from timetable._planning import validate_history
from timetable._tz import get_zone
from timetable.errors import TimetableError
from timetable.strategies import run_records, timezones

from ._planning_strategies import BASE, planning_timetables
from ._reference_planning import reference_find_gaps, reference_validate_history

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
hours = st.integers(0, 30 * 24)
nows = hours.map(lambda h: BASE + timedelta(hours=h, minutes=7))


def _in_zone(run: RunRecord, zone: str) -> RunRecord:
    tz = get_zone(zone)
    iv = run.data_interval
    return attrs.evolve(
        run,
        logical_date=None if run.logical_date is None else run.logical_date.astimezone(tz),
        data_interval=None if iv is None else DataInterval(start=iv.start.astimezone(tz),
                                                           end=iv.end.astimezone(tz)),
        run_after=run.run_after.astimezone(tz),
    )


def _row(run: RunRecord) -> dict[str, Any]:
    iv = run.data_interval
    return {
        "run_id": run.run_id, "run_type": run.run_type.value,
        "logical_date": None if run.logical_date is None else run.logical_date.isoformat(),
        "data_interval_start": None if iv is None else iv.start,
        "data_interval_end": None if iv is None else iv.end,
        "run_after": run.run_after, "state": run.state.value, "dag_id": "d",
    }


@st.composite
def histories(draw: st.DrawFn, tt: Any, now: datetime) -> list[Any]:
    """Generated runs, some in other zones, some as rows, some broken."""
    runs: list[Any] = list(draw(run_records(tt, max_value=now)))
    if runs and draw(st.booleans()):
        zone = draw(timezones())
        for i in draw(st.sets(st.integers(0, len(runs) - 1))):
            runs[i] = _in_zone(runs[i], zone)
    breaks = ["none", "undated", "dup id", "dup date", "mismatch", "undated interval", "no iv"]
    kind = draw(st.sampled_from(breaks))
    at = BASE + timedelta(hours=draw(hours))
    if kind == "undated" or (kind != "none" and not runs):
        runs.append(RunRecord(run_id=f"asset__{at.isoformat()}", run_type="asset_triggered",
                              logical_date=None, data_interval=None, run_after=at,
                              state="success"))
    elif kind == "dup id":
        other = runs[draw(st.integers(0, len(runs) - 1))]
        runs.append(RunRecord(run_id=other.run_id, run_type="manual", logical_date=at,
                              data_interval=None, run_after=at, state="queued"))
    elif kind == "dup date":
        other = draw(st.sampled_from([r for r in runs if r.logical_date is not None] or runs))
        ld = other.logical_date or at
        runs.append(RunRecord(run_id="manual__dup", run_type="manual", logical_date=ld,
                              data_interval=None, run_after=ld, state="failed"))
    elif kind == "mismatch":
        runs.append(RunRecord(run_id="scheduled__odd", run_type="scheduled", logical_date=at,
                              data_interval=DataInterval(start=at + timedelta(minutes=1),
                                                         end=at + timedelta(hours=1)),
                              run_after=at, state="success"))
    elif kind == "undated interval":
        runs.append(RunRecord(run_id="manual__iv", run_type="manual", logical_date=None,
                              data_interval=DataInterval(start=at, end=at), run_after=at,
                              state="success"))
    elif kind == "no iv":
        runs.append(RunRecord(run_id="scheduled__noiv", run_type="scheduled",
                              logical_date=None if draw(st.booleans()) else at,
                              data_interval=None, run_after=at, state="success"))
    if runs and draw(st.booleans()):
        for i in draw(st.sets(st.integers(0, len(runs) - 1))):
            runs[i] = _row(runs[i])
    return list(draw(st.permutations(runs)))


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(*args, **kwargs))
    except TimetableError as err:
        return (type(err).__name__, str(err))


@SETTINGS
@given(data=st.data(), tt=planning_timetables(), now=nows)
def test_validate_history_matches_the_original(data: st.DataObject, tt: Any, now: Any) -> None:
    runs = data.draw(histories(tt, now))
    ours = _outcome(validate_history, runs)
    theirs = _outcome(reference_validate_history, runs)
    assert ours[0] == theirs[0]
    if ours[0] != "ok":
        assert ours[1] == theirs[1]
        return
    history, reference = ours[1], theirs[1]
    assert history.runs == reference.runs
    assert len(history.dated) == len(reference.dates)
    probes = [r.logical_date for r in history.runs if r.logical_date is not None]
    probes += [BASE + timedelta(hours=data.draw(hours)) for _ in range(3)]
    for probe in probes:
        for zone in ("UTC", "Europe/Berlin"):
            at = probe.astimezone(get_zone(zone))
            assert history.at(at) == reference.at(at)
            assert list(history.after(at)) == list(reference.after(at))
            assert list(history.before(at)) == list(reference.before(at))
    for run in history.runs:
        assert history.get(run.run_id) is reference.by_id[run.run_id] or (
            history.get(run.run_id) == reference.by_id[run.run_id]
        )
    assert history.get("no such run") is None


class _Wrapped:
    """A host's own timetable (not a built-in kind), so find_gaps takes its generic path."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.periodic = True

    def summary(self) -> str:
        return "wrapped"

    def next_run_info(self, *, last_interval: DataInterval | None,
                      restriction: TimeRestriction, now: datetime) -> RunInfo | None:
        info: RunInfo | None = self.inner.next_run_info(
            last_interval=last_interval, restriction=restriction, now=now)
        if info is None:
            return None
        zone = get_zone("Europe/Berlin")  # instants in another zone than the history's
        iv = info.data_interval
        return RunInfo(run_after=info.run_after.astimezone(zone),
                       data_interval=DataInterval(start=iv.start.astimezone(zone),
                                                  end=iv.end.astimezone(zone)))

    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        result: DataInterval = self.inner.infer_manual_interval(run_after=run_after)
        return result


@SETTINGS
@given(data=st.data(), tt=planning_timetables(), now=nows, include_failed=st.booleans(),
       wrapped=st.booleans())
def test_find_gaps_matches_the_original(
    data: st.DataObject, tt: Any, now: Any, include_failed: bool, wrapped: bool
) -> None:
    runs = data.draw(histories(tt, now))
    a, b = sorted(data.draw(st.tuples(hours, hours)))
    start = BASE + timedelta(hours=a, minutes=data.draw(st.sampled_from([0, 30])))
    end = (BASE + timedelta(hours=b)).astimezone(get_zone(data.draw(timezones())))
    subject = _Wrapped(tt) if wrapped else tt
    kwargs = {"runs": runs, "start": start, "end": end, "now": now,
              "include_failed": include_failed}
    ours = _outcome(find_gaps, subject, **kwargs)
    theirs = _outcome(reference_find_gaps, subject, **kwargs)
    assert ours[0] == theirs[0]
    if ours[0] != "ok":
        assert ours[1] == theirs[1]
        return
    report, reference = ours[1], theirs[1]
    assert (report.missing, report.failed) == (reference.missing, reference.failed)
    assert report.to_dict() == reference.to_dict()
    assert report == reference
    assert report.gaps == reference.gaps


def test_the_reference_sees_the_same_instant_in_any_zone() -> None:
    """The one deliberate change: a run at an ambiguous wall time is on the grid."""
    from timetable import CronDataIntervals

    zone = get_zone("Europe/Berlin")
    start = datetime(2021, 10, 31, 0, 0, tzinfo=UTC)  # 02:00 CEST, the repeated hour begins
    tt = CronDataIntervals(cron="@hourly")
    runs = [RunRecord(run_id=f"r{h}", run_type="scheduled",
                      logical_date=(start + timedelta(hours=h)).astimezone(zone),
                      data_interval=DataInterval(
                          start=(start + timedelta(hours=h)).astimezone(zone),
                          end=(start + timedelta(hours=h + 1)).astimezone(zone)),
                      run_after=start + timedelta(hours=h + 1), state="success")
            for h in range(3)]
    report = find_gaps(tt, runs=runs, start=start, end=start + timedelta(hours=2),
                       now=start + timedelta(hours=5))
    assert (report.expected, report.present, report.missing, report.off_grid) == (3, 3, 0, ())
    assert report == reference_find_gaps(tt, runs=runs, start=start,
                                         end=start + timedelta(hours=2),
                                         now=start + timedelta(hours=5))

"""Streaming plans answer exactly what the eager plans answer, and chunked changesets
concatenate to the one big changeset.

Differential: ``iter_backfill`` / ``iter_catchup`` / ``iter_gaps`` against ``plan_backfill`` /
``plan_catchup`` / ``find_gaps`` on the same inputs (errors included); a backwards backfill
walked in small blocks against the forward enumeration reversed; ``plan.changesets(size=n)``
and ``iter_changesets(...)`` against ``plan.changeset()`` for every chunk size.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from timetable import (
    BackfillRequest,
    Changeset,
    CronDataIntervals,
    TimeRestriction,
    find_gaps,
    iter_backfill,
    iter_catchup,
    iter_changesets,
    iter_gaps,
    plan_backfill,
    plan_catchup,
)
from timetable._backfill import _backwards, _forwards
from timetable.errors import InvalidArgumentError, TimetableError, WrongTypeError
from timetable.strategies import (
    backfill_requests,
    business_calendars,
    run_records,
    timetables,
)

from ._planning_strategies import BASE, planning_timetables

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
nows = st.integers(0, 40 * 24).map(lambda h: BASE + timedelta(hours=h, minutes=7))
sizes = st.integers(1, 9)

#: Timetables beyond the fast paths: several crons, events, business calendars.
_CRONS = st.sampled_from(["@daily", "0 */6 * * *", "30 2 * * *", "0 0 * * 1"])
other_timetables = st.one_of(
    timetables(kinds=("MultiCronTrigger", "Events"), crons=_CRONS,
               zones=st.sampled_from(["UTC", "Europe/Berlin"])),
    st.builds(CronDataIntervals, cron=st.sampled_from(["@daily", "0 */6 * * *", "30 2 * * *"]),
              calendar=business_calendars(),
              roll=st.sampled_from(["skip", "following", "preceding"])),
)
any_timetables = st.one_of(planning_timetables(), other_timetables)


def _outcome(fn: Any) -> Any:
    """``("ok", value)`` or ``("error", type, message)``."""
    try:
        return ("ok", fn())
    except TimetableError as err:
        return ("error", type(err), str(err))


def _concatenated(chunks: list[Changeset]) -> Changeset:
    return Changeset(
        runs_to_insert=tuple(x for c in chunks for x in c.runs_to_insert),
        runs_to_update=tuple(x for c in chunks for x in c.runs_to_update),
        task_instances_to_update=tuple(x for c in chunks for x in c.task_instances_to_update),
    )


def _check_chunks(chunks: list[Changeset], whole: Changeset, size: int) -> None:
    assert all(0 < len(c) <= size for c in chunks)
    assert _concatenated(chunks) == whole
    assert Changeset.merge(*chunks) == whole
    assert sum(len(c) for c in chunks) == len(whole)


@SETTINGS
@given(data=st.data(), tt=any_timetables, now=nows, request=backfill_requests(),
       dry_run=st.booleans(), depends_on_past=st.booleans(), size=sizes)
def test_iter_backfill_is_plan_backfill(
    data: st.DataObject, tt: Any, now: Any, request: BackfillRequest, dry_run: bool,
    depends_on_past: bool, size: int,
) -> None:
    runs = data.draw(run_records(tt, max_value=now))
    kwargs = {"runs": runs, "now": now, "dry_run": dry_run, "depends_on_past": depends_on_past}
    eager = _outcome(lambda: plan_backfill(tt, request, **kwargs))
    lazy = _outcome(lambda: list(iter_backfill(tt, request, **kwargs)))
    if eager[0] == "error":
        assert lazy == eager
        return
    plan = eager[1]
    assert lazy == ("ok", list(plan.entries))
    assert [e.conf for e in lazy[1]] == [e.conf for e in plan]  # conf is not compared by ==
    # the changeset, whole and in chunks, from the plan and from the stream
    chunks = list(plan.changesets(size=size))
    _check_chunks(chunks, plan.changeset(), size)
    streamed = list(iter_changesets(iter_backfill(tt, request, **kwargs), runs=runs, size=size))
    assert streamed == chunks
    assert list(iter_changesets(plan, runs=runs, size=size)) == chunks


@SETTINGS
@given(data=st.data(), tt=any_timetables, now=nows, request=backfill_requests(),
       block=st.integers(1, 5))
def test_backwards_in_blocks_is_forwards_reversed(
    data: st.DataObject, tt: Any, now: Any, request: BackfillRequest, block: int
) -> None:
    assume(request.from_date <= request.to_date)  # a reversed range is refused earlier
    forwards = list(_forwards(tt, request, now))
    assert list(_backwards(tt, request, now, block)) == forwards[::-1]


@SETTINGS
@given(data=st.data(), tt=any_timetables, now=nows, catchup=st.booleans(),
       max_active_runs=st.none() | st.integers(0, 6), limit=st.none() | st.integers(1, 6),
       size=sizes)
def test_iter_catchup_is_plan_catchup(
    data: st.DataObject, tt: Any, now: Any, catchup: bool, max_active_runs: int | None,
    limit: int | None, size: int,
) -> None:
    runs = data.draw(run_records(tt, max_value=now))
    kwargs = {"runs": runs, "now": now, "max_active_runs": max_active_runs, "limit": limit,
              "restriction": TimeRestriction(earliest=BASE, catchup=catchup)}
    eager = _outcome(lambda: plan_catchup(tt, **kwargs))
    lazy = _outcome(lambda: list(iter_catchup(tt, **kwargs)))
    if eager[0] == "error":
        assert lazy == eager
        return
    plan = eager[1]
    assert lazy == ("ok", list(plan.entries))
    chunks = list(plan.changesets(size=size))
    _check_chunks(chunks, plan.changeset(), size)
    assert list(iter_changesets(iter_catchup(tt, **kwargs), size=size)) == chunks


@SETTINGS
@given(data=st.data(), tt=any_timetables, now=nows, include_failed=st.booleans(),
       span=st.integers(0, 40 * 24))
def test_iter_gaps_is_find_gaps(
    data: st.DataObject, tt: Any, now: Any, include_failed: bool, span: int
) -> None:
    runs = data.draw(run_records(tt, max_value=now))
    kwargs = {"runs": runs, "start": BASE, "end": BASE + timedelta(hours=span), "now": now,
              "include_failed": include_failed}
    eager = _outcome(lambda: find_gaps(tt, **kwargs))
    lazy = _outcome(lambda: list(iter_gaps(tt, **kwargs)))
    if eager[0] == "error":
        assert lazy == eager
        return
    assert lazy == ("ok", list(eager[1].gaps))


# -- examples -----------------------------------------------------------------------------

DAILY = CronDataIntervals(cron="@daily")
REQUEST = BackfillRequest(from_date=BASE, to_date=BASE + timedelta(days=9))


def test_streamed_backfill_has_no_size_limit() -> None:
    """Past the eager limit the plan refuses and names the stream; the stream answers."""
    from itertools import islice

    from timetable.errors import PlanTooLargeError

    minutely = CronDataIntervals(cron="* * * * *")
    request = BackfillRequest(from_date=BASE - timedelta(days=5 * 365), to_date=BASE)
    with pytest.raises(PlanTooLargeError, match="iter_backfill"):
        plan_backfill(minutely, request, runs=[], now=BASE)
    first = list(islice(iter_backfill(minutely, request, runs=[], now=BASE), 3))
    assert [e.sort_ordinal for e in first] == [1, 2, 3]
    assert first[0].run_info.logical_date == request.from_date


def test_iter_changesets_refuses_bad_arguments() -> None:
    entries = list(iter_backfill(DAILY, REQUEST, runs=[], now=BASE + timedelta(days=30)))
    for size in (0, -1):
        with pytest.raises(InvalidArgumentError, match="size"):
            iter_changesets(entries, size=size)
    with pytest.raises(WrongTypeError, match="size"):
        iter_changesets(entries, size="10")  # type: ignore[arg-type]
    with pytest.raises(WrongTypeError, match="entries"):
        iter_changesets(42)  # type: ignore[arg-type]
    with pytest.raises(WrongTypeError, match=r"entries\[1\]"):
        list(iter_changesets([entries[0], "nope"]))  # type: ignore[list-item]
    plan = plan_backfill(DAILY, REQUEST, runs=[], now=BASE + timedelta(days=30))
    with pytest.raises(InvalidArgumentError, match="size"):
        plan.changesets(size=0)
    assert list(plan.changesets(size=2**70)) == [plan.changeset()]  # past sys.maxsize


def test_reprocess_entries_need_their_runs() -> None:
    from timetable import DataInterval, RunRecord

    day = BASE + timedelta(days=2)
    failed = RunRecord(run_id="r", run_type="scheduled", logical_date=day,
                       data_interval=DataInterval(start=day, end=day + timedelta(days=1)),
                       run_after=day + timedelta(days=1), state="failed")
    request = BackfillRequest(from_date=BASE, to_date=BASE + timedelta(days=4),
                              reprocess_behavior="failed")
    now = BASE + timedelta(days=30)
    entries = list(iter_backfill(DAILY, request, runs=[failed], now=now))
    assert [e.action.value for e in entries] == ["create", "create", "reprocess", "create",
                                                 "create"]
    whole = list(iter_changesets(entries, runs=[failed], size=2))
    assert Changeset.merge(*whole) == plan_backfill(DAILY, request, runs=[failed],
                                                    now=now).changeset()
    with pytest.raises(InvalidArgumentError, match="runs"):
        list(iter_changesets(entries))


def test_lazy_planners_check_arguments_when_called() -> None:
    """Errors come from the call, not from the first ``next()``."""
    from timetable.errors import InvalidIntervalError, NaiveDatetimeError, NoBackfillRunsError

    with pytest.raises(NoBackfillRunsError):
        iter_backfill(DAILY, BackfillRequest(from_date=BASE, to_date=BASE), runs=[],
                      now=BASE + timedelta(hours=1))
    assert list(iter_backfill(DAILY, BackfillRequest(from_date=BASE, to_date=BASE), runs=[],
                              now=BASE + timedelta(hours=1), dry_run=True)) == []
    with pytest.raises(InvalidIntervalError):
        iter_gaps(DAILY, runs=[], start=BASE + timedelta(days=1), end=BASE, now=BASE)
    with pytest.raises(NaiveDatetimeError):
        iter_catchup(DAILY, runs=[], restriction=TimeRestriction(earliest=BASE),
                     now=BASE.replace(tzinfo=None))
    with pytest.raises(WrongTypeError, match="restriction"):
        iter_catchup(DAILY, runs=[], restriction=None, now=BASE)  # type: ignore[arg-type]


@SETTINGS
@given(data=st.data(), tt=any_timetables, now=nows, request=backfill_requests())
def test_counting_a_backfill_is_counting_its_rows(
    data: st.DataObject, tt: Any, now: Any, request: BackfillRequest
) -> None:
    """The constant-time count (``--summary``) agrees with the planning loop."""
    from timetable._backfill import _rows, count_backfill
    from timetable._planning import validate_history

    assume(request.from_date <= request.to_date)
    history = validate_history(data.draw(run_records(tt, max_value=now)))
    fast = count_backfill(tt, request, history, now)
    assume(fast is not None)
    rows = [row for row, _ in _rows(tt, request, history, now)]
    counts = {a: sum(1 for r in rows if r[0].value == a) for a in ("create", "reprocess", "skip")}
    dates = sorted(r[3] for r in rows)
    assert fast == (counts, dates[0] if dates else None, dates[-1] if dates else None)


def test_a_block_that_restarts_differently_is_cut_from_the_full_walk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If a timetable does not restart at a block's first logical date the way the full
    walk passed it, the block comes from the full walk: still the forward answer reversed."""
    import timetable._backfill as backfill

    real = backfill._forwards

    def restarts_wrong(tt: Any, request: Any, now: Any, first: Any = None) -> Any:
        items = real(tt, request, now, first)
        if first is None:
            return items
        return ((ra + timedelta(seconds=1), s, e) for ra, s, e in items)  # off by a second

    monkeypatch.setattr(backfill, "_forwards", restarts_wrong)
    request = BackfillRequest(from_date=BASE, to_date=BASE + timedelta(days=11),
                              run_backwards=True)
    now = BASE + timedelta(days=30)
    forwards = list(real(DAILY, request, now))
    assert len(forwards) == 12
    assert list(_backwards(DAILY, request, now, 5)) == forwards[::-1]
    plan = plan_backfill(DAILY, request, runs=[], now=now)
    assert [e.run_info.logical_date for e in plan] == [f[1] for f in forwards[::-1]]

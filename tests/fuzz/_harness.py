"""The public surface, enumerated, and hostile values to throw at it.

Used by ``tests/fuzz/test_fuzz_public.py`` (a small budget in CI) and by
``benchmarks/fuzz_long.py`` (a long run that counts calls and escapes).

*Targets* are found, never listed: every callable in ``__all__`` of ``timetable`` and
its public submodules, every public class's constructor, and every public method and
classmethod a public class defines itself.  Methods are called on sample instances;
the samples come from constructing values and from calling the planners, then
harvesting every value reachable from them (a plan's entries, its changeset, …), so a
new public class is usually sampled without touching this file.
"""

from __future__ import annotations

import contextlib
import enum
import inspect
import itertools
import math
import re
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from hypothesis import strategies as st

import timetable
import timetable.airflow
import timetable.errors
import timetable.serialization
from timetable import (
    BackfillRequest,
    ClearRequest,
    CronDataIntervals,
    CronTrigger,
    CrossDagMarker,
    DataInterval,
    DeltaDataIntervals,
    DeltaTrigger,
    Events,
    MarkRequest,
    MultiCronTrigger,
    Never,
    Once,
    RunHistory,
    RunRecord,
    TaskGraph,
    TaskInstanceRecord,
    TaskSpec,
    TimeRestriction,
)
from timetable import Continuous as _Continuous

__all__ = [
    "PUBLIC_MODULES", "Target", "call", "hostile_args", "instances_of", "sample_pool", "targets",
]

#: Modules whose ``__all__`` is the public surface.  ``timetable.strategies`` is left out:
#: it builds Hypothesis strategies, whose argument errors are Hypothesis's own.
PUBLIC_MODULES: tuple[ModuleType, ...] = (
    timetable,
    timetable.airflow,
    timetable.serialization,
    timetable.errors,
)

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _d(*args: int, tz: Any = UTC) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


# -- sample instances --------------------------------------------------------------------


def _calendar_timetable() -> Any:
    from datetime import date

    from timetable import BusinessCalendar, Holiday, HolidayRule

    cal = BusinessCalendar(holidays=[
        Holiday(date=date(2024, 12, 25), name="Christmas Day"),
        HolidayRule.nth_weekday(11, "Thu", 4, name="Thanksgiving", offset=1),
        HolidayRule.fixed(7, 4, name="Independence Day", observed="nearest"),
        HolidayRule.easter(-2, name="Good Friday"),
        HolidayRule.date_range(date(2024, 8, 5), date(2024, 8, 9), name="Shutdown"),
    ]) - BusinessCalendar(weekmask="1111111", holidays=[date(2024, 8, 7)])
    return CronDataIntervals(cron="0 6 * * *", timezone="Europe/Berlin", calendar=cal,
                             roll="span")


def _seed_values() -> list[Any]:
    """Valid values of every kind, built by hand; the planners' outputs are added later."""
    berlin = "Europe/Berlin"
    tts: list[Any] = [
        CronDataIntervals(cron="@daily", timezone="UTC"),
        CronDataIntervals(cron="30 2 * * *", timezone=berlin),
        CronTrigger(cron="0 */6 * * *", timezone="America/New_York"),
        CronTrigger(cron="15 8 * * 1-5", timezone="UTC", interval=timedelta(hours=1)),
        DeltaDataIntervals(delta=timedelta(days=1)),
        DeltaTrigger(delta=timedelta(hours=6)),
        MultiCronTrigger(crons=("0 0 * * *", "0 12 * * *"), timezone=berlin),
        _calendar_timetable(),
        Events(event_dates=(T0, T0 + timedelta(days=3))),
        Once(),
        Never(),
        _Continuous(),
    ]
    runs = tuple(
        RunRecord(
            run_id=f"scheduled__{(T0 + timedelta(days=i)).isoformat()}",
            run_type="scheduled",
            logical_date=T0 + timedelta(days=i),
            data_interval=DataInterval(
                start=T0 + timedelta(days=i), end=T0 + timedelta(days=i + 1)
            ),
            run_after=T0 + timedelta(days=i + 1),
            state=state,
        )
        for i, state in enumerate(("success", "failed", "running", "queued"))
    )
    manual = RunRecord(
        run_id="manual__1",
        run_type="manual",
        logical_date=None,
        data_interval=None,
        run_after=T0 + timedelta(days=10),
        state="success",
    )
    graph = TaskGraph(
        tasks=[
            TaskSpec(task_id="setup", is_setup=True),
            TaskSpec(task_id="extract", upstream={"setup"}, depends_on_past=True),
            TaskSpec(task_id="load", upstream={"extract"}, retries=2),
            TaskSpec(task_id="teardown", upstream={"load"}, is_teardown=True),
        ]
    )
    tis = tuple(
        TaskInstanceRecord(run_id=r.run_id, task_id=t, state=s, try_number=1)
        for r in runs
        for t, s in zip(graph.task_ids, itertools.cycle(("success", "failed", None)), strict=False)
    )
    history = RunHistory(runs=(*runs, manual), task_instances=tis)
    return [
        *tts,
        *runs,
        manual,
        *tis,
        graph,
        history,
        timetable.validate_history(runs),
        TimeRestriction(earliest=T0, latest=None, catchup=True),
        TimeRestriction(earliest=None, latest=T0, catchup=False),
        DataInterval(start=T0, end=T0 + timedelta(days=1)),
        timetable.RunInfo.exact(T0),
        BackfillRequest(from_date=T0, to_date=T0 + timedelta(days=3)),
        BackfillRequest(
            from_date=T0, to_date=T0 + timedelta(days=3), run_backwards=True,
            reprocess_behavior="failed",
        ),
        ClearRequest(task_ids=["extract"], downstream=True, run_id=runs[1].run_id),
        ClearRequest(task_pattern="ext", start=T0, end=T0 + timedelta(days=5), only_failed=True),
        MarkRequest(task_id="extract", run_id=runs[2].run_id, state="success", downstream=True),
        CrossDagMarker(
            dag_id="child", task_id="extract", external_dag_id="parent",
            external_task_id="extract",
        ),
        timetable.CatchupPolicy.latest(),
        timetable.CatchupPolicy.within(timedelta(days=2)),
    ]


def _planner_outputs(seeds: list[Any]) -> list[Any]:
    """Plans and decisions from the planners run on the seed values."""
    tt = seeds[0]
    runs = [v for v in seeds if isinstance(v, RunRecord)]
    graph = next(v for v in seeds if isinstance(v, TaskGraph))
    history = next(v for v in seeds if isinstance(v, RunHistory))
    reqs = {type(v).__name__: v for v in seeds if attrs.has(type(v))}
    now = T0 + timedelta(days=8)
    out: list[Any] = []
    attempts: list[Callable[[], Any]] = [
        lambda: timetable.plan_catchup(
            tt, runs=runs, restriction=TimeRestriction(earliest=T0), now=now
        ),
        lambda: timetable.plan_backfill(tt, reqs["BackfillRequest"], runs=runs, now=now),
        lambda: timetable.find_gaps(
            tt, runs=runs, start=T0, end=now, now=now, include_failed=True
        ),
        lambda: timetable.plan_clear(graph, reqs["ClearRequest"], history=history),
        lambda: timetable.plan_mark(graph, reqs["MarkRequest"], history=history),
        lambda: timetable.plan_mark_run(
            graph, run_id=runs[1].run_id, state="success", history=history
        ),
        lambda: timetable.plan_clear_recursive(
            {"parent": (graph, history), "child": (graph, history)},
            "parent",
            reqs["ClearRequest"],
            markers=(reqs["CrossDagMarker"],),
        ),
        lambda: timetable.plan_manual_run(tt, run_after=now, logical_date=now, runs=runs),
        lambda: timetable.check_depends_on_past(
            graph.task("extract"), run_id=runs[1].run_id, runs=runs,
            task_instances=history.task_instances, catchup=True,
        ),
        lambda: timetable.is_latest_run(tt, runs[-1], now=now),
        lambda: timetable.plan_schedule_change(
            tt, CronTrigger(cron="0 6 * * *"), runs=runs,
            restriction=TimeRestriction(earliest=T0), now=now,
        ),
        lambda: timetable.plan_schedule_change(
            tt, DeltaDataIntervals(delta=timedelta(hours=12)), runs=runs,
            restriction=TimeRestriction(earliest=T0, catchup=False), now=now,
        ),
        lambda: timetable.dst_report(
            CronDataIntervals(cron="30 2 * * *", timezone="Europe/Berlin"),
            start=datetime(2024, 3, 1, tzinfo=UTC), end=datetime(2024, 11, 30, tzinfo=UTC),
        ),
        lambda: timetable.lint(CronDataIntervals(cron="*/90 * * * *", timezone="UTC")),
        lambda: timetable.explain_run(
            tt, at=T0 + timedelta(days=3), runs=runs,
            restriction=TimeRestriction(earliest=T0, catchup=True), now=now,
        ),
    ]
    for attempt in attempts:
        with contextlib.suppress(timetable.TimetableError):  # a seed that stopped fitting
            out.append(attempt())
    return out


def _harvest(values: list[Any]) -> list[Any]:
    """Every value reachable from *values*: attrs fields, containers, no-argument methods."""
    seen: dict[int, Any] = {}
    todo = list(values)
    while todo and len(seen) < 2_000:
        value = todo.pop()
        if id(value) in seen or value is None or isinstance(value, str | bytes | int | float):
            continue
        seen[id(value)] = value
        if isinstance(value, list | tuple | set | frozenset):
            todo.extend(itertools.islice(value, 8))
        elif isinstance(value, Mapping):
            todo.extend(itertools.islice(value.values(), 8))
        elif attrs.has(type(value)) and type(value).__module__.startswith("timetable"):
            for field in attrs.fields(type(value)):
                todo.append(getattr(value, field.name, None))
            for name, member in vars(type(value)).items():
                if name.startswith("_") or name.startswith("to_"):
                    continue
                if isinstance(member, property):
                    fn: Any = member.fget
                elif inspect.isfunction(member):
                    fn = member
                else:
                    continue
                try:
                    params = list(inspect.signature(fn).parameters.values())[1:]
                except (TypeError, ValueError):  # pragma: no cover
                    continue
                if any(p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD,
                       p.KEYWORD_ONLY, p.POSITIONAL_ONLY) for p in params):
                    continue
                with contextlib.suppress(Exception):  # harvesting only; the fuzz test judges
                    todo.append(fn(value))
    return list(seen.values())


@cache
def sample_pool() -> tuple[Any, ...]:
    """Valid values of every public type the library builds (hand-made + harvested)."""
    seeds = _seed_values()
    return tuple(_harvest(seeds + _planner_outputs(seeds)))


@cache
def _pool_by_type() -> dict[str, tuple[Any, ...]]:
    by: dict[str, list[Any]] = {}
    for value in sample_pool():
        for klass in type(value).__mro__:
            by.setdefault(klass.__name__, []).append(value)
    by.setdefault("datetime", []).extend([T0, _d(1, 1, 1), _d(9999, 12, 31, 23, 59)])
    by.setdefault("str", []).extend(["extract", "scheduled__2024-03-01T00:00:00+00:00"])
    return {k: tuple(v) for k, v in by.items()}


# -- targets -----------------------------------------------------------------------------


@attrs.frozen
class Target:
    """One public callable: its dotted name, how to get it, and its parameters."""

    name: str
    owner: type | None  # the class whose instance method this is (None: no instance needed)
    function: Callable[..., Any]
    parameters: tuple[inspect.Parameter, ...]


def _own_public_methods(klass: type) -> Iterator[tuple[str, Any, bool]]:
    """(name, function, needs_instance) for the public methods *klass* defines itself."""
    for name, member in vars(klass).items():
        if name.startswith("_"):
            continue
        if isinstance(member, classmethod | staticmethod):
            yield name, getattr(klass, name), False
        elif inspect.isfunction(member):
            yield name, member, True


def _signature(fn: Callable[..., Any]) -> tuple[inspect.Parameter, ...]:
    try:
        return tuple(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return (inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),)


def _is_protocol(klass: type) -> bool:
    return bool(getattr(klass, "_is_protocol", False))


@cache
def targets() -> tuple[Target, ...]:
    """Every public callable of the package, constructors and methods included."""
    out: dict[str, Target] = {}
    for module in PUBLIC_MODULES:
        for public in module.__all__:
            obj = getattr(module, public)
            qual = f"{module.__name__}.{public}"
            if isinstance(obj, type):
                if _is_protocol(obj):
                    continue  # a structural type: nothing of ours runs when it is "called"
                if not issubclass(obj, enum.Enum):
                    out.setdefault(qual, Target(qual, None, obj, _signature(obj)))
                else:
                    out.setdefault(qual, Target(qual, None, obj, _signature(lambda value: 0)))
                for name, fn, bound in _own_public_methods(obj):
                    params = _signature(fn)
                    if bound:
                        params = params[1:]
                    key = f"{qual}.{name}"
                    out.setdefault(key, Target(key, obj if bound else None, fn, params))
            elif callable(obj) and not isinstance(obj, typing._SpecialForm):
                out.setdefault(qual, Target(qual, None, obj, _signature(obj)))
    return tuple(out.values())


def instances_of(klass: type) -> tuple[Any, ...]:
    """Sample instances of *klass* (may be empty: the fuzz test reports that)."""
    return tuple(v for v in sample_pool() if type(v) is klass)


# -- hostile values ----------------------------------------------------------------------

_ZONES = (UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("Pacific/Kiritimati"), timezone(-timedelta(hours=23, minutes=59)))

_SPECIAL: tuple[Any, ...] = (
    0, -1, 1, 2**31, 2**63, -(2**63), 10**9, 10**100, -(10**100),
    math.nan, math.inf, -math.inf, -0.0, 1e308,
    "", " ", "x" * 100_000, "é", "\x00", "\ud800", "٣", "💥" * 10, "None", "null",
    "0 0 * * *", "* * * * *", "@daily", "(a+)+$", "*", "UTC", "Europe/Berlin", "+05:30",
    "2024-03-01", "2024-03-01T00:00:00+00:00", "success", "failed", "scheduled", "manual",
    "backfill", "bogus", "regex", "substring",
    b"", b"\xff\xfe", bytearray(b"x"),
    datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999), datetime(2024, 3, 1),
    _d(1, 1, 1), _d(9999, 12, 31, 23, 59, 59), _d(9999, 12, 31, tz=ZoneInfo("Pacific/Kiritimati")),
    _d(1, 1, 1, tz=timezone(timedelta(hours=-12))), _d(1, 1, 1, 0, 30, tz=ZoneInfo("Europe/Berlin")),
    _d(2024, 3, 31, 2, 30, tz=ZoneInfo("Europe/Berlin")),
    date(2024, 3, 1), date(1, 1, 1), date(9999, 12, 31), time(0, 0),
    timedelta(0), timedelta(-1), timedelta.max, timedelta.min, timedelta(microseconds=1),
    object(), type, int, Ellipsis, NotImplemented, ZoneInfo("UTC"), UTC,
    [], (), {}, set(), frozenset(), [None], [[]], {"": None}, {None: 1}, [{}],
    iter(()), range(3),
)


@st.composite
def _datetimes(draw: st.DrawFn) -> datetime:
    naive = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
    tz = draw(st.sampled_from((None, *_ZONES)))
    return naive.replace(tzinfo=tz)


@cache
def _hashable_leaf() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([v for v in _SPECIAL if _hashable(v)]),
        st.none(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=12),
        _datetimes(),
        st.sampled_from([v for v in sample_pool() if _hashable(v)]),
    )


@cache
def _leaf() -> st.SearchStrategy[Any]:
    return st.one_of(
        _hashable_leaf(),
        st.sampled_from(_SPECIAL),
        st.booleans(),
        st.floats(),
        st.binary(max_size=6),
        st.dates(),
        st.timedeltas(),
        st.sampled_from(sample_pool()),
    )


@cache
def hostile() -> st.SearchStrategy[Any]:
    """Any value at all, biased to edges: our own values in the wrong place included."""
    leaf = _leaf()
    small = st.one_of(
        leaf,
        st.lists(leaf, max_size=3),
        st.lists(leaf, max_size=3).map(tuple),
        st.dictionaries(_hashable_leaf(), leaf, max_size=3),
        st.frozensets(_hashable_leaf(), max_size=3),
    )
    return st.one_of(leaf, small, st.lists(small, max_size=3))


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


_CONTAINERS = {"Iterable", "Collection", "Sequence", "tuple", "list", "Mapping", "frozenset",
               "set", "dict"}


@cache
def _plausible(text: str) -> st.SearchStrategy[Any] | None:
    pool = _pool_by_type()
    words = re.findall(r"[A-Za-z_]+", text)
    names = [n for n in words if n in pool]
    if not names:
        return None
    values = st.sampled_from([v for n in names for v in pool[n]])
    if any(n in _CONTAINERS for n in words):
        return st.one_of(values, st.lists(values, max_size=4))
    return values


def plausible(param: inspect.Parameter) -> st.SearchStrategy[Any] | None:
    """Values of the types the annotation names, so calls get past the first check."""
    ann = param.annotation
    text = ann if isinstance(ann, str) else getattr(ann, "__name__", repr(ann))
    return _plausible(str(text))


_OMIT = object()


@cache
def _param_strategy(param: inspect.Parameter) -> st.SearchStrategy[Any]:
    likely = plausible(param)
    value = hostile() if likely is None else st.one_of(likely, hostile())
    if param.kind is param.VAR_POSITIONAL:
        return st.lists(value, max_size=2)
    if param.kind is param.VAR_KEYWORD:
        return st.one_of(st.just({}), st.fixed_dictionaries({"bogus_keyword": value}))
    if param.default is not param.empty:
        return st.one_of(st.just(_OMIT), value)
    return value


@cache
def hostile_args(target: Target) -> st.SearchStrategy[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Positional and keyword arguments for *target*: hostile, plausible, or omitted."""
    params = target.parameters

    def assemble(values: tuple[Any, ...]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        positional = True
        for param, value in zip(params, values, strict=True):
            if param.kind is param.VAR_POSITIONAL:
                if positional:
                    args.extend(value)
            elif param.kind is param.VAR_KEYWORD:
                kwargs.update(value)
            elif value is _OMIT:
                positional = False  # everything after an omitted argument goes by keyword
            elif param.kind is param.POSITIONAL_ONLY or (
                param.kind is param.POSITIONAL_OR_KEYWORD and positional
            ):
                args.append(value)
            else:
                kwargs[param.name] = value
        return tuple(args), kwargs

    return st.tuples(*(_param_strategy(p) for p in params)).map(assemble)


def call(target: Target, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call *target*; consume a few items of any iterator it returns (errors may be lazy)."""
    fn = target.function
    result = fn(instance, *args, **kwargs) if target.owner is not None else fn(*args, **kwargs)
    if isinstance(result, Iterator):
        result = list(itertools.islice(result, 5))
    return result

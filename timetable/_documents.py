"""Reading plan and decision documents back: ``to_dict()`` output → the value, exactly.

Theory of operation
-------------------
Every plan and decision writes a versioned document (``{"version": 1, "kind": …}``)
whose shape is a JSON Schema shipped in ``timetable/schemas/``.  This module is the
inverse: one reader per kind, strict about keys and types, so
``read_document(plan.to_dict()) == plan`` and anything else is an
[`InvalidSerializedFormError`][timetable.errors.InvalidSerializedFormError] naming the JSON path
(``$.entries[3].data_interval.start``).  Derived keys (counts, state counts, ``missing``)
are checked against the entries they summarise, never trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, get_args

from .errors import InvalidSerializedFormError, TimetableError

__all__ = ["DOCUMENT_KINDS", "read_document"]


def _fail(path: str, value: Any, expected: str) -> InvalidSerializedFormError:
    return InvalidSerializedFormError(f"{path}={value!r}: {expected}", argument=path)


def _obj(data: Any, path: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _fail(path, data, "expected a JSON object")
    missing = sorted(keys - set(data))
    if missing:
        raise _fail(f"{path}.{missing[0]}", None, "missing key")
    extra = sorted(set(data) - keys)
    if extra:
        raise _fail(f"{path}.{extra[0]}", data[extra[0]], "unknown key")
    return data


def _list(data: Any, path: str) -> list[Any]:
    if not isinstance(data, list):
        raise _fail(path, data, "expected a JSON array")
    return data


def _str(data: Any, path: str) -> str:
    if not isinstance(data, str):
        raise _fail(path, data, "expected a string")
    return data


def _opt_str(data: Any, path: str) -> str | None:
    return None if data is None else _str(data, path)


def _int(data: Any, path: str) -> int:
    if not isinstance(data, int) or isinstance(data, bool):
        raise _fail(path, data, "expected an integer")
    return data


def _opt_int(data: Any, path: str) -> int | None:
    return None if data is None else _int(data, path)


def _bool(data: Any, path: str) -> bool:
    if not isinstance(data, bool):
        raise _fail(path, data, "expected true or false")
    return data


def _instant(data: Any, path: str) -> datetime:
    if not isinstance(data, str):
        raise _fail(path, data, "expected an ISO-8601 datetime with an offset")
    try:
        value = datetime.fromisoformat(data)
    except ValueError:
        raise _fail(path, data, "expected an ISO-8601 datetime with an offset") from None
    if value.tzinfo is None:
        raise _fail(path, data, "expected an ISO-8601 datetime with an offset")
    return value


def _opt_instant(data: Any, path: str) -> datetime | None:
    return None if data is None else _instant(data, path)


def _enum(cls: Any, data: Any, path: str) -> Any:
    try:
        return cls(data)
    except (ValueError, TypeError):
        allowed = ", ".join(repr(m.value) for m in cls)
        raise _fail(path, data, f"expected one of {allowed}") from None


def _opt_enum(cls: Any, data: Any, path: str) -> Any:
    return None if data is None else _enum(cls, data, path)


def _conf(data: Any, path: str) -> dict[str, Any] | None:
    if data is not None and not isinstance(data, dict):
        raise _fail(path, data, "expected a JSON object or null")
    return data


def _interval(data: Any, path: str) -> Any:
    from ._types import DataInterval

    obj = _obj(data, path, {"start", "end"})
    start, end = _instant(obj["start"], f"{path}.start"), _instant(obj["end"], f"{path}.end")
    return _build(lambda: DataInterval(start=start, end=end), path)


def _opt_interval(data: Any, path: str) -> Any:
    return None if data is None else _interval(data, path)


def _build(make: Callable[[], Any], path: str) -> Any:
    try:
        return make()
    except InvalidSerializedFormError:
        raise
    except TimetableError as err:
        raise _fail(path, "…", str(err)) from err


def _info(data: Any, path: str, extra: frozenset[str] | set[str] = frozenset()) -> Any:
    from ._types import RunInfo

    obj = _obj(data, path, {"logical_date", "data_interval", "run_after", *extra})
    iv = _interval(obj["data_interval"], f"{path}.data_interval")
    if _instant(obj["logical_date"], f"{path}.logical_date") != iv.start:
        raise _fail(f"{path}.logical_date", obj["logical_date"], "must be data_interval.start")
    run_after = _instant(obj["run_after"], f"{path}.run_after")
    return _build(lambda: RunInfo(run_after=run_after, data_interval=iv), path)


def _opt_info(data: Any, path: str) -> Any:
    return None if data is None else _info(data, path)


def _header(data: Any, kind: str, keys: set[str]) -> dict[str, Any]:
    obj = _obj(data, "$", {"version", "kind", *keys})
    if obj["kind"] != kind:
        raise _fail("$.kind", obj["kind"], f"expected {kind!r}")
    if obj["version"] != 1 or isinstance(obj["version"], bool):
        raise _fail("$.version", obj["version"], "expected 1")
    return obj


def _check_derived(path: str, found: Any, expected: Any) -> None:
    if found != expected:
        raise _fail(path, found, f"does not match the entries (expected {expected!r})")


def _run(data: Any, path: str) -> Any:
    from ._records import RunRecord

    obj = _obj(data, path, {"run_id", "run_type", "logical_date", "data_interval", "run_after",
                            "state", "conf", "clear_number"})
    return _build(
        lambda: RunRecord(
            run_id=_str(obj["run_id"], f"{path}.run_id"),
            run_type=obj["run_type"],
            logical_date=_opt_instant(obj["logical_date"], f"{path}.logical_date"),
            data_interval=_opt_interval(obj["data_interval"], f"{path}.data_interval"),
            run_after=_instant(obj["run_after"], f"{path}.run_after"),
            state=obj["state"],
            conf=_conf(obj["conf"], f"{path}.conf"),
            clear_number=_int(obj["clear_number"], f"{path}.clear_number"),
        ),
        path,
    )


# -- catchup, gaps --------------------------------------------------------------------------


def _range(data: Any, path: str) -> Any:
    from ._catchup import IntervalRange
    from ._planning import Reason

    obj = _obj(data, path, {"reason", "count", "first", "last"})
    return IntervalRange(
        reason=_enum(Reason, obj["reason"], f"{path}.reason"),
        first=_info(obj["first"], f"{path}.first"),
        last=_info(obj["last"], f"{path}.last"),
        count=_int(obj["count"], f"{path}.count"),
    )


def _catchup(data: Any) -> Any:
    from ._catchup import CatchupPlan, CatchupPolicy, CatchupStop, _scheduled_run_id
    from ._planning import Action, Reason

    obj = _header(data, "catchup", {"now", "catchup", "policy", "reference_run_id",
                                     "active_runs", "stopped", "next_run", "entries", "skipped"})
    pol = _obj(obj["policy"], "$.policy", {"kind", "window", "count"})
    window = None
    if pol["window"] is not None:
        w = _obj(pol["window"], "$.policy.window", {"seconds"})
        if not isinstance(w["seconds"], int | float) or isinstance(w["seconds"], bool):
            raise _fail("$.policy.window.seconds", w["seconds"], "expected a number")
        window = timedelta(seconds=w["seconds"])
    policy = _build(
        lambda: CatchupPolicy(kind=pol["kind"], window=window,
                              count=_opt_int(pol["count"], "$.policy.count")),
        "$.policy",
    )
    rows = []
    for i, e in enumerate(_list(obj["entries"], "$.entries")):
        path = f"$.entries[{i}]"
        info = _info(e, path, {"action", "reason", "run_id"})
        action = _enum(Action, e["action"], f"{path}.action")
        run_id: str | None = _str(e["run_id"], f"{path}.run_id")
        if action is Action.CREATE and run_id == _scheduled_run_id(info.run_after):
            run_id = None  # the plan formats default ids on read
        rows.append((
            action,
            _enum(Reason, e["reason"], f"{path}.reason"),
            info.run_after, info.data_interval.start, info.data_interval.end,
            run_id,
        ))
    return CatchupPlan(
        now=_instant(obj["now"], "$.now"),
        catchup=_bool(obj["catchup"], "$.catchup"),
        policy=policy,
        reference_run_id=_opt_str(obj["reference_run_id"], "$.reference_run_id"),
        active_runs=_int(obj["active_runs"], "$.active_runs"),
        stopped=_enum(CatchupStop, obj["stopped"], "$.stopped"),
        next_run=_opt_info(obj["next_run"], "$.next_run"),
        skipped=tuple(_range(r, f"$.skipped[{i}]")
                      for i, r in enumerate(_list(obj["skipped"], "$.skipped"))),
        _rows=tuple(rows),
    )


def _gaps(data: Any) -> Any:
    from ._gaps import GapReport

    obj = _header(data, "gaps", {"start", "end", "now", "expected", "present", "missing",
                                  "failed", "gaps", "off_grid"})
    report = GapReport(
        start=_instant(obj["start"], "$.start"),
        end=_instant(obj["end"], "$.end"),
        now=_instant(obj["now"], "$.now"),
        expected=_int(obj["expected"], "$.expected"),
        present=_int(obj["present"], "$.present"),
        gaps=tuple(_range(r, f"$.gaps[{i}]") for i, r in enumerate(_list(obj["gaps"], "$.gaps"))),
        off_grid=tuple(_str(r, f"$.off_grid[{i}]")
                       for i, r in enumerate(_list(obj["off_grid"], "$.off_grid"))),
    )
    _check_derived("$.missing", obj["missing"], report.missing)
    _check_derived("$.failed", obj["failed"], report.failed)
    return report


# -- backfill -------------------------------------------------------------------------------


def _backfill(data: Any) -> Any:
    from ._backfill import BackfillPlan, BackfillRequest, _backfill_run_id
    from ._planning import Action, Reason

    obj = _header(data, "backfill", {"now", "dry_run", "request", "counts", "entries",
                                      "reprocessed_runs", "excluded"})
    req = _obj(obj["request"], "$.request", {"from_date", "to_date", "run_backwards",
                                             "reprocess_behavior", "max_active_runs",
                                             "dag_run_conf"})
    request = _build(
        lambda: BackfillRequest(
            from_date=_instant(req["from_date"], "$.request.from_date"),
            to_date=_instant(req["to_date"], "$.request.to_date"),
            run_backwards=_bool(req["run_backwards"], "$.request.run_backwards"),
            reprocess_behavior=req["reprocess_behavior"],
            max_active_runs=_int(req["max_active_runs"], "$.request.max_active_runs"),
            dag_run_conf=_conf(req["dag_run_conf"], "$.request.dag_run_conf"),
        ),
        "$.request",
    )
    rows = []
    for i, e in enumerate(_list(obj["entries"], "$.entries")):
        path = f"$.entries[{i}]"
        info = _info(e, path, {"sort_ordinal", "action", "reason", "run_id", "existing_run_id",
                               "wave"})
        _check_derived(f"{path}.sort_ordinal", e["sort_ordinal"], i + 1)
        action = _enum(Action, e["action"], f"{path}.action")
        run_id = _opt_str(e["run_id"], f"{path}.run_id")
        if action is Action.CREATE and run_id == _backfill_run_id(info.run_after):
            run_id = None  # the plan formats default ids on read
        rows.append((
            action,
            _enum(Reason, e["reason"], f"{path}.reason"),
            info.run_after, info.data_interval.start, info.data_interval.end,
            run_id,
            _opt_str(e["existing_run_id"], f"{path}.existing_run_id"),
            _opt_int(e["wave"], f"{path}.wave"),
        ))
    plan = BackfillPlan(
        request=request,
        now=_instant(obj["now"], "$.now"),
        dry_run=_bool(obj["dry_run"], "$.dry_run"),
        _rows=tuple(rows),
        _reprocessed=tuple(_run(r, f"$.reprocessed_runs[{i}]")
                           for i, r in enumerate(_list(obj["reprocessed_runs"],
                                                       "$.reprocessed_runs"))),
        excluded=tuple(
            (_instant(x["logical_date"], f"$.excluded[{i}].logical_date"),
             _str(x["reason"], f"$.excluded[{i}].reason"))
            for i, x in enumerate(
                _obj(x, f"$.excluded[{i}]", {"logical_date", "reason"})
                for i, x in enumerate(_list(obj["excluded"], "$.excluded"))
            )
        ),
    )
    _check_derived("$.counts", obj["counts"], plan.counts)
    return plan


# -- task-level plans -----------------------------------------------------------------------


def _ti_change(data: Any, path: str) -> Any:
    from ._clear import TaskInstanceChange
    from ._records import TaskState

    obj = _obj(data, path, {"run_id", "task_id", "map_index", "state_before", "state_after",
                            "try_number", "max_tries_before", "max_tries_after", "reasons"})
    return TaskInstanceChange(
        run_id=_str(obj["run_id"], f"{path}.run_id"),
        task_id=_str(obj["task_id"], f"{path}.task_id"),
        map_index=_int(obj["map_index"], f"{path}.map_index"),
        state_before=_opt_enum(TaskState, obj["state_before"], f"{path}.state_before"),
        state_after=_opt_enum(TaskState, obj["state_after"], f"{path}.state_after"),
        try_number=_int(obj["try_number"], f"{path}.try_number"),
        max_tries_before=_int(obj["max_tries_before"], f"{path}.max_tries_before"),
        max_tries_after=_int(obj["max_tries_after"], f"{path}.max_tries_after"),
        reasons=tuple(_str(r, f"{path}.reasons[{i}]")
                      for i, r in enumerate(_list(obj["reasons"], f"{path}.reasons"))),
    )


def _run_change(data: Any, path: str) -> Any:
    from ._clear import RunChange
    from ._records import RunState

    obj = _obj(data, path, {"run_id", "state_before", "state_after", "clear_number_before",
                            "clear_number_after", "start_date", "reason"})
    if obj["start_date"] not in ("unchanged", "reset", "now"):
        raise _fail(f"{path}.start_date", obj["start_date"], "expected unchanged, reset or now")
    return RunChange(
        run_id=_str(obj["run_id"], f"{path}.run_id"),
        state_before=_enum(RunState, obj["state_before"], f"{path}.state_before"),
        state_after=_enum(RunState, obj["state_after"], f"{path}.state_after"),
        clear_number_before=_int(obj["clear_number_before"], f"{path}.clear_number_before"),
        clear_number_after=_int(obj["clear_number_after"], f"{path}.clear_number_after"),
        start_date=obj["start_date"],
        reason=_str(obj["reason"], f"{path}.reason"),
    )


def _changes(obj: dict[str, Any], prefix: str = "$") -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    from ._clear import _counts

    tis = tuple(_ti_change(c, f"{prefix}.task_instances[{i}]")
                for i, c in enumerate(_list(obj["task_instances"], f"{prefix}.task_instances")))
    runs = tuple(_run_change(c, f"{prefix}.runs[{i}]")
                 for i, c in enumerate(_list(obj["runs"], f"{prefix}.runs")))
    counts = [{"before": b, "after": a, "count": n} for b, a, n in _counts(tis)]
    _check_derived(f"{prefix}.state_counts", obj["state_counts"], counts)
    return tis, runs


_TASK_KEYS = {"task_instances", "runs", "state_counts"}


def _keys(data: Any, path: str) -> tuple[tuple[str, str, int], ...]:
    out = []
    for i, k in enumerate(_list(data, path)):
        item = _list(k, f"{path}[{i}]")
        if len(item) != 3:
            raise _fail(f"{path}[{i}]", k, "expected [run_id, task_id, map_index]")
        out.append((_str(item[0], f"{path}[{i}][0]"), _str(item[1], f"{path}[{i}][1]"),
                    _int(item[2], f"{path}[{i}][2]")))
    return tuple(out)


def _clear_plan(data: Any, prefix: str = "$") -> Any:
    from ._clear import ClearPlan

    if prefix == "$":
        obj = _header(data, "clear", _TASK_KEYS)
    else:
        obj = _obj(data, prefix, {"version", "kind", *_TASK_KEYS})
        if obj["kind"] != "clear" or obj["version"] != 1:
            raise _fail(f"{prefix}.kind", obj["kind"], "expected a version 1 'clear' plan")
    tis, runs = _changes(obj, prefix)
    return ClearPlan(task_instances=tis, runs=runs)


def _mark(data: Any) -> Any:
    from ._mark import MarkPlan

    obj = _header(data, "mark", {*_TASK_KEYS, "altered", "cleared"})
    tis, runs = _changes(obj)
    return MarkPlan(task_instances=tis, runs=runs, altered=_keys(obj["altered"], "$.altered"),
                    cleared=_keys(obj["cleared"], "$.cleared"))


def _mark_run(data: Any) -> Any:
    from ._mark import MarkRunPlan
    from ._records import RunState

    obj = _header(data, "mark_run", {*_TASK_KEYS, "run_id", "run_state_before",
                                      "run_state_after"})
    tis, runs = _changes(obj)
    return MarkRunPlan(
        run_id=_str(obj["run_id"], "$.run_id"),
        run_state_before=_enum(RunState, obj["run_state_before"], "$.run_state_before"),
        run_state_after=_enum(RunState, obj["run_state_after"], "$.run_state_after"),
        task_instances=tis, runs=runs,
    )


def _recursive(data: Any) -> Any:
    from ._recursive import RecursiveClearPlan

    obj = _header(data, "clear_recursive", {"depth", "dags"})
    plans = []
    for i, item in enumerate(_list(obj["dags"], "$.dags")):
        entry = _obj(item, f"$.dags[{i}]", {"dag_id", "plan"})
        plans.append((_str(entry["dag_id"], f"$.dags[{i}].dag_id"),
                      _clear_plan(entry["plan"], f"$.dags[{i}].plan")))
    return RecursiveClearPlan(plans=tuple(plans), depth=_int(obj["depth"], "$.depth"))


# -- decisions ------------------------------------------------------------------------------


def _manual_run(data: Any) -> Any:
    from ._decisions import ManualRun
    from ._records import RunState, RunType

    obj = _header(data, "manual_run", {"run_id", "run_type", "logical_date", "data_interval",
                                        "run_after", "state", "conf", "reason"})
    return ManualRun(
        run_id=_str(obj["run_id"], "$.run_id"),
        run_type=_enum(RunType, obj["run_type"], "$.run_type"),
        logical_date=_opt_instant(obj["logical_date"], "$.logical_date"),
        data_interval=_opt_interval(obj["data_interval"], "$.data_interval"),
        run_after=_instant(obj["run_after"], "$.run_after"),
        state=_enum(RunState, obj["state"], "$.state"),
        conf=_conf(obj["conf"], "$.conf"),
        reason=_str(obj["reason"], "$.reason"),
    )


def _depends_on_past(data: Any) -> Any:
    from ._decisions import DependsOnPastRule, DependsOnPastVerdict

    obj = _header(data, "depends_on_past", {"passed", "rule", "reason", "previous_run_id"})
    return DependsOnPastVerdict(
        passed=_bool(obj["passed"], "$.passed"),
        rule=_enum(DependsOnPastRule, obj["rule"], "$.rule"),
        reason=_str(obj["reason"], "$.reason"),
        previous_run_id=_opt_str(obj["previous_run_id"], "$.previous_run_id"),
    )


def _latest_only(data: Any) -> Any:
    from ._decisions import LatestOnlyDecision

    obj = _header(data, "latest_only", {"is_latest", "reason", "window"})
    if obj["reason"] not in ("manual_run", "no_next_run", "in_window", "outside_window"):
        raise _fail("$.reason", obj["reason"],
                    "expected manual_run, no_next_run, in_window or outside_window")
    window = None
    if obj["window"] is not None:
        w = _obj(obj["window"], "$.window", {"start", "end"})
        window = (_instant(w["start"], "$.window.start"), _instant(w["end"], "$.window.end"))
    return LatestOnlyDecision(is_latest=_bool(obj["is_latest"], "$.is_latest"),
                              reason=obj["reason"], window=window)


def _changeset(data: Any) -> Any:
    from ._changeset import Changeset

    return Changeset.from_dict(data)


#: ``kind -> reader`` for every document a ``to_dict()`` writes.
def _choice(data: Any, path: str, allowed: tuple[str, ...]) -> Any:
    if data not in allowed:
        raise _fail(path, data, f"expected one of {', '.join(map(repr, allowed))}")
    return data


def _finding(data: Any, path: str) -> Any:
    from ._schedule_change import ChangeFinding, ChangeReason, FindingKind

    obj = _obj(data, path, {"kind", "reason", "data_interval", "run_ids", "count", "detail"})
    ids = _list(obj["run_ids"], f"{path}.run_ids")
    return _build(lambda: ChangeFinding(
        kind=_choice(obj["kind"], f"{path}.kind", get_args(FindingKind)),
        reason=_enum(ChangeReason, obj["reason"], f"{path}.reason"),
        interval=_interval(obj["data_interval"], f"{path}.data_interval"),
        run_ids=tuple(_str(r, f"{path}.run_ids[{i}]") for i, r in enumerate(ids)),
        count=_opt_int(obj["count"], f"{path}.count"),
        detail=_str(obj["detail"], f"{path}.detail"),
    ), path)


def _step(data: Any, path: str) -> Any:
    from ._schedule_change import ChangeStep, StepAction

    obj = _obj(data, path, {"action", "text", "data_interval", "run_ids"})
    ids = _list(obj["run_ids"], f"{path}.run_ids")
    return _build(lambda: ChangeStep(
        action=_choice(obj["action"], f"{path}.action", get_args(StepAction)),
        text=_str(obj["text"], f"{path}.text"),
        interval=_opt_interval(obj["data_interval"], f"{path}.data_interval"),
        run_ids=tuple(_str(r, f"{path}.run_ids[{i}]") for i, r in enumerate(ids)),
    ), path)


def _schedule_change(data: Any) -> Any:
    from ._catchup import CatchupStop
    from ._schedule_change import ScheduleChangePlan
    from ._types import TimeRestriction

    obj = _header(data, "schedule_change", {
        "now", "restriction", "reference_run_id", "next_runs", "upcoming", "stopped",
        "uncovered", "overlaps", "collisions", "off_schedule", "recommendation",
    })
    r = _obj(obj["restriction"], "$.restriction", {"earliest", "latest", "catchup"})
    restriction = _build(lambda: TimeRestriction(
        earliest=_opt_instant(r["earliest"], "$.restriction.earliest"),
        latest=_opt_instant(r["latest"], "$.restriction.latest"),
        catchup=_bool(r["catchup"], "$.restriction.catchup"),
    ), "$.restriction")
    runs = _list(obj["next_runs"], "$.next_runs")
    infos = [_info(x, f"$.next_runs[{i}]", {"run_id"}) for i, x in enumerate(runs)]
    ids = tuple(_str(x["run_id"], f"$.next_runs[{i}].run_id") for i, x in enumerate(runs))

    def findings(key: str) -> tuple[Any, ...]:
        items = _list(obj[key], f"$.{key}")
        return tuple(_finding(f, f"$.{key}[{i}]") for i, f in enumerate(items))

    steps = _list(obj["recommendation"], "$.recommendation")
    return _build(lambda: ScheduleChangePlan(
        now=_instant(obj["now"], "$.now"),
        restriction=restriction,
        reference_run_id=_opt_str(obj["reference_run_id"], "$.reference_run_id"),
        next_runs=infos,
        upcoming=_opt_info(obj["upcoming"], "$.upcoming"),
        stopped=_enum(CatchupStop, obj["stopped"], "$.stopped"),
        uncovered=findings("uncovered"),
        overlaps=findings("overlaps"),
        collisions=findings("collisions"),
        off_schedule=findings("off_schedule"),
        recommendation=tuple(_step(s, f"$.recommendation[{i}]") for i, s in enumerate(steps)),
        _run_ids=ids,
    ), "$")


DOCUMENT_KINDS: dict[str, Callable[[Any], Any]] = {
    "backfill": _backfill,
    "catchup": _catchup,
    "changeset": _changeset,
    "clear": _clear_plan,
    "clear_recursive": _recursive,
    "depends_on_past": _depends_on_past,
    "gaps": _gaps,
    "latest_only": _latest_only,
    "manual_run": _manual_run,
    "mark": _mark,
    "mark_run": _mark_run,
    "schedule_change": _schedule_change,
}


def read_document(data: Any) -> Any:
    """The plan or decision a document describes (the inverse of its ``to_dict()``).

    Raises:
        InvalidSerializedFormError: not a document of a known kind, or a key of the wrong
            shape (the message names its JSON path, e.g. ``$.entries[2].run_after``).
    """
    if not isinstance(data, dict):
        raise _fail("$", data, "expected a JSON object")
    kind = data.get("kind")
    reader = DOCUMENT_KINDS.get(kind) if isinstance(kind, str) else None
    if reader is None:
        raise _fail("$.kind", kind, f"expected one of {', '.join(sorted(DOCUMENT_KINDS))}")
    try:
        return reader(data)
    except InvalidSerializedFormError:
        raise
    except TimetableError as err:
        raise _fail("$", "…", str(err)) from err

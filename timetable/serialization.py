"""Versioned, JSON-safe ``to_dict`` / ``from_dict`` for every value type of the library.

The format (documented on the *Serialization format* reference page):

* a top-level object carries ``"type"`` (the public class name, e.g. ``"CronTrigger"``)
  and ``"version"`` (currently ``1``), then one key per field (constructor names);
* datetimes are ISO-8601 strings with their offset (``"2024-01-01T00:00:00+00:00"``);
* durations are ``{"seconds": N}`` or ``{"relativedelta": {"months": 1, ...}}``;
* enums are their Airflow strings (``"success"``), collections are lists, nested values
  are plain objects (their type follows from the field; no ``"type"`` key needed);
* ``conf`` objects are carried through untouched.

Reading validates exactly like the constructors do, so a malformed document fails with
the same typed errors, plus `InvalidSerializedFormError` for
shape problems, naming the field.

>>> from timetable import CronTrigger
>>> data = to_dict(CronTrigger(cron="@daily", timezone="Europe/Berlin"))
>>> data["type"], data["cron"], data["interval"]
('CronTrigger', '0 0 * * *', {'seconds': 0})
>>> from_dict(data) == CronTrigger(cron="@daily", timezone="Europe/Berlin")
True
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from ._delta import delta_from_dict, delta_to_dict, is_relativedelta
from .errors import (
    InvalidArgumentError,
    InvalidSerializedFormError,
    TimetableError,
    UnknownKindError,
    WrongTypeError,
)

__all__ = ["FORMAT_VERSION", "from_dict", "register_kind", "registered_types", "to_dict"]

#: The version written by `to_dict()`; `from_dict()` reads versions up to it.
FORMAT_VERSION = 1


# User-defined timetable kinds, by name (see register_kind).  The only registry of the
# library: filled by the host at import time, read by to_dict / from_dict.
_KINDS: dict[str, type] = {}


def registered_types() -> dict[str, type]:
    """Every class `to_dict()` / `from_dict()` handle, by public name (custom kinds too)."""
    import timetable

    out: dict[str, type] = {}
    for name in timetable.__all__:
        obj = getattr(timetable, name, None)
        if isinstance(obj, type) and attrs.has(obj):
            out[name] = obj
    out.update(_KINDS)
    return out


def register_kind(cls: type, *, name: str | None = None) -> type:
    """Let a user-defined timetable class round-trip through `to_dict` / `from_dict`.

    The class must satisfy [`TimetableProtocol`][timetable.TimetableProtocol] and be an
    attrs class (its init fields are written like ours), or provide ``_to_dict(self)``
    and a classmethod ``_from_dict(data)``.  It is written as ``"type": name`` (default:
    ``"module.QualName"``, so it never collides with a built-in kind).  Returns *cls*, so
    it works as a class decorator.  Reading a document whose dotted ``type`` nobody
    registered raises [`UnknownKindError`][timetable.errors.UnknownKindError].

    Raises:
        WrongTypeError: *cls* is not a class, is not a timetable, or cannot be serialized.
        InvalidArgumentError: *name* is a built-in name or is taken by another class.

    >>> import attrs
    >>> from timetable import CronTrigger
    >>> @register_kind
    ... @attrs.frozen(kw_only=True)
    ... class EveryDayAtNine:
    ...     periodic = True
    ...     summary = "09:00"
    ...     def next_run_info(self, *, last_interval, restriction, now):
    ...         return CronTrigger(cron="0 9 * * *").next_run_info(
    ...             last_interval=last_interval, restriction=restriction, now=now)
    ...     def infer_manual_interval(self, *, run_after):
    ...         return CronTrigger(cron="0 9 * * *").infer_manual_interval(run_after=run_after)
    >>> data = to_dict(EveryDayAtNine())
    >>> data["type"].endswith("EveryDayAtNine"), from_dict(data) == EveryDayAtNine()
    (True, True)
    """
    if not isinstance(cls, type):
        raise WrongTypeError.for_value("cls", cls, "expected a class")
    missing = [
        m for m in ("next_run_info", "infer_manual_interval", "periodic", "summary")
        if not hasattr(cls, m)
    ]
    if missing:
        raise WrongTypeError.for_value(
            "cls", cls, f"not a timetable: missing {', '.join(missing)} (see TimetableProtocol)"
        )
    if not attrs.has(cls) and not (hasattr(cls, "_to_dict") and hasattr(cls, "_from_dict")):
        raise WrongTypeError.for_value(
            "cls", cls, "expected an attrs class, or _to_dict / _from_dict methods"
        )
    key = name if name is not None else f"{cls.__module__}.{cls.__qualname__}"
    import timetable

    if not isinstance(key, str) or not key or key in timetable.__all__:
        raise InvalidArgumentError.for_value("name", key, "is a built-in name; pick another")
    if _KINDS.get(key, cls) is not cls:
        raise InvalidArgumentError.for_value(
            "name", key, f"is already registered for {_KINDS[key]!r}"
        )
    _KINDS[key] = cls
    return cls


def _kind_name(cls: type) -> str | None:
    for key, known in _KINDS.items():
        if known is cls:
            return key
    return None


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta) or is_relativedelta(value):
        return delta_to_dict(value)
    if attrs.has(type(value)):
        return _fields(value)
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, frozenset | set):
        items = [_encode(v) for v in value]
        return sorted(items, key=repr)
    if isinstance(value, Mapping):  # dicts, and the read-only views frozen values hold
        return {str(k): _encode(v) for k, v in value.items()}
    raise WrongTypeError.for_value("value", value, "cannot be serialized")


def _fields(obj: Any) -> dict[str, Any]:
    custom = getattr(obj, "_to_dict", None)
    if callable(custom):
        return dict(custom())
    out: dict[str, Any] = {}
    for f in attrs.fields(type(obj)):
        if not f.init:
            continue
        value = getattr(obj, f.name)
        if f.metadata.get("omit_default") and value == f.default:
            continue  # e.g. calendar=None: the form written before calendars existed
        out[f.alias or f.name] = _encode(value)
    return out


def _is_document(obj: Any) -> bool:
    """Plans and decisions write their own documents (``{"version", "kind", …}``)."""
    return type(obj).__name__ in _DOCUMENT_TYPES


_DOCUMENT_TYPES = frozenset({
    "BackfillPlan", "CatchupPlan", "Changeset", "ClearPlan", "DependsOnPastVerdict",
    "GapReport", "LatestOnlyDecision", "ManualRun", "MarkPlan", "MarkRunPlan",
    "RecursiveClearPlan", "ScheduleChangePlan",
})  # fmt: skip


def to_dict(obj: Any) -> dict[str, Any]:
    """Serialize any value type, timetable, record, request or plan to JSON-safe data.

    Values (timetables, records, requests, graphs) are written as
    ``{"type": <class name>, "version": 1, "kind": "value", <fields>}``; plans and
    decisions as their own document (their ``to_dict()``: ``{"version": 1, "kind":
    "catchup", …}``).  Every document validates against its schema in
    [`timetable.schemas`][timetable.schemas].

    Raises:
        WrongTypeError: *obj* is not one of the library's types.
    """
    cls = type(obj)
    custom = _kind_name(cls)
    if custom is not None:
        return {"type": custom, "version": FORMAT_VERSION, **_fields(obj)}
    types = registered_types()
    if cls.__name__ not in types or types[cls.__name__] is not cls:
        raise WrongTypeError.for_value(
            "obj", obj, "expected a value of one of timetable's public types"
        )
    if _is_document(obj):
        document: dict[str, Any] = obj.to_dict()
        return document
    # A value whose own field is called ``kind`` (CatchupPolicy, ChangeFinding) keeps it:
    # ``"type"`` identifies values, so the field's value is read back as the field.
    return {"type": cls.__name__, "version": FORMAT_VERSION, "kind": "value", **_fields(obj)}


_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_MAPPING_RE = re.compile(r"^(?:Mapping|dict)\[\s*str\s*,\s*(.+)\]$")


def _decode(value: Any, type_text: str, field: str, types: dict[str, type]) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        inner = type_text
        m = re.search(r"(?:tuple|frozenset|list|set)\[([^,\]]+)", type_text)
        if m:
            inner = m.group(1)
        return tuple(_decode(v, inner, f"{field}[{i}]", types) for i, v in enumerate(value))
    if isinstance(value, str) and "datetime" in type_text and _ISO_RE.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError as err:
            raise InvalidSerializedFormError.for_value(field, value, "not an ISO-8601 datetime") from err
    if isinstance(value, dict):
        keyed = _MAPPING_RE.match(type_text.strip())
        if keyed and (
            "datetime" in keyed.group(1)
            or any(re.search(rf"\b{n}\b", keyed.group(1)) for n in types)
        ):  # {key: value of a known type}: each value read back as that type
            inner = keyed.group(1)
            return {k: _decode(v, inner, f"{field}.{k}", types) for k, v in value.items()}
        if ("Delta" in type_text or "timedelta" in type_text) and (
            set(value) == {"seconds"} or set(value) == {"relativedelta"}
        ):
            return delta_from_dict(value, field)
        names = [n for n in types if re.search(rf"\b{n}\b", type_text)]
        if len(names) == 1:
            return _build(types[names[0]], value, field, types)
        if "type" in value and isinstance(value["type"], str) and value["type"] in types:
            return _build(types[value["type"]], value, field, types)
    return value


def _build(cls: type, data: dict[str, Any], where: str, types: dict[str, type]) -> Any:
    custom = getattr(cls, "_from_dict", None)
    if callable(custom):
        return custom(data)
    fields = {f.alias or f.name: f for f in attrs.fields(cls) if f.init}
    unknown = set(data) - set(fields) - {"type", "version", "kind"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidSerializedFormError.for_value(
            f"{where}.{name}" if where else name,
            data[name],
            f"unknown field for {cls.__name__} (known: {', '.join(sorted(fields))})",
        )
    kwargs = {}
    for key, f in fields.items():
        if key in data:
            type_text = f.type if isinstance(f.type, str) else repr(f.type)
            kwargs[key] = _decode(data[key], type_text, f"{where}.{key}" if where else key, types)
    try:
        return cls(**kwargs)
    except TimetableError:
        raise
    except TypeError as err:
        raise InvalidSerializedFormError.for_value(
            where or cls.__name__, data, f"cannot build {cls.__name__}: {err}"
        ) from err


def from_dict(data: Any) -> Any:
    """Rebuild a value written by `to_dict()` (validating it like the constructor).

    Plan and decision documents (a ``"kind"`` other than ``"value"``) are read by their
    own schema, exactly: ``from_dict(plan.to_dict()) == plan``.

    Raises:
        InvalidSerializedFormError: not an object, unknown ``type``, a newer ``version``,
            or a field of the wrong shape (named in the message).
        TimetableError: the subclass the constructor raises for a bad value.
    """
    if not isinstance(data, dict):
        raise InvalidSerializedFormError.for_value("data", data, "expected a JSON object")
    kind = data.get("kind")
    if "type" not in data and isinstance(kind, str) and kind != "value":
        from ._documents import read_document

        return read_document(data)
    if kind not in (None, "value") and "type" not in data:
        raise InvalidSerializedFormError.for_value("kind", kind, "expected 'value'")
    types = registered_types()
    name = data.get("type")
    if isinstance(name, str) and "." in name and name not in types:
        raise UnknownKindError.for_value(
            "type", name,
            "no timetable kind of this name is registered; call "
            "timetable.serialization.register_kind(YourClass) before reading it",
        )
    if not isinstance(name, str) or name not in types:
        raise InvalidSerializedFormError.for_value(
            "type", name, f"expected one of {', '.join(sorted(types))}"
        )
    version = data.get("version", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise InvalidSerializedFormError.for_value(
            "version", version, f"expected an integer from 1 to {FORMAT_VERSION}"
        )
    return _build(types[name], data, "", types)

"""attrs field validators shared by every value type (one message shape everywhere)."""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

import attrs

from ._tz import check_aware
from .errors import InvalidArgumentError, WrongTypeError

__all__ = [
    "aware",
    "aware_arg",
    "aware_or_none",
    "aware_or_none_arg",
    "bool_arg",
    "checked",
    "enum_items_arg",
    "enum_member",
    "enum_missing",
    "instance_arg",
    "indent_arg",
    "int_arg",
    "is_bool",
    "items_arg",
    "max_lines_arg",
    "nonempty_str",
    "short_value",
    "str_arg",
    "str_items_arg",
    "str_or_items_arg",
    "str_or_none_arg",
]

_E = TypeVar("_E", bound=enum.Enum)


def aware(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """The field must be an aware datetime."""
    check_aware(value, attribute.name)


def aware_or_none(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """The field must be an aware datetime or ``None``."""
    if value is not None:
        check_aware(value, attribute.name)


def is_bool(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """The field must be ``True`` or ``False`` (not merely truthy)."""
    if not isinstance(value, bool):
        raise WrongTypeError.for_value(attribute.name, value, "expected True or False")


def nonempty_str(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """The field must be a non-empty string."""
    if not isinstance(value, str) or not value:
        raise WrongTypeError.for_value(attribute.name, value, "expected a non-empty string")


# -- arguments of public functions and methods ---------------------------------------------
#
# ``@checked(name=check, ...)`` runs each *check* on the named argument before the body
# runs.  A check is ``check(argument_name, value) -> value`` and raises a typed
# ``TimetableError`` naming the argument; what it returns replaces the argument (so a check
# may normalize, e.g. an iterable into a tuple).  Omitted arguments keep their defaults
# unchecked.  The same checks serve attrs-free code paths directly.

Check = Callable[[str, Any], Any]
_P = ParamSpec("_P")
_R = TypeVar("_R")


def checked(**checks: Check) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Validate the named arguments of a public function or method before it runs."""

    def decorate(fn: Callable[_P, _R]) -> Callable[_P, _R]:
        params = list(inspect.signature(fn).parameters.values())
        names = {p.name for p in params}
        unknown = set(checks) - names
        if unknown:  # pragma: no cover - a typo in a decorator
            raise AssertionError(f"{fn.__qualname__}: no parameter {sorted(unknown)}")
        positions = {
            p.name: i
            for i, p in enumerate(params)
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        }
        by_position = tuple((positions[n], n, c) for n, c in checks.items() if n in positions)
        by_keyword = tuple(checks.items())

        @functools.wraps(fn)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            if by_position and args:
                new = list(args)
                for i, name, check in by_position:
                    if i < len(new):
                        new[i] = check(name, new[i])
                args = tuple(new)  # type: ignore[assignment]
            for name, check in by_keyword:
                if name in kwargs:
                    kwargs[name] = check(name, kwargs[name])
            return fn(*args, **kwargs)

        return wrapper

    return decorate


def aware_arg(argument: str, value: Any) -> datetime:
    """An aware datetime (whose instant fits in UTC)."""
    return check_aware(value, argument)


def aware_or_none_arg(argument: str, value: Any) -> datetime | None:
    """An aware datetime or ``None``."""
    return None if value is None else check_aware(value, argument)


def bool_arg(argument: str, value: Any) -> bool:
    """``True`` or ``False`` (not merely truthy)."""
    if not isinstance(value, bool):
        raise WrongTypeError.for_value(argument, value, "expected True or False")
    return value


def str_arg(argument: str, value: Any) -> str:
    """A string (an id, a name)."""
    if not isinstance(value, str):
        raise WrongTypeError.for_value(argument, value, "expected a string")
    return value


def str_or_none_arg(argument: str, value: Any) -> str | None:
    """A string or ``None``."""
    return None if value is None else str_arg(argument, value)


def int_arg(*, lo: int | None = None, hi: int | None = None, none: bool = False) -> Check:
    """An ``int`` (never a bool) within ``[lo, hi]``; ``none=True`` also admits ``None``."""

    def check(argument: str, value: Any) -> Any:
        if value is None and none:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise WrongTypeError.for_value(
                argument, value, "expected an int or None" if none else "expected an int"
            )
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            raise InvalidArgumentError.for_value(argument, value, f"expected an int {bounds}")
        return value

    return check


def instance_arg(kind: type | tuple[type, ...], expected: str, *, none: bool = False) -> Check:
    """An instance of *kind* (``expected`` words the message); ``none=True`` admits ``None``."""

    def check(argument: str, value: Any) -> Any:
        if (value is None and none) or isinstance(value, kind):
            return value
        raise WrongTypeError.for_value(argument, value, f"expected {expected}")

    return check


def items_arg(argument: str, value: Any) -> tuple[Any, ...]:
    """Any iterable except a string, read once into a tuple (a mapping gives its keys)."""
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Iterable):
        raise WrongTypeError.for_value(argument, short_value(value), "expected a list or tuple")
    try:
        return tuple(value)
    except TypeError as err:  # an iterable whose iterator fails
        raise WrongTypeError.for_value(argument, short_value(value), "expected a list or tuple") from err


def str_items_arg(argument: str, value: Any) -> tuple[str, ...]:
    """A collection of strings (a single string is refused: it is not a collection of ids)."""
    items = items_arg(argument, value)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise WrongTypeError.for_value(f"{argument}[{i}]", item, "expected a string")
    return items


def str_or_items_arg(argument: str, value: Any) -> tuple[str, ...]:
    """One string or a collection of strings (e.g. task ids)."""
    if isinstance(value, str):
        return (value,)
    return str_items_arg(argument, value)


def enum_items_arg(kind: type[enum.Enum], *, none: bool = False) -> Check:
    """A collection of members of *kind* (or their values); ``none=True`` admits ``None``."""

    def check(argument: str, value: Any) -> Any:
        if value is None and none:
            return None
        out = []
        for i, item in enumerate(items_arg(argument, value)):
            out.append(enum_member(kind, item, f"{argument}[{i}]"))
        return tuple(out)

    return check


def enum_member(kind: type[_E], value: Any, argument: str) -> _E:
    """The member of *kind* named by *value* (a member or its value), or a typed error."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    allowed = ", ".join(repr(m.value) for m in kind)
    raise InvalidArgumentError.for_value(argument, value, f"expected one of {allowed}")


def enum_missing(kind: type[enum.Enum], value: object) -> enum.Enum:
    """``_missing_`` for our enums: an unknown value is a typed error naming the enum."""
    argument = "".join(f"_{c.lower()}" if c.isupper() else c for c in kind.__name__).lstrip("_")
    allowed = ", ".join(repr(m.value) for m in kind)
    raise InvalidArgumentError.for_value(argument, value, f"expected one of {allowed}")


def short_value(value: Any) -> Any:
    """*value*, or a short stand-in when its repr would be huge."""
    try:
        text = repr(value)
    except Exception:
        return f"<{type(value).__name__}>"
    return value if len(text) <= 200 else _Elided(f"{text[:80]}…<{len(text)} characters>")


class _Elided(str):
    def __repr__(self) -> str:
        return str(self)


#: ``indent=`` of every ``to_json``: ``None`` (one line) or 0 to 16 spaces.
indent_arg = int_arg(lo=0, hi=16, none=True)

#: ``max_lines=`` of every ``to_text``: how many entries to show.
max_lines_arg = int_arg(lo=0)

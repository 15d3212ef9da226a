"""attrs field validators shared by every value type (one message shape everywhere)."""

from __future__ import annotations

from typing import Any

import attrs

from ._tz import check_aware
from .errors import WrongTypeError

__all__ = ["aware", "aware_or_none", "is_bool", "nonempty_str"]


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

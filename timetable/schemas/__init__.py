"""JSON Schemas of every document the library writes, shipped in the package.

Every ``to_dict()`` (plans, decisions, the changeset) and every
[`serialization.to_dict`][timetable.serialization.to_dict] value is a JSON object with ``"version"`` and
``"kind"``; this module holds one JSON Schema (draft 2020-12) per kind, as files
``timetable/schemas/<kind>.schema.json``.  The encodings are the same everywhere: a data
interval (or a window) is ``{"start", "end"}``, a datetime is ISO-8601 text with its
offset, a duration is ``{"seconds": N}`` (or ``{"relativedelta": {…}}`` for calendar
steps).

>>> from timetable import schemas
>>> "changeset" in schemas.kinds()
True
>>> schemas.schema("changeset")["properties"]["kind"]
{'const': 'changeset'}

[`validate`][timetable.schemas.validate] checks a document against its kind's schema; it needs the
``jsonschema`` package (in the ``test`` extra).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from timetable.errors import InvalidSerializedFormError

__all__ = ["kinds", "schema", "validate"]


@cache
def _load(kind: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(f"{kind}.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def kinds() -> tuple[str, ...]:
    """Every document kind a schema ships for, sorted."""
    names = [
        entry.name.removesuffix(".schema.json")
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".schema.json")
    ]
    return tuple(sorted(names))


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of documents of *kind* (a fresh copy).

    Raises:
        InvalidSerializedFormError: no schema ships for *kind*.
    """
    if not isinstance(kind, str) or kind not in kinds():
        raise InvalidSerializedFormError.for_value(
            "kind", kind, f"expected one of {', '.join(kinds())}"
        )
    copy: dict[str, Any] = json.loads(json.dumps(_load(kind)))
    return copy


def validate(document: Any, *, kind: str | None = None) -> None:
    """Check *document* against the schema of its ``"kind"`` (or of *kind*).

    Args:
        document: a JSON object (as ``to_dict()`` / ``json.loads`` give it).
        kind: the kind to check against; default: ``document["kind"]``.

    Raises:
        InvalidSerializedFormError: the document breaks the schema; the message names
            the JSON path (``$.entries[0].data_interval``) and the rule.
        ModuleNotFoundError: ``jsonschema`` is not installed.
    """
    import jsonschema  # type: ignore[import-untyped]

    if kind is None and isinstance(document, dict) and "type" in document:
        kind = "value"  # serialization.to_dict values are identified by "type"
    if kind is None:
        if not isinstance(document, dict) or not isinstance(document.get("kind"), str):
            raise InvalidSerializedFormError.for_value(
                "$.kind", None if not isinstance(document, dict) else document.get("kind"),
                "expected a JSON object with a string 'kind'",
            )
        kind = document["kind"]
    checker = jsonschema.Draft202012Validator(_load(_checked(kind)))
    errors = sorted(checker.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path
        )
        raise InvalidSerializedFormError(
            f"{path}: {first.message} (schema {kind!r})", argument=path
        )


def _checked(kind: str) -> str:
    schema(kind)  # raises for an unknown kind
    return kind

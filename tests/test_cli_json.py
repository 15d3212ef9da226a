"""Every ``--json`` document of the command line against the shipped JSON schemas."""

from __future__ import annotations

import importlib
import io
import json
from typing import Any

import pytest

from timetable.cli import main
from timetable.cli.registry import examples

# kinds the CLI itself writes (beside the library's plans); validated when a schema exists
CLI_KINDS = {"next", "run_info", "manual_interval", "description", "validation", "from_airflow",
             "clear_dags"}


def _schemas() -> Any:
    try:
        return importlib.import_module("timetable.schemas")
    except ImportError:
        pytest.skip("timetable/schemas/ has not landed yet")


def _documents(command: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    argv = [command, "clear", "--json"] if command == "example" else [command, "--example", "--json"]
    assert main(argv, out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


COMMANDS = sorted(c for c in examples() if c != "example")


def _intervals(value: Any) -> list[Any]:
    """Every value under a ``data_interval`` key, at any depth."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "data_interval":
                found.append(item)
            found += _intervals(item)
    elif isinstance(value, list):
        for item in value:
            found += _intervals(item)
    return found


@pytest.mark.parametrize("command", COMMANDS)
def test_every_json_document_carries_version_and_kind(command: str) -> None:
    docs = _documents(command)
    assert docs
    for doc in docs:
        assert isinstance(doc["kind"], str)
        if doc["kind"] not in CLI_KINDS:
            continue  # a library plan's to_dict(): its own tests and the schemas cover it
        assert doc["version"] == 1
        own = {k: v for k, v in doc.items() if k != "catchup_plan"}
        for iv in _intervals(own):
            assert iv is None or set(iv) == {"start", "end"}, iv


@pytest.mark.parametrize("command", COMMANDS)
def test_every_json_document_validates_against_the_schemas(command: str) -> None:
    docs = _documents(command)
    schemas = _schemas()
    validate = getattr(schemas, "validate", None) or getattr(schemas, "validate_document")
    for doc in docs:
        assert _has_schema(schemas, doc["kind"]), f"no schema ships for kind {doc['kind']!r}"
        validate(doc)


def _has_schema(schemas: Any, kind: str) -> bool:
    kinds = getattr(schemas, "kinds", None)
    return kind in (kinds() if callable(kinds) else ())

"""The public surface: curated names, documented, immutable values, a real version."""

from __future__ import annotations
import __future__

import ast
import inspect
import subprocess
import sys
import types
from datetime import UTC, datetime, timedelta
from importlib.metadata import version

import attrs
import pytest

import timetable as tt

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _public_names() -> set[str]:
    """Names a user can reach as ``timetable.X`` that are not modules or private."""
    names = dir(tt)  # the package loads its names lazily: dir() lists them all
    return {
        name
        for name, value in ((name, getattr(tt, name)) for name in names)
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and not isinstance(value, __future__._Feature)  # `from __future__ import annotations`
    }


def test_all_equals_the_public_names() -> None:
    """``__all__`` is exactly what the package exposes (plus ``__version__``)."""
    assert sorted(tt.__all__) == sorted(set(tt.__all__))
    assert set(tt.__all__) == _public_names() | {"__version__"}


def test_import_loads_no_engine_module() -> None:
    """``import timetable`` alone loads neither croniter, dateutil nor any planner module."""
    code = (
        "import sys, timetable; "
        "print(sorted(m for m in sys.modules if m.startswith(('croniter', 'dateutil', 'timetable.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['timetable._version', 'timetable.errors']"


def test_lazy_names_match_the_type_checking_imports() -> None:
    """The lazy name table and the static imports (what type checkers and docs see) agree."""
    tree = ast.parse(inspect.getsource(tt))
    static = {
        (node.module, alias.name)
        for block in tree.body
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    lazy = {(module, name) for module, names in tt._LAZY.items() for name in names}
    assert static == lazy
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = tt.no_such_name


@pytest.mark.parametrize("name", sorted(_public_names()))
def test_every_export_has_a_docstring(name: str) -> None:
    """Every exported class and function says what it is."""
    value = getattr(tt, name)
    if not (inspect.isclass(value) or callable(value)):
        pytest.skip(f"{name} is a value (e.g. a type alias)")
    doc = inspect.getdoc(value)
    assert doc, name
    assert doc.strip().splitlines()[0].strip(), name


def test_timetable_alias_is_documented() -> None:
    """The ``Timetable`` union names every built-in kind."""
    kinds = set(tt.Timetable.__args__)
    assert kinds == {
        tt.Never,
        tt.Once,
        tt.Continuous,
        tt.CronDataIntervals,
        tt.DeltaDataIntervals,
        tt.CronTrigger,
        tt.DeltaTrigger,
        tt.MultiCronTrigger,
        tt.Events,
    }


VALUES = [
    tt.DataInterval(start=T0, end=T0 + timedelta(days=1)),
    tt.TimeRestriction(earliest=T0, catchup=False),
    tt.RunInfo.exact(T0),
    tt.DstPolicy(gap="skip", fold="both"),
    tt.Never(),
    tt.Once(),
    tt.Continuous(),
    tt.CronDataIntervals(cron="@daily", timezone="Europe/Berlin"),
    tt.DeltaDataIntervals(delta=timedelta(hours=1)),
    tt.CronTrigger(cron="0 3 * * *", interval=timedelta(hours=1), run_immediately=True),
    tt.DeltaTrigger(delta=timedelta(days=1)),
    tt.MultiCronTrigger(crons=["@hourly", "30 * * * *"]),
    tt.Events(event_dates=[T0, T0 + timedelta(days=3)]),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_public_values_are_frozen_and_hashable(value: object) -> None:
    """Every public value type is an immutable attrs class, hashable and equal by value."""
    cls = type(value)
    assert attrs.has(cls)
    assert hash(value) == hash(attrs.evolve(value))  # type: ignore[misc]
    assert value == attrs.evolve(value)  # type: ignore[misc]
    fields = attrs.fields(cls)
    if fields:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(value, fields[0].name, getattr(value, fields[0].name))
    with pytest.raises((AttributeError, attrs.exceptions.FrozenInstanceError)):
        value.new_attribute = 1  # type: ignore[attr-defined]


def test_every_public_value_type_is_covered() -> None:
    """VALUES has one instance of every exported attrs class of the core."""
    exported = {getattr(tt, n) for n in tt.__all__ if inspect.isclass(getattr(tt, n, None))}
    core = {
        c
        for c in exported
        if attrs.has(c) and c.__module__ in ("timetable._types", "timetable._timetables")
    }
    assert core <= {type(v) for v in VALUES}


def test_version_matches_installed_metadata() -> None:
    """``timetable.__version__`` is the installed distribution's version."""
    assert tt.__version__ == version("timetable-planning")
    assert tt.__version__.count(".") >= 2

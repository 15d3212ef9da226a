"""Every ``>>>`` example in the package's docstrings runs and shows its real output."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import timetable

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(timetable.__path__, "timetable.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

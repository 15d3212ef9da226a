"""The reference reads well: no raw Sphinx roles, no citations of documents readers lack."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLE = re.compile(r":(func|class|meth|attr|data|mod|exc|obj):`")


def _sources() -> list[Path]:
    return sorted((ROOT / "timetable").rglob("*.py"))


def test_no_sphinx_roles_in_docstrings() -> None:
    found = [f"{p.relative_to(ROOT)}:{i}" for p in _sources()
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if ROLE.search(line)]
    assert found == [], "use mkdocstrings cross-references: [`name`][timetable.name]"


def test_no_citations_of_the_internal_semantics_document() -> None:
    found = [f"{p.relative_to(ROOT)}:{i}" for p in _sources()
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if "SEMANTICS" in line or "§" in line]
    assert found == []


def test_the_indexing_api_is_documented() -> None:
    api = (ROOT / "docs/reference/api.md").read_text(encoding="utf-8")
    for name in ("count_intervals", "nth_interval", "interval_containing", "iter_intervals"):
        assert f"::: timetable.{name}" in api


def test_the_license_ships() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license-files = ["LICENSE"]' in pyproject

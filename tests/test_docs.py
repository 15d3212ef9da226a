"""Every Python example in the docs (and the README) runs, and prints what it shows.

Convention: a fenced ``python`` block is a complete script; the expected output of each
``print`` is written right under it as ``#> ...`` comment lines.  Blocks whose fence says
``python skip`` (or ``py skip``) are not run.  Blocks on one page run in order, sharing a
namespace, so a page can build on an earlier block.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)


def _blocks(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [
        body
        for lang, meta, body in FENCE.findall(text)
        if lang in ("python", "py") and "skip" not in meta
    ]


def _expected(code: str) -> str:
    return "".join(
        line.strip()[3:] + "\n" if line.strip().startswith("#> ") else "\n"
        for line in code.splitlines()
        if line.strip().startswith("#>")
    )


def _run(code: str, namespace: dict[str, Any]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<docs>", "exec"), namespace)
    return out.getvalue()


@pytest.mark.parametrize(
    "page",
    [p for p in PAGES if _blocks(p)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_examples_run(page: Path) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for code in _blocks(page):
        got = _run(code, namespace)
        want = _expected(code)
        norm = lambda s: "\n".join(line.rstrip() for line in s.strip().splitlines())  # noqa: E731
        assert norm(got) == norm(want), f"{page.name}: output differs\n--- code ---\n{code}"


def test_there_are_examples() -> None:
    assert sum(len(_blocks(p)) for p in PAGES) >= 2

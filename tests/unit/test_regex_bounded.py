"""The bounded task-pattern matcher answers like ``re.search`` and refuses what it cannot bound."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timetable import (
    ClearRequest,
    RunHistory,
    RunRecord,
    TaskGraph,
    TaskInstanceRecord,
    TaskSpec,
    plan_clear,
)
from timetable._regex import MAX_PATTERN, UnsupportedPattern, compile_pattern
from timetable.errors import InvalidRequestError

_ATOMS = ["a", "b", "_", ".", r"\d", r"\w", r"\s", r"\W", r"\D", r"\S", "[ab]", "[^a]",
          "[a-c_]", r"\.", "x", "1", " ", "é", r"\b", r"\B", "^", "$", r"\A", r"\Z",
          r"[\d_]", "[-a]", "[a-]", "[]a]", r"\x61", r"\n", "{}"]
_ANCHORS = {"^", "$", r"\A", r"\Z", r"\b", r"\B"}
_QUANTS = ["", "", "*", "+", "?", "{2}", "{1,3}", "{0,}", "{,2}", "{,}", "*?", "+?", "??"]


@st.composite
def patterns(draw: st.DrawFn, depth: int = 0) -> str:
    out = ""
    for _ in range(draw(st.integers(0, 4))):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            opener = draw(st.sampled_from(["(", "(?:", "(?P<g>"]))
            inner = draw(patterns(depth + 1))
            other = draw(patterns(depth + 1))
            atom = opener + inner + ("|" + other if draw(st.booleans()) else "") + ")"
        else:
            atom = draw(st.sampled_from(_ATOMS))
        if atom not in _ANCHORS:
            atom += draw(st.sampled_from(_QUANTS))
        out += atom
    if draw(st.booleans()):
        out += "|" + draw(st.sampled_from(_ATOMS))
    return out


@settings(max_examples=400, deadline=None)
@given(patterns(), st.text(alphabet="ab_x1 é.\n-]{}", max_size=8))
def test_same_answer_as_re_search(pattern: str, text: str) -> None:
    try:
        expected = re.compile(pattern).search(text) is not None
    except re.error:
        return
    assert compile_pattern(pattern)(text) is expected


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("(a+)+$", "a" * 40 + "b", False),  # exponential for re
        ("(a+)+$", "a" * 40, True),
        ("a*" * 8 + "c", "a" * 200, False),  # a high power of the length for re
        ("(a|aa)*b", "a" * 60, False),
        ("(x+x+)+y", "x" * 50, False),
        (r"^(ex|tr)", "extract", True),
        (r"^(ex|tr)", "load", False),
        (r"load$", "load\n", True),
        (r"\bload\b", "x_load", False),
        (r"(ab){3}", "ababab", True),
        (r"(ab){3}", "abab", False),
    ],
)
def test_table(pattern: str, text: str, expected: bool) -> None:
    assert compile_pattern(pattern)(text) is expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"(a)\1", r"the escape \1 (at position 3) is not supported"),
        ("(?=a)", "a '(?' group other than (?:…) or (?P<name>…) (at position 2) is not supported"),
        ("(?<!a)b", "a '(?' group"),
        ("(?i)a", "a '(?' group"),
        ("(?>a)", "a '(?' group"),
        ("a++", "a possessive quantifier (at position 2) is not supported"),
        (r"\0123", "an octal escape"),
        ("(ab){3000}", "the pattern expands to more than 5000 instructions"),
        ("a{99999}", "a repetition count over 5000 is not supported"),
        ("a" * (MAX_PATTERN + 1), "a pattern longer than 1000 characters is not supported"),
    ],
)
def test_refused(pattern: str, message: str) -> None:
    with pytest.raises(UnsupportedPattern) as info:
        compile_pattern(pattern)
    assert str(info.value).startswith(message)


def test_syntax_errors_stay_re_errors() -> None:
    with pytest.raises(re.error):
        compile_pattern("(a")


def _history(graph: TaskGraph) -> RunHistory:
    day = datetime(2024, 1, 1, tzinfo=UTC)
    run = RunRecord(run_id="r", run_type="manual", logical_date=day, data_interval=None,
                    run_after=day, state="failed")
    tis = [TaskInstanceRecord(run_id="r", task_id=t, state="failed", try_number=1)
           for t in graph.task_ids]
    return RunHistory(runs=[run], task_instances=tis)


def test_clear_request_with_a_catastrophic_regex_answers() -> None:
    # The reproducer: re would backtrack for ~2**40 steps on the first id.
    graph = TaskGraph(tasks=[TaskSpec(task_id="a" * 40 + "b"), TaskSpec(task_id="a" * 40)])
    request = ClearRequest(task_pattern="(a+)+$", pattern_syntax="regex")
    plan = plan_clear(graph, request, history=_history(graph))
    assert plan.selected == (("r", "a" * 40, -1),)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"(a)\1", r"task_pattern='(a)\\1': the escape \1 (at position 3) is not supported by "
                   "the bounded matcher"),
        ("(", "task_pattern='(': not a valid regular expression (missing ), unterminated "
              "subpattern at position 0)"),
    ],
)
def test_clear_request_refuses(pattern: str, message: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        ClearRequest(task_pattern=pattern, pattern_syntax="regex")
    assert info.value.argument == "task_pattern"
    assert str(info.value) == message


def test_a_huge_pattern_is_shown_short() -> None:
    with pytest.raises(InvalidRequestError) as info:
        ClearRequest(task_pattern="a" * 100_000, pattern_syntax="regex")
    assert len(str(info.value)) < 300

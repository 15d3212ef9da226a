"""TaskSpec / TaskGraph: validation, closures, setup/teardown rules, subsets."""

from __future__ import annotations

import pytest

from timetable._graph import TaskGraph, TaskSpec
from timetable.errors import (
    CyclicGraphError,
    InvalidArgumentError,
    UnknownTaskError,
    WrongTypeError,
)


def g(*specs: TaskSpec) -> TaskGraph:
    return TaskGraph(tasks=specs)


def T(task_id: str, *upstream: str, **kw: bool) -> TaskSpec:
    return TaskSpec(task_id=task_id, upstream=upstream, **kw)


def test_upstream_is_a_frozenset_and_a_string_is_refused() -> None:
    assert T("b", "a").upstream == frozenset({"a"})
    with pytest.raises(WrongTypeError, match="upstream='ab'"):
        TaskSpec(task_id="b", upstream="ab")


def test_wait_for_downstream_implies_depends_on_past() -> None:
    assert TaskSpec(task_id="a", wait_for_downstream=True).depends_on_past is True


def test_setup_and_teardown_at_once_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="both a setup and a teardown"):
        TaskSpec(task_id="a", is_setup=True, is_teardown=True)


def test_duplicate_ids() -> None:
    with pytest.raises(InvalidArgumentError, match="tasks='a': duplicate task id"):
        g(T("a"), T("a"))


def test_unknown_upstream() -> None:
    with pytest.raises(UnknownTaskError, match="upstream='x' of task_id='a'"):
        g(T("a", "x"))


def test_cycle_message_shows_the_cycle() -> None:
    with pytest.raises(CyclicGraphError, match="a → b → c → a"):
        g(T("a", "c"), T("b", "a"), T("c", "b"), T("d", "c"))
    with pytest.raises(CyclicGraphError, match="a → a"):
        T("a", "a")


def test_topological_order_is_deterministic() -> None:
    graph = g(T("c", "a"), T("b"), T("a"))
    # Ties are broken by task id, so the order never depends on the input order.
    assert graph.topological_order == ("a", "b", "c")
    assert g(T("b"), T("a"), T("c", "a")).topological_order == ("a", "b", "c")
    assert graph.task_ids == ("c", "b", "a")


def test_closures() -> None:
    graph = g(T("a"), T("b", "a"), T("c", "b"), T("d", "a"), T("e"))
    assert graph.descendants("a") == {"b", "c", "d"}
    assert graph.ancestors(["c"]) == {"a", "b"}
    assert graph.descendants(["b", "d"]) == {"c"}
    assert graph.direct_downstream("a") == ("b", "d")
    with pytest.raises(UnknownTaskError, match="task_ids='zz'"):
        graph.descendants(["zz"])


SETUP = g(
    T("setup", is_setup=True),
    T("work", "setup"),
    T("teardown", "setup", "work", is_teardown=True),
    T("after", "teardown"),
    T("other"),
)


def test_clearing_work_drags_its_setup_and_teardown() -> None:
    assert SETUP.subset(["work"]) == {"setup", "work", "teardown"}
    assert SETUP.explain_subset(["work"]) == {
        "setup": "setup of work",
        "work": "requested",
        "teardown": "teardown of setup",
    }


def test_a_setup_drags_its_teardowns_unless_downstream() -> None:
    assert SETUP.subset(["setup"]) == {"setup", "teardown"}
    assert SETUP.subset(["setup"], downstream=True) == {"setup", "work", "teardown", "after"}


def test_upstream_follows_setups_to_their_teardowns() -> None:
    assert SETUP.subset(["after"], upstream=True) == {"setup", "work", "teardown", "after"}


def test_setup_with_teardown_not_downstream_is_not_relevant() -> None:
    graph = g(
        T("s", is_setup=True),
        T("w1", "s"),
        T("w2", "s"),
        T("td", "s", "w1", is_teardown=True),
    )
    # td is not downstream of w2, so s is not a relevant setup of w2
    assert graph.setups_and_teardowns_for("w2") == frozenset()
    assert graph.setups_and_teardowns_for("w1") == {"s", "td"}


def test_setup_without_teardown_is_always_relevant() -> None:
    graph = g(T("s", is_setup=True), T("w", "s"))
    assert graph.subset(["w"]) == {"s", "w"}


def test_downstream_reasons_name_the_first_requested_task() -> None:
    graph = g(T("a"), T("b"), T("c", "a", "b"))
    assert graph.explain_subset(["b", "a"], downstream=True)["c"] == "downstream of a"

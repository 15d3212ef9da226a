"""Task graphs: validation, transitive closures and Airflow's setup/teardown rules.

Theory of operation
-------------------
A [`TaskGraph`][timetable.TaskGraph] is a validated DAG of [`TaskSpec`][timetable.TaskSpec] values.  It is checked
once, when built (duplicate ids, unknown upstream ids, cycles), and then answers graph
questions without ever looking at run history:

* **closures** -- the transitive upstream (ancestors) and downstream (descendants) of a
  set of tasks, by one breadth-first walk over the adjacency lists built at
  construction, so a closure costs what it contains (``O(V + E)`` at worst), never
  ``tasks x tasks``;
* **setup/teardown rules** -- Airflow clears a task's *relevant* setups with it (and
  those setups' teardowns).  A setup upstream of task ``t`` is relevant when it has no
  teardown at all, or when one of its teardowns is downstream of ``t``;
* **subsets** -- [`TaskGraph.subset()`][timetable.TaskGraph.subset] reproduces the selection Airflow's
  ``partial_subset`` makes from some tasks plus the "upstream" / "downstream" flags,
  and [`TaskGraph.explain_subset()`][timetable.TaskGraph.explain_subset] says *why* each task is in it.

Per-task closures of setups and teardowns are memoised on first use (the graph is
immutable, so a cache can never go stale); nothing else is cached.

Reasons are deterministic: requested tasks are visited in the graph's topological
order, and a task reached along several routes keeps the first reason found
("requested" before "upstream of X" before "downstream of X" before "setup of X").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ._validation import bool_arg, checked, str_or_items_arg
from ._validation import is_bool as _bool
from ._validation import nonempty_str as _nonempty_str
from .errors import CyclicGraphError, InvalidArgumentError, UnknownTaskError, WrongTypeError

__all__ = ["TaskGraph", "TaskSpec"]


def _task_ids(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        raise WrongTypeError.for_value(
            "upstream", value, "expected a collection of task ids, not a single string"
        )
    try:
        ids = frozenset(value)
    except TypeError:
        raise WrongTypeError.for_value(
            "upstream", value, "expected a collection of task ids"
        ) from None
    for item in ids:
        if not isinstance(item, str) or not item:
            raise WrongTypeError.for_value("upstream", item, "expected a non-empty task id string")
    return ids


def _retries(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidArgumentError.for_value("retries", value, "expected an int >= 0")


@attrs.frozen(kw_only=True)
class TaskSpec:
    """One task of a DAG, as far as scheduling and clearing care.

    ``wait_for_downstream=True`` implies ``depends_on_past=True`` (as in Airflow); the
    value is normalised when the spec is built.  A task cannot be both a setup and a
    teardown.

    Attributes:
        task_id: the task's id, unique within its graph.
        upstream: ids of the tasks it directly depends on (any iterable; stored as a
            frozenset).
        retries: how many times a failed try is retried.
        depends_on_past: the task waits for its previous instance to succeed.
        wait_for_downstream: the task also waits for the previous instance's direct
            downstream tasks.
        ignore_first_depends_on_past: ``depends_on_past`` is ignored for the first run.
        is_setup: the task is a setup task.
        is_teardown: the task is a teardown task.

    >>> TaskSpec(task_id="load", upstream=["extract"], retries=2).upstream
    frozenset({'extract'})
    """

    task_id: str = attrs.field(validator=_nonempty_str)
    upstream: frozenset[str] = attrs.field(default=frozenset(), converter=_task_ids)
    retries: int = attrs.field(default=0, validator=_retries)
    depends_on_past: bool = attrs.field(default=False, validator=_bool)
    wait_for_downstream: bool = attrs.field(default=False, validator=_bool)
    ignore_first_depends_on_past: bool = attrs.field(default=True, validator=_bool)
    is_setup: bool = attrs.field(default=False, validator=_bool)
    is_teardown: bool = attrs.field(default=False, validator=_bool)

    def __attrs_post_init__(self) -> None:
        if self.is_setup and self.is_teardown:
            raise InvalidArgumentError(
                f"task_id={self.task_id!r}: a task cannot be both a setup and a teardown",
                argument="is_teardown",
            )
        if self.task_id in self.upstream:
            raise CyclicGraphError(
                f"upstream of task_id={self.task_id!r} contains the task itself: "
                f"{self.task_id} → {self.task_id}",
                argument="upstream",
            )
        if self.wait_for_downstream and not self.depends_on_past:
            object.__setattr__(self, "depends_on_past", True)


def _specs(value: Any) -> tuple[TaskSpec, ...]:
    if isinstance(value, (str, bytes, Mapping)):
        raise WrongTypeError.for_value("tasks", value, "expected an iterable of TaskSpec")
    try:
        specs = tuple(value)
    except TypeError:
        raise WrongTypeError.for_value("tasks", value, "expected an iterable of TaskSpec") from None
    for spec in specs:
        if not isinstance(spec, TaskSpec):
            raise WrongTypeError.for_value("tasks", spec, "expected TaskSpec items")
    return specs


@attrs.frozen(kw_only=True)
class TaskGraph:
    """A validated DAG of tasks.

    Built from [`TaskSpec`][timetable.TaskSpec] values in any order; the order given is kept in
    `tasks`, and `topological_order` gives a deterministic topological
    order (ties broken by the order given).

    Attributes:
        tasks: the task specs, as given.

    Raises:
        InvalidArgumentError: two specs share a task id.
        UnknownTaskError: a spec names an upstream task that is not in the graph.
        CyclicGraphError: the edges form a cycle; the message shows it.

    >>> g = TaskGraph(tasks=[
    ...     TaskSpec(task_id="extract"),
    ...     TaskSpec(task_id="transform", upstream=["extract"]),
    ...     TaskSpec(task_id="load", upstream=["transform"]),
    ... ])
    >>> sorted(g.descendants(["extract"]))
    ['load', 'transform']
    >>> TaskGraph(tasks=[TaskSpec(task_id="a", upstream=["b"]),
    ...                  TaskSpec(task_id="b", upstream=["a"])])
    Traceback (most recent call last):
    ...
    timetable.errors.CyclicGraphError: tasks: the graph has a cycle: a → b → a
    """

    tasks: tuple[TaskSpec, ...] = attrs.field(converter=_specs)
    _index: dict[str, TaskSpec] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _down: dict[str, tuple[str, ...]] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _up: dict[str, tuple[str, ...]] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _order: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _rank: dict[str, int] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _cache: dict[Any, Any] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        index: dict[str, TaskSpec] = {}
        for spec in self.tasks:
            if spec.task_id in index:
                raise InvalidArgumentError.for_value(
                    "tasks", spec.task_id, "duplicate task id; task ids must be unique"
                )
            index[spec.task_id] = spec
        position = {tid: i for i, tid in enumerate(index)}
        down: dict[str, list[str]] = {tid: [] for tid in index}
        up_map: dict[str, tuple[str, ...]] = {}
        for spec in self.tasks:
            ups = tuple(spec.upstream)
            if len(ups) > 1:  # in the order the tasks were given
                ups = tuple(sorted(ups, key=lambda u: position.get(u, -1)))
            for up in ups:
                if up not in index:
                    raise UnknownTaskError(
                        f"upstream={up!r} of task_id={spec.task_id!r}: no task with this id "
                        "in the graph",
                        argument="upstream",
                    )
                down[up].append(spec.task_id)
            up_map[spec.task_id] = ups
        order = _topological(index, up_map, down)
        set_ = object.__setattr__
        set_(self, "_index", index)
        set_(self, "_down", {k: tuple(v) for k, v in down.items()})
        set_(self, "_up", up_map)
        set_(self, "_order", order)
        set_(self, "_rank", {tid: i for i, tid in enumerate(order)})
        set_(self, "_cache", {})

    # -- lookup ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.tasks)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._index

    def __iter__(self) -> Iterator[TaskSpec]:
        return iter(self.tasks)

    @property
    def task_ids(self) -> tuple[str, ...]:
        """Every task id, in the order given."""
        return tuple(self._index)

    @property
    def topological_order(self) -> tuple[str, ...]:
        """Every task id, upstream before downstream (ties keep the order given)."""
        return self._order

    def task(self, task_id: str) -> TaskSpec:
        """The spec of *task_id*.

        Raises:
            UnknownTaskError: no task has this id.
        """
        try:
            return self._index[task_id]
        except (KeyError, TypeError):
            raise _unknown("task_id", task_id, self) from None

    def rank(self, task_id: str) -> int:
        """The position of *task_id* in `topological_order`."""
        self.task(task_id)
        return self._rank[task_id]

    def direct_upstream(self, task_id: str) -> tuple[str, ...]:
        """The tasks *task_id* directly depends on, in the order given."""
        self.task(task_id)
        return self._up[task_id]

    def direct_downstream(self, task_id: str) -> tuple[str, ...]:
        """The tasks that directly depend on *task_id*, in the order given."""
        self.task(task_id)
        return self._down[task_id]

    # -- closures -------------------------------------------------------------------------
    def ancestors(self, task_ids: str | Iterable[str]) -> frozenset[str]:
        """Every task upstream of *task_ids*, at any depth (the tasks themselves excluded
        unless one is upstream of another).

        Raises:
            UnknownTaskError: a task id is not in the graph.
        """
        return frozenset(self._walk(self._check_ids(task_ids), self._up))

    def descendants(self, task_ids: str | Iterable[str]) -> frozenset[str]:
        """Every task downstream of *task_ids*, at any depth (the tasks themselves excluded
        unless one is downstream of another).

        Raises:
            UnknownTaskError: a task id is not in the graph.
        """
        return frozenset(self._walk(self._check_ids(task_ids), self._down))

    def teardowns_of(self, setup_id: str) -> tuple[str, ...]:
        """The teardown tasks directly downstream of *setup_id* (empty for other tasks)."""
        spec = self.task(setup_id)
        if not spec.is_setup:
            return ()
        return tuple(t for t in self._down[setup_id] if self._index[t].is_teardown)

    def setups_and_teardowns_for(self, task_id: str) -> frozenset[str]:
        """The setups Airflow clears together with *task_id*, and their teardowns.

        A setup upstream of the task is *relevant* when it has no teardown, or when one
        of its teardowns is downstream of the task; each relevant setup comes with all
        its teardowns (the task itself excluded).

        >>> g = TaskGraph(tasks=[
        ...     TaskSpec(task_id="create", is_setup=True),
        ...     TaskSpec(task_id="work", upstream=["create"]),
        ...     TaskSpec(task_id="delete", upstream=["create", "work"], is_teardown=True),
        ... ])
        >>> sorted(g.setups_and_teardowns_for("work"))
        ['create', 'delete']
        """
        self.task(task_id)
        return frozenset(self._relevant_st(task_id))

    # -- Airflow's partial_subset -----------------------------------------------------------
    @checked(upstream=bool_arg, downstream=bool_arg)
    def subset(
        self,
        task_ids: str | Iterable[str],
        *,
        upstream: bool = False,
        downstream: bool = False,
    ) -> frozenset[str]:
        """The tasks Airflow's ``partial_subset`` keeps for *task_ids* and the flags.

        Always the tasks themselves and their relevant setups/teardowns; with
        ``upstream``, every ancestor plus the teardowns of ancestor setups; with
        ``downstream``, every descendant plus each descendant's relevant
        setups/teardowns.

        Raises:
            UnknownTaskError: a task id is not in the graph.

        >>> g = TaskGraph(tasks=[TaskSpec(task_id="a"), TaskSpec(task_id="b", upstream=["a"]),
        ...                      TaskSpec(task_id="c", upstream=["b"])])
        >>> sorted(g.subset(["b"], downstream=True))
        ['b', 'c']
        """
        return frozenset(self.explain_subset(task_ids, upstream=upstream, downstream=downstream))

    @checked(upstream=bool_arg, downstream=bool_arg)
    def explain_subset(
        self,
        task_ids: str | Iterable[str],
        *,
        upstream: bool = False,
        downstream: bool = False,
    ) -> dict[str, str]:
        """`subset()`, with the reason each task is in it.

        Returns:
            ``{task_id: reason}`` with reasons ``"requested"``, ``"upstream of X"``,
            ``"downstream of X"``, ``"setup of X"``, ``"teardown of X"``, in
            topological order.

        >>> g = TaskGraph(tasks=[TaskSpec(task_id="a"), TaskSpec(task_id="b", upstream=["a"])])
        >>> g.explain_subset(["a"], downstream=True)
        {'a': 'requested', 'b': 'downstream of a'}
        """
        requested = sorted(self._check_ids(task_ids), key=self._rank.__getitem__)
        return self._explain(requested, upstream=upstream, downstream=downstream)

    # -- internals ------------------------------------------------------------------------
    def _check_ids(self, task_ids: str | Iterable[str]) -> set[str]:
        ids = set(str_or_items_arg("task_ids", task_ids))
        for tid in ids:
            if tid not in self._index:
                raise _unknown("task_ids", tid, self)
        return ids

    @staticmethod
    def _walk(starts: Iterable[str], adjacency: Mapping[str, tuple[str, ...]]) -> set[str]:
        seen: set[str] = set()
        stack = [n for s in starts for n in adjacency[s]]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(adjacency[node])
        return seen

    @staticmethod
    def _walk_new(
        start: str, adjacency: Mapping[str, tuple[str, ...]], seen: set[str]
    ) -> list[str]:
        """Nodes reachable from *start* not in *seen* yet; adds them to *seen*.

        A node already in *seen* was reached by an earlier walk, and so were all the
        nodes beyond it: the walk stops there, so a series of walks costs ``O(V + E)``.
        """
        found: list[str] = []
        stack = list(adjacency[start])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            found.append(node)
            stack.extend(adjacency[node])
        return found

    def _closure(self, task_id: str, direction: str) -> frozenset[str]:
        key = (direction, task_id)
        cached = self._cache.get(key)
        if cached is None:
            adjacency = self._up if direction == "up" else self._down
            cached = frozenset(self._walk((task_id,), adjacency))
            self._cache[key] = cached
        result: frozenset[str] = cached
        return result

    def _setups(self) -> tuple[str, ...]:
        cached = self._cache.get("setups")
        if cached is None:
            cached = tuple(t for t in self._order if self._index[t].is_setup)
            self._cache["setups"] = cached
        result: tuple[str, ...] = cached
        return result

    def _has_setup_teardown(self) -> bool:
        """Whether any task is a setup or a teardown (else every setup rule is a no-op)."""
        cached = self._cache.get("has_st")
        if cached is None:
            cached = any(spec.is_setup or spec.is_teardown for spec in self.tasks)
            self._cache["has_st"] = cached
        return bool(cached)

    def _relevant_st(self, task_id: str) -> Iterator[str]:
        """Relevant upstream setups of *task_id* and their teardowns (task excluded)."""
        for task, _setup in self._relevant_st_pairs(task_id):
            yield task

    def _relevant_st_pairs(self, task_id: str) -> Iterator[tuple[str, str]]:
        """``(task, setup)`` for each relevant setup (``task == setup``) and its teardowns."""
        for setup in self._setups():
            if task_id == setup or task_id not in self._closure(setup, "down"):
                continue
            teardowns = self.teardowns_of(setup)
            if teardowns and not any(task_id in self._closure(td, "up") for td in teardowns):
                continue
            yield setup, setup
            for td in teardowns:
                if td != task_id:
                    yield td, setup

    def _explain(self, requested: list[str], *, upstream: bool, downstream: bool) -> dict[str, str]:
        # Walk the requested tasks in graph order so reasons do not depend on input order.
        requested = sorted(dict.fromkeys(requested), key=self._rank.__getitem__)
        if not self._has_setup_teardown():  # the setup/teardown rules add nothing
            return self._explain_plain(requested, upstream=upstream, downstream=downstream)
        reasons: dict[str, str] = {}
        for tid in requested:
            reasons.setdefault(tid, "requested")
        matched = set(requested)
        later: list[tuple[str, str]] = []  # lower-priority reasons, applied last
        if upstream:
            seen_up: set[str] = set()
            for tid in requested:
                reached = self._walk_new(tid, self._up, seen_up)
                for anc in sorted(reached, key=self._rank.__getitem__):
                    reasons.setdefault(anc, f"upstream of {tid}")
                    if self._index[anc].is_setup:
                        for td in self.teardowns_of(anc):
                            if td != tid:
                                later.append((td, f"teardown of {anc}"))
        if downstream:
            seen: set[str] = set()
            for tid in requested:
                reached = self._walk_new(tid, self._down, seen)
                for rel in sorted(reached, key=self._rank.__getitem__):
                    reasons.setdefault(rel, f"downstream of {tid}")
                    spec = self._index[rel]
                    if rel not in matched and not spec.is_setup and not spec.is_teardown:
                        later.extend(self._st_reasons(rel))
        for tid in requested:
            spec = self._index[tid]
            if not upstream and not spec.is_setup and not spec.is_teardown:
                later.extend(self._st_reasons(tid))
            if spec.is_setup and not downstream:
                later.extend((td, f"teardown of {tid}") for td in self.teardowns_of(tid))
        for tid, reason in later:
            reasons.setdefault(tid, reason)
        return {t: reasons[t] for t in sorted(reasons, key=self._rank.__getitem__)}

    def _explain_plain(
        self, requested: list[str], *, upstream: bool, downstream: bool
    ) -> dict[str, str]:
        """`_explain` for a graph without setup or teardown tasks: the closures only."""
        rank = self._rank.__getitem__
        reasons = dict.fromkeys(requested, "requested")
        for flag, adjacency, label in (
            (upstream, self._up, "upstream of "),
            (downstream, self._down, "downstream of "),
        ):
            if not flag:
                continue
            seen: set[str] = set()
            for tid in requested:
                for rel in sorted(self._walk_new(tid, adjacency, seen), key=rank):
                    reasons.setdefault(rel, label + tid)
        return {t: reasons[t] for t in sorted(reasons, key=rank)}

    def _st_reasons(self, task_id: str) -> Iterator[tuple[str, str]]:
        for st, setup in self._relevant_st_pairs(task_id):
            if st == setup:
                yield st, f"setup of {task_id}"
            else:
                yield st, f"teardown of {setup}"


def _topological(
    index: Mapping[str, TaskSpec],
    up: Mapping[str, tuple[str, ...]],
    down: Mapping[str, list[str]],
) -> tuple[str, ...]:
    """Kahn's algorithm, ties broken by task id (so input order never matters); raises on a cycle."""
    import heapq

    names_sorted = sorted(index)
    position = {tid: i for i, tid in enumerate(names_sorted)}
    pending = {tid: len(up[tid]) for tid in index}
    heap = [position[t] for t, n in pending.items() if n == 0]
    heapq.heapify(heap)
    names = names_sorted
    order: list[str] = []
    while heap:
        tid = names[heapq.heappop(heap)]
        order.append(tid)
        for child in down[tid]:
            pending[child] -= 1
            if pending[child] == 0:
                heapq.heappush(heap, position[child])
    if len(order) < len(index):
        raise CyclicGraphError(
            f"tasks: the graph has a cycle: {' → '.join(_find_cycle(index, up, pending))}",
            argument="tasks",
        )
    return tuple(order)


def _find_cycle(
    index: Mapping[str, TaskSpec], up: Mapping[str, tuple[str, ...]], pending: Mapping[str, int]
) -> list[str]:
    """One cycle among the tasks Kahn's algorithm could not order, first task repeated."""
    stuck = [t for t in index if pending[t] > 0]
    stuck_set = set(stuck)
    # Every stuck task has a stuck upstream; follow downstream edges backwards until a
    # task repeats, then print the cycle in edge direction.
    path: list[str] = []
    where: dict[str, int] = {}
    node = stuck[0]
    while node not in where:
        where[node] = len(path)
        path.append(node)
        ups = up[node]
        node = ups[0] if len(ups) == 1 else next(u for u in ups if u in stuck_set)
    cycle = path[where[node] :]
    cycle.reverse()  # we walked upstream; print downstream
    # start at the task given first, for a stable message
    given = {tid: i for i, tid in enumerate(index)}
    first = min(range(len(cycle)), key=lambda i: given[cycle[i]])
    cycle = cycle[first:] + cycle[:first]
    if len(cycle) > _CYCLE_SHOWN:  # a short message: the first tasks, the count, the last
        head = cycle[: _CYCLE_SHOWN - 1]
        return [*head, f"… ({len(cycle) - len(head) - 1} more) …", cycle[-1], cycle[0]]
    return [*cycle, cycle[0]]


#: The most tasks of a cycle a `CyclicGraphError` message names.
_CYCLE_SHOWN = 6


def _unknown(argument: str, task_id: object, graph: TaskGraph) -> UnknownTaskError:
    known = ", ".join(repr(t) for t in graph.task_ids[:8])
    more = ", …" if len(graph) > 8 else ""
    return UnknownTaskError(
        f"{argument}={task_id!r}: no task with this id in the graph (known: {known}{more})",
        argument=argument,
    )
